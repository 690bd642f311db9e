"""The ticket status workflow: allowed transitions as data, and the one function that moves them."""

from . import audit
from .database import db, utcnow
from .errors import TransitionRefused
from .models import Status, Ticket, User

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.SOLVED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.SOLVED}),
    Status.SOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

# The reporter adding information wakes these up.
REOPENED_BY_REPORTER = frozenset({Status.PENDING, Status.SOLVED})


def can_change(current: Status, to: Status) -> bool:
    return to in TRANSITIONS[current]


def change_status(actor: User | None, ticket: Ticket, to: Status) -> None:
    """Move a ticket to another status, stamping solved/closed times and recording who did it.

    The state machine only: the caller has checked that the actor (None: the system) may."""
    if not can_change(ticket.status, to):
        raise TransitionRefused(
            f"A ticket that is {ticket.status.value.replace('_', ' ')} "
            f"cannot become {to.value.replace('_', ' ')}."
        )
    now = utcnow()
    previous = ticket.status
    ticket.status = to
    ticket.last_activity_at = now
    if to is Status.SOLVED:
        ticket.solved_at = now
    elif to is Status.CLOSED:
        ticket.closed_at = now
    elif previous is Status.SOLVED:
        ticket.solved_at = None
    audit.record(actor, "ticket.status_changed", ticket=ticket, old=previous.value, new=to.value)
    db.session.flush()
