"""Evidence and raw mail on each storage backend: the filesystem, the database (the `blobs`
table) and S3, the last on a real S3 server on loopback (moto's standalone server, which
speaks the S3 HTTP protocol; boto3 talks to it as to any S3 endpoint). Every test here runs
on each backend; the suite's database (SQLite, or PostgreSQL with TEST_DATABASE_URL) is used.
"""

import base64
import hashlib
import io
import secrets
from email.message import EmailMessage
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from sqlalchemy import func, select

from bench.common import free_port
from helpdesk import attachments, create_app, intake, storage
from helpdesk.categories import seed_default_categories
from helpdesk.config import ConfigError
from helpdesk.database import db
from helpdesk.models import Attachment, Blob, InboundMail, Ticket
from helpdesk.storage import sealed
from helpdesk.storage.database import DatabaseStore

from .conftest import _empty_all_tables, _test_config, log_in, submit
from .factories import make_user
from .test_reports import PDF, PNG, _files, _report

PHOTO = PNG + secrets.token_bytes(200_000)  # several chunks, and unlike any other test's file
OLD_KEY, NEW_KEY = (base64.b64encode(secrets.token_bytes(32)).decode() for _ in range(2))


# --- an S3 server on loopback, and the app on each backend -------------------------------------


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server, a real HTTP server in a thread of this process, for the whole run."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def _s3_settings(endpoint: str) -> dict:
    bucket = f"evidence-{secrets.token_hex(6)}"
    settings = {
        "HELPDESK_S3_BUCKET": bucket,
        "HELPDESK_S3_ENDPOINT_URL": endpoint,
        "HELPDESK_S3_REGION": "us-east-1",
        "HELPDESK_S3_ACCESS_KEY_ID": "helpdesk-test",
        "HELPDESK_S3_SECRET_ACCESS_KEY": "helpdesk-test-secret",
    }
    _s3_client(settings).create_bucket(Bucket=bucket)
    return settings


