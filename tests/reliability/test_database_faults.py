"""The database and the disk under the served app: PostgreSQL backends terminated mid-burst, the
SQLite write lock held by another process, and the evidence store's disk full. No answer is a
bare 500: the database's absence is 503 with Retry-After, a full disk 507; the member's retries
(the same submission key) leave every report stored once and whole."""

import secrets
import shutil
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, make_url, select, text

from helpdesk.database import db
from helpdesk.models import Attachment, Ticket

from .conftest import (
    Member,
    postgres_server,
    saved_reference,
    scratch_database,
    send_until_answered,
    served,
    stored_once,
)

pytestmark = [pytest.mark.reliability, pytest.mark.p6]

CLIENTS = 3
REPORTS_PER_CLIENT = 15


def burst(server, figures, fault: Callable[[], None], pause: float) -> list[str]:
    """CLIENTS members send REPORTS_PER_CLIENT reports each, retrying as members do, while
    `fault` strikes every `pause` seconds. Returns every submission key sent."""
    members = [Member(server) for _ in range(CLIENTS)]
    keys = [[secrets.token_urlsafe(16) for _ in range(REPORTS_PER_CLIENT)] for _ in members]
    done, failures = threading.Event(), []

    def send_all(member: Member, mine: list[str]) -> None:
        try:
            for key in mine:
                send_until_answered(member, member.report(key), None, figures)
        except BaseException as failure:
            failures.append(failure)

    def strike() -> None:
        while not done.wait(pause):
            fault()

    threads = [
        threading.Thread(target=send_all, args=pair) for pair in zip(members, keys, strict=True)
    ]
    striker = threading.Thread(target=strike)
    for thread in [*threads, striker]:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    striker.join()
    if failures:
        raise failures[0]
    return [key for mine in keys for key in mine]


def test_postgres_backends_terminated_mid_burst(tmp_path, figures):
    counted = figures("postgres-terminated")
    with (
        scratch_database(tmp_path, postgres_server()) as database,
        served(database, tmp_path) as server,
    ):
        url = make_url(database)
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")

        def terminate() -> None:
            with admin.connect() as connection:
                terminated = connection.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": url.database},
                ).scalar_one()
            counted.add("backends terminated", terminated)

        try:
            keys = burst(server, counted, terminate, pause=0.15)
        finally:
            admin.dispose()
        stored_once(server.app, keys, counted)


def test_sqlite_write_lock_held_by_another_process(tmp_path, figures):
    counted = figures("sqlite-locked")
    with (
        scratch_database(tmp_path) as database,
        served(database, tmp_path, HELPDESK_SQLITE_BUSY_TIMEOUT_MS=100) as server,
    ):
        path = make_url(database).database
        locker = sqlite3.connect(path, isolation_level=None, timeout=10, check_same_thread=False)

        def hold_the_write_lock() -> None:
            locker.execute("BEGIN IMMEDIATE")
            time.sleep(0.3)  # three busy timeouts: writes that start now get 503
            locker.execute("ROLLBACK")
            counted.add("lock held")

        try:
            keys = burst(server, counted, hold_the_write_lock, pause=0.2)
        finally:
            locker.close()
        stored_once(server.app, keys, counted)


# --- a full disk under the evidence store ------------------------------------------------------

STORE_KIB = 512
EVIDENCE_KIB = 100
REPORTS_WITH_EVIDENCE = 10


def small_filesystem_command(mountpoint: Path) -> list[str]:
    """Run the server in a mount namespace of its own, a STORE_KIB tmpfs over `mountpoint`."""
    unshare = shutil.which("unshare")
    probe = [unshare or "unshare", "--user", "--map-root-user", "--mount", "true"]
    if not unshare or subprocess.run(probe, capture_output=True).returncode != 0:
        pytest.skip("needs unshare --user --mount (user namespaces) for a small filesystem")
    mount = f'mount -t tmpfs -o size={STORE_KIB}k tmpfs "$0" && exec "$@"'
    return [*probe[:-1], "sh", "-c", mount, str(mountpoint)]


def test_evidence_store_disk_full(tmp_path, figures):
    counted = figures("disk-full")
    store = tmp_path / "store"
    store.mkdir()
    wrap = small_filesystem_command(store)
    with (
        scratch_database(tmp_path) as database,
        served(database, tmp_path, wrap=wrap, HELPDESK_ATTACHMENT_DIR=store) as server,
    ):
        # The store as the server sees it: through its process, inside its namespace.
        seen = Path(f"/proc/{server.master.pid}/root") / store.relative_to("/")
        member = Member(server)
        accepted, refused = [], []
        for _ in range(REPORTS_WITH_EVIDENCE):
            key = secrets.token_urlsafe(16)
            png = b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(EVIDENCE_KIB * 1024)
            files = {"attachments": ("screenshot.png", png, "image/png")}
            counted.add("requests")
            answer = member.send(member.prepare(member.report(key), files))
            assert answer.status_code in (302, 422), f"{answer.status_code}: {answer.text[:300]}"
            if answer.status_code == 302:
                accepted.append(key)
                continue
            assert "We could not store your files just now" in answer.text
            assert saved_reference(server.app, key) is None
            refused.append(key)
        counted.add("stored", len(accepted))
        counted.add("refused beside the field", len(refused))
        leftovers = list(seen.glob(".upload-*"))
        counted.add("temporary files left", len(leftovers))
        with server.app.app_context():
            stored = db.session.scalars(select(Attachment.sha256)).all()
            tickets = db.session.scalar(select(func.count()).select_from(Ticket))
        half = [sha for sha in stored if not (seen / sha[:2] / sha[2:4] / sha).exists()]
        counted.add("half", len(half) + tickets - len(accepted))
        assert refused, "the store never filled up"
        assert (half, tickets, leftovers) == ([], len(accepted), [])
