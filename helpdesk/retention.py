"""Retention: a closed ticket past its category's period loses what it holds about people and
keeps an anonymised skeleton; legal hold keeps a ticket whole. `flask retention run` calls run().

What goes: message bodies (a marker stays), evidence files and their rows, the raw copies of
its inbound mail and their sender, subject and routing details, the reporter (the ticket then
stands under the anonymised reporter), the reported member's identifiers, its outbox mails'
addresses and texts, its audit events' details, and so its search index entries. What stays:
category, status, priority, source, dates, decisions (their reason blanked), so every count by
category, status and month stays right.

Each batch is its own transaction and a purged ticket is marked, so a run can stop anywhere
(a crash, a deploy) and the next run continues; purging twice finds nothing to do. The app
serves meanwhile: on PostgreSQL a batch skips tickets another transaction holds.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, and_, false, or_, select, text, update

from . import audit, blobs
from .accounts import anonymised_reporter
from .database import db, utcnow
from .errors import InvalidInput, NotAllowed
from .models import (
    AuditEvent,
    Category,
    Decision,
    InboundMail,
    InboundOutcome,
    MailStatus,
    OutboundMail,
    Status,
    Ticket,
    User,
)
from .permissions import Permission, require

log = logging.getLogger(__name__)

PURGED_BODY = "[removed at the end of the retention period]"
PURGED_SUBJECT = "[removed]"
HOLD_REASON_LENGTH = 1000
DEFAULT_BATCH = 50
# Inbound mail that made no ticket and is never processed again: purged after the desk-wide
# period. A mail still `received` waits for intake, however old.
STRAY_OUTCOMES = (InboundOutcome.IGNORED, InboundOutcome.QUARANTINED, InboundOutcome.DUPLICATE)
# Audit details kept on a purged ticket: these name states, never people.
KEPT_CHANGES = {
    "ticket.status_changed": {"old", "new"},
    "ticket.priority_changed": {"old", "new"},
    "ticket.purged": None,  # all of it: counts only
}


# --- legal hold --------------------------------------------------------------------------------


def set_legal_hold(actor: User, ticket: Ticket, reason: str) -> None:
    """Keep the ticket whole, whatever its retention period, until the hold is released."""
    require(actor, Permission.WORK_TICKETS)
    reason = _hold_reason(reason)
    if ticket.purged_at is not None:
        raise NotAllowed("This ticket was purged at the end of its retention period.")
    if ticket.legal_hold_at is not None:
        raise NotAllowed("This ticket is under legal hold already.")
    ticket.legal_hold_reason, ticket.legal_hold_by, ticket.legal_hold_at = reason, actor, utcnow()
    audit.record(actor, "ticket.legal_hold_set", ticket=ticket, reason=reason)
    db.session.flush()


def release_legal_hold(actor: User, ticket: Ticket, reason: str) -> None:
    """End the hold; retention treats the ticket by its period again."""
    require(actor, Permission.WORK_TICKETS)
    reason = _hold_reason(reason)
    if ticket.legal_hold_at is None:
        raise NotAllowed("This ticket is not under legal hold.")
    ticket.legal_hold_reason = ticket.legal_hold_by = ticket.legal_hold_at = None
    audit.record(actor, "ticket.legal_hold_released", ticket=ticket, reason=reason)
    db.session.flush()


def _hold_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise InvalidInput({"reason": ["Say why (a case, a request from the legal team)."]})
    if len(reason) > HOLD_REASON_LENGTH:
        raise InvalidInput({"reason": [f"Keep it under {HOLD_REASON_LENGTH:,} characters."]})
    return reason


# --- what is due -------------------------------------------------------------------------------


def _due(now: datetime) -> Select:
    """Closed, unpurged tickets without a hold, closed before their category's period."""
    default = current_app.config["HELPDESK_RETENTION_DAYS"]
    periods = [
        and_(Ticket.category_id == category_id, Ticket.closed_at < now - timedelta(days=days))
        for category_id, days in _periods(default)
    ]
    return select(Ticket).where(
        Ticket.status == Status.CLOSED,
        Ticket.purged_at.is_(None),
        Ticket.legal_hold_at.is_(None),
        or_(false(), *periods),
    )


def _periods(default: int) -> Iterator[tuple[int, int]]:
    for category_id, days in db.session.execute(select(Category.id, Category.retention_days)):
        yield category_id, days or default


