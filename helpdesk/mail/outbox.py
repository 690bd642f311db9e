"""The outbox: the one way mail leaves the help desk (P3, P4, P6).

enqueue() renders a mail of one of the allowed kinds from templates/mail/, passes it through the
privacy guard and writes it to OutboundMail in the caller's transaction, so a mail exists exactly
when the change that caused it does. Nothing is sent there. send_due() is the sender: it claims
a batch of due mail, sends it over one SMTP connection and records each outcome.

Threading. Every ticket message that takes part in mail has a Message-ID
(Message.email_message_id): an inbound mail keeps its own; a web report gets one made here when
it is acknowledged; an agent's reply takes the Message-ID of the mail that carries it. Mail about
a ticket answers the reporter's latest message (In-Reply-To) and lists the public thread's
Message-IDs up to it (References), so the acknowledgment, follow-ups and replies form one thread.
An inbound Message-ID is the only inbound text that reaches an outbound header, and only when it
has the strict shape of one (no spaces, no line breaks, no encoded words); otherwise it is left
out (DESIGN §6).

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
import re
import secrets
import smtplib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

import flask_mail
from flask import current_app, render_template
from jinja2 import Template, TemplateNotFound
from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import selectinload

from .. import audit, signing, workflow
from ..database import db, utcnow
from ..errors import MailBlocked, NotAllowed
from ..models import MailKind, MailStatus, Message, MessageKind, OutboundMail, Ticket, User
from . import privacy

log = logging.getLogger(__name__)

TICKET_MAIL = frozenset(
    {MailKind.REPORT_RECEIVED, MailKind.FOLLOWUP_RECEIVED, MailKind.AGENT_REPLY}
)
ACKNOWLEDGMENTS = frozenset({MailKind.REPORT_RECEIVED, MailKind.FOLLOWUP_RECEIVED})
# Automatic mail counted together against the hourly limit per recipient (storm control).
# Agents' replies are written by people and never held back; nor are invitations, which only an
# admin can send, one at a time: suppressing one would leave the admin thinking it went.
HOURLY_LIMITED = {
    MailKind.REPORT_RECEIVED: ACKNOWLEDGMENTS,
    MailKind.FOLLOWUP_RECEIVED: ACKNOWLEDGMENTS,
    MailKind.PASSWORD_RESET: frozenset({MailKind.PASSWORD_RESET}),
}
# Headers that ask mail servers and autoresponders not to answer (RFC 3834, Exchange, lists).
AUTOMATIC_HEADERS = {
    MailKind.REPORT_RECEIVED: {"Auto-Submitted": "auto-replied", "Precedence": "bulk"},
    MailKind.FOLLOWUP_RECEIVED: {"Auto-Submitted": "auto-replied", "Precedence": "bulk"},
    MailKind.PASSWORD_RESET: {"Auto-Submitted": "auto-generated", "Precedence": "bulk"},
    MailKind.ACCOUNT_INVITE: {"Auto-Submitted": "auto-generated", "Precedence": "bulk"},
    MailKind.AGENT_REPLY: {},
}
TEAM_NAME = "Trust & Safety team"
MAX_REFERENCES = 10
# A Message-ID we accept from an inbound mail into our headers: no spaces, no line breaks and
# no "?", so no encoded word either.
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9!#$%&'*+/=^_`{|}~.-]{1,200}@[A-Za-z0-9.-]{1,200}>")
_HEADER_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
COUNTED_STATUSES = (MailStatus.QUEUED, MailStatus.SENT, MailStatus.FAILED)


# --- enqueue: render, guard, store -------------------------------------------------------------


def enqueue(
    kind: MailKind,
    *,
    actor: User | None,
    ticket: Ticket | None = None,
    message: Message | None = None,
    user: User | None = None,
    to: str | None = None,
    reset_url: str | None = None,
    invite_url: str | None = None,
) -> OutboundMail:
    """Render, check and queue one mail in the caller's transaction; flushes, never commits.

    Ticket mail (report_received, followup_received, agent_reply) goes to the ticket's reporter
    and answers `message` (by default the report itself); account mail (password_reset,
    account_invite) goes to `user`. `to` names the address the caller means to write to
    (default: that owner); the guard refuses any other. `actor` is who caused the mail, for the
    audit trail.

    A mail the guard refuses is kept as blocked with its reason and an audit event, and the
    change that caused it goes ahead, except for an agent's reply: then MailBlocked is raised
    and nothing is written, so the caller rolls back (the reply is not posted) and keeps the
    refusal with record_blocked(). Past the hourly limit an acknowledgment is kept as
    suppressed and never sent.
    """
    mail = OutboundMail(kind=kind, email_message_id=signing.new_message_id(_message_domain()))
    if kind in TICKET_MAIL:
        message = message or _first_report_message(ticket)
        owner, protected, context = _address_ticket_mail(mail, ticket, message)
    else:
        owner, protected, context = _address_account_mail(mail, user, reset_url, invite_url)
    mail.recipient = to or owner.email
    mail.subject, mail.body_text, mail.body_html = _render(kind, context)
    reason = header_problem(mail) or privacy.check_outbound(_draft(mail), protected)
    if reason:
        return _refuse(mail, reason, actor)
    _give_thread_id(mail, message)
    if _over_hourly_limit(kind, mail.recipient):
        mail.status, mail.reason = MailStatus.SUPPRESSED, _limit_reason()
        log.warning("%s to user %s suppressed: %s", kind, owner.id, mail.reason)
    else:
        mail.status = MailStatus.QUEUED
        log.info("%s queued for user %s (%s)", kind, owner.id, mail.email_message_id)
    db.session.add(mail)
    db.session.flush()
    return mail


def _address_ticket_mail(mail: OutboundMail, ticket: Ticket, message: Message):
    """The reporter, what mail about this ticket must not reveal, the templates' context;
    sets the mail's ticket, message and headers."""
    is_reply = mail.kind is MailKind.AGENT_REPLY
    mail.ticket, mail.message = ticket, message
    mail.headers = {
        **_automatic_headers(mail.kind),
        **_ticket_headers(ticket, _latest_report(ticket) if is_reply else message),
    }
    context = _ticket_context(ticket, message if is_reply else None)
    return ticket.reporter, _protected_for_ticket(ticket), context