def _s3_client(settings: dict):
    return boto3.client(
        "s3",
        endpoint_url=settings["HELPDESK_S3_ENDPOINT_URL"],
        region_name=settings["HELPDESK_S3_REGION"],
        aws_access_key_id=settings["HELPDESK_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=settings["HELPDESK_S3_SECRET_ACCESS_KEY"],
    )


@pytest.fixture(params=storage.BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def settings(backend, request) -> dict:
    """The storage settings of this test's backend (S3: a bucket of its own)."""
    chosen = {"HELPDESK_STORAGE": backend}
    if backend == "s3":
        chosen |= _s3_settings(request.getfixturevalue("s3_endpoint"))
    return chosen


@pytest.fixture
def make_app(database_url, tmp_path):
    """make_app(**settings) -> the app on the test database with these settings; every app
    made shares the instance folder (and so the filesystem store) and the tables."""
    made = []

    def make(**settings):
        app = create_app(_test_config(database_url, tmp_path / "instance") | settings)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    with made[0].app_context():
        _empty_all_tables()


@pytest.fixture
def app(make_app, settings):
    app = make_app(**settings)
    with app.app_context():
        seed_default_categories()
        db.session.commit()
    return app


def _stored_bytes(app) -> dict[str, bytes]:
    """Every blob as the backend holds it (sealed ones as they are, not opened)."""
    with app.app_context():
        inner = storage.current().inner
        stored = {key: inner.get(key) for key in inner.keys("")}
        db.session.rollback()
        return stored


def _send_report(app, client, *files: tuple[bytes, str]):
    data = _report(app, attachments=_files(*files), submission_key=secrets.token_hex(8))
    return submit(client, "/tickets/new", data, content_type="multipart/form-data")


def _mail(body: str = "The freelancer asked me to pay outside the platform.") -> bytes:
    message = EmailMessage()
    message["From"] = "Dana Client <dana@example.net>"
    message["To"] = "support@helpdesk.example"
    message["Subject"] = "Payment outside the platform"
    message["Message-ID"] = f"<{secrets.token_hex(8)}@example.net>"
    message.set_content(body + " " + "Details follow in the attached screenshot. " * 3)
    message.add_attachment(PHOTO, maintype="image", subtype="png", filename="chat.png")
    return message.as_bytes()


def _raw(inbound_id: int) -> bytes:
    return db.session.get(InboundMail, inbound_id).raw


def _agent_client(app):
    with app.app_context():
        email = make_user("admin").email
        db.session.commit()
    client = app.test_client()
    log_in(client, email)
    return client


# --- the interface, on each backend -------------------------------------------------------------


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_a_blob_reads_back_as_written(make_app, settings, encrypted):
    app = make_app(**settings, HELPDESK_ENCRYPTION_KEY=NEW_KEY if encrypted else "")
    with app.app_context():
        blobs = storage.current()
        blobs.put("mail/1", b"first")
        blobs.put("mail/1", PHOTO)  # replaces
        blobs.put("staging/t1", PDF)
        blobs.rename("staging/t1", "attachments/" + hashlib.sha256(PDF).hexdigest())
        db.session.commit()
        assert blobs.get("mail/1") == PHOTO and blobs.open("mail/1").read() == PHOTO
        assert sorted(blobs.keys()) == sorted(["mail/1", storage.attachment_key(_sha(PDF))])
        assert list(blobs.keys("mail/")) == ["mail/1"]
        assert not blobs.exists("staging/t1") and blobs.exists("mail/1")
        blobs.delete("mail/1")
        blobs.delete("mail/404")  # a missing one is fine
        db.session.commit()
        with pytest.raises(storage.BlobMissing):
            blobs.get("mail/1")
        with pytest.raises(ValueError, match="not a storage key"):
            blobs.put("../outside", b"x")


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_bytes_that_look_sealed_read_back_as_written(make_app, settings, encrypted):
    app = make_app(**settings, HELPDESK_ENCRYPTION_KEY=NEW_KEY if encrypted else "")
    looks_sealed = [sealed.MAGIC, sealed.MAGIC + PHOTO, sealed.PLAIN, sealed.PLAIN + b"x", b"\x89"]
    with app.app_context():
        blobs = storage.current()
        for number, data in enumerate(looks_sealed):
            blobs.put(f"mail/{number}", data)
            blobs.put(f"mail/stream-{number}", io.BytesIO(data))
        db.session.commit()
        for number, data in enumerate(looks_sealed):
            assert blobs.get(f"mail/{number}") == data == blobs.get(f"mail/stream-{number}")
    if encrypted:
        return
    keyed = make_app(**settings, HELPDESK_ENCRYPTION_KEY=NEW_KEY)
    assert keyed.test_cli_runner().invoke(args=["storage", "rotate-key"]).exit_code == 0
    with keyed.app_context():
        assert [storage.current().get(f"mail/{n}") for n in range(5)] == looks_sealed


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_evidence_is_stored_by_content_and_downloads_as_sent(app, client, login_as):
    login_as("member")
    response = _send_report(app, client, (PHOTO, "chat.png"), (PDF, "contract.pdf"))
    assert response.status_code == 302
    again = _send_report(app, client, (PHOTO, "same-chat.png"))  # the same evidence twice
    assert again.status_code == 302
    stored = _stored_bytes(app)
    assert stored == {
        storage.attachment_key(_sha(PHOTO)): PHOTO,
        storage.attachment_key(_sha(PDF)): PDF,
    }
    with app.app_context():
        ids = db.session.scalars(select(Attachment.id).order_by(Attachment.id)).all()
    assert client.get(f"{response.location}/attachments/{ids[0]}").data == PHOTO
    assert client.get(f"{response.location}/attachments/{ids[1]}").data == PDF


@pytest.mark.p6
def test_a_refused_report_leaves_no_blob(app, client, login_as):
    login_as("member")
    response = _send_report(app, client, (PHOTO, "chat.png"), (b"MZ\x90\x00", "setup.exe"))
    assert response.status_code == 422
    assert _stored_bytes(app) == {}  # staged files included
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_a_changed_file_is_never_served(app, client, login_as):
    login_as("member")
    response = _send_report(app, client, (PHOTO, "chat.png"))
    with app.app_context():
        attachment = db.session.scalars(select(Attachment)).one()
        download = f"{response.location}/attachments/{attachment.id}"
        storage.current().put(storage.attachment_key(attachment.sha256), PDF)  # swapped
        db.session.commit()
    with pytest.raises(storage.BlobCorrupt):
        client.get(download)


@pytest.mark.p6
def test_raw_mail_is_stored_first_and_opens_for_agents_and_admins(app):
    raw = _mail()
    with app.app_context():
        result = intake.receive(raw, intake.Channel.FILE)
        assert result.outcome.value == "created"
        assert db.session.get(InboundMail, result.inbound_id).raw == raw
    assert _stored_bytes(app)[storage.mail_key(result.inbound_id)] == raw
    agent = _agent_client(app)
    original = agent.get(f"/agent/mail/{result.inbound_id}/original.eml")
    assert original.status_code == 200 and original.data == raw
    page = agent.get(f"/admin/inbound/{result.inbound_id}").get_data(as_text=True)
    assert "Payment outside the platform" in page


def test_a_quarantined_mail_is_reprocessed_from_storage(app, monkeypatch):
    raw = _mail()
    with app.app_context():
        monkeypatch.setattr(
            intake.routing, "decide", lambda *a: (_ for _ in ()).throw(RuntimeError("a bug"))
        )
        first = intake.receive(raw, intake.Channel.FILE)
        assert first.outcome.value == "quarantined"
        monkeypatch.undo()
        again = intake.reprocess(None, first.inbound_id)
        assert again.outcome.value == "created"


@pytest.mark.p6
def test_a_store_that_fails_keeps_no_half_mail(app, monkeypatch):
    """Raw first: when the copy cannot be written the channel is told, and no row is left."""
    with app.app_context():
        inner = type(storage.current().inner)

        def broken(self, key, data):
            raise OSError("the store is unreachable")

        monkeypatch.setattr(inner, "put", broken)
        with pytest.raises(intake.StoreFailed):
            intake.receive(_mail(), intake.Channel.STDIN)
        assert db.session.scalar(select(func.count()).select_from(InboundMail)) == 0


def test_evidence_on_the_database_backend_commits_with_its_rows(make_app):
    """No staging on the database: the blob row is in the report's own transaction."""
    app = make_app(HELPDESK_STORAGE="database")
    with app.app_context():
        seed_default_categories()
        db.session.commit()
    client = app.test_client()
    with app.app_context():
        email = make_user().email
        db.session.commit()
    log_in(client, email)
    _send_report(app, client, (PHOTO, "chat.png"))
    with app.app_context():
        assert db.session.scalars(select(Blob.key)).all() == [storage.attachment_key(_sha(PHOTO))]
        assert not any(Path(app.config["HELPDESK_ATTACHMENT_DIR"]).rglob("*"))


def test_forget_removes_evidence_with_the_commit_once_no_row_names_it(app, client, login_as):
    """What retention and redaction call after deleting Attachment rows."""
    login_as("member")
    _send_report(app, client, (PHOTO, "chat.png"))
    _send_report(app, client, (PHOTO, "again.png"))
    key = storage.attachment_key(_sha(PHOTO))
    with app.app_context():
        first, second = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
        db.session.delete(first)
        assert attachments.forget(_sha(PHOTO)) is False  # the second report still holds it
        db.session.delete(second)
        assert attachments.forget(_sha(PHOTO)) is True
        db.session.rollback()  # changed our mind: nothing goes
        assert storage.current().exists(key)
        for row in db.session.scalars(select(Attachment)).all():
            db.session.delete(row)
        assert attachments.forget(_sha(PHOTO)) is True
        db.session.commit()
        assert not storage.current().exists(key)


# --- encryption at rest ------------------------------------------------------------------------


@pytest.fixture
def encrypted(make_app, settings):
    """(app with the old key, a report's location, its attachment id, an inbound id)."""
    app = make_app(**settings, HELPDESK_ENCRYPTION_KEY=f"old:{OLD_KEY}")
    with app.app_context():
        seed_default_categories()
        email = make_user().email
        db.session.commit()
        inbound = intake.receive(
            _mail("Bank details IBAN DE89370400440532013000."), intake.Channel.FILE
        )
    client = app.test_client()
    log_in(client, email)
    response = _send_report(app, client, (PHOTO, "chat.png"))
    with app.app_context():
        attachment_id = db.session.scalar(select(func.max(Attachment.id)))  # the report's
    return app, client, f"{response.location}/attachments/{attachment_id}", inbound.inbound_id


def test_encrypted_blobs_read_back_and_hold_no_plaintext(encrypted):
    app, client, download, inbound_id = encrypted
    assert client.get(download).data == PHOTO
    with app.app_context():
        assert db.session.get(InboundMail, inbound_id).raw.count(b"DE89370400440532013000") == 1
    stored = _stored_bytes(app)
    assert stored and all(sealed.is_sealed(blob) for blob in stored.values())
    everything = b"".join(stored.values())
    assert b"DE89370400440532013000" not in everything and PHOTO[-64:] not in everything


def test_a_wrong_key_fails_loudly(encrypted, make_app, settings):
    app, _, _, inbound_id = encrypted
    other = base64.b64encode(secrets.token_bytes(32)).decode()
    for keys, error in [(f"old:{other}", "not the key it was sealed with"), (other, "'old'")]:
        wrong = make_app(**settings, HELPDESK_ENCRYPTION_KEY=keys)
        with wrong.app_context(), pytest.raises(sealed.WrongKey, match=error):
            _raw(inbound_id)
    unset = make_app(**settings)
    with unset.app_context(), pytest.raises(sealed.WrongKey, match="is not set"):
        _raw(inbound_id)


def test_a_tampered_blob_fails(encrypted):
    app, _, _, inbound_id = encrypted
    with app.app_context():
        inner, key = storage.current().inner, storage.mail_key(inbound_id)
        blob = bytearray(inner.get(key))
        blob[-20] ^= 1
        inner.put(key, bytes(blob))
        db.session.commit()
        with pytest.raises(storage.BlobCorrupt, match="authentication"):
            _raw(inbound_id)


def test_rotate_key_leaves_only_the_new_key_needed(encrypted, make_app, settings):
    app, _, download, inbound_id = encrypted
    before = _stored_bytes(app)
    rotating = make_app(**settings, HELPDESK_ENCRYPTION_KEY=f"new:{NEW_KEY},old:{OLD_KEY}")
    result = rotating.test_cli_runner().invoke(args=["storage", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "Rewrapped 2 blobs, 0 already current, 0 failed." in result.output
    after = _stored_bytes(app)
    for key, blob in after.items():  # the header changed, the content did not
        assert blob != before[key] and blob[-len(PDF) :] == before[key][-len(PDF) :]
    again = rotating.test_cli_runner().invoke(args=["storage", "rotate-key"])
    assert "Rewrapped 0 blobs, 2 already current" in again.output
    only_new = make_app(**settings, HELPDESK_ENCRYPTION_KEY=f"new:{NEW_KEY}")
    client = only_new.test_client()
    with only_new.app_context():
        reporter = (
            db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first().reporter.email
        )
        assert b"DE89370400440532013000" in db.session.get(InboundMail, inbound_id).raw
    log_in(client, reporter)
    assert client.get(download).data == PHOTO


def test_rotate_key_seals_blobs_stored_before_encryption(make_app, settings):
    plain = make_app(**settings)
    with plain.app_context():
        storage.current().put("mail/7", b"From: a@example.net\n\nkept before encryption")
        db.session.commit()
    keyed = make_app(**settings, HELPDESK_ENCRYPTION_KEY=NEW_KEY)
    with keyed.app_context():
        assert storage.current().get("mail/7").endswith(b"kept before encryption")
    assert keyed.test_cli_runner().invoke(args=["storage", "rotate-key"]).exit_code == 0
    assert sealed.is_sealed(_stored_bytes(keyed)["mail/7"])


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("c2hvcnQ=", "is 5 bytes, not 32"),
        ("a:not base64!", "is not base64"),
        (f"a:{OLD_KEY},a:{NEW_KEY}", "appears twice"),
        (f"bad id:{OLD_KEY}", "is not 1-64 letters"),
    ],
)
def test_a_bad_encryption_key_stops_the_app(tmp_path, value, problem):
    with pytest.raises(ConfigError, match=problem):
        create_app({"INSTANCE_PATH": str(tmp_path), "HELPDESK_ENCRYPTION_KEY": value})


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"HELPDESK_STORAGE": "s3"}, "needs HELPDESK_S3_BUCKET"),
        ({"HELPDESK_S3_ENDPOINT_URL": "minio:9000"}, "must start with http"),
        ({"HELPDESK_S3_ACCESS_KEY_ID": "key"}, "or neither"),
    ],
)
def test_bad_storage_settings_stop_the_app(tmp_path, monkeypatch, settings, problem):
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=problem):
        create_app({"INSTANCE_PATH": str(tmp_path)})


