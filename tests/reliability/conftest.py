"""Faults with figures: the app under gunicorn, mail senders, SMTP, IMAP and the database, each
broken on purpose, and what came of it counted.

Every scenario talks to loopback only, is bounded in count and time, and prints one line of
figures (`fault NAME: requests 40, connection errors 11, …`); the lines come together again in
a table at the end of the run (`make chaos`). What must hold is asserted: no bare 500, no report
lost or doubled, no mail lost. What may happen (a mail sent twice after its sender was killed,
with the same Message-ID) is counted.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import flask_migrate
import pytest
import requests
from flask import Flask
from sqlalchemy import create_engine, func, make_url, select, text
from sqlalchemy.exc import OperationalError

from helpdesk import create_app
from helpdesk.categories import seed_default_categories
from helpdesk.database import db
from helpdesk.models import Category, MailKind, Message, OutboundMail, Ticket

from ..conftest import TEST_DATABASE_URL, _test_config
from ..factories import PASSWORD, make_user
from ..outbound.mailserver import free_port

ROOT = Path(__file__).resolve().parents[2]
FIGURES = pytest.StashKey[list[str]]()
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
MEMBER = "member@reliability.example"
RETRIES = 30


# --- figures -----------------------------------------------------------------------------------


@dataclass
class Figures:
    """Counts for one fault, printed as one line in the order they were first counted."""

    fault: str
    counts: Counter = field(default_factory=Counter)

    def add(self, name: str, number: int = 1) -> None:
        self.counts[name] += number

    def __getitem__(self, name: str) -> int:
        return self.counts[name]

    def line(self) -> str:
        return f"fault {self.fault}: " + ", ".join(f"{k} {v}" for k, v in self.counts.items())


@pytest.fixture
def figures(request):
    """figures(fault) -> a Figures, printed when the test ends (whether it passed or not)."""
    made: list[Figures] = []

    def make(fault: str) -> Figures:
        made.append(Figures(fault))
        return made[-1]

    yield make
    for counted in (counted for counted in made if counted.counts):  # none when it skipped
        print(f"\n{counted.line()}")
        request.config.stash.setdefault(FIGURES, []).append(counted.line())


def pytest_terminal_summary(terminalreporter, config):
    lines = config.stash.get(FIGURES, [])
    if lines:
        terminalreporter.section("faults with figures")
        for line in lines:
            terminalreporter.line(line)


# --- databases and the served app ----------------------------------------------------------------


def postgres_server() -> str:
    """TEST_DATABASE_URL when it names PostgreSQL; the scenario skips otherwise."""
    if not TEST_DATABASE_URL.startswith("postgres"):
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL (a scratch database is made there)")
    return TEST_DATABASE_URL


@contextmanager
def scratch_database(folder: Path, server: str | None = None) -> Iterator[str]:
    """A new database for one scenario: SQLite in `folder`, or a scratch database on the
    PostgreSQL `server`, dropped afterwards."""
    if server is None:
        yield f"sqlite:///{folder / 'helpdesk.db'}"
        return
    name = f"helpdesk_reliability_{secrets.token_hex(4)}"
    admin = create_engine(make_url(server).set(drivername="postgresql+psycopg"))
    admin = admin.execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# What the served app and the test's own copy of it share: cheap hashing, no acknowledgment cap.
SETTINGS = {
    "HELPDESK_ARGON2_TIME_COST": "1",
    "HELPDESK_ARGON2_MEMORY_KIB": "1024",
    "HELPDESK_ACKS_PER_HOUR": "100000",
    "HELPDESK_LOG_LEVEL": "WARNING",
}


@dataclass
class Served:
    """gunicorn serving tests/reliability/faulty_wsgi.py; `app` is the same app in this process,
    for setting up and counting."""

    url: str
    app: Flask
    master: subprocess.Popen
    fault_dir: Path
    kills: int = 0

    def workers(self) -> list[int]:
        return _children(self.master.pid)

    def kill_worker(self, pid: int) -> None:
        """kill -9 one of this server's workers (and only one of them)."""
        assert pid in self.workers(), f"{pid} is not a worker of this server"
        os.kill(pid, signal.SIGKILL)
        self.kills += 1


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError):  # it ended while we looked
            continue
        if parent == pid:
            children.append(int(stat.parent.name))
    return children


