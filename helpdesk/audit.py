"""The audit trail: who changed what, recorded in the caller's transaction."""

import logging
from typing import Any

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
