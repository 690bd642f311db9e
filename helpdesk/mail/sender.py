"""The sender: claims due mail from the outbox, sends it over one SMTP connection and records
each outcome. The only code that talks to a mail server.

Claims. A sender claims due mail in one short transaction (FOR UPDATE SKIP LOCKED on PostgreSQL;
SQLite's BEGIN IMMEDIATE serialises claims) and records each mail's outcome in its own commit
right after sending it, so a crash of the sender can repeat at most the one mail in flight.
A claim lasts HELPDESK_OUTBOX_CLAIM_SECONDS; a sender whose claim ran out stops before sending
more, and the next sender takes over, with the same stored mail and Message-ID. Each claim
counts as an attempt, so a mail that keeps stopping its senders is given up in the end.
"""

import logging
import os
import random
import secrets
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import flask_mail
from flask import current_app
from sqlalchemy import or_, select, text, update

from ..database import db, utcnow
from ..models import MailStatus, OutboundMail
from .outbox import unsafe_header

log = logging.getLogger(__name__)


@dataclass
class BatchReport:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return (
            f"claimed {self.claimed}: sent {self.sent}, to retry {self.retrying}, "
            f"failed {self.failed}"
        )


@dataclass(frozen=True)
class _Outgoing:
    """A claimed mail, copied out of the session so sending needs no database."""

    id: int
    recipient: str
    subject: str
    text: str
    html: str | None
    headers: dict[str, str]
    email_message_id: str
    attempts: int
    claimed_until: datetime


@dataclass(frozen=True)
class _Outcome:
    status: MailStatus  # SENT, QUEUED (temporary failure) or FAILED (permanent)
    reason: str | None = None
    drop_connection: bool = False


DELIVERED = _Outcome(MailStatus.SENT)


def worker_name() -> str:
    """Who holds a claim: host, process and a random part, so two senders never share one."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


def send_due(
    *,
    worker: str | None = None,
    clock: Callable[[], datetime] = utcnow,
    batch_size: int | None = None,
) -> BatchReport:
    """Claim one batch of due mail, send it over one SMTP connection and record each outcome.

    Commits (the claim, then each outcome), so call it with nothing of your own pending.
    `clock` gives the current time (tests move it forward to let a claim expire).
    """
    if current_app.extensions["mail"].suppress:
        raise RuntimeError("MAIL_SUPPRESS_SEND is set: the outbox would drop mail unsent")
    worker = worker or worker_name()
    batch = _claim(worker, clock(), batch_size or current_app.config["HELPDESK_OUTBOX_BATCH_SIZE"])
    report = BatchReport(claimed=len(batch))
    if batch:
        _send_batch(batch, worker, clock, report)
    return report


def _claim(worker: str, now: datetime, size: int) -> list[_Outgoing]:
    until = now + timedelta(seconds=current_app.config["HELPDESK_OUTBOX_CLAIM_SECONDS"])
    due = (
        select(OutboundMail)
        .where(
            OutboundMail.status == MailStatus.QUEUED,
            OutboundMail.next_attempt_at <= now,
            or_(OutboundMail.claimed_until.is_(None), OutboundMail.claimed_until <= now),
        )
        .order_by(OutboundMail.next_attempt_at, OutboundMail.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    claimed = []
    for mail in db.session.scalars(due):
        if mail.attempts >= current_app.config["HELPDESK_OUTBOX_MAX_ATTEMPTS"]:
            _give_up_unrecorded(mail)
            continue
        mail.claimed_by, mail.claimed_until, mail.attempts = worker, until, mail.attempts + 1
        claimed.append(_outgoing(mail))
    db.session.commit()
    return claimed


def _give_up_unrecorded(mail: OutboundMail) -> None:
    """Every attempt's sender stopped before recording an outcome: the mail may be what stops
    them, so it is not tried again."""
    mail.status, mail.claimed_until = MailStatus.FAILED, None
    mail.reason = f"Gave up after {mail.attempts} attempts whose senders stopped mid-way."
    log.warning("mail %s failed: %s", mail.id, mail.reason)


def _outgoing(mail: OutboundMail) -> _Outgoing:
    return _Outgoing(
        id=mail.id,
        recipient=mail.recipient,
        subject=mail.subject,
        text=mail.body_text,
        html=mail.body_html,
        headers=dict(mail.headers),
        email_message_id=mail.email_message_id,
        attempts=mail.attempts,
        claimed_until=mail.claimed_until,
    )


def _send_batch(batch: list[_Outgoing], worker: str, clock, report: BatchReport) -> None:
    connection, connect_error = None, None
    try:
        for mail in batch:
            if clock() >= mail.claimed_until:
                log.warning("claim ran out; leaving the rest of the batch to the next sender")
                return
            if connection is None and connect_error is None:
                connection, connect_error = _connect()
            if connection is None:
                outcome = _Outcome(MailStatus.QUEUED, connect_error)
            else:
                outcome = _deliver(connection, mail)
            if outcome.drop_connection:
                _close(connection)
                connection = None
            _record(mail, outcome, worker, clock(), report)
    finally:
        _close(connection)


class _Connection(flask_mail.Connection):
    """Flask-Mail's connection with a timeout, so a stalled server cannot outlast a claim."""

    def configure_host(self) -> smtplib.SMTP:
        timeout = current_app.config["HELPDESK_SMTP_TIMEOUT_SECONDS"]
        smtp_class = smtplib.SMTP_SSL if self.mail.use_ssl else smtplib.SMTP
        host = smtp_class(self.mail.server, self.mail.port, timeout=timeout)
        if self.mail.use_tls:
            host.starttls()
        if self.mail.username and self.mail.password:
            host.login(self.mail.username, self.mail.password)
        return host