def _address_account_mail(
    mail: OutboundMail, user: User, reset_url: str | None, invite_url: str | None
):
    """The account's owner, whom alone account mail may reach, and the templates' context."""
    mail.user, mail.headers = user, _automatic_headers(mail.kind)
    context = {
        "first_name": _first_name(user.display_name),
        "reset_url": reset_url,
        "expires_minutes": current_app.config["HELPDESK_PASSWORD_RESET_MINUTES"],
        "invite_url": invite_url,
        "invite_days": current_app.config["HELPDESK_INVITE_DAYS"],
        "role": user.role.value,
    }
    return user, privacy.protected_for_account(user, own_domains=_own_domains()), context


def _automatic_headers(kind: MailKind) -> dict[str, str]:
    return {"X-Auto-Response-Suppress": "All", **AUTOMATIC_HEADERS[kind]}


def record_blocked(blocked: MailBlocked, actor: User | None) -> OutboundMail:
    """Keep a refused agent reply as a blocked mail with its audit event, after the caller has
    rolled back the reply itself. Flushes; the caller commits."""
    mail = OutboundMail(**blocked.blocked, status=MailStatus.BLOCKED, reason=blocked.reason)
    db.session.add(mail)
    db.session.flush()
    ticket = db.session.get(Ticket, mail.ticket_id) if mail.ticket_id else None
    _audit_blocked(mail, actor, ticket)
    return mail


def _refuse(mail: OutboundMail, reason: str, actor: User | None) -> OutboundMail:
    log.warning("%s refused by the privacy guard: %s", mail.kind, reason)
    if mail.kind is MailKind.AGENT_REPLY:
        raise MailBlocked(reason, blocked=_blocked_fields(mail))
    mail.status, mail.reason = MailStatus.BLOCKED, reason
    db.session.add(mail)
    db.session.flush()
    _audit_blocked(mail, actor, mail.ticket)
    return mail


