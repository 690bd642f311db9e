"""The outbox end to end: what a real SMTP server on loopback receives, and how the sender
copes when that server refuses, drops the connection, is down, or a sender is killed."""

import ast
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import flask_mail
import pytest
from sqlalchemy import select, text

from helpdesk import signing, tickets
from helpdesk.database import db, utcnow
from helpdesk.errors import MailBlocked
from helpdesk.mail import outbox, sender
from helpdesk.models import (
    AuditEvent,
    Category,
    MailKind,
    MailStatus,
    Message,
    MessageKind,
    OutboundMail,
    Ticket,
)

from ..conftest import TEST_DATABASE_URL, log_in, submit
from ..factories import make_ticket, make_user
from .mailserver import MailServer, app_sending_to, folded, plain_text

ROOT = Path(__file__).resolve().parents[2]


def _send_due(app, **options) -> sender.BatchReport:
    with app.app_context():
        return sender.send_due(**options)


def _mails(app) -> list[OutboundMail]:
    with app.app_context():
        return db.session.scalars(select(OutboundMail).order_by(OutboundMail.id)).all()


def _report_form(app) -> dict:
    with app.app_context():
        category = db.session.scalar(select(Category.id).where(Category.slug == "harassment"))
    return {
        "category": str(category),
        "subject": "Threats after I asked to be paid",
        "description": "On 3 November quickpay_dev wrote that he would 'find me'.",
        "reported": "quickpay_dev",
        "submission_key": "key-1",
    }


@pytest.fixture
def reported_ticket(app):
    """A committed report by Dana about quickpay_dev: (reference, reporter email)."""
    with app.app_context():
        reporter = make_user(email="dana@example.org", display_name="Dana Whitfield")
        ticket = make_ticket(reporter=reporter, reported="quickpay_dev")
        db.session.commit()
        return ticket.reference, reporter.email


def _later(**delta):
    moment = utcnow() + timedelta(**delta)
    return lambda: moment


# --- what arrives ------------------------------------------------------------------------------


@pytest.mark.p3
def test_a_web_report_is_acknowledged_with_the_policy_and_the_headers(app, client, smtp_server):
    with app.app_context():
        make_user(email="dana@example.org", display_name="Dana Whitfield")
        db.session.commit()
    log_in(client, "dana@example.org")
    response = submit(client, "/tickets/new", _report_form(app))
    reference = response.location.rsplit("/", 1)[1]

    assert _send_due(app).sent == 1
    [mail] = smtp_server.received
    assert mail.envelope_recipients == ["dana@example.org"]
    assert mail["To"] == "dana@example.org" and mail["From"] == "support@helpdesk.example"
    assert mail["Subject"] == f"We received your report {reference}"
    body = plain_text(mail)
    assert "Hello Dana," in body and f"https://helpdesk.test/tickets/{reference}" in body
    assert "every report is reviewed" in folded(body)
    assert (
        "never share the results of our investigations or details of other members' accounts"
        in folded(body)
    )
    assert mail.get_body(preferencelist=("html",)) is not None
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["X-Auto-Response-Suppress"] == "All" and mail["Precedence"] == "bulk"
    reply_to = mail["Reply-To"]
    assert reply_to.startswith("support+") and reply_to.endswith("@helpdesk.example")
    assert signing.reference_from_reply_address(reply_to, "helpdesk.example", "test-secret-key")
    assert signing.reference_from_reply_address(reply_to, "helpdesk.example", "x") is None
    with app.app_context():
        report = db.session.scalar(select(Message).where(Message.kind == MessageKind.REPORTER))
        stored = db.session.scalar(select(OutboundMail))
        assert mail["Message-ID"] == stored.email_message_id
        assert mail["In-Reply-To"] == mail["References"] == report.email_message_id
        assert report.email_message_id.endswith("@helpdesk.example>")


