"""Evidence reaches its place on disk only with the commit of its rows; every other way out of
a request (a refused form, a full disk, an error anywhere) leaves no file behind."""

import hashlib
import io
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk import api_tokens, intake, storage, tickets
from helpdesk.database import db
from helpdesk.models import Attachment, InboundOutcome, Ticket, User

from .conftest import submit
from .factories import make_ticket
from .store_faults import DiskFills, wrap_store_files
from .test_api import REPORT, assert_problem, bearer
from .test_reports import PDF, PNG, _report

PHOTO = PNG + b"\x01" * 200_000  # more than one chunk


def _files(*files: tuple[bytes, str]) -> list:
    return [(io.BytesIO(content), name) for content, name in files]


def _on_disk(app) -> list[Path]:
    """Every evidence file in the store, temporary ones included (raw mail, kept whatever
    becomes of it, is in mail/)."""
    root = Path(app.config["HELPDESK_ATTACHMENT_DIR"])
    return sorted(
        path for path in root.rglob("*") if path.is_file() and path.parent != root / "mail"
    )


def _send_report(app, client, *files: tuple[bytes, str], **fields):
    data = _report(app, attachments=_files(*files), **fields)
    return submit(client, "/tickets/new", data, content_type="multipart/form-data")


@pytest.fixture
def api_headers(app) -> dict:
    with app.app_context():
        _, secret = api_tokens.create_token(None, "Marketplace", ["reports:create"])
        db.session.commit()
    return bearer(secret)


def test_a_committed_report_leaves_exactly_its_files_in_place(app, client, login_as):
    login_as("member")
    response = _send_report(app, client, (PNG, "chat.png"), (PDF, "contract.pdf"))
    assert response.status_code == 302
    with app.app_context():
        store = storage.current().inner
        expected = sorted(
            store.path(storage.attachment_key(sha))
            for sha in db.session.scalars(select(Attachment.sha256))
        )
    assert _on_disk(app) == expected
    assert client.get(f"{response.location}/attachments/1").data == PNG


def test_a_refused_second_file_leaves_the_first_off_disk(app, client, login_as):
    login_as("member")
    response = _send_report(app, client, (PHOTO, "chat.png"), (b"MZ\x90\x00", "tool.exe"))
    assert response.status_code == 422
    assert "tool.exe: attach only" in response.get_data(as_text=True)
    assert _on_disk(app) == []


def test_good_files_with_a_refused_field_leave_nothing(app, client, login_as):
    login_as("member")
    response = _send_report(app, client, (PHOTO, "chat.png"), subject="Hi")
    assert response.status_code == 422
    assert _on_disk(app) == []


def test_a_refused_follow_up_leaves_nothing(app, client, login_as):
    email = login_as("member")
    with app.app_context():
        reporter = db.session.scalar(select(User).where(User.email == email))
        reference = make_ticket(reporter=reporter).reference
        db.session.commit()
    data = {"body": "", "attachments": _files((PHOTO, "again.png"))}
    response = submit(client, f"/tickets/{reference}", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert _on_disk(app) == []


def test_an_api_report_with_one_bad_file_leaves_nothing(app, client, api_headers):
    evidence = REPORT | {"evidence": [(io.BytesIO(PHOTO), "a.png"), (io.BytesIO(b""), "b.png")]}
    response = client.post(
        "/api/v1/reports",
        data=evidence,
        content_type="multipart/form-data",
        headers=api_headers,
    )
    assert_problem(response, 422, "evidence")
    assert _on_disk(app) == []


def test_an_error_after_the_files_were_stored_leaves_nothing(app, client, login_as, monkeypatch):
    login_as("member")

    def broken(*args, **kwargs):
        raise RuntimeError("a bug after the evidence was stored")

    monkeypatch.setattr(tickets.outbox, "enqueue", broken)
    with pytest.raises(RuntimeError):
        _send_report(app, client, (PHOTO, "chat.png"))
    assert _on_disk(app) == []


@pytest.fixture
def disk_room():
    """disk_room(n): from now on the store's disk takes n more bytes."""
    undo = None

    def fill_after(room: int) -> None:
        nonlocal undo
        left = {"room": room}

        def file_on_full_disk(file) -> DiskFills:
            faulty = DiskFills(file, left["room"])
            left["room"] = 0  # what one file used up is not given back to the next
            return faulty

        undo = wrap_store_files(file_on_full_disk)

    yield fill_after
    if undo:
        undo()


def test_a_full_disk_refuses_the_report_clearly_and_leaves_nothing(
    app, client, login_as, disk_room
):
    login_as("member")
    disk_room(len(PHOTO) + 100)  # room for the first file, not the second
    response = _send_report(app, client, (PHOTO, "chat.png"), (PHOTO + b"2", "more.png"))
    assert response.status_code == 422
    assert "We could not store your files just now" in response.get_data(as_text=True)
    assert _on_disk(app) == []
    with app.app_context():
        assert db.session.scalars(select(Ticket)).all() == []


def test_a_full_disk_is_a_refusal_for_the_api_too(app, client, api_headers, disk_room):
    disk_room(1000)
    response = client.post(
        "/api/v1/reports",
        data=REPORT | {"evidence": [(io.BytesIO(PHOTO), "chat.png")]},
        content_type="multipart/form-data",
        headers=api_headers,
    )
    assert response.status_code == 507  # not the request's fault: the same one can come again
    assert response.mimetype == "application/problem+json"
    # The rate limiter rewrites it counting from its own clock: a second may have gone by.
    assert 295 <= int(response.headers["Retry-After"]) <= 300
    assert "try again later" in response.get_json()["detail"]
    assert _on_disk(app) == []


def test_the_same_evidence_twice_in_one_request_is_stored_once(app, client, login_as):
    login_as("member")
    response = _send_report(app, client, (PHOTO, "a.png"), (PHOTO, "b.png"))
    assert response.status_code == 302
    assert [path.name for path in _on_disk(app)] == [hashlib.sha256(PHOTO).hexdigest()]


def _mail_with_evidence() -> bytes:
    mail = EmailMessage()
    mail["From"] = "dana@example.org"
    mail["To"] = "support@helpdesk.example"
    mail["Subject"] = "He threatened me after I asked to be paid"
    mail["Message-ID"] = "<evidence-1@example.org>"
    mail.set_content("The screenshot of his message is attached.")
    mail.add_attachment(PHOTO, maintype="image", subtype="png", filename="chat.png")
    return mail.as_bytes()


def test_mail_quarantined_after_its_files_were_stored_leaves_none(app, app_context, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug after the evidence was stored")

    monkeypatch.setattr(tickets.outbox, "enqueue", broken)
    result = intake.receive(_mail_with_evidence(), intake.Channel.FILE)
    assert result.outcome is InboundOutcome.QUARANTINED
    assert _on_disk(app) == []

    monkeypatch.undo()
    assert intake.reprocess(None, result.inbound_id).outcome is InboundOutcome.CREATED
    assert [path.name for path in _on_disk(app)] == [hashlib.sha256(PHOTO).hexdigest()]
