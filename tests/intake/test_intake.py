"""Intake's promises (P6, P7) through its channels: a message delivered twice makes one ticket,
a crash or a bug loses nothing and `mail reprocess` finishes the work, a stranger's reply never
joins someone else's thread, automated mail is never acknowledged, bounces are recorded, and a
new sender can claim their account."""

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpdesk import intake, signing
from helpdesk.categories import active_category_by_slug
from helpdesk.database import db
from helpdesk.intake import mime
from helpdesk.models import (
    InboundMail,
    InboundOutcome,
    MailAlias,
    MailKind,
    MailStatus,
    OutboundMail,
    Role,
    Ticket,
    User,
)

from ..conftest import log_in, submit
from ..factories import PASSWORD, make_ticket, make_user
from .conftest import INTAKE_SETTINGS, acknowledgment, ingest_file, mark_sent, reply_address
from .corpus import postfix_results

ROOT = Path(__file__).resolve().parents[2]
REPORTER = "dana@example.org"
STRANGER = "mallory.price@example.com"


@pytest.fixture
def app(app):
    app.config.update(INTAKE_SETTINGS)
    return app


def _mail(sender: str, subject: str, body: str, *headers: str) -> bytes:
    lines = [
        f"From: {sender}",
        "To: support@helpdesk.example",
        f"Subject: {subject}",
        "Date: Wed, 06 Nov 2024 10:00:00 +0000",
        f"Message-ID: <{hashlib.sha1(f'{sender}{subject}{body}'.encode()).hexdigest()}@x.example>",
        *headers,
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    return ("\n".join(lines) + "\n\n" + body).encode()


def _reprocess(runner, *args: str) -> list[dict]:
    result = runner.invoke(args=["mail", "reprocess", *args])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def _count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def reported(app):
    """The reporter's ticket, its acknowledgment sent: (reference, the ack's Message-ID)."""
    with app.app_context():
        ticket = make_ticket(reporter=make_user(email=REPORTER, display_name="Dana Whitfield"))
        ack = acknowledgment(ticket)
        mark_sent(ack)
        db.session.commit()
        return ticket.reference, ack.email_message_id


# --- P6: nothing lost, nothing doubled ---------------------------------------------------------


def _post_to_webhook(app, client, raw: bytes):
    app.config["HELPDESK_INTAKE_WEBHOOK_SECRET"] = secret = "shared webhook secret"
    timestamp = str(int(time.time()))
    headers = {
        "X-Helpdesk-Timestamp": timestamp,
        "X-Helpdesk-Signature": signing.sign_webhook(secret, timestamp, raw),
    }
    return client.post("/intake/email", data=raw, headers=headers, content_type="message/rfc822")


@pytest.mark.p6
def test_the_same_message_over_three_channels_makes_one_ticket(app, client, runner, tmp_path):
    raw = _mail("Nina Park <nina.park@example.net>", "Scam job posting", "It asks for a deposit.")

    first = ingest_file(runner, tmp_path, raw)
    by_webhook = _post_to_webhook(app, client, raw)
    piped = runner.invoke(args=["mail", "ingest", "-"], input=raw)

    assert first["outcome"] == "created"
    assert by_webhook.status_code == 200, by_webhook.get_data(as_text=True)
    assert by_webhook.json["outcome"] == "duplicate"
    assert by_webhook.json["ticket"] == first["ticket"]
    assert json.loads(piped.stdout)["outcome"] == "duplicate"
    assert json.loads(piped.stdout)["ticket"] == first["ticket"]
    assert _count(app, Ticket) == 1
    assert _count(app, OutboundMail, OutboundMail.kind == MailKind.REPORT_RECEIVED) == 1
    with app.app_context():
        channels = db.session.scalars(select(InboundMail.channel).order_by(InboundMail.id)).all()
    assert channels == ["file", "webhook", "stdin"]  # every copy is kept


@pytest.mark.p6
def test_a_copy_with_the_same_message_id_but_other_bytes_is_a_duplicate(app, runner, tmp_path):
    raw = _mail("Nina Park <nina.park@example.net>", "Scam job posting", "It asks for a deposit.")
    first = ingest_file(runner, tmp_path, raw)

    with app.app_context():
        relayed = intake.receive(b"Received: from backup-mx\n" + raw, intake.Channel.LMTP)

    assert relayed.outcome is InboundOutcome.DUPLICATE and relayed.ticket == first["ticket"]
    assert _count(app, Ticket) == 1


# Runs in a process of its own, which dies after the ticket is written but before the commit.
CRASHING_INGEST = """
import os, sys
from helpdesk import create_app, intake

def die(*args):
    os._exit(70)

intake._record = die
with create_app().app_context():
    intake.receive(sys.stdin.buffer.read(), intake.Channel.STDIN, source="-")
"""


def _ingest_and_die(app, database_url: str, raw: bytes) -> None:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": database_url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "HELPDESK_ATTACHMENT_DIR": app.config["HELPDESK_ATTACHMENT_DIR"],
        "HELPDESK_REPLY_DOMAIN": app.config["HELPDESK_REPLY_DOMAIN"],
    }
    process = subprocess.run(
        [sys.executable, "-c", CRASHING_INGEST],
        input=raw,
        cwd=ROOT,
        env=environment,
        capture_output=True,
        timeout=120,
    )
    assert process.returncode == 70, process.stderr.decode()


