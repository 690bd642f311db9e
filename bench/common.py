"""What the benchmarks share: scratch databases (never the one the app uses) and the
results file that `make bench` fills, one key per benchmark."""

import json
import logging
import os
from pathlib import Path

import flask_migrate
from sqlalchemy import create_engine, text

from helpdesk import accounts
from helpdesk.models import Role

RESULTS = Path(__file__).resolve().parent / "results.json"


def scratch_database(name: str, folder: str) -> str:
    """A fresh, empty database: SQLite in `folder`, or on the PostgreSQL server named by
    BENCH_DATABASE_URL (dropped and created again under `name`)."""
    server = os.environ.get("BENCH_DATABASE_URL")
    if not server:
        return f"sqlite:///{folder}/{name}.db"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin.url.set(database=name).render_as_string(hide_password=False)


def save_results(key: str, figures: dict) -> None:
    """Merge one benchmark's figures into bench/results.json, keeping the others'."""
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results[key] = figures
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def migrate_quietly() -> None:
    """Bring the scratch database to the newest schema, keeping the benchmark's output to its
    tables: the migration's log set-up and each account's audit line are of no use here."""
    flask_migrate.upgrade()
    for name in ("alembic", "helpdesk"):
        logging.getLogger(name).setLevel(logging.WARNING)


def create_bench_users(role: Role, count: int, password: str) -> None:
    """`count` accounts named <role><n>@bench.example, all with `password`; flushes."""
    for number in range(count):
        accounts.create_user(
            f"{role.value}{number}@bench.example",
            password,
            role=role,
            display_name=f"{role.value.title()} {number}",
            actor=None,
        )
