"""Mail out and mail in under faults: `outbox send` killed mid-batch, an SMTP server that answers
4xx, then 5xx, drops the connection and goes away before it comes back, and an IMAP session
dropped mid-fetch. No mail is lost; a mail sent twice (its sender killed between the server's
250 and the recorded outcome) keeps its Message-ID and is counted."""

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from helpdesk import intake
from helpdesk.database import db, utcnow
from helpdesk.mail import sender
from helpdesk.models import MailStatus, OutboundMail, Ticket

from ..factories import make_ticket, make_user
from ..intake.imap_server import DOVECOT, Dovecot
from ..outbound.mailserver import MailServer, app_sending_to
from .conftest import ROOT

pytestmark = [pytest.mark.reliability, pytest.mark.p6]


class SlowMailServer(MailServer):
    """Takes a moment over each mail, so that a kill lands mid-batch, now and then between the
    server's 250 and the sender recording it."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


def queue_acknowledgments(app, count: int) -> list[str]:
    """`count` reports by as many reporters; returns their acknowledgments' Message-IDs."""
    with app.app_context():
        for number in range(count):
            make_ticket(reporter=make_user(email=f"reporter{number}@example.org"))
        db.session.commit()
        return db.session.scalars(select(OutboundMail.email_message_id)).all()


def statuses(app) -> Counter:
    with app.app_context():
        return Counter(db.session.scalars(select(OutboundMail.status)).all())


def count_mail(figures, queued: list[str], server: MailServer, app) -> None:
    """Lost: neither arrived nor marked failed (refused for good, for the admins to see)."""
    arrived = Counter(server.message_ids())
    with app.app_context():
        failed = set(
            db.session.scalars(
                select(OutboundMail.email_message_id).where(
                    OutboundMail.status == MailStatus.FAILED
                )
            )
        )
    figures.add("arrived", sum(arrived.values()))
    figures.add("lost", sum(1 for mail in queued if mail not in arrived and mail not in failed))
    figures.add("sent twice", sum(1 for times in arrived.values() if times > 1))
    figures.add("extra copies", sum(arrived.values()) - len(arrived))
    assert set(arrived) <= set(queued)


# --- the sender killed mid-batch ---------------------------------------------------------------

MAILS = 40
KILLS = 6
CLAIM_SECONDS = 2


def test_outbox_sender_killed_mid_batch(database_url, tmp_path, figures):
    counted = figures("outbox-sender-killed")
    with SlowMailServer() as server, app_sending_to(server, database_url, tmp_path) as app:
        queued = queue_acknowledgments(app, MAILS)
        counted.add("mails", len(queued))
        env = {
            "PATH": os.environ.get("PATH", ""),
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "MAIL_SERVER": server.host,
            "MAIL_PORT": str(server.port),
            "HELPDESK_OUTBOX_BATCH_SIZE": "5",
            "HELPDESK_OUTBOX_CLAIM_SECONDS": str(CLAIM_SECONDS),
            "HELPDESK_LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "send"]
        log = (tmp_path / "senders.log").open("w")
        for _ in range(KILLS):
            before = len(server.received)
            if before >= MAILS - 5:
                break
            worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
            goal = before + random.randint(1, 6)
            deadline = time.monotonic() + 60
            while len(server.received) < goal and worker.poll() is None:
                assert time.monotonic() < deadline, "the sender sent nothing for a minute"
                time.sleep(0.005)
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            counted.add("senders killed")
        for _ in range(5):  # the last senders' claims run out, then one sender finishes
            if statuses(app)[MailStatus.QUEUED] == 0:
                break
            time.sleep(CLAIM_SECONDS + 0.2)
            subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=log, timeout=120)
            counted.add("senders run to the end")
        log.close()
        count_mail(counted, queued, server, app)
        assert statuses(app) == {MailStatus.SENT: MAILS}, (tmp_path / "senders.log").read_text()
        assert counted["lost"] == 0
        assert counted["extra copies"] <= counted["senders killed"]  # one mail in flight each