@pytest.mark.p6
def test_a_crash_after_storing_loses_nothing_and_reprocess_finishes(app, runner, database_url):
    first = _mail("Omar Haddad <omar.haddad@example.net>", "Threats", "He says he will find me.")
    second = _mail("Lena Vogt <lena.vogt@example.de>", "Fake profile", "It uses my photos.")
    _ingest_and_die(app, database_url, first)
    _ingest_and_die(app, database_url, second)

    with app.app_context():
        stuck = db.session.scalars(select(InboundMail).order_by(InboundMail.id)).all()
        assert [mail.outcome for mail in stuck] == [InboundOutcome.RECEIVED] * 2
        assert [mail.raw for mail in stuck] == [first, second]
        first_id, second_id = (mail.id for mail in stuck)
    # The dying transaction took its ticket, account and acknowledgment with it.
    assert _count(app, Ticket) == _count(app, User) == _count(app, OutboundMail) == 0

    [by_id] = _reprocess(runner, str(first_id))
    assert by_id["outcome"] == "created" and by_id["inbound_id"] == first_id

    # The MTA saw the pipe fail and delivers the second message again: kept, not doubled.
    redelivered = json.loads(runner.invoke(args=["mail", "ingest", "-"], input=second).stdout)
    assert redelivered["outcome"] == "duplicate" and redelivered["ticket"] is None
    assert _reprocess(runner, "--quarantined") == []  # so recent it may still be in hand
    with app.app_context():
        db.session.get(InboundMail, second_id).received_at -= timedelta(minutes=6)
        db.session.commit()
    [swept] = _reprocess(runner, "--quarantined")
    assert swept["outcome"] == "created" and swept["inbound_id"] == second_id

    assert _count(app, Ticket) == 2
    assert _count(app, OutboundMail, OutboundMail.kind == MailKind.REPORT_RECEIVED) == 2


@pytest.mark.p6
def test_a_message_quarantined_by_a_bug_is_recovered_after_the_fix(
    app, runner, tmp_path, monkeypatch
):
    def broken_parser(raw, **limits):
        raise LookupError("unknown encoding: x-new-charset")

    monkeypatch.setattr(mime, "parse", broken_parser)
    first = ingest_file(runner, tmp_path, _mail("a@example.net", "Harassment", "He insults me."))
    second = ingest_file(runner, tmp_path, _mail("b@example.net", "Scam posting", "Gift cards."))
    assert [first["outcome"], second["outcome"]] == ["quarantined", "quarantined"]
    assert "LookupError" in first["reason"]
    assert _count(app, Ticket) == 0

    monkeypatch.undo()  # the fix is deployed
    [by_id] = _reprocess(runner, str(first["inbound_id"]))
    [swept] = _reprocess(runner, "--quarantined")

    assert by_id["outcome"] == swept["outcome"] == "created"
    assert swept["inbound_id"] == second["inbound_id"]
    with app.app_context():
        inbound = db.session.get(InboundMail, first["inbound_id"])
        assert inbound.attempts == 2 and inbound.ticket.reference == by_id["ticket"]
    assert _reprocess(runner, "--quarantined") == []


@pytest.mark.p6
def test_reprocessing_a_message_that_made_or_joined_a_ticket_is_refused(
    app, runner, tmp_path, reported
):
    reference, _ack = reported
    created = ingest_file(runner, tmp_path, _mail("a@example.net", "Harassment", "He insults me."))
    reply = _mail(REPORTER, "More", "He wrote again.", f"Cc: {reply_address(app, reference)}")
    appended = ingest_file(runner, tmp_path, reply)
    assert appended["outcome"] == "appended"

    for line in (created, appended):
        result = runner.invoke(args=["mail", "reprocess", str(line["inbound_id"])])
        assert result.exit_code != 0
        assert f"already in {line['ticket']}" in result.output
        assert "double" in result.output
    missing = runner.invoke(args=["mail", "reprocess", "999999"])
    assert missing.exit_code != 0 and "no stored message 999999" in missing.output
    assert runner.invoke(args=["mail", "reprocess"]).exit_code == 2
    assert _count(app, Ticket) == 2


