"""What the benchmarks share: scratch databases (never the one the app uses), peak memory of
processes, progress lines, and the results.

Every benchmark saves its figures under its own key in bench/results.json, with a "table": rows
of (measure, value, unit). Run alone, a benchmark prints its own rows; `python -m bench` runs
them all and prints every row in one table.
"""

import argparse
import json
import logging
import os
import resource
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
from sqlalchemy import create_engine, text

from helpdesk import accounts, create_app
from helpdesk.config import database_url
from helpdesk.models import Role

RESULTS = Path(__file__).resolve().parent / "results.json"
ROOT = Path(__file__).resolve().parent.parent

# (measure, value, unit); the value is a number or a short text such as "20.1 / 78".
Row = tuple[str, object, str]


def database_server() -> str | None:
    """The PostgreSQL server that holds the scratch databases, or None for SQLite.

    BENCH_DATABASE_URL wins; otherwise DATABASE_URL when it names PostgreSQL. Either may name
    any database the user can connect to: the benchmarks connect there only to create and drop
    their own `helpdesk_bench_*` databases, and never read or change what it holds.
    """
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    return database_url(url) if url.startswith(("postgres://", "postgresql")) else None


def engine_name(url: str) -> str:
    """'sqlite' or 'postgresql', from a database URL."""
    return url.split(":", 1)[0].split("+")[0]


@contextmanager
def scratch_database(name: str, folder: str) -> Iterator[str]:
    """A fresh, empty database for the length of the block: SQLite in `folder`, or `name` on
    the PostgreSQL server of database_server(), created anew and dropped afterwards."""
    server = database_server()
    if not server:
        yield f"sqlite:///{folder}/{name}.db"
        return
    admin = create_engine(server, isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    drop()
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        drop()
        admin.dispose()


def bench_app(env: dict):
    """The app as a benchmark's subprocesses see it (their environment's database, secret key
    and attachment folder), for setting up and checking in this process."""
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "SECRET_KEY": env["SECRET_KEY"],
            "HELPDESK_ATTACHMENT_DIR": env["HELPDESK_ATTACHMENT_DIR"],
        }
    )


def migrate_quietly() -> None:
    """Bring the scratch database to the newest schema. From here on this process logs
    warnings only: each migration's line and each account's audit line are of no use here
    (a level set on a logger would not do: the migration environment configures logging)."""
    logging.disable(logging.INFO)
    flask_migrate.upgrade()


def create_bench_users(role: Role, count: int, password: str | None) -> list[int]:
    """`count` accounts named <role><n>@bench.example, all with `password`; flushes and
    returns their ids."""
    return [
        accounts.create_user(
            f"{role.value}{number}@bench.example",
            password,
            role=role,
            display_name=f"{role.value.title()} {number}",
            actor=None,
        ).id
        for number in range(count)
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def peak_rss_mib(pid: int | str = "self") -> float:
    """The most memory a live process has held so far (VmHWM, its peak resident set), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError(f"no VmHWM for process {pid}")


def largest_peak_rss_mib() -> float:
    """The most memory this process, or any child process it has waited for, held at once."""
    children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    return max(peak_rss_mib(), round(children_kib / 1024, 1))


def child_pids(pid: int) -> list[int]:
    """The live processes whose parent is `pid` (a gunicorn master's workers)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # pid (command) state ppid …; the command may itself hold spaces or parentheses.
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except OSError:  # it ended while we looked
            continue
        if parent == pid:
            children.append(int(stat.parent.name))
    return sorted(children)


# Runs `python -m MODULE ARGS…`, and as that process exits writes its peak memory (or that of
# the largest process it forked) to a file.
# The peak must come from inside the process: the ru_maxrss that wait4 reports for a child
# also counts its parent's peak, which Linux carries over the exec.
_PEAK_AT_EXIT = """
import atexit, runpy, sys
from pathlib import Path
from bench.common import largest_peak_rss_mib
peak_file, sys.argv = sys.argv[1], sys.argv[2:]
atexit.register(lambda: Path(peak_file).write_text(str(largest_peak_rss_mib())))
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def module_command(module: str, *args: str, peak_file: Path) -> list[str]:
    """The command for `python -m module args…` that leaves its peak memory (MiB), or that of
    the largest process it forked, in `peak_file` when it exits; read it with
    float(peak_file.read_text())."""
    return [sys.executable, "-c", _PEAK_AT_EXIT, str(peak_file), module, *args]


def progress(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')}  {text}", flush=True)


def argument_parser(doc: str) -> argparse.ArgumentParser:
    """A benchmark's command line: its first docstring line as the description, and
    --no-table for `python -m bench`, which prints every benchmark's rows in one table."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--no-table", action="store_true", help="only save the figures")
    return parser


def report(key: str, figures: dict, rows: list[Row], *, show_table: bool) -> None:
    """Merge one benchmark's figures and rows into bench/results.json (keeping the other
    benchmarks'), and print its rows unless told not to."""
    results = load_results()
    results[key] = {**figures, "table": [list(row) for row in rows]}
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    if show_table:
        print_table([(key, *row) for row in rows])


def load_results() -> dict:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def print_table(rows: list[tuple[str, str, object, str]]) -> None:
    """Rows of (benchmark, measure, value, unit), aligned, a rule under the header."""
    header = ("benchmark", "measure", "value", "unit")
    cells = [header, *[tuple(str(cell) for cell in row) for row in rows]]
    widths = [max(len(row[column]) for row in cells) for column in range(4)]

    def line(row) -> str:
        benchmark, measure, value, unit = row
        return (
            f"{benchmark:<{widths[0]}}  {measure:<{widths[1]}}  "
            f"{value:>{widths[2]}}  {unit}".rstrip()
        )

    print()
    print(line(header))
    print("-" * (sum(widths) + 6))
    for row in cells[1:]:
        print(line(row))