@pytest.mark.p3
def test_a_followup_and_an_agent_reply_thread_with_the_report(app, reported_ticket, smtp_server):
    reference, _ = reported_ticket
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        followup = tickets.add_followup(ticket.reporter, ticket, "He wrote again this morning.")
        agent = make_user("agent", display_name="Priya Raman")
        reply = tickets.post_reply(agent, ticket, "Thank you, we are reviewing your report.")
        db.session.commit()
        root = ticket.messages[0].email_message_id
        followup_id, reply_id = followup.email_message_id, reply.email_message_id

    assert _send_due(app).sent == 3
    ack, followup_ack, agent_reply = smtp_server.received
    assert ack["References"] == root
    assert followup_ack["Subject"] == f"We added your message to report {reference}"
    assert followup_ack["In-Reply-To"] == followup_id
    assert followup_ack["References"] == f"{root} {followup_id}"
    assert followup_ack["Auto-Submitted"] == "auto-replied"

    assert agent_reply["Subject"] == f"About your report {reference}"
    assert agent_reply["Message-ID"] == reply_id  # answers to it lead back to the reply
    assert agent_reply["In-Reply-To"] == followup_id
    assert agent_reply["References"].split()[0] == root
    assert agent_reply["Auto-Submitted"] is None  # a person wrote it
    assert agent_reply["Reply-To"] == ack["Reply-To"]
    assert plain_text(agent_reply).startswith("Thank you, we are reviewing your report.")
    assert "Priya" not in plain_text(agent_reply)
    assert len({mail["Message-ID"] for mail in smtp_server.received}) == 3


@pytest.mark.p3
@pytest.mark.p6
def test_the_acknowledgment_exists_exactly_when_the_report_does(app):
    """P6: the mail is written in the transaction of the change that causes it."""
    with app.app_context():
        make_ticket()
        db.session.rollback()
        assert db.session.scalars(select(OutboundMail)).all() == []
        ticket = make_ticket()
        db.session.commit()
        [mail] = db.session.scalars(select(OutboundMail)).all()
        assert (mail.kind, mail.status, mail.ticket_id) == (
            MailKind.REPORT_RECEIVED,
            MailStatus.QUEUED,
            ticket.id,
        )


@pytest.mark.p4
def test_an_inbound_message_id_reaches_a_header_only_when_it_is_safe(app, reported_ticket):
    reference, _ = reported_ticket
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        ordinary = tickets.add_followup(ticket.reporter, ticket, "By mail, with an ordinary id.")
        crafted = tickets.add_followup(ticket.reporter, ticket, "By mail, with a crafted id.")
        # As mail intake stores them: each inbound mail's own Message-ID.
        ordinary.email_message_id = "<CAKx=abc+1@mail.example.com>"
        crafted.email_message_id = "<=?utf-8?q?x=0D=0ABcc:_evil@example.org?=@x>"
        reply = tickets.post_reply(make_user("agent"), ticket, "Thank you for the details.")
        headers = db.session.scalar(
            select(OutboundMail.headers).where(OutboundMail.message_id == reply.id)
        )
    assert "<CAKx=abc+1@mail.example.com>" in headers["References"].split()
    assert "evil" not in headers["References"]
    assert "In-Reply-To" not in headers  # it would have answered the crafted one


@pytest.mark.parametrize(
    ("value", "usable"),
    [
        ("<hd.0f3a@helpdesk.example>", True),
        ("<CAKx=Y_9+z@mail.gmail.com>", True),
        ("<a b@example.org>", False),
        ("<a@example.org>\r\nBcc: x@example.org", False),
        ("<=?utf-8?q?a?=@example.org>", False),
        ("a@example.org", False),
        (None, False),
    ],
)
@pytest.mark.p4
def test_only_a_strictly_shaped_message_id_is_usable(value, usable):
    assert outbox.is_usable_message_id(value) is usable


# --- storm control and header safety ------------------------------------------------------------


@pytest.mark.p3
def test_at_most_five_acknowledgments_an_hour_reach_one_address(app, smtp_server):
    with app.app_context():
        reporter = make_user(email="busy@example.org")
        agent = make_user("agent")
        for _ in range(7):
            ticket = make_ticket(reporter=reporter)
        tickets.post_reply(agent, ticket, "A person's reply is never held back.")
        db.session.commit()
    statuses = Counter((mail.kind, mail.status) for mail in _mails(app))
    assert statuses == {
        (MailKind.REPORT_RECEIVED, MailStatus.QUEUED): 5,
        (MailKind.REPORT_RECEIVED, MailStatus.SUPPRESSED): 2,
        (MailKind.AGENT_REPLY, MailStatus.QUEUED): 1,
    }
    assert "within an hour" in _mails(app)[-2].reason
    assert _send_due(app).sent == 6
    assert len(smtp_server.received) == 6


@pytest.mark.parametrize(
    "fields",
    [
        {"subject": "Your report\r\nBcc: everyone@example.org"},
        {"subject": "Your report\nBcc: everyone@example.org"},
        {"subject": "=?utf-8?q?Your_report=0D=0ABcc:_everyone@example.org?="},
        {"recipient": "dana@example.org\rBcc: everyone@example.org"},
        {"headers": {"References": "<a@b>\r\n\tBcc: everyone@example.org"}},
    ],
)
@pytest.mark.p4
def test_our_own_code_refuses_line_breaks_and_encoded_words_in_headers(fields):
    mail = OutboundMail(
        **{"subject": "Your report", "recipient": "dana@example.org", "headers": {}, **fields}
    )
    assert "line break or an encoded word" in outbox.header_problem(mail)


