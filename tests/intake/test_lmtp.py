"""`mail serve`: a real listener on a free loopback port, spoken to with smtplib's LMTP and SMTP."""

import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import func, select

from helpdesk import intake
from helpdesk.database import db
from helpdesk.intake.channels import lmtp
from helpdesk.mail import addresses
from helpdesk.models import InboundMail, InboundOutcome, Source, Ticket

from ..outbound.mailserver import free_port

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
SUPPORT = "support@helpdesk.example"
MEMBER = "member@example.com"
REPORT = (
    b"From: Member <member@example.com>\r\nTo: support@helpdesk.example\r\n"
    b"Subject: Harassment by user x\r\nMessage-ID: <1@example.com>\r\n\r\n"
    b"He insulted me in the workroom chat yesterday.\r\n"
)


class Listener(NamedTuple):
    port: int
    stop: threading.Event


@contextmanager
def listening(app, *, smtp: bool = False):
    """`mail serve` on a free loopback port, in a thread; stopped when the block ends."""
    listener = Listener(free_port(), threading.Event())

    def serve():
        with app.app_context():
            lmtp.serve(HOST, listener.port, smtp=smtp, stop=listener.stop)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        wait_until(lambda: accepts_connections(listener.port) or not thread.is_alive())
        assert thread.is_alive(), "the listener did not start"
        yield listener
    finally:
        listener.stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive(), "the listener did not stop"


def accepts_connections(port: int) -> bool:
    try:
        socket.create_connection((HOST, port), timeout=5).close()
    except ConnectionRefusedError:
        return False
    return True


def wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


@pytest.fixture
def lmtp_port(app):
    with listening(app) as listener:
        yield listener.port


def deliver(client: smtplib.SMTP, message: bytes, recipients: list[str], sender: str = MEMBER):
    """One LMTP transaction: the reply to each RCPT, and the replies after the data, one per
    accepted recipient (smtplib reads only the first; RFC 2033 sends one per recipient)."""
    client.ehlo()
    client.mail(sender)
    rcpt_replies = [client.rcpt(recipient) for recipient in recipients]
    accepted = sum(code == 250 for code, _ in rcpt_replies)
    data_replies = [client.data(message)] + [client.getreply() for _ in range(accepted - 1)]
    assert client.noop() == (250, b"OK")  # in step: no reply was left unread
    return rcpt_replies, data_replies


def stored(app) -> list[InboundMail]:
    with app.app_context():
        inbound = db.session.scalars(select(InboundMail).order_by(InboundMail.id)).all()
        db.session.expunge_all()
        return inbound


def ticket_of(app, inbound_id: int) -> tuple[str, str, Source]:
    """(subject, reporter's address, source) of the ticket a stored mail made."""
    with app.app_context():
        ticket = db.session.get(InboundMail, inbound_id).ticket
        return ticket.subject, ticket.reporter.email, ticket.source


def ticket_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Ticket))


@pytest.mark.p6
def test_a_report_to_two_of_our_addresses_is_taken_in_once_with_a_reply_for_each(app, lmtp_port):
    recipients = [SUPPORT, "trust@helpdesk.example"]
    with smtplib.LMTP(HOST, lmtp_port) as client:
        rcpt_replies, data_replies = deliver(client, REPORT, recipients)

    assert rcpt_replies == [(250, b"2.1.5 OK")] * 2
    [inbound] = stored(app)
    reply = (250, f"2.0.0 Stored as inbound mail {inbound.id}: created".encode())
    assert data_replies == [reply, reply]
    assert inbound.channel == "lmtp" and inbound.recipients == recipients
    assert inbound.source.startswith(f"lmtp:{HOST}:")
    assert inbound.message_id == "<1@example.com>"
    assert ticket_of(app, inbound.id) == ("Harassment by user x", MEMBER, Source.EMAIL)


def test_a_recipient_that_is_not_ours_is_refused_at_rcpt(app, lmtp_port):
    with smtplib.LMTP(HOST, lmtp_port) as client:
        rcpt_replies, data_replies = deliver(client, REPORT, ["someone@elsewhere.example", SUPPORT])

    assert rcpt_replies == [(550, b"5.1.1 No such mailbox here"), (250, b"2.1.5 OK")]
    [(code, text)] = data_replies
    assert code == 250 and text.endswith(b": created")
    [inbound] = stored(app)
    assert inbound.recipients == [SUPPORT]


@pytest.mark.p6
def test_the_same_message_delivered_twice_makes_one_ticket(app, lmtp_port):
    with smtplib.LMTP(HOST, lmtp_port) as client:
        _, [first] = deliver(client, REPORT, [SUPPORT])
        _, [second] = deliver(client, REPORT, [SUPPORT])

    assert first[1].endswith(b": created") and second[1].endswith(b": duplicate")
    assert [mail.outcome for mail in stored(app)] == [
        InboundOutcome.CREATED,
        InboundOutcome.DUPLICATE,
    ]
    assert ticket_count(app) == 1