def _connect() -> tuple[_Connection | None, str | None]:
    state = current_app.extensions["mail"]
    connection = _Connection(state)
    try:
        connection.__enter__()
    except (OSError, smtplib.SMTPException) as error:
        log.warning("cannot reach the mail server %s:%s: %s", state.server, state.port, error)
        return None, f"Cannot reach the mail server: {_describe(error)}"
    return connection, None


def _close(connection: _Connection | None) -> None:
    if connection is None or connection.host is None:
        return
    try:
        connection.host.quit()
    except (OSError, smtplib.SMTPException):
        connection.host.close()
    connection.host = None


def _deliver(connection: _Connection, mail: _Outgoing) -> _Outcome:
    """Send one mail; a 5xx answer is permanent, anything else that fails is temporary."""
    try:
        connection.send(_as_message(mail))
    except smtplib.SMTPRecipientsRefused as error:
        code, text = next(iter(error.recipients.values()))
        return _by_code(code, text, drop=code == 421)
    except smtplib.SMTPResponseException as error:  # sender refused, data refused, 421…
        return _by_code(error.smtp_code, error.smtp_error, drop=error.smtp_code == 421)
    except (flask_mail.BadHeaderError, _HeaderRefused) as error:
        return _Outcome(MailStatus.FAILED, f"Refused to send: {error}")
    except (OSError, smtplib.SMTPException) as error:  # dropped connection, timeout
        return _Outcome(MailStatus.QUEUED, f"Connection lost: {_describe(error)}", True)
    return DELIVERED


def _by_code(code: int, text: bytes | str, drop: bool = False) -> _Outcome:
    text = text.decode(errors="replace") if isinstance(text, bytes) else text
    status = MailStatus.FAILED if 500 <= code < 600 else MailStatus.QUEUED
    return _Outcome(status, f"The mail server answered {code} {text}".strip(), drop)


def _describe(error: Exception) -> str:
    return str(error) or type(error).__name__


class _HeaderRefused(ValueError):
    pass


def _as_message(mail: _Outgoing) -> flask_mail.Message:
    """The stored mail as Flask-Mail's Message, its headers checked again by our own code."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    values = {"Subject": mail.subject, "To": mail.recipient, "From": sender, **mail.headers}
    values["Message-ID"] = mail.email_message_id
    for name, value in values.items():
        if unsafe_header(value):
            raise _HeaderRefused(f"the {name} header holds a line break or an encoded word")
    message = flask_mail.Message(
        subject=mail.subject,
        recipients=[mail.recipient],
        body=mail.text,
        html=mail.html,
        sender=sender,
        extra_headers=dict(mail.headers),
    )
    message.msgId = mail.email_message_id  # the one made at enqueue, on every attempt
    return message


def _record(
    mail: _Outgoing, outcome: _Outcome, worker: str, now: datetime, report: BatchReport
) -> None:
    """Store one outcome, only while the claim is still ours, and commit it at once."""
    values = _outcome_values(mail, outcome, now)
    if db.session.get_bind().dialect.name == "postgresql":
        # Not waiting for the disk doubles the sending rate; an outcome lost to a crash of the
        # database server only means the mail is sent again once its claim expires.
        db.session.execute(text("SET LOCAL synchronous_commit TO off"))
    result = db.session.execute(
        update(OutboundMail)
        .where(OutboundMail.id == mail.id, OutboundMail.claimed_by == worker)
        .values(**values)
    )
    db.session.commit()
    if result.rowcount == 0:
        log.warning("mail %s was claimed by another sender while this one sent it", mail.id)
    status = values["status"]
    report.sent += status is MailStatus.SENT
    report.retrying += status is MailStatus.QUEUED
    report.failed += status is MailStatus.FAILED
    log.info("mail %s %s %s", mail.id, status.value, values.get("reason") or "")


def _outcome_values(mail: _Outgoing, outcome: _Outcome, now: datetime) -> dict:
    config = current_app.config
    if outcome.status is MailStatus.SENT:
        return {"status": MailStatus.SENT, "sent_at": now, "claimed_until": None, "reason": None}
    if outcome.status is MailStatus.FAILED:
        return {"status": MailStatus.FAILED, "claimed_until": None, "reason": outcome.reason}
    if mail.attempts >= config["HELPDESK_OUTBOX_MAX_ATTEMPTS"]:
        reason = f"Gave up after {mail.attempts} attempts. {outcome.reason}"
        return {"status": MailStatus.FAILED, "claimed_until": None, "reason": reason}
    delay = retry_delay(
        mail.attempts,
        config["HELPDESK_OUTBOX_RETRY_SECONDS"],
        config["HELPDESK_OUTBOX_RETRY_MAX_SECONDS"],
    )
    return {
        "status": MailStatus.QUEUED,
        "next_attempt_at": now + delay,
        "claimed_by": None,
        "claimed_until": None,
        "reason": outcome.reason,
    }


def retry_delay(attempts: int, base: float, cap: float, rng=random) -> timedelta:
    """Exponential backoff with jitter: the doubled delay's first half fixed, the rest random,
    so senders that failed together do not all come back at the same moment."""
    delay = min(cap, base * 2 ** (attempts - 1))
    return timedelta(seconds=delay / 2 + rng.uniform(0, delay / 2))
