"""The outbox: the one way mail leaves the help desk (P3, P4, P6).

enqueue() renders a mail of one of the kinds declared in kinds.py, passes it through the privacy
guard and writes it to OutboundMail in the caller's transaction, so a mail exists exactly when
the change that caused it does. Nothing is sent here: sender.py sends what is due.

Threading. Every ticket message that takes part in mail has a Message-ID
(Message.email_message_id): a new report gets one of ours as it is written (its acknowledgment
answers it), a follow-up when it is acknowledged; an agent's reply takes the Message-ID of the
mail that carries it. Mail about a ticket answers the reporter's latest message (In-Reply-To)
and lists the public thread's Message-IDs up to it (References), so the acknowledgment,
follow-ups and replies form one thread.
An inbound Message-ID is the only inbound text that reaches an outbound header, and only when it
has the strict shape of one (no spaces, no line breaks, no encoded words); otherwise it is left
out (DESIGN §6).
"""

import logging
import re
from datetime import timedelta
from functools import cache

from flask import current_app, render_template
from sqlalchemy import Select, bindparam, func, select

from .. import audit, direct_inserts, reported, signing
from ..database import db, utcnow
from ..errors import MailBlocked
from ..models import (
    MailKind,
    MailStatus,
    Message,
    MessageKind,
    OutboundMail,
    Ticket,
    User,
)
from . import addresses, privacy
from .kinds import About, Audience, spec

log = logging.getLogger(__name__)

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

    Each kind's audience is declared in kinds.py: mail for a ticket's reporter answers `message`
    (by default the report itself); mail for an account's owner goes to `user`. `to` names the
    address the caller means to write to (default: that owner); the guard refuses any other.
    `actor` is who caused the mail, for the audit trail.

    A mail the guard refuses is kept as blocked with its reason and an audit event, and the
    change that caused it goes ahead, except for an agent's reply: then MailBlocked is raised
    and nothing is written, so the caller rolls back (the reply is not posted) and keeps the
    refusal with record_blocked(). Past the hourly limit an acknowledgment is kept as
    suppressed and never sent.
    """
    mail = OutboundMail(kind=kind, email_message_id=new_message_id())
    if spec(kind).audience is Audience.REPORTER:
        message = message or _first_report_message(ticket)
        owner, protected = _address_ticket_mail(mail, ticket, message)
    else:
        owner, protected = _address_account_mail(mail, user)
    about = About(ticket, message, user, reset_url, invite_url)
    mail.recipient = to or owner.email
    mail.subject, mail.body_text, mail.body_html = _render(kind, spec(kind).context(about))
    refusal = _header_refusal(mail) or privacy.check_outbound(_draft(mail, message), protected)
    if refusal:
        return _refuse(mail, refusal, actor)
    _give_thread_id(mail, message)
    if _over_hourly_limit(kind, mail.recipient):
        mail.status, mail.reason = MailStatus.SUPPRESSED, _limit_reason()
        log.warning("%s to user %s suppressed: %s", kind, owner.id, mail.reason)
    else:
        mail.status = MailStatus.QUEUED
        log.info("%s queued for user %s (%s)", kind, owner.id, mail.email_message_id)
    direct_inserts.insert(mail)
    return mail


def _address_ticket_mail(mail: OutboundMail, ticket: Ticket, message: Message):
    """The reporter and what mail about this ticket must not reveal; sets the mail's ticket,
    message and headers."""
    answered = _latest_report(ticket) if mail.kind is MailKind.AGENT_REPLY else message
    mail.ticket, mail.message = ticket, message
    mail.headers = {**_automatic_headers(mail.kind), **_ticket_headers(ticket, answered)}
    return ticket.reporter, _protected_for_ticket(ticket)


def _address_account_mail(mail: OutboundMail, user: User):
    """The account's owner, whom alone account mail may reach."""
    mail.user, mail.headers = user, _automatic_headers(mail.kind)
    own_domains = addresses.own_domains()
    return user, privacy.protected_for_account(user, own_domains=own_domains)


def _automatic_headers(kind: MailKind) -> dict[str, str]:
    return {"X-Auto-Response-Suppress": "All", **spec(kind).headers}


def record_blocked(blocked: MailBlocked, actor: User | None) -> OutboundMail:
    """Keep a refused agent reply as a blocked mail with its audit event, after the caller has
    rolled back the reply itself. Flushes; the caller commits."""
    mail = OutboundMail(**blocked.blocked, status=MailStatus.BLOCKED, reason=blocked.reason)
    db.session.add(mail)
    db.session.flush()
    ticket = db.session.get(Ticket, mail.ticket_id) if mail.ticket_id else None
    _audit_blocked(mail, actor, ticket, blocked.refusal)
    return mail


def _refuse(mail: OutboundMail, refusal: privacy.Refusal, actor: User | None) -> OutboundMail:
    log.warning("%s refused by the privacy guard: %s", mail.kind, refusal.reason)
    if mail.kind is MailKind.AGENT_REPLY:
        raise MailBlocked(refusal.reason, blocked=_blocked_fields(mail), refusal=refusal)
    mail.status, mail.reason = MailStatus.BLOCKED, refusal.reason
    db.session.add(mail)
    db.session.flush()
    _audit_blocked(mail, actor, mail.ticket, refusal)
    return mail


def _blocked_fields(mail: OutboundMail) -> dict:
    """What record_blocked() needs to store the mail again once the reply is rolled back."""
    names = ("kind", "recipient", "email_message_id", "subject", "body_text", "body_html")
    fields = {name: getattr(mail, name) for name in names}
    fields["headers"] = dict(mail.headers)
    fields["ticket_id"] = mail.ticket.id if mail.ticket else None
    fields["user_id"] = mail.user.id if mail.user else None
    return fields