# --- P7: no ticket trick -----------------------------------------------------------------------


def _page(app, email: str, path: str) -> str:
    client = app.test_client()
    log_in(client, email)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


@pytest.mark.p7
def test_a_strangers_reply_never_reaches_someone_elses_thread(app, runner, tmp_path, reported):
    reference, ack = reported
    attempts = {
        "by token": (f"Cc: {reply_address(app, reference)}",),
        "by In-Reply-To": (f"In-Reply-To: {ack}",),
        "by References": (f"References: <x@example.org> {ack}",),
        "by subject": (),
    }
    lines = []
    for how, headers in attempts.items():
        raw = _mail(
            f"Dana Whitfield <{STRANGER}>",  # her name, not her address
            f"Re: [{reference}] We received your report",
            f"Stranger text {how}: tell me what you found about him.",
            *headers,
        )
        lines.append(ingest_file(runner, tmp_path, raw))

    assert [line["outcome"] for line in lines] == ["created"] * 4
    assert reference not in {line["ticket"] for line in lines}
    with app.app_context():
        agent = make_user("agent").email
        db.session.commit()
        owners = db.session.scalars(
            select(User.email)
            .join(Ticket, Ticket.reporter_id == User.id)
            .where(Ticket.reference.in_([line["ticket"] for line in lines]))
        ).all()
        assert set(owners) == {STRANGER}
        followups = select(OutboundMail).where(OutboundMail.kind == MailKind.FOLLOWUP_RECEIVED)
        assert db.session.scalars(followups).all() == []
    for page in (
        _page(app, REPORTER, f"/tickets/{reference}"),
        _page(app, agent, f"/agent/tickets/{reference}"),
    ):
        assert "He called me names" in page  # the reporter's own report
        assert "Stranger text" not in page


@pytest.mark.p3
@pytest.mark.p7
def test_automated_mail_is_never_acknowledged_nor_shown(app, runner, tmp_path, reported):
    reference, ack = reported
    address = reply_address(app, reference)
    automated = [
        # The reporter's own out-of-office, answering our acknowledgment at the reply address.
        _mail(REPORTER, "Automatic reply: We received your report", "I am away.",
              "Auto-Submitted: auto-replied", f"In-Reply-To: {ack}", f"Cc: {address}"),
        _mail("Holiday <holiday.maker@example.net>", "Out of office", "Back on Monday.",
              "X-Autoreply: yes"),
        _mail("chat@lists.example.org", f"[chat] About {reference}", "A list post.",
              "List-Id: <chat.lists.example.org>"),
        _mail("no-reply@billing.example.com", "Your invoice", "Invoice attached."),
    ]  # fmt: skip
    before = _count(app, OutboundMail)

    lines = [ingest_file(runner, tmp_path, raw) for raw in automated]

    assert [line["outcome"] for line in lines] == ["ignored"] * 4
    assert all(line["ticket"] is None for line in lines)
    assert _count(app, OutboundMail) == before
    assert _count(app, User) == 1  # no account for a robot
    assert "I am away" not in _page(app, REPORTER, f"/tickets/{reference}")


@pytest.mark.p7
def test_a_bounce_marks_the_mail_we_sent_as_bounced(app, runner, tmp_path, reported):
    _reference, ack = reported
    bounce = f"""\
From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: support@helpdesk.example
Subject: Undelivered Mail Returned to Sender
Message-Id: <20241106100000.4F1A2C0D3E@mx.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

Your message could not be delivered.
--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; {REPORTER}
Action: failed
Status: 5.1.1

--b
Content-Type: text/rfc822-headers

From: support@helpdesk.example
To: {REPORTER}
Subject: We received your report
Message-ID: {ack}
--b--
""".encode()

    line = ingest_file(runner, tmp_path, bounce)

    assert line["outcome"] == "ignored" and "bounced" in line["reason"]
    with app.app_context():
        mail = db.session.scalar(select(OutboundMail).where(OutboundMail.email_message_id == ack))
        assert mail.status is MailStatus.BOUNCED
        assert mail.reason.startswith("returned")


# --- routing -----------------------------------------------------------------------------------