@dataclass(frozen=True)
class Purged:
    """What one ticket lost (and, in a dry run, would lose): references and counts only."""

    reference: str
    category: str
    closed_at: datetime
    messages: int
    files: int
    inbound_mails: int
    outbox_mails: int

    def line(self, verb: str) -> str:
        return (
            f"{verb} {self.reference} ({self.category}, closed {self.closed_at:%Y-%m-%d}): "
            f"{self.messages} messages, {self.files} files, {self.inbound_mails} inbound "
            f"mails, {self.outbox_mails} outbox mails"
        )


def run(
    *, dry_run: bool = False, batch_size: int = DEFAULT_BATCH, report: Callable[[str], None]
) -> int:
    """Purge every ticket due, then inbound mail that made no ticket and account mail, both
    past the desk-wide period, a batch per transaction (committed here: this is the job's
    loop); `report` hears a line about each. Returns how many were (or would be) purged."""
    if batch_size < 1:
        raise InvalidInput({"batch_size": ["Give a batch size of at least 1."]})
    now = utcnow()
    verb = "would purge" if dry_run else "purged"

    def ticket_line(ticket: Ticket) -> str:
        return (_inventory(ticket) if dry_run else purge_ticket(ticket)).line(verb)

    def mail_line(mail: InboundMail) -> str:
        if not dry_run:
            purge_inbound(mail)
            audit.record(None, "mail.purged", target=f"inbound:{mail.id}")
        return f"{verb} inbound mail {mail.id} ({mail.outcome.value}, {mail.received_at:%Y-%m-%d})"

    def account_mail_line(mail: OutboundMail) -> str:
        if not dry_run:
            _purge_outbox(mail)
        return f"{verb} account mail {mail.id} ({mail.kind.value}, {mail.created_at:%Y-%m-%d})"

    done = _in_batches(_due(now), Ticket, ticket_line, dry_run, batch_size, report)
    done += _in_batches(_stray_mail(now), InboundMail, mail_line, dry_run, batch_size, report)
    done += _in_batches(
        _old_account_mail(now), OutboundMail, account_mail_line, dry_run, batch_size, report
    )
    if done and not dry_run:
        compact_search_index()
        db.session.commit()
    return done


def _in_batches(query: Select, model, purge, dry_run: bool, batch_size: int, report) -> int:
    done, after = 0, 0
    while True:
        batch_query = query.where(model.id > after).order_by(model.id).limit(batch_size)
        if not dry_run and db.session.get_bind().dialect.name == "postgresql":
            batch_query = batch_query.with_for_update(skip_locked=True)
        batch = list(db.session.scalars(batch_query))
        if not batch:
            return done
        lines = [purge(row) for row in batch]
        after, done = batch[-1].id, done + len(batch)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        for line in lines:  # once it is done
            report(line)


def _stray_mail(now: datetime) -> Select:
    """Mail that made no ticket (ignored, quarantined, a copy) and still holds its raw copy,
    received before the desk-wide period."""
    days = current_app.config["HELPDESK_RETENTION_DAYS"]
    return select(InboundMail).where(
        InboundMail.ticket_id.is_(None),
        InboundMail.thread_message_id.is_(None),
        InboundMail.outcome.in_(STRAY_OUTCOMES),
        InboundMail.size > 0,
        InboundMail.received_at < now - timedelta(days=days),
    )


def _old_account_mail(now: datetime) -> Select:
    """Mail about an account (resets, invitations, a deletion's confirmation), done with and
    older than the desk-wide period, that still holds its address."""
    days = current_app.config["HELPDESK_RETENTION_DAYS"]
    return select(OutboundMail).where(
        OutboundMail.ticket_id.is_(None),
        OutboundMail.status != MailStatus.QUEUED,
        OutboundMail.recipient != "",
        OutboundMail.created_at < now - timedelta(days=days),
    )


# --- one ticket --------------------------------------------------------------------------------


def _inbound_of(ticket: Ticket, message_ids: list[int]) -> list[InboundMail]:
    """The ticket's inbound mails, and every copy of them intake kept as a duplicate."""
    linked = or_(InboundMail.ticket_id == ticket.id, InboundMail.thread_message_id.in_(message_ids))
    mails = list(db.session.scalars(select(InboundMail).where(linked)))
    originals = [mail.id for mail in mails]
    copies = select(InboundMail).where(
        InboundMail.duplicate_of_id.in_(originals), InboundMail.id.not_in(originals)
    )
    return mails + list(db.session.scalars(copies))