def _audit_blocked(
    mail: OutboundMail,
    actor: User | None,
    ticket: Ticket | None,
    refusal: privacy.Refusal | None,
) -> None:
    target = None if ticket else f"user:{mail.user_id}"
    audit.record(
        actor,
        "mail.blocked",
        ticket=ticket,
        target=target,
        kind=mail.kind.value,
        reason=mail.reason,
        rules=sorted({finding.rule for finding in refusal.findings}) if refusal else [],
    )


def _header_refusal(mail: OutboundMail) -> privacy.Refusal | None:
    problem = header_problem(mail)
    return privacy.Refusal((privacy.Finding("header", problem),)) if problem else None


def header_problem(mail: OutboundMail) -> str | None:
    """Refuse line breaks and other control characters in any header value, and encoded words
    anywhere in one: this Python's email package cannot be trusted with them (DESIGN §6)."""
    values = {"Subject": mail.subject, "To": mail.recipient, **mail.headers}
    for name, value in values.items():
        if unsafe_header(value):
            return f"The {name} header would contain a line break or an encoded word."
    return None


def unsafe_header(value: str) -> bool:
    return _HEADER_CONTROL.search(value) is not None or "=?" in value


def _draft(mail: OutboundMail, message: Message | None) -> privacy.Draft:
    """The mail for the guard; an agent's reply also as they typed it, so that what the guard
    finds can be shown in their own text."""
    reply = message.body if mail.kind is MailKind.AGENT_REPLY and message else None
    return privacy.Draft(mail.recipient, mail.subject, mail.body_text, mail.body_html, reply)


def _render(kind: MailKind, context: dict) -> tuple[str, str, str | None]:
    """Subject, plain text and (when the kind has one) HTML, from the kind's templates."""
    subject, text, *html = spec(kind).templates(kind)
    rendered_html = render_template(html[0], **context) if html else None
    return (
        render_template(subject, **context).strip(),
        render_template(text, **context),
        rendered_html,
    )


def _protected_for_ticket(ticket: Ticket) -> privacy.Protected:
    return privacy.protected_for_ticket(
        ticket,
        own_domains=addresses.own_domains(),
        known_users=reported_accounts(ticket),
        other_spellings=_other_spellings(ticket),
    )


def _other_spellings(ticket: Ticket) -> list[str]:
    """How the other reports about the same member name them: each may spell them another
    way. Distinct values only, however many reports there are."""
    if not ticket.reported_key:
        return []
    named = {"key": ticket.reported_key, "ticket_id": ticket.id}
    return [value for row in db.session.execute(_spellings(), named) for value in row if value]


@cache
def _spellings() -> Select:
    """Built once, as _recent_mail_count() is: every acknowledgment asks."""
    return (
        select(Ticket.reported_member, Ticket.reported_profile_url)
        .where(Ticket.reported_key == bindparam("key"), Ticket.id != bindparam("ticket_id"))
        .distinct()
    )


def reported_accounts(ticket: Ticket) -> list[User]:
    """The reported member's accounts here (reported.accounts_named), never the reporter's."""
    if not ticket.reported_key:
        return []
    accounts = reported.accounts_named(ticket.reported_key)
    return [user for user in accounts if user.id != ticket.reporter_id]


def new_message_id() -> str:
    """A Message-ID of ours, for a mail or for a ticket message that mail will answer."""
    return signing.new_message_id(addresses.message_id_domain())


# --- threading ---------------------------------------------------------------------------------


def _first_report_message(ticket: Ticket) -> Message:
    return next(m for m in ticket.messages if m.kind is MessageKind.REPORTER)


def _latest_report(ticket: Ticket) -> Message:
    """The reporter's latest message on this ticket itself: one carried over from a merged
    report (tickets.merge) never came by mail in this thread."""
    own = [m for m in ticket.messages if m.kind is MessageKind.REPORTER and not m.merged_from_id]
    return own[-1]


def _ticket_headers(ticket: Ticket, answered: Message) -> dict[str, str]:
    """Reply-To with the ticket's signed token; In-Reply-To and References to `answered`."""
    headers = {"Reply-To": addresses.reply_address(ticket.reference)}
    if answered.email_message_id is None:
        answered.email_message_id = new_message_id()
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
    family = spec(kind).hourly_family
    if family is None:
        return False
    limit = current_app.config["HELPDESK_ACKS_PER_HOUR"]
    since = utcnow() - timedelta(hours=1)
    counted = {"recipient": recipient, "kinds": sorted(family), "since": since, "limit": limit}
    return db.session.scalar(_recent_mail_count(), counted) >= limit


@cache
def _recent_mail_count() -> Select:
    """How many mails of some kinds went to an address since a moment, counted only up to a
    limit: in a storm the hour holds ever more mail to one address. Built once: building it
    cost more than running it."""
    counted = (
        select(OutboundMail.id)
        .where(
            OutboundMail.recipient == bindparam("recipient"),
            OutboundMail.kind.in_(bindparam("kinds", expanding=True)),
            OutboundMail.status.in_(COUNTED_STATUSES),
            OutboundMail.created_at >= bindparam("since"),
        )
        .limit(bindparam("limit"))
        .subquery()
    )
    return select(func.count()).select_from(counted)


def _limit_reason() -> str:
    limit = current_app.config["HELPDESK_ACKS_PER_HOUR"]
    return f"More than {limit} automatic mails to this address within an hour."