def test_envelope_recipients_route_like_the_headers(app, reported):
    reference, _ack = reported
    with app.app_context():
        db.session.add(
            MailAlias(address="abuse@helpdesk.example", category=active_category_by_slug("fraud"))
        )
        db.session.commit()
        report = intake.receive(
            _mail("Nina Park <nina.park@example.net>", "Bcc'd report", "The posting is a scam."),
            intake.Channel.LMTP,
            recipients=["Abuse@helpdesk.example"],
        )
        reply = intake.receive(
            _mail(REPORTER, "No reference here", "One more thing."),
            intake.Channel.LMTP,
            recipients=[reply_address(app, reference)],
        )
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == report.ticket))
        category = ticket.category

    assert report.outcome is InboundOutcome.CREATED and category.slug == "fraud"
    assert reply.outcome is InboundOutcome.APPENDED and reply.ticket == reference


def test_a_short_report_keeps_its_text_without_calling_it_empty(app, runner, tmp_path):
    line = ingest_file(runner, tmp_path, _mail("kim.ho@example.kr", "사기 신고", "사기 신고."))

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == line["ticket"]))
        body = ticket.messages[0].body
    assert body.startswith("사기 신고.")
    assert "no text" not in body  # it had text, only less than a web report needs


# --- senders -----------------------------------------------------------------------------------


def test_a_new_sender_becomes_a_member_who_can_set_a_password(app, client, runner, tmp_path):
    raw = _mail("Nina Park <Nina.Park@Example.net>", "Scam job posting", "It asks for a deposit.")
    line = ingest_file(runner, tmp_path, raw)
    with app.app_context():
        member = db.session.scalar(select(User).where(User.email == "nina.park@example.net"))
        assert member.role is Role.MEMBER and member.password_hash is None
        assert member.display_name == "Nina Park"
    refused = submit(client, "/login", {"email": "nina.park@example.net", "password": PASSWORD})
    assert refused.status_code != 302

    submit(client, "/password/reset", {"email": "Nina.Park@example.net"})
    with app.app_context():
        reset = db.session.scalar(
            select(OutboundMail).where(OutboundMail.kind == MailKind.PASSWORD_RESET)
        )
        assert reset.recipient == "nina.park@example.net"
        link = re.search(r"/password/reset/\S+", reset.body_text).group(0)
    form = {"password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    assert submit(client, link, form).status_code == 302
    log_in(client, "nina.park@example.net", "a brand new passphrase")

    assert line["ticket"] in client.get("/tickets").get_data(as_text=True)
    page = client.get(f"/tickets/{line['ticket']}").get_data(as_text=True)
    assert "It asks for a deposit." in page


def test_a_known_sender_is_matched_whatever_the_case(app, runner, tmp_path):
    with app.app_context():
        make_user(email=REPORTER)
        db.session.commit()

    line = ingest_file(runner, tmp_path, _mail("DANA@Example.ORG", "Harassment", "He insults me."))

    assert line["outcome"] == "created"
    assert _count(app, User) == 1
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == line["ticket"]))
        assert ticket.reporter.email == REPORTER