def prepared_app(database: str, folder: Path, settings: dict) -> Flask:
    """The app on a new database: migrated, the default categories, one member."""
    config = _test_config(database, folder / "instance") | {
        name: int(value) if value.isdigit() else value for name, value in settings.items()
    }
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()
        seed_default_categories()
        make_user(email=MEMBER)
        db.session.commit()
    return app


@contextmanager
def served(
    database: str, folder: Path, workers: int = 2, wrap: list[str] = (), **settings
) -> Iterator[Served]:
    """gunicorn on a free loopback port with `workers` workers, the database migrated; `wrap`
    is a command the server runs under (it must exec what follows it)."""
    settings = SETTINGS | {name: str(value) for name, value in settings.items()}
    settings.setdefault("HELPDESK_ATTACHMENT_DIR", str(folder / "attachments"))
    # The test's own copy waits out a held SQLite lock: its counting must not fail for it.
    app = prepared_app(database, folder, settings | {"HELPDESK_SQLITE_BUSY_TIMEOUT_MS": "10000"})
    fault_dir = folder / "faults"
    fault_dir.mkdir()
    port = free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": database,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "FAULT_DIR": str(fault_dir),
        **settings,
    }
    command = [*wrap, sys.executable, "-m", "gunicorn", "--workers", str(workers)]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "error", "--graceful-timeout", "2"]
    command += ["tests.reliability.faulty_wsgi:app"]
    log = (folder / "gunicorn.log").open("w")
    master = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    server = Served(f"http://127.0.0.1:{port}", app, master, fault_dir)
    try:
        _wait_until_listening(port, master, folder / "gunicorn.log")
        yield server
    finally:
        master.terminate()
        master.wait(timeout=30)
        log.close()
        with app.app_context():
            db.engine.dispose()