@pytest.mark.p4
def test_ordinary_headers_pass(app):
    with app.app_context():
        make_ticket()
        mail = db.session.scalar(select(OutboundMail))
        assert outbox.header_problem(mail) is None
        assert set(mail.headers) >= {"Reply-To", "In-Reply-To", "References", "Auto-Submitted"}


@pytest.mark.p4
def test_a_header_changed_after_queueing_is_refused_at_send_time(app, reported_ticket, smtp_server):
    with app.app_context():
        mail = db.session.scalar(select(OutboundMail))
        mail.headers = {**mail.headers, "References": "<a@b>\r\nBcc: everyone@example.org"}
        db.session.commit()
    assert _send_due(app).failed == 1
    [mail] = _mails(app)
    assert mail.status is MailStatus.FAILED and "line break" in mail.reason
    assert smtp_server.received == []


# --- faults ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "answer"), [("rcpt", "450 4.2.1 Mailbox busy"), ("data", "451 4.3.0 Try later")]
)
@pytest.mark.p6
def test_a_temporary_refusal_is_retried_later_with_the_same_message_id(
    app, reported_ticket, smtp_server, where, answer
):
    setattr(smtp_server, f"{where}_reply", answer)
    before = utcnow()
    assert _send_due(app).retrying == 1
    [mail] = _mails(app)
    assert mail.status is MailStatus.QUEUED and mail.attempts == 1
    assert answer.split()[0] in mail.reason
    base = app.config["HELPDESK_OUTBOX_RETRY_SECONDS"]
    assert before + timedelta(seconds=base / 2) <= mail.next_attempt_at
    assert mail.next_attempt_at <= utcnow() + timedelta(seconds=base)
    assert _send_due(app).claimed == 0  # not due yet

    setattr(smtp_server, f"{where}_reply", None)
    assert _send_due(app, clock=_later(seconds=base + 1)).sent == 1
    assert smtp_server.message_ids() == [mail.email_message_id]
    assert _mails(app)[0].status is MailStatus.SENT


@pytest.mark.parametrize(
    ("where", "answer"), [("rcpt", "550 5.1.1 No such user"), ("data", "554 5.7.1 Rejected")]
)
@pytest.mark.p6
def test_a_permanent_refusal_fails_the_mail_for_good(
    app, reported_ticket, smtp_server, where, answer
):
    setattr(smtp_server, f"{where}_reply", answer)
    assert _send_due(app).failed == 1
    [mail] = _mails(app)
    assert mail.status is MailStatus.FAILED and answer.split()[0] in mail.reason
    setattr(smtp_server, f"{where}_reply", None)
    assert _send_due(app, clock=_later(days=2)).claimed == 0
    assert smtp_server.received == []


@pytest.mark.p6
def test_a_dropped_connection_is_retried_and_the_rest_of_the_batch_still_goes(
    app, reported_ticket, smtp_server
):
    with app.app_context():
        make_ticket()
        db.session.commit()
    smtp_server.drops = 1
    report = _send_due(app)
    assert (report.retrying, report.sent) == (1, 1)  # the second went over a new connection
    assert "Connection lost" in _mails(app)[0].reason
    assert _send_due(app, clock=_later(hours=1)).sent == 1
    assert sorted(smtp_server.message_ids()) == sorted(m.email_message_id for m in _mails(app))


@pytest.mark.p6
def test_mail_waits_while_the_server_is_down(app, reported_ticket, smtp_server):
    with app.app_context():
        make_ticket()
        db.session.commit()
    smtp_server.stop()
    report = _send_due(app)
    assert report.retrying == 2
    assert all("Cannot reach the mail server" in mail.reason for mail in _mails(app))
    smtp_server.start()
    assert _send_due(app, clock=_later(hours=1)).sent == 2
    assert sorted(smtp_server.message_ids()) == sorted(m.email_message_id for m in _mails(app))


@pytest.mark.p6
def test_temporary_failures_give_up_after_the_last_attempt(database_url, tmp_path, smtp_server):
    smtp_server.rcpt_reply = "421 4.3.2 Shutting down"
    with app_sending_to(smtp_server, database_url, tmp_path, HELPDESK_OUTBOX_MAX_ATTEMPTS=2) as app:
        with app.app_context():
            make_ticket()
            db.session.commit()
        assert _send_due(app).retrying == 1
        assert _send_due(app, clock=_later(days=1)).failed == 1
        [mail] = _mails(app)
    assert mail.status is MailStatus.FAILED and mail.reason.startswith("Gave up after 2 attempts")
    assert "421" in mail.reason