def _outbox_of(ticket: Ticket) -> list[OutboundMail]:
    return list(db.session.scalars(select(OutboundMail).where(OutboundMail.ticket_id == ticket.id)))


def _inventory(ticket: Ticket) -> Purged:
    message_ids = [message.id for message in ticket.messages]
    return Purged(
        reference=ticket.reference,
        category=ticket.category.slug,
        closed_at=ticket.closed_at,
        messages=len(message_ids),
        files=sum(len(message.attachments) for message in ticket.messages),
        inbound_mails=len(_inbound_of(ticket, message_ids)),
        outbox_mails=len(_outbox_of(ticket)),
    )


def purge_ticket(ticket: Ticket) -> Purged:
    """Remove what the ticket holds about people and keep its skeleton; run by the system.
    Flushes; the caller commits."""
    inventory = _inventory(ticket)
    anonymous = anonymised_reporter()
    _purge_messages(ticket, anonymous)
    for mail in _inbound_of(ticket, [message.id for message in ticket.messages]):
        purge_inbound(mail)
    for mail in _outbox_of(ticket):
        _purge_outbox(mail)
    _purge_ticket_fields(ticket, anonymous)
    _purge_decisions(ticket)
    _purge_audit_details(ticket)
    audit.record(
        None,
        "ticket.purged",
        ticket=ticket,
        messages=inventory.messages,
        files=inventory.files,
        inbound_mails=inventory.inbound_mails,
        outbox_mails=inventory.outbox_mails,
    )
    db.session.flush()
    return inventory


def _purge_messages(ticket: Ticket, anonymous: User) -> None:
    digests = set()
    for message in ticket.messages:
        message.body, message.email_message_id = PURGED_BODY, None
        if message.author_id == ticket.reporter_id:
            message.author = anonymous
        digests.update(file.sha256 for file in message.attachments)
        message.attachments.clear()  # delete-orphan: the rows go
    db.session.flush()
    for digest in digests:
        blobs.delete_blob(digest)


def purge_inbound(mail: InboundMail) -> None:
    """An inbound mail keeps its outcome and dates, and the Message-ID and digest that
    recognise a second delivery; its raw copy and what it said about its sender go."""
    blobs.delete_raw_mail(mail)
    mail.sender = mail.subject = mail.source = mail.authentication = mail.reason = None
    mail.recipients = []


def _purge_outbox(mail: OutboundMail) -> None:
    if mail.status is MailStatus.QUEUED:  # never sent now: there is nobody to send it to
        mail.status = MailStatus.FAILED
    mail.recipient = mail.subject = mail.body_text = ""
    mail.body_html = mail.reason = None
    mail.headers = {}


def _purge_ticket_fields(ticket: Ticket, anonymous: User) -> None:
    ticket.reporter = anonymous
    ticket.subject = PURGED_SUBJECT
    ticket.reported_member = ticket.reported_profile_url = ticket.reported_key = None
    ticket.context_url = ticket.submission_key = ticket.submission_fingerprint = None
    ticket.answers = []
    ticket.purged_at = utcnow()


def _purge_decisions(ticket: Ticket) -> None:
    """Decisions stay for the counts; their reason is internal free text that can name people."""
    db.session.execute(
        update(Decision)
        .where(Decision.ticket_id == ticket.id)
        .values(reason="")
        .execution_options(synchronize_session=False)
    )


def _purge_audit_details(ticket: Ticket) -> None:
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.ticket_id == ticket.id)):
        kept = KEPT_CHANGES.get(event.action, set())
        if kept is not None:
            event.changes = {key: value for key, value in event.changes.items() if key in kept}


def compact_search_index() -> None:
    """SQLite's FTS5 indexes keep deleted words in old segments until merged: merge them now,
    so no purged or redacted word stays in the index. PostgreSQL's GIN indexes are computed
    from the rows themselves (VACUUM reclaims their dead entries)."""
    if db.session.get_bind().dialect.name != "sqlite":
        return
    for fts in ("tickets_fts", "messages_fts"):
        db.session.execute(text(f"INSERT INTO {fts}({fts}) VALUES ('optimize')"))