def test_an_unknown_backend_stops_the_app(tmp_path, monkeypatch):
    monkeypatch.setenv("HELPDESK_STORAGE", "floppy")
    with pytest.raises(ConfigError, match="is not a storage backend"):
        create_app({"INSTANCE_PATH": str(tmp_path)})


# --- storage migrate -----------------------------------------------------------------------------


@pytest.fixture
def filesystem_desk(make_app):
    """An app on the filesystem with two reports' evidence and two raw mails stored."""
    app = make_app(HELPDESK_STORAGE="filesystem")
    with app.app_context():
        seed_default_categories()
        email = make_user().email
        db.session.commit()
        for body in ("First mail about a scam.", "Second mail about a scam."):
            intake.receive(_mail(body), intake.Channel.FILE)
    client = app.test_client()
    log_in(client, email)
    _send_report(app, client, (PNG, "chat.png"), (PDF, "contract.pdf"))
    return app, email


def _migrate(app, *args: str):
    return app.test_cli_runner().invoke(args=["storage", "migrate", *args])


@pytest.mark.parametrize("backend", ["database", "s3"])
def test_migrate_moves_every_blob_and_the_desk_runs_on_the_target(
    filesystem_desk, make_app, settings, backend
):
    app, reporter = filesystem_desk
    source = _stored_bytes(app)
    assert len(source) == 5  # PHOTO (in both mails, kept once), PNG, PDF, two raw mails
    result = _migrate(make_app(**settings | {"HELPDESK_STORAGE": "filesystem"}), "--to", backend)
    assert result.exit_code == 0, result.output
    assert "Copying 5 blobs from filesystem to" in result.output
    assert "copied 5, skipped 0, mismatch 0, corrupt 0." in result.output
    for path in Path(app.config["HELPDESK_ATTACHMENT_DIR"]).rglob("*"):
        if path.is_file():
            path.unlink()  # from now on only the target has them

    moved = make_app(**settings)
    assert _stored_bytes(moved) == source
    client = moved.test_client()
    log_in(client, reporter)
    agent = _agent_client(moved)
    with moved.app_context():
        files = db.session.scalars(select(Attachment)).all()
        mails = db.session.scalars(select(InboundMail.id)).all()
        for file in files:
            page = f"/tickets/{file.message.ticket.reference}/attachments/{file.id}"
            assert _sha(agent.get(page).data) == file.sha256
    assert len(files) == 4 and len(mails) == 2
    for inbound_id in mails:
        original = agent.get(f"/agent/mail/{inbound_id}/original.eml")
        assert original.status_code == 200 and b"about a scam" in original.data
    rerun = _migrate(make_app(**settings | {"HELPDESK_STORAGE": "filesystem"}), "--to", backend)
    assert "Copying 0 blobs" in rerun.output  # the source is empty now