@pytest.mark.p6
def test_a_mail_whose_senders_keep_dying_is_given_up(app, reported_ticket, smtp_server):
    with app.app_context():
        mail = db.session.scalar(select(OutboundMail))
        mail.attempts = app.config["HELPDESK_OUTBOX_MAX_ATTEMPTS"]  # each claimed, none recorded
        db.session.commit()
    assert _send_due(app).claimed == 0
    [mail] = _mails(app)
    assert mail.status is MailStatus.FAILED and "senders stopped mid-way" in mail.reason
    assert smtp_server.received == []


@pytest.mark.parametrize("attempts", range(1, 12))
def test_the_retry_delay_doubles_with_jitter_up_to_a_cap(attempts):
    delay = sender.retry_delay(attempts, base=60, cap=3600).total_seconds()
    full = min(3600, 60 * 2 ** (attempts - 1))
    assert full / 2 <= delay <= full


@pytest.mark.p6
def test_a_killed_senders_mail_goes_out_after_its_claim_expires(
    app, database_url, tmp_path, reported_ticket, smtp_server
):
    with app.app_context():
        for _ in range(2):
            make_ticket()
        db.session.commit()
    smtp_server.stall_on_data = True
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send"],
            cwd=ROOT,
            env=_worker_environment(database_url, smtp_server),
            stdout=output,
            stderr=output,
        )
        try:
            assert smtp_server.stalled.wait(timeout=60), log.read_text()
        finally:
            worker.kill()
            worker.wait()
    smtp_server.release()

    mails = _mails(app)
    assert all(m.status is MailStatus.QUEUED and m.claimed_until for m in mails)
    assert _send_due(app).claimed == 0  # still claimed by the dead sender
    expired = max(m.claimed_until for m in mails) + timedelta(seconds=1)
    assert _send_due(app, clock=lambda: expired).sent == 3
    assert sorted(smtp_server.message_ids()) == sorted(m.email_message_id for m in mails)
    assert smtp_server.stalled_message_ids[0] in smtp_server.message_ids()