def _blocked_fields(mail: OutboundMail) -> dict:
    """What record_blocked() needs to store the mail again once the reply is rolled back."""
    names = ("kind", "recipient", "email_message_id", "subject", "body_text", "body_html")
    fields = {name: getattr(mail, name) for name in names}
    fields["headers"] = dict(mail.headers)
    fields["ticket_id"] = mail.ticket.id if mail.ticket else None
    fields["user_id"] = mail.user.id if mail.user else None
    return fields


def _audit_blocked(mail: OutboundMail, actor: User | None, ticket: Ticket | None) -> None:
    target = None if ticket else f"user:{mail.user_id}"
    audit.record(
        actor,
        "mail.blocked",
        ticket=ticket,
        target=target,
        kind=mail.kind.value,
        reason=mail.reason,
    )


def header_problem(mail: OutboundMail) -> str | None:
    """Refuse line breaks and other control characters in any header value, and encoded words
    anywhere in one: this Python's email package cannot be trusted with them (DESIGN §6)."""
    values = {"Subject": mail.subject, "To": mail.recipient, **mail.headers}
    for name, value in values.items():
        if _unsafe_header(value):
            return f"The {name} header would contain a line break or an encoded word."
    return None


def _unsafe_header(value: str) -> bool:
    return _HEADER_CONTROL.search(value) is not None or "=?" in value


def _draft(mail: OutboundMail) -> privacy.Draft:
    return privacy.Draft(mail.recipient, mail.subject, mail.body_text, mail.body_html)


def _render(kind: MailKind, context: dict) -> tuple[str, str, str | None]:
    """Subject, plain text and (when the kind has one) HTML, from templates/mail/<kind>.*"""
    subject = render_template(f"mail/{kind.value}.subject.txt", **context).strip()
    text = render_template(f"mail/{kind.value}.txt", **context)
    html_template = _optional_template(f"mail/{kind.value}.html")
    html = render_template(html_template, **context) if html_template else None
    return subject, text, html


def _optional_template(name: str) -> Template | None:
    try:
        return current_app.jinja_env.get_template(name)
    except TemplateNotFound:
        return None


def _ticket_context(ticket: Ticket, reply: Message | None) -> dict:
    """The reporter's own name and the ticket's public facts; never the reported party."""
    return {
        "first_name": _first_name(ticket.reporter.display_name),
        "reference": ticket.reference,
        "category": ticket.category.name,
        "status": workflow.reporter_label(ticket.status),
        "ticket_url": external_url("member.ticket", reference=ticket.reference),
        "reply_text": reply.body if reply else None,
        "team_name": TEAM_NAME,
    }


def _first_name(display_name: str) -> str:
    return display_name.split()[0] if display_name.strip() else "there"


def _protected_for_ticket(ticket: Ticket) -> privacy.Protected:
    # A ticket links no reported account yet; when the model gains Ticket.reported_user, the
    # guard also protects that account's email, name and id.
    known_user = getattr(ticket, "reported_user", None)
    return privacy.protected_for_ticket(ticket, own_domains=_own_domains(), known_user=known_user)


def _own_domains() -> set[str]:
    config = current_app.config
    sender = parseaddr(config["MAIL_DEFAULT_SENDER"])[1]
    addresses = (config["HELPDESK_SUPPORT_ADDRESS"], sender)
    return {address.rsplit("@", 1)[-1] for address in addresses} | {config["HELPDESK_REPLY_DOMAIN"]}


def _message_domain() -> str:
    return current_app.config["HELPDESK_SUPPORT_ADDRESS"].rsplit("@", 1)[1]


