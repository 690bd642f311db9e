"""The migrated schema is the schema the models describe, and every revision runs both ways."""

from pathlib import Path

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from helpdesk import create_app
from helpdesk.database import db
from helpdesk.search import is_search_object

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        options = {"compare_type": True, "include_object": _not_search_object}
        context = MigrationContext.configure(connection, opts=options)
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def _not_search_object(object_, name, type_, reflected, compare_to) -> bool:
    return not is_search_object(name)


def test_one_head():
    assert len(ScriptDirectory(str(MIGRATIONS)).get_heads()) == 1


def test_downgrade_to_nothing_and_back(database_url, tmp_path):
    """On a database of its own, so the shared one stays migrated for the other tests."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    else:
        url = _scratch_postgres_database(database_url)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)}
    )
    with app.app_context():
        flask_migrate.upgrade()
        assert "tickets" in inspect(db.engine).get_table_names()
        flask_migrate.downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]  # FTS tables too
        flask_migrate.upgrade()
        assert "tickets" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def _scratch_postgres_database(url: str) -> str:
    """An empty database beside the test database, made afresh."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"{admin.url.database}_roundtrip"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin.url.set(database=name).render_as_string(hide_password=False)