def test_an_interrupted_migrate_carries_on_where_it_stopped(filesystem_desk, make_app, monkeypatch):
    app, _ = filesystem_desk
    real_put, calls = DatabaseStore.put, []

    def fails_after_two(self, key, data):
        calls.append(key)
        if len(calls) > 2:
            raise OSError("the database went away")
        real_put(self, key, data)

    monkeypatch.setattr(DatabaseStore, "put", fails_after_two)
    stopped = _migrate(app, "--to", "database")
    assert stopped.exit_code == 1
    assert "(2 of 5 done): the database went away" in stopped.output
    monkeypatch.undo()
    finished = _migrate(app, "--to", "database")
    assert finished.exit_code == 0, finished.output
    assert "copied 3, skipped 2, mismatch 0, corrupt 0." in finished.output
    assert _stored_bytes(make_app(HELPDESK_STORAGE="database")) == _stored_bytes(app)


def test_a_copy_that_does_not_read_back_fails_the_migration(filesystem_desk, make_app, monkeypatch):
    app, _ = filesystem_desk
    monkeypatch.setattr(DatabaseStore, "get", lambda self, key: b"something else")
    result = _migrate(app, "--to", "database")
    assert result.exit_code == 1
    assert "copied 0, skipped 0, mismatch 5, corrupt 0." in result.output


def test_migrate_refuses_the_backend_it_reads(filesystem_desk):
    app, _ = filesystem_desk
    result = _migrate(app, "--to", "filesystem")
    assert result.exit_code == 2 and "in filesystem already" in result.output