@pytest.mark.p7
def test_a_bounce_from_the_null_sender_is_taken_in_and_ignored(app, lmtp_port):
    bounce = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        b"To: support@helpdesk.example\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b"Auto-Submitted: auto-replied\r\nMessage-ID: <bounce.1@mx.example.com>\r\n\r\n"
        b"Your message could not be delivered.\r\n"
    )
    with smtplib.LMTP(HOST, lmtp_port) as client:
        _, [(code, text)] = deliver(client, bounce, [SUPPORT], sender="")

    assert code == 250 and text.endswith(b": ignored")
    assert ticket_count(app) == 0


def test_a_message_over_the_limit_is_refused_with_552_announced_or_not(app):
    app.config["HELPDESK_INTAKE_MAX_MESSAGE_BYTES"] = 2000
    oversize = REPORT + b"More detail about what happened in the chat.\r\n" * 60
    recipients = [SUPPORT, "trust@helpdesk.example"]
    with listening(app) as listener, smtplib.LMTP(HOST, listener.port) as client:
        client.ehlo()
        assert client.esmtp_features["size"] == "2000"
        # smtplib announces the size it is about to send, so MAIL FROM is refused.
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail(MEMBER, recipients, oversize)
        assert (refused.value.smtp_code, refused.value.smtp_error) == (
            552,
            b"5.3.4 Message too big",
        )
        client.rset()
        # Unannounced, the data is read and refused at its end, once for each recipient.
        _, data_replies = deliver(client, oversize, recipients)

    assert data_replies == [(552, b"5.3.4 Message too big")] * 2
    assert stored(app) == []


@pytest.mark.p6
def test_a_message_that_cannot_be_stored_is_refused_for_now(app, lmtp_port, monkeypatch):
    def store_fails(*args, **kwargs):
        raise intake.StoreFailed("could not store the message (OperationalError)")

    monkeypatch.setattr(intake, "receive", store_fails)
    with smtplib.LMTP(HOST, lmtp_port) as client:
        _, data_replies = deliver(client, REPORT, [SUPPORT, "trust@helpdesk.example"])

    refusal = (451, b"4.3.0 The message could not be stored; try again later")
    assert data_replies == [refusal, refusal]


@pytest.mark.p6
def test_a_failure_while_checking_a_recipient_is_temporary(app, lmtp_port, monkeypatch):
    def database_down(address):
        raise ConnectionError("the database is down")

    monkeypatch.setattr(addresses, "is_our_address", database_down)
    with smtplib.LMTP(HOST, lmtp_port) as client:
        client.ehlo()
        client.mail(MEMBER)
        assert client.rcpt(SUPPORT) == (451, b"4.3.0 Temporary failure; try again later")


def test_smtp_for_development_takes_in_a_report(app):
    with listening(app, smtp=True) as listener, smtplib.SMTP(HOST, listener.port) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            client.sendmail(MEMBER, ["someone@elsewhere.example"], REPORT)
        client.mail(MEMBER)
        client.rcpt(SUPPORT)
        code, text = client.data(REPORT)

    [inbound] = stored(app)
    assert (code, text) == (250, f"2.0.0 Stored as inbound mail {inbound.id}: created".encode())
    assert inbound.channel == "smtp" and inbound.source.startswith(f"smtp:{HOST}:")
    assert ticket_of(app, inbound.id)[:2] == ("Harassment by user x", MEMBER)


def test_the_listener_stops_when_told(app):
    with listening(app) as listener:
        assert accepts_connections(listener.port)
    assert not accepts_connections(listener.port)


@pytest.mark.p6
def test_stopping_finishes_and_answers_the_message_in_hand(app, monkeypatch):
    in_intake, release = threading.Event(), threading.Event()
    receive = intake.receive

    def held_receive(*args, **kwargs):
        in_intake.set()
        release.wait(timeout=60)
        return receive(*args, **kwargs)

    monkeypatch.setattr(intake, "receive", held_receive)
    replies = []
    with listening(app) as listener, smtplib.LMTP(HOST, listener.port) as client:
        client.ehlo()
        client.mail(MEMBER)
        client.rcpt(SUPPORT)
        client.rcpt("trust@helpdesk.example")
        sender = threading.Thread(
            target=lambda: replies.extend([client.data(REPORT), client.getreply()])
        )
        sender.start()
        assert in_intake.wait(timeout=60)
        listener.stop.set()
        wait_until(lambda: not accepts_connections(listener.port))
        release.set()
        sender.join(timeout=60)

    [inbound] = stored(app)
    assert replies == [(250, f"2.0.0 Stored as inbound mail {inbound.id}: created".encode())] * 2


def test_flask_mail_serve_takes_in_mail_until_sigterm(app, database_url, tmp_path):
    port = free_port()
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "HELPDESK_ATTACHMENT_DIR": str(tmp_path / "attachments"),
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "serve"]
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [*command, "--port", str(port)], cwd=ROOT, env=environment, stdout=output, stderr=output
        )
        try:
            wait_until(lambda: accepts_connections(port) or server.poll() is not None)
            assert server.poll() is None, log.read_text()
            with smtplib.LMTP(HOST, port) as client:
                _, [(code, _)] = deliver(client, REPORT, [SUPPORT])
            server.send_signal(signal.SIGTERM)
            assert server.wait(timeout=60) == 0, log.read_text()
        finally:
            server.kill()
            server.wait()

    assert code == 250
    [inbound] = stored(app)
    assert ticket_of(app, inbound.id)[:2] == ("Harassment by user x", MEMBER)