# --- an SMTP server that refuses, drops and goes away ------------------------------------------


def test_smtp_server_refuses_drops_and_goes_away(database_url, tmp_path, figures):
    counted = figures("smtp-faults")
    later = [utcnow()]

    def send(**options) -> sender.BatchReport:
        """One batch, the clock a day on each time so every retry is due."""
        later[0] += timedelta(days=1)
        with app.app_context():
            report = sender.send_due(clock=lambda: later[0], **options)
        counted.add("attempts", report.claimed)
        return report

    with MailServer() as server, app_sending_to(server, database_url, tmp_path) as app:
        queued = queue_acknowledgments(app, 12)
        counted.add("mails", len(queued))

        server.rcpt_reply = "451 4.3.0 Try again later"
        for _ in range(2):
            counted.add("4xx", send().retrying)
        server.rcpt_reply = None

        server.data_reply = "554 5.7.1 Message refused"
        refused = send(batch_size=1)
        assert refused.failed == 1
        counted.add("5xx failed", refused.failed)
        server.data_reply = None

        server.drops = 1
        dropped = send(batch_size=3)
        counted.add("dropped connections", dropped.retrying)

        server.stop()
        counted.add("server down", send().retrying)
        server.start()

        while send().claimed:
            pass
        count_mail(counted, queued, server, app)
        assert statuses(app) == {MailStatus.SENT: 11, MailStatus.FAILED: 1}
        assert (counted["lost"], counted["4xx"], counted["dropped connections"]) == (0, 24, 1)
        assert counted["sent twice"] == 0


# --- the IMAP connection dropped mid-fetch -----------------------------------------------------

MESSAGES = 9


@pytest.fixture(scope="module")
def dovecot():
    if not DOVECOT.exists():
        reason = f"Dovecot is not installed at {DOVECOT} (apt-get install dovecot-imapd)"
        if os.environ.get("HELPDESK_REQUIRE_DOVECOT", "") == "1":
            pytest.fail(f"HELPDESK_REQUIRE_DOVECOT=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    with Dovecot() as server:
        yield server


def report_mail(number: int) -> bytes:
    return (
        f"From: Member {number} <member{number}@example.com>\r\n"
        "To: support@helpdesk.example\r\n"
        f"Subject: Harassment by user x ({number})\r\n"
        f"Message-ID: <{number}@reliability.example.com>\r\n"
        "\r\n"
        "He insulted me in the workroom chat yesterday.\r\n"
    ).encode()


def test_imap_connection_dropped_mid_fetch(app, runner, dovecot, figures, monkeypatch):
    counted = figures("imap-dropped")
    user = dovecot.new_user()
    for number in range(MESSAGES):
        dovecot.append(user, report_mail(number))
    counted.add("messages", MESSAGES)
    app.config.update(dovecot.settings(user))
    receive, taken = intake.receive, []

    def receive_then_sometimes_drop(*args, **kwargs):
        result = receive(*args, **kwargs)
        taken.append(result)
        if len(taken) % 3 == 0:  # every third message: the session ends before it is marked
            dovecot.kick(user)
            counted.add("connections dropped")
        return result

    monkeypatch.setattr(intake, "receive", receive_then_sometimes_drop)
    outcomes: Counter = Counter()
    for _ in range(MESSAGES):
        result = runner.invoke(args=["mail", "fetch"])
        counted.add("fetches")
        lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
        outcomes.update(line["outcome"] for line in lines)
        if result.exit_code == 0 and not lines:
            break
    counted.add("taken in again as duplicates", outcomes["duplicate"])
    with app.app_context():
        tickets = db.session.scalar(select(func.count()).select_from(Ticket))
    unmarked = sum("\\Seen" not in flags for flags in dovecot.flags(user))
    counted.add("tickets", tickets)
    counted.add("lost", MESSAGES - tickets)
    counted.add("doubled", max(0, tickets - MESSAGES))
    counted.add("left unmarked", unmarked)
    assert (tickets, unmarked) == (MESSAGES, 0)
    assert counted["connections dropped"] >= 2
