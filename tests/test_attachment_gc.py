"""`flask attachments gc`: removes stored files no row points to and stale temporary files,
keeps everything younger than the threshold, and restores what a crash left half-placed."""

import hashlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from bench.common import ROOT, child_pids, free_port
from helpdesk import storage
from helpdesk.categories import active_category_by_slug
from helpdesk.database import db
from helpdesk.models import Attachment
from helpdesk.storage.filesystem import TEMP_PREFIX

from .conftest import CSRF_INPUT
from .factories import PASSWORD, make_ticket, make_user

HOURS_AGO = time.time() - 2 * 3600


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _put(path: Path, content: bytes, old: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    if old:
        os.utime(path, (HOURS_AGO, HOURS_AGO))
    return path


def _attach(content: bytes) -> None:
    """An Attachment row naming `content`, committed."""
    message = make_ticket().messages[0]
    message.attachments.append(
        Attachment(
            filename="chat.png", content_type="image/png", size=len(content), sha256=_sha(content)
        )
    )
    db.session.commit()


@pytest.fixture
def store(app_context):
    return storage.current().inner


def _stored(store, sha256: str) -> Path:
    return store.path(storage.attachment_key(sha256))


@pytest.fixture
def stray_files(store):
    """Files of every kind in the store, by what gc should do with them."""
    _attach(b"kept evidence")
    return {
        "kept": [
            _put(_stored(store, _sha(b"kept evidence")), b"kept evidence"),
            _put(_stored(store, _sha(b"young orphan")), b"young orphan", old=False),
            _put(store.root / f"{TEMP_PREFIX}young", b"an upload in progress", old=False),
        ],
        "removed": [
            _put(_stored(store, _sha(b"old orphan")), b"old orphan"),
            _put(store.root / f"{TEMP_PREFIX}old", b"half an upl"),
        ],
    }


def _gc(runner, *args: str):
    result = runner.invoke(args=["attachments", "gc", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_gc_removes_old_orphans_and_keeps_rows_and_young_files(runner, store, stray_files):
    output = _gc(runner)
    for path in stray_files["removed"]:
        assert not path.exists()
        assert f"removed: {path.relative_to(store.root)}" in output
    assert all(path.exists() for path in stray_files["kept"])
    assert "Removed 2 files (21 bytes), restored 0." in output


def test_a_dry_run_removes_nothing(runner, store, stray_files):
    output = _gc(runner, "--dry-run")
    for path in stray_files["removed"]:
        assert f"would be removed: {path.relative_to(store.root)}" in output
    assert all(path.exists() for path in stray_files["kept"] + stray_files["removed"])
    assert "nothing changed: would have removed 2 files" in output


def test_the_threshold_is_an_option(runner, store, stray_files):
    _gc(runner, "--older-than-minutes", "180")
    assert all(path.exists() for path in stray_files["kept"] + stray_files["removed"])


def test_a_temporary_file_whose_row_committed_is_restored(runner, store):
    """A crash between the commit and the move into place leaves the row and the temporary."""
    _attach(b"committed evidence")
    temporary = _put(store.root / f"{TEMP_PREFIX}crashed", b"committed evidence")
    output = _gc(runner)
    final = _stored(store, _sha(b"committed evidence"))
    assert final.read_bytes() == b"committed evidence" and not temporary.exists()
    assert f"restored: {final.relative_to(store.root)}" in output


def test_a_file_set_aside_by_a_stopped_run_goes_back_if_a_row_names_it(runner, store):
    _attach(b"claimed meanwhile")
    claimed = _put(store.root / f".gc-{_sha(b'claimed meanwhile')}", b"claimed meanwhile")
    unclaimed = _put(store.root / f".gc-{_sha(b'nobody')}", b"nobody")
    _gc(runner)
    assert _stored(store, _sha(b"claimed meanwhile")).exists() and not claimed.exists()
    assert not unclaimed.exists() and not _stored(store, _sha(b"nobody")).exists()


def test_a_row_committed_while_gc_runs_keeps_its_file(runner, store, monkeypatch):
    """The orphan is set aside, then its rows are looked up again: one committed just now
    (the same evidence sent again) brings the file back."""
    from helpdesk import attachment_gc

    path = _put(_stored(store, _sha(b"sent again")), b"sent again")
    looked_up = attachment_gc._referenced_contents

    def commit_after_the_first_look():
        contents = looked_up()
        if not db.session.scalar(select(Attachment.id)):
            _attach(b"sent again")
        return contents

    monkeypatch.setattr(attachment_gc, "_referenced_contents", commit_after_the_first_look)
    output = _gc(runner)
    assert path.read_bytes() == b"sent again"
    assert "Removed 0 files" in output


def test_rows_naming_missing_files_are_reported(runner, store):
    _attach(b"lost")
    result = runner.invoke(args=["attachments", "gc"])
    assert "attachment rows name 1 file(s) missing from the store" in result.output


# --- a worker killed mid-upload -----------------------------------------------------------------


@pytest.fixture
def stalling_server(app, app_context):
    """gunicorn (one worker) serving the test database and store with tests/stalling_app.py;
    yields (master process, port)."""
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "HELPDESK_ATTACHMENT_DIR": app.config["HELPDESK_ATTACHMENT_DIR"],
        "HELPDESK_ARGON2_TIME_COST": "1",
        "HELPDESK_ARGON2_MEMORY_KIB": "1024",
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "tests.stalling_app:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        _wait_for(lambda: _accepts(port), "gunicorn to listen")
        yield server, port
    finally:
        server.terminate()
        server.wait(timeout=60)


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _wait_for(condition, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(0.05)
    raise AssertionError(f"waited {seconds} s for {what}")


def _logged_in_form(port: int, email: str) -> tuple[str, str]:
    """Log in over HTTP; the session cookie and the report form's CSRF token."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    cookies: dict[str, str] = {}

    def request(method: str, path: str, body: str | None = None) -> str:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            cookies[name] = value
        return response.read().decode()

    token = CSRF_INPUT.search(request("GET", "/login")).group(1)
    request(
        "POST", "/login", urlencode({"csrf_token": token, "email": email, "password": PASSWORD})
    )
    token = CSRF_INPUT.search(request("GET", "/tickets/new")).group(1)
    connection.close()
    return "; ".join(f"{k}={v}" for k, v in cookies.items()), token


def _multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[str, bytes]:
    boundary = "evidence-boundary-7d1f"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
        f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    return f"multipart/form-data; boundary={boundary}", b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode()


def test_gc_cleans_up_after_a_worker_killed_mid_upload(app, runner, store, stalling_server):
    server, port = stalling_server
    _attach(b"evidence of an earlier report")
    _put(_stored(store, _sha(b"evidence of an earlier report")), b"evidence of an earlier report")
    email = make_user().email
    category_id = active_category_by_slug("harassment").id
    db.session.commit()  # and let go of SQLite's write lock before the server needs it
    cookie, token = _logged_in_form(port, email)
    photo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 300_000  # several chunks
    content_type, body = _multipart(
        {
            "csrf_token": token,
            "category": str(category_id),
            "subject": "Threats after I asked to be paid",
            "description": "On 3 November the client wrote that he would 'find me'.",
            "reported": "quickpay_dev",
        },
        "chat.png",
        photo,
    )
    head = (
        f"POST /tickets/new HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as upload:
        upload.sendall(head.encode() + body)
        temporary = _wait_for(
            lambda: next((p for p in store.root.glob(f"{TEMP_PREFIX}*") if p.stat().st_size), None),
            "part of the file on disk",
        )
        (worker,) = child_pids(server.pid)
        os.kill(worker, signal.SIGKILL)
        assert upload.recv(1024) == b""  # no answer: the request died before its commit
    assert 0 < temporary.stat().st_size < len(photo)
    db.session.rollback()
    assert db.session.scalar(select(Attachment.id).where(Attachment.sha256 == _sha(photo))) is None

    _gc(runner)  # the temporary file is young: an upload could still be writing it
    assert temporary.exists()
    os.utime(temporary, (HOURS_AGO, HOURS_AGO))
    output = _gc(runner)
    assert f"removed: {temporary.name} (temporary" in output

    stored = sorted(path for path in store.root.rglob("*") if path.is_file())
    named = sorted(_stored(store, sha) for sha in db.session.scalars(select(Attachment.sha256)))
    assert stored == named  # nothing stray, and every row's file is there