def _pipe_intoingest_file(app, database_url: str, raw: bytes) -> subprocess.CompletedProcess:
    """What an MTA does: start `flask mail ingest -` and write the message to its stdin."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": database_url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "HELPDESK_ATTACHMENT_DIR": app.config["HELPDESK_ATTACHMENT_DIR"],
    }
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run(
        [str(flask), "--app", "wsgi", "mail", "ingest", "-"],
        input=raw,
        cwd=ROOT,
        env=environment,
        capture_output=True,
        timeout=120,
    )


def test_an_mta_pipes_a_message_into_mailingest_file(app, database_url):
    raw = _mail("Omar Haddad <omar.haddad@example.net>", "Threats", "He says he will find me.")
    process = _pipe_intoingest_file(app, database_url, raw)
    assert process.returncode == 0, process.stderr.decode()
    [line] = [json.loads(text) for text in process.stdout.decode().splitlines()]
    assert line["source"] == "-" and line["outcome"] == "created", (
        line,
        process.stderr.decode()[-3000:],
    )
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == line["ticket"]))
        assert ticket.reporter.email == "omar.haddad@example.net"
        assert db.session.scalar(select(InboundMail.channel)) == "stdin"


@pytest.mark.p6
def test_mail_ingest_fails_when_it_cannot_store_so_the_mta_keeps_the_message(
    app, database_url, tmp_path
):
    raw = _mail("Omar Haddad <omar.haddad@example.net>", "Threats", "He says he will find me.")
    unwritable = f"sqlite:///{tmp_path}/no/such/folder/helpdesk.db"
    process = _pipe_intoingest_file(app, unwritable, raw)
    assert process.returncode != 0
    assert "could not be stored" in process.stderr.decode() + process.stdout.decode()


@pytest.mark.p4
def test_mail_we_send_about_a_mailed_report_carries_none_of_its_headers(app, runner, tmp_path):
    """Outbound headers are our own data: the member's Message-ID, subject and name stay out,
    and their answer to their own mail still finds the ticket."""
    report = _mail(
        '"Bob =?utf-8?q?Evil=0D=0ABcc:_x@evil.example?=" <bob.evil@example.com>',
        "Scam =?utf-8?q?=0D=0ABcc:_y@evil.example?=",
        "He asked for my card number.",
    )
    first = ingest_file(runner, tmp_path, report)
    own_id = re.search(rb"Message-ID: (<[^>]+>)", report).group(1).decode()
    again = _mail(
        "bob.evil@example.com",
        "more",
        "And he sent this link.",
        f"In-Reply-To: {own_id}",
        *postfix_results("example.com"),
    )
    second = ingest_file(runner, tmp_path, again)
    assert (first["outcome"], second["outcome"]) == ("created", "appended")
    assert second["ticket"] == first["ticket"]
    with app.app_context():
        mails = db.session.scalars(select(OutboundMail)).all()
        assert [mail.kind for mail in mails] == [
            MailKind.REPORT_RECEIVED,
            MailKind.FOLLOWUP_RECEIVED,
        ]
        for mail in mails:
            headers = " ".join([mail.subject, *mail.headers.values()])
            assert own_id not in headers
            assert "evil" not in headers.lower() and "scam" not in headers.lower()
            assert all(value.startswith("<hd.") for value in mail.headers["References"].split())


@pytest.mark.p6
def test_copies_arriving_at_the_same_moment_make_one_ticket(app):
    """Four deliveries at once (an MTA retrying while a fetch runs): the unique keys of the
    first stored copy make every other a duplicate, on PostgreSQL as on SQLite."""
    raw = _mail("Omar Haddad <omar.haddad@example.net>", "Threats", "He says he will find me.")
    copies = [raw, raw, b"Received: from relay\n" + raw, b"Received: from backup\n" + raw]
    barrier = threading.Barrier(len(copies))

    def deliver(copy: bytes) -> InboundOutcome:
        with app.app_context():
            barrier.wait()
            return intake.receive(copy, intake.Channel.LMTP).outcome

    with ThreadPoolExecutor(len(copies)) as pool:
        outcomes = sorted(pool.map(deliver, copies))
    assert outcomes == sorted([InboundOutcome.CREATED] + [InboundOutcome.DUPLICATE] * 3)
    assert _count(app, Ticket) == 1
    assert _count(app, InboundMail) == 4


@pytest.mark.p6
def test_reports_from_one_new_sender_at_the_same_moment_share_one_account(app):
    """Four reports by a first-time sender delivered at once (an MTA's parallel deliveries,
    `mail ingest --jobs`): one account is made, and each report files under it."""
    reports = [
        _mail("Nina Park <nina.park@example.net>", f"Scam job posting {number}", "A deposit.")
        for number in range(4)
    ]
    barrier = threading.Barrier(len(reports))

    def deliver(raw: bytes) -> intake.IntakeResult:
        with app.app_context():
            barrier.wait()
            return intake.receive(raw, intake.Channel.LMTP)

    with ThreadPoolExecutor(len(reports)) as pool:
        results = list(pool.map(deliver, reports))
    assert [result.outcome for result in results] == [InboundOutcome.CREATED] * 4, [
        result.reason for result in results
    ]
    assert _count(app, User) == 1
    with app.app_context():
        reporters = db.session.scalars(select(Ticket.reporter_id).distinct()).all()
        assert len(reporters) == 1


@pytest.mark.p6
def test_a_copy_sent_again_finishes_a_first_copy_a_crash_left_behind(app, runner, database_url):
    """No sweep needed when the sender retries: its copy finishes the stuck first one."""
    raw = _mail("Omar Haddad <omar.haddad@example.net>", "Threats", "He says he will find me.")
    _ingest_and_die(app, database_url, raw)
    with app.app_context():
        stuck = db.session.scalar(select(InboundMail))
        stuck.received_at -= timedelta(minutes=6)
        db.session.commit()
        stuck_id = stuck.id

    retried = json.loads(runner.invoke(args=["mail", "ingest", "-"], input=raw).stdout)

    assert retried["outcome"] == "duplicate" and retried["ticket"] is not None
    with app.app_context():
        first = db.session.get(InboundMail, stuck_id)
        assert first.outcome is InboundOutcome.CREATED
        assert first.ticket.reference == retried["ticket"]
    assert _count(app, Ticket) == 1
