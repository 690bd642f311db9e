"""The audit trail: who changed what, recorded in the caller's transaction."""

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .database import db
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


def ticket_trail(ticket: Ticket) -> list[AuditEvent]:
    """Everything that happened to the ticket, newest first, with who did it."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.ticket_id == ticket.id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc())
    )
    return list(db.session.scalars(query))


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
    "ticket.merge_received": "merged a duplicate into it",
    "ticket.canned_reply_applied": "applied a canned reply",
    "ticket.status_changed": "changed the status",
    "ticket.priority_changed": "changed the priority",
    "ticket.category_changed": "changed the category",
    "ticket.assigned": "changed the assignee",
    "ticket.replied": "replied",
    "ticket.followup": "added information",
    "ticket.merged": "merged it",
}