def _worker_environment(database_url: str, server: MailServer) -> dict:
    """What `flask --app wsgi outbox send` reads, for the sender's own process only."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "MAIL_SERVER": server.host,
        "MAIL_PORT": str(server.port),
    }


@pytest.mark.p6
def test_two_senders_send_each_mail_exactly_once(app, smtp_server):
    with app.app_context():
        for number in range(24):
            make_ticket(reporter=make_user(email=f"reporter{number}@example.org"))
        db.session.commit()
    start = threading.Barrier(2)

    def send_until_empty():
        with app.app_context():
            start.wait()
            while sender.send_due(batch_size=3).claimed:
                pass

    threads = [threading.Thread(target=send_until_empty) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(Counter(smtp_server.message_ids()).values()) == {1: 24}
    assert {mail.status for mail in _mails(app)} == {MailStatus.SENT}


@pytest.mark.postgres
@pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgres"), reason="SKIP LOCKED is PostgreSQL's"
)
@pytest.mark.p6
def test_a_claim_skips_mail_another_sender_holds_locked(app, smtp_server):
    with app.app_context():
        for number in range(4):
            make_ticket(reporter=make_user(email=f"reporter{number}@example.org"))
        db.session.commit()
        with db.engine.connect() as other:
            locked = (
                other.execute(text("SELECT id FROM outbound_mail ORDER BY id LIMIT 2 FOR UPDATE"))
                .scalars()
                .all()
            )
            # Waiting for those rows would fail the test instead of hanging it.
            db.session.execute(text("SET lock_timeout = '5s'"))
            report = sender.send_due()
            other.rollback()
    assert report.sent == 2
    assert {m.id for m in _mails(app) if m.status is MailStatus.QUEUED} == set(locked)


# --- the command line and the admin page ---------------------------------------------------------


def test_outbox_send_command_drains_the_outbox(app, runner, reported_ticket, smtp_server):
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1, to retry 0, failed 0" in result.output
    assert "nothing more is due" in result.output
    assert len(smtp_server.received) == 1


def test_outbox_send_loop_sends_as_mail_comes_and_stops_on_sigterm(
    database_url, tmp_path, reported_ticket, smtp_server
):
    log = tmp_path / "sender.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send", "--loop"],
            cwd=ROOT,
            env=_worker_environment(database_url, smtp_server),
            stdout=output,
            stderr=output,
        )
        try:
            assert smtp_server.arrived.wait(timeout=60), log.read_text()
        finally:
            worker.send_signal(signal.SIGTERM)
            exit_code = worker.wait(timeout=60)
    assert exit_code == 0, log.read_text()
    assert len(smtp_server.received) == 1
    assert "sent 1" in log.read_text()


def test_admins_see_failed_and_blocked_mail_and_retry_a_failed_one(
    app, client, login_as, reported_ticket, smtp_server
):
    smtp_server.rcpt_reply = "550 5.1.1 No such user"
    _send_due(app)
    with app.app_context():
        ticket = db.session.scalar(select(Ticket))
        agent = make_user("agent")
        db.session.commit()
        with pytest.raises(MailBlocked) as blocked:
            tickets.post_reply(agent, ticket, "About quickpay_dev: we are on it.")
        db.session.rollback()
        outbox.record_blocked(blocked.value, agent)
        db.session.commit()
    login_as("admin")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "550 5.1.1 No such user" in page and "Send again" in page
    assert "It mentions the reported member (quickpay_dev)." in page

    failed, blocked_mail = _mails(app)
    smtp_server.rcpt_reply = None
    refused = submit(client, f"/admin/outbox/{blocked_mail.id}/retry", {}, page="/admin/outbox")
    assert "Only a failed mail can be sent again." in client.get(refused.location).text
    response = submit(client, f"/admin/outbox/{failed.id}/retry", {}, page="/admin/outbox")
    assert response.status_code == 302
    assert _send_due(app).sent == 1  # the failed one; the blocked one never goes
    assert smtp_server.message_ids() == [failed.email_message_id]
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("mail.retried") == 1 and actions.count("mail.blocked") == 1


@pytest.mark.p1
def test_members_and_agents_cannot_open_the_outbox(client, login_as):
    login_as("agent")
    assert client.get("/admin/outbox").status_code == 403


# --- P3: the outbox is the only way out ---------------------------------------------------------


# Modules that may touch a mail-sending library, and which ones.
MAIL_LIBRARIES = {"flask_mail", "smtplib", "email.mime"}
ALLOWED_MAIL_IMPORTS = {"sender.py": {"flask_mail", "smtplib"}, "extensions.py": {"flask_mail"}}


@pytest.mark.p3
def test_no_module_but_the_sender_can_send_mail():
    for path in (ROOT / "helpdesk").rglob("*.py"):
        used = {
            name
            for name in _imported_modules(path)
            if name.split(".")[0] in {"flask_mail", "smtplib"} or name.startswith("email.mime")
        }
        assert used <= ALLOWED_MAIL_IMPORTS.get(path.name, set()), path


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.p3
@pytest.mark.p4
def test_every_mail_sent_at_runtime_goes_through_the_outbox(
    app, client, login_as, smtp_server, monkeypatch
):
    """Flask-Mail's own send helpers fail the test; its connections may only be used by the
    outbox's sender."""
    senders = []
    real_send = flask_mail.Connection.send

    def send_from_outbox_only(self, message, *args):
        senders.append(sys._getframe(1).f_globals["__name__"])
        return real_send(self, message, *args)

    def forbidden(*args, **kwargs):
        raise AssertionError("mail sent outside the outbox")

    monkeypatch.setattr(flask_mail.Connection, "send", send_from_outbox_only)
    monkeypatch.setattr(flask_mail.Mail, "send", forbidden)
    monkeypatch.setattr(flask_mail.Mail, "send_message", forbidden)

    email = login_as("member")
    submit(client, "/tickets/new", _report_form(app))
    with app.app_context():
        ticket = db.session.scalar(select(Ticket))
        reference = ticket.reference
        tickets.post_reply(make_user("agent"), ticket, "Thank you, we are on it.")
        db.session.commit()
    submit(client, f"/tickets/{reference}", {"body": "One more thing."})
    submit(client, "/logout", {}, page="/tickets")
    submit(client, "/password/reset", {"email": email})
    login_as("admin")
    invitation = {"email": "new.agent@example.org", "display_name": "New Agent", "role": "agent"}
    submit(client, "/admin/users/invite", invitation)
    kinds = [mail.kind for mail in _mails(app)]
    assert kinds == [
        MailKind.REPORT_RECEIVED,
        MailKind.AGENT_REPLY,
        MailKind.FOLLOWUP_RECEIVED,
        MailKind.PASSWORD_RESET,
        MailKind.ACCOUNT_INVITE,
    ]
    assert _send_due(app).sent == 5
    assert senders == ["helpdesk.mail.sender"] * 5
