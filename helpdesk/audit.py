"""The audit trail: who changed what, recorded in the caller's transaction; and reading it back
for the admins: filters, keyset pages, CSV.

Pages run newest first on (created_at, id), continuing after a cursor rather than skipping an
OFFSET, so page 500 costs what page 1 costs and rows added meanwhile never shift a page.
"""

import csv
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import selectinload

from .database import db
from .inbox import decode_cursor, encode_cursor
from .models import AuditEvent, Ticket, User

log = logging.getLogger(__name__)


def record(
    actor: User | None,
    action: str,
    *,
    ticket: Ticket | None = None,
    target: str | None = None,
    **changes: Any,
) -> AuditEvent:
    event = AuditEvent(actor=actor, action=action, ticket=ticket, target=target, changes=changes)
    db.session.add(event)
    log.info(
        "%s by %s on %s %s",
        action,
        actor.id if actor else "system",
        ticket.reference if ticket else target,
        changes,
    )
    return event


# --- reading the trail ----------------------------------------------------------------------

PAGE_SIZE = 50  # read at call time, so tests can patch it
CSV_BATCH = 500  # rows the CSV export reads per query
SYSTEM = "system"  # the actor filter's value for events without an actor
PREFIX_SUFFIX = ".*"  # "ticket.*" chooses every ticket.… action
CSV_HEADER = (
    "time (UTC)",
    "actor email",
    "actor name",
    "action",
    "ticket",
    "ticket subject",
    "target",
    "changes",
)
# A spreadsheet reads a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditFilters:
    actor: int | str | None = None  # a user id, or SYSTEM
    actor_email: str = ""
    action: str = ""  # an exact action, or a prefix such as "ticket.*"
    since: date | None = None  # inclusive, UTC
    until: date | None = None  # inclusive, UTC


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_cursor: str | None


def _query(filters: AuditFilters) -> Select:
    query = select(AuditEvent)
    if filters.actor == SYSTEM:
        query = query.where(AuditEvent.actor_id.is_(None))
    elif isinstance(filters.actor, int):
        query = query.where(AuditEvent.actor_id == filters.actor)
    if filters.actor_email:
        query = query.join(User, AuditEvent.actor_id == User.id).where(
            User.email == filters.actor_email.strip().lower()
        )
    if filters.action.endswith(PREFIX_SUFFIX):
        prefix = filters.action.removesuffix("*")
        query = query.where(func.substr(AuditEvent.action, 1, len(prefix)) == prefix)
    elif filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since is not None:
        query = query.where(AuditEvent.created_at >= _midnight(filters.since))
    if filters.until is not None:
        query = query.where(AuditEvent.created_at < _midnight(filters.until + timedelta(days=1)))
    return query


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _newest_first(query: Select, after: list | None, limit: int) -> list[AuditEvent]:
    if after is not None:
        query = query.where(tuple_(AuditEvent.created_at, AuditEvent.id) < tuple(after))
    query = (
        query.options(selectinload(AuditEvent.actor), selectinload(AuditEvent.ticket))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def ticket_trail(ticket: Ticket) -> list[AuditEvent]:
    """Everything that happened to the ticket, newest first, with who did it."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.ticket_id == ticket.id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc())
    )
    return list(db.session.scalars(query))


def page(filters: AuditFilters, after: str | None = None, size: int | None = None) -> AuditPage:
    """One page of events, newest first, and the cursor of the next page (None on the last)."""
    size = size or PAGE_SIZE
    cursor = decode_cursor(after, 2) if after else None
    rows = _newest_first(_query(filters), cursor, size + 1)
    next_cursor = _cursor(rows[size - 1]) if len(rows) > size else None
    return AuditPage(events=rows[:size], next_cursor=next_cursor)


def _cursor(event: AuditEvent) -> str:
    return encode_cursor([event.created_at, event.id])


def actors() -> list[User]:
    """Everyone who appears as an actor, for the filter's select."""
    with_events = select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None)).distinct()
    return list(
        db.session.scalars(select(User).where(User.id.in_(with_events)).order_by(User.email))
    )


def action_choices() -> list[str]:
    """Each family ("ticket.*") followed by its actions, from the actions recorded so far."""
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    choices: list[str] = []
    for action in actions:
        family = action.split(".", 1)[0] + PREFIX_SUFFIX if "." in action else None
        if family and family not in choices:
            choices.append(family)
        choices.append(action)
    return choices


def compact_changes(changes: dict[str, Any] | None) -> str:
    """key=value pairs on one line: status=["new", "open"] assignee=12."""
    return " ".join(f"{key}={_plain(value)}" for key, value in (changes or {}).items())


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def neutralise(value: Any) -> str:
    """A cell a spreadsheet shows as text: a leading apostrophe before any formula start."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_rows(filters: AuditFilters) -> Iterator[list[str]]:
    """The header, then every matching event newest first, read in keyset batches."""
    yield list(CSV_HEADER)
    query, cursor = _query(filters), None
    while True:
        batch = _newest_first(query, cursor, CSV_BATCH)
        for event in batch:
            yield [neutralise(cell) for cell in _csv_cells(event)]
        if len(batch) < CSV_BATCH:
            return
        cursor = [batch[-1].created_at, batch[-1].id]


def _csv_cells(event: AuditEvent) -> list[Any]:
    actor, ticket = event.actor, event.ticket
    return [
        event.created_at.isoformat(),
        actor.email if actor else "",
        actor.display_name if actor else "System",
        event.action,
        ticket.reference if ticket else "",
        ticket.subject if ticket else "",
        event.target or "",
        compact_changes(event.changes),
    ]


def csv_lines(filters: AuditFilters) -> Iterator[str]:
    """The export as lines of CSV text, streamed as they are read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in csv_rows(filters):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def last_ticket_event(ticket: Ticket) -> AuditEvent | None:
    query = select(AuditEvent).where(AuditEvent.ticket_id == ticket.id)
    return db.session.scalar(query.order_by(AuditEvent.id.desc()).limit(1))


def describe_change(event: AuditEvent) -> str:
    """'Priya Raman changed the status from new to open at 14:05 UTC', for people."""
    who = event.actor.display_name if event.actor else "The system"
    what = ACTION_DESCRIPTIONS.get(
        event.action, event.action.replace("ticket.", "").replace("_", " ")
    )
    old, new = event.changes.get("old"), event.changes.get("new")
    detail = f" from {old} to {new}" if old is not None or new is not None else ""
    return f"{who} {what}{detail} at {event.created_at:%H:%M} UTC"


ACTION_DESCRIPTIONS = {
    "ticket.created": "sent the report",
    "ticket.noted": "added an internal note",
    "ticket.mail_noted": "wrote by mail, kept as an internal note",
    "ticket.merge_received": "merged a duplicate into it",
    "ticket.canned_reply_applied": "applied a canned reply",
    "ticket.status_changed": "changed the status",
    "ticket.priority_changed": "changed the priority",
    "ticket.category_changed": "changed the category",
    "ticket.assigned": "changed the assignee",
    "ticket.replied": "replied",
    "ticket.followup": "added information",
    "ticket.merged": "merged it",
    "decision.recorded": "recorded a decision",
    "ticket.legal_hold_set": "put it on legal hold",
    "ticket.legal_hold_released": "released its legal hold",
    "ticket.message_redacted": "redacted text in a message",
    "ticket.attachment_redacted": "redacted a file",
    "ticket.purged": "purged it at the end of its retention period",
}