def _wait_until_listening(port: int, master: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert master.poll() is None, f"gunicorn ended: {log.read_text()}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"gunicorn did not listen within a minute: {log.read_text()}")


# --- a member's browser ------------------------------------------------------------------------


class Member:
    """A logged-in member's browser: cookies, the report form's token and category."""

    def __init__(self, server: Served):
        self.server = server
        self.session = requests.Session()
        page = self.session.get(f"{server.url}/login", timeout=30).text
        form = {"csrf_token": CSRF.search(page).group(1), "email": MEMBER, "password": PASSWORD}
        answer = self.session.post(
            f"{server.url}/login", data=form, allow_redirects=False, timeout=30
        )
        assert answer.status_code == 302, answer.text
        page = self.session.get(f"{server.url}/tickets/new", timeout=30).text
        self.csrf_token = CSRF.search(page).group(1)
        with server.app.app_context():
            slug = Category.slug == "off-platform-payment"
            self.category = db.session.scalar(select(Category.id).where(slug))

    def report(self, key: str) -> dict:
        """The report form as a browser fills it, `key` in its hidden submission_key."""
        return {
            "csrf_token": self.csrf_token,
            "category": str(self.category),
            "subject": f"Asked to pay outside the platform ({key[:8]})",
            "description": "The client asked me to accept payment by bank transfer instead.",
            "reported": "quickpay_dev",
            "submission_key": key,
        }

    def prepare(self, form: dict, files: dict | None = None, **headers) -> requests.PreparedRequest:
        request = requests.Request(
            "POST", f"{self.server.url}/tickets/new", data=form, files=files, headers=headers
        )
        return self.session.prepare_request(request)

    def send(self, prepared: requests.PreparedRequest) -> requests.Response:
        return self.session.send(prepared, allow_redirects=False, timeout=60)

    def open(self, location: str, figures: "Figures") -> None:
        """Open the page a submission led to, as the browser shows it next; again after a
        connection error or a 503, as a member would."""
        for _ in range(RETRIES):
            figures.add("requests")
            try:
                status = self.session.get(self.server.url + location, timeout=30).status_code
            except OSError:
                figures.add("connection errors")
                continue
            if status != 503:
                assert status == 200, f"{location}: {status}"
                return
            figures.add("503")
        raise AssertionError(f"{location} did not open in {RETRIES} tries")


def send_until_answered(member: Member, form: dict, files, figures, retrying=False) -> str:
    """What a member does: send the same form again after a connection error or a 503, until
    it is answered. Returns the page the answer leads to; any other answer fails the scenario."""
    key = form["submission_key"]
    for _ in range(RETRIES):
        figures.add("requests")
        figures.add("retried", retrying)
        try:
            answer = member.send(member.prepare(form, files))
        except OSError:  # requests' ConnectionError is one
            figures.add("connection errors")
        else:
            if answer.status_code != 503:
                assert answer.status_code == 302, f"{answer.status_code}: {answer.text[:300]}"
                member.open(answer.headers["Location"], figures)
                return answer.headers["Location"]
            assert int(answer.headers["Retry-After"]) > 0
            figures.add("503")
            time.sleep(0.05)  # not Retry-After's seconds: the scenario keeps its pace
        retrying = True
        # A failed request whose report was saved all the same: the retry must land on it.
        figures.add("saved before the error", saved_reference(member.server.app, key) is not None)
    raise AssertionError(f"no answer after {RETRIES} tries")


def raw_request(prepared: requests.PreparedRequest, body_bytes: int | None = None) -> socket.socket:
    """Send `prepared` over a socket of its own, the body cut after `body_bytes` if given (an
    upload still on its way); read the answer with raw_answer()."""
    url = urlsplit(prepared.url)
    connection = socket.create_connection((url.hostname, url.port), timeout=60)
    headers = "".join(f"{name}: {value}\r\n" for name, value in prepared.headers.items())
    head = f"POST {url.path} HTTP/1.1\r\nHost: {url.netloc}\r\nConnection: close\r\n{headers}\r\n"
    body = prepared.body if isinstance(prepared.body, bytes) else prepared.body.encode()
    connection.sendall(head.encode() + body[:body_bytes])
    return connection


def raw_answer(connection: socket.socket) -> int | None:
    """The answer's status code, or None when the connection ended without one."""
    data = b""
    try:
        while chunk := connection.recv(65536):
            data += chunk
    except OSError:
        pass
    finally:
        connection.close()
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else None


def wait_for(path: Path, seconds: float = 30) -> Path:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} did not appear in {seconds} s"
        time.sleep(0.005)
    return path


# --- what was stored ---------------------------------------------------------------------------


def saved_reference(app: Flask, key: str) -> str | None:
    """The reference the key's report was saved under; the test's own read retries when the
    fault being injected (a terminated backend) strikes its connection too."""
    query = select(Ticket.reference).where(Ticket.submission_key == key)
    for attempt in range(5):
        with app.app_context():
            try:
                return db.session.scalar(query)
            except OperationalError:
                if attempt == 4:
                    raise
        time.sleep(0.05)


def stored_once(app: Flask, keys: list[str], figures: Figures) -> None:
    """Count every report sent (by its submission key) and how it was stored, and assert each
    exists exactly once and whole: one ticket, its first message, its acknowledgment."""
    with app.app_context():
        tickets = Counter(db.session.scalars(select(Ticket.submission_key)).all())
        messages = Counter(
            db.session.scalars(
                select(Ticket.submission_key).join(Message, Message.ticket_id == Ticket.id)
            ).all()
        )
        acknowledged = Counter(
            db.session.scalars(
                select(Ticket.submission_key)
                .join(OutboundMail, OutboundMail.ticket_id == Ticket.id)
                .where(OutboundMail.kind == MailKind.REPORT_RECEIVED)
            ).all()
        )
        total = db.session.scalar(select(func.count()).select_from(Ticket))
    lost = [key for key in keys if tickets[key] == 0]
    doubled = [key for key in keys if tickets[key] > 1]
    half = [key for key in keys if tickets[key] and (messages[key], acknowledged[key]) != (1, 1)]
    figures.add("reports", sum(tickets[key] for key in keys))
    figures.add("lost", len(lost))
    figures.add("doubled", len(doubled))
    figures.add("half", len(half))
    assert (lost, doubled, half) == ([], [], []), figures.line()
    assert total == len(keys), f"{total} tickets for {len(keys)} reports sent"
