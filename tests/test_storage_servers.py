"""Two app servers, each a gunicorn of its own with its own working directory, instance folder
and evidence folder, on one database with HELPDESK_STORAGE=database: evidence uploaded
through one downloads through the other, for the reporter and for an agent.

The database is the suite's: PostgreSQL with TEST_DATABASE_URL, else its SQLite file, which
both servers open.
"""

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from bench.common import ROOT, free_port
from helpdesk.categories import active_category_by_slug
from helpdesk.database import db
from helpdesk.models import Attachment, Blob

from .factories import PASSWORD, make_user
from .test_reports import PNG

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
EVIDENCE = PNG + secrets.token_bytes(150_000)


def _start(directory: Path, database_url: str) -> tuple[subprocess.Popen, str]:
    """gunicorn in `directory`, serving an app whose instance folder is there too."""
    directory.mkdir()
    (directory / "server.py").write_text(
        "from helpdesk import create_app\n"
        f"app = create_app({{'INSTANCE_PATH': {str(directory / 'instance')!r}}})\n"
    )
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "shared-by-the-servers",
        "HELPDESK_STORAGE": "database",
        "HELPDESK_ATTACHMENT_DIR": str(directory / "attachments"),
        "HELPDESK_ARGON2_TIME_COST": "1",
        "HELPDESK_ARGON2_MEMORY_KIB": "1024",
        "HELPDESK_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--log-level", "warning", "server:app"],
        cwd=directory,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/healthz", timeout=5).ok:
                return server, url
        except requests.RequestException:
            time.sleep(0.2)
    server.terminate()
    raise AssertionError(f"gunicorn in {directory} did not answer")


@pytest.fixture
def two_servers(app, database_url, tmp_path):
    servers = []
    try:
        for name in ("a", "b"):
            servers.append(_start(tmp_path / name, database_url))
        yield [url for _, url in servers]
    finally:
        for server, _ in servers:
            server.terminate()
            server.wait(timeout=30)


def _logged_in(url: str, email: str) -> requests.Session:
    session = requests.Session()
    token = CSRF.search(session.get(f"{url}/login").text).group(1)
    answer = session.post(
        f"{url}/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:300]
    return session


def test_evidence_uploaded_through_one_server_downloads_through_the_other(
    app, app_context, two_servers, tmp_path
):
    first, second = two_servers
    reporter, agent = make_user().email, make_user("agent").email
    category = str(active_category_by_slug("harassment").id)
    db.session.commit()

    member = _logged_in(first, reporter)
    token = CSRF.search(member.get(f"{first}/tickets/new").text).group(1)
    fields = {
        "csrf_token": token,
        "category": category,
        "subject": "Threats after I asked to be paid",
        "description": "On 3 November the client wrote that he would 'find me' if I asked again.",
        "reported": "quickpay_dev",
        "submission_key": secrets.token_hex(8),
    }
    files = {"attachments": ("chat.png", EVIDENCE, "image/png")}
    answer = member.post(f"{first}/tickets/new", data=fields, files=files, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:300]
    ticket_path = answer.headers["Location"].removeprefix(first)

    db.session.rollback()
    attachment = db.session.scalars(select(Attachment)).one()
    download = f"{ticket_path}/attachments/{attachment.id}"
    assert db.session.scalars(select(Blob.key)).all() == [f"attachments/{attachment.sha256}"]
    db.session.rollback()  # SQLite: let go of the lock a transaction here takes

    assert _logged_in(second, reporter).get(f"{second}{download}").content == EVIDENCE
    assert _logged_in(second, agent).get(f"{second}{download}").content == EVIDENCE
    for name in ("a", "b"):  # neither server kept a file of its own
        assert not any(path.is_file() for path in (tmp_path / name).rglob("attachments/**/*"))
