"""kill -9 of a gunicorn worker while it reads an upload, after it committed a report but before
it answered, and at a random moment of a request. The member's browser sends the same form again
(the same submission key) after a connection error; every report it sent exists exactly once,
and a retry after a commit lands on the report saved the first time."""

import random
import secrets
import socket

import pytest

from .conftest import (
    Member,
    raw_answer,
    raw_request,
    saved_reference,
    scratch_database,
    send_until_answered,
    served,
    stored_once,
    wait_for,
)

pytestmark = [pytest.mark.reliability, pytest.mark.p6]

ROUNDS = 8  # of each kind of kill
PNG = b"\x89PNG\r\n\x1a\n"


def evidence() -> dict:
    """A 256 KiB screenshot of its own, so reading it takes the worker a moment."""
    return {"attachments": ("screenshot.png", PNG + secrets.token_bytes(256 * 1024), "image/png")}


def kill_mid_upload(server, member, prepared, tag) -> int | None:
    """The worker dies with half of the upload read."""
    connection = raw_request(prepared, body_bytes=len(prepared.body) // 2)
    server.kill_worker(int(wait_for(server.fault_dir / tag).read_text()))
    return raw_answer(connection)


def kill_after_commit(server, member, prepared, tag) -> int | None:
    """The worker dies after the commit, before the answer."""
    prepared.headers["X-Fault-Hold"] = "after-commit"
    connection = raw_request(prepared)
    wait_for(server.fault_dir / f"{tag}.held")
    server.kill_worker(int((server.fault_dir / tag).read_text()))
    return raw_answer(connection)


def kill_at_random(server, member, prepared, tag) -> int | None:
    """The worker dies at a random moment of the request, unless it answered first."""
    connection = raw_request(prepared)
    pid = int(wait_for(server.fault_dir / tag).read_text())
    connection.settimeout(random.uniform(0.0, 0.1))
    try:
        answered = connection.recv(1, socket.MSG_PEEK)
    except TimeoutError:
        answered = b""
    connection.settimeout(60)
    if not answered and pid in server.workers():
        server.kill_worker(pid)
    return raw_answer(connection)


# What must be stored when the worker died without answering: nothing, the report, either.
KILLS = {kill_mid_upload: False, kill_after_commit: True, kill_at_random: None}


def test_kill_worker_mid_upload_and_after_commit(tmp_path, figures):
    counted = figures("kill-worker")
    keys: list[str] = []
    with scratch_database(tmp_path) as database, served(database, tmp_path) as server:
        member = Member(server)
        for number in range(ROUNDS):
            for kill, must_be_saved in KILLS.items():
                key, tag = secrets.token_urlsafe(16), f"{kill.__name__}-{number}"
                keys.append(key)
                form, files = member.report(key), evidence()
                prepared = member.prepare(form, files, **{"X-Fault-Tag": tag})
                counted.add("requests")
                status = kill(server, member, prepared, tag)
                if status is not None:  # it answered before the kill
                    assert status == 302, status
                    counted.add("answered before the kill")
                    continue
                counted.add("connection errors")
                saved = saved_reference(server.app, key)
                if must_be_saved is not None:
                    assert (saved is not None) == must_be_saved, kill.__name__
                counted.add("saved but unanswered", saved is not None)
                location = send_until_answered(member, form, files, counted, retrying=True)
                if saved:  # the retry lands on the report the killed worker saved
                    assert location.endswith(f"/tickets/{saved}")
                    counted.add("retry landed on the saved report")
        counted.add("workers killed", server.kills)
        stored_once(server.app, keys, counted)