def external_url(endpoint: str, **values) -> str:
    """An absolute link for mail, always on HELPDESK_BASE_URL, never on a request's Host."""
    base = urlsplit(current_app.config["HELPDESK_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


# --- threading ---------------------------------------------------------------------------------


def _first_report_message(ticket: Ticket) -> Message:
    return next(m for m in ticket.messages if m.kind is MessageKind.REPORTER)


def _latest_report(ticket: Ticket) -> Message:
    return [m for m in ticket.messages if m.kind is MessageKind.REPORTER][-1]


def _ticket_headers(ticket: Ticket, answered: Message) -> dict[str, str]:
    """Reply-To with the ticket's signed token; In-Reply-To and References to `answered`."""
    config = current_app.config
    headers = {
        "Reply-To": signing.reply_address(
            config["HELPDESK_SUPPORT_ADDRESS"],
            config["HELPDESK_REPLY_DOMAIN"],
            ticket.reference,
            config["SECRET_KEY"],
        )
    }
    if answered.email_message_id is None:
        answered.email_message_id = signing.new_message_id(_message_domain())
    chain = [
        m.email_message_id
        for m in ticket.messages
        if m.is_public and m.id <= answered.id and is_usable_message_id(m.email_message_id)
    ]
    if chain and chain[-1] == answered.email_message_id:
        headers["In-Reply-To"] = chain[-1]
    if chain:
        headers["References"] = " ".join(chain[:1] + chain[1:][-(MAX_REFERENCES - 1) :])
    return headers


def is_usable_message_id(value: str | None) -> bool:
    """True for a Message-ID safe to copy into our headers."""
    return bool(value) and _MESSAGE_ID.fullmatch(value) is not None


def _give_thread_id(mail: OutboundMail, message: Message | None) -> None:
    """An agent's reply carries the Message-ID of the mail that sends it, so answers to that
    mail find the reply (and its ticket)."""
    if mail.kind is MailKind.AGENT_REPLY and message is not None:
        message.email_message_id = mail.email_message_id


# --- storm control -----------------------------------------------------------------------------


def _over_hourly_limit(kind: MailKind, recipient: str) -> bool:
    family = HOURLY_LIMITED.get(kind)
    if family is None:
        return False
    query = select(func.count(OutboundMail.id)).where(
        OutboundMail.recipient == recipient,
        OutboundMail.kind.in_(family),
        OutboundMail.status.in_(COUNTED_STATUSES),
        OutboundMail.created_at >= utcnow() - timedelta(hours=1),
    )
    return db.session.scalar(query) >= current_app.config["HELPDESK_ACKS_PER_HOUR"]


def _limit_reason() -> str:
    limit = current_app.config["HELPDESK_ACKS_PER_HOUR"]
    return f"More than {limit} automatic mails to this address within an hour."


# --- the sender --------------------------------------------------------------------------------


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
        if _unsafe_header(value):
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


# --- the admin's view --------------------------------------------------------------------------


@dataclass
class OutboxSummary:
    counts: dict[MailStatus, int] = field(default_factory=dict)
    mails: list[OutboundMail] = field(default_factory=list)


SHOWN_BY_DEFAULT = (MailStatus.QUEUED, MailStatus.FAILED, MailStatus.BLOCKED, MailStatus.BOUNCED)


def overview(statuses=SHOWN_BY_DEFAULT, limit: int = 200) -> OutboxSummary:
    """Counts by status, and the latest mails with the given statuses, newest first."""
    counts = dict(
        db.session.execute(
            select(OutboundMail.status, func.count()).group_by(OutboundMail.status)
        ).all()
    )
    query = (
        select(OutboundMail)
        .where(OutboundMail.status.in_(statuses))
        .options(selectinload(OutboundMail.ticket))
        .order_by(OutboundMail.created_at.desc(), OutboundMail.id.desc())
        .limit(limit)
    )
    return OutboxSummary(
        counts={status: counts.get(status, 0) for status in MailStatus},
        mails=list(db.session.scalars(query)),
    )


def retry(mail: OutboundMail, actor: User) -> None:
    """An admin sends a failed mail again: queued now, with fresh attempts and the same
    Message-ID. Blocked and suppressed mail is never sent."""
    if mail.status is not MailStatus.FAILED:
        raise NotAllowed("Only a failed mail can be sent again.")
    previous = mail.reason
    mail.status, mail.attempts, mail.next_attempt_at = MailStatus.QUEUED, 0, utcnow()
    mail.claimed_by = mail.claimed_until = None
    mail.reason = f"Sent again by an admin after: {previous}"
    target = None if mail.ticket_id else f"user:{mail.user_id}"
    audit.record(actor, "mail.retried", ticket=mail.ticket, target=target, mail=mail.id)
    db.session.flush()
