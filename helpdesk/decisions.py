"""Decisions: what the team found on a ticket (the policy violated, or none) and what was done
about the reported member's account. Internal only (P2): nothing here is reachable from
reporter_view, the reporter API or mail.

A ticket may carry several decisions over time; the newest is the current one. The actions
come from a list the admins edit (DEFAULT_ACTIONS is what a new help desk starts with).
"""

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from . import audit
from .database import db
from .errors import InvalidInput, TicketClosed
from .models import Category, Decision, DecisionAction, Ticket, User
from .permissions import Permission, require
from .tickets import check_version

log = logging.getLogger(__name__)

# (slug, name), in the order agents are offered them. The migration that creates the table and
# seed_default_actions() both read this one list.
DEFAULT_ACTIONS: tuple[tuple[str, str], ...] = (
    ("none", "No action"),
    ("warning", "Warning"),
    ("content_removed", "Content removed"),
    ("restricted", "Restricted"),
    ("suspended", "Suspended"),
    ("banned", "Banned"),
)
REASON_LENGTH = (1, 5_000)


def seed_default_actions() -> int:
    """Add the default actions that are missing; returns how many were added."""
    existing = set(db.session.scalars(select(DecisionAction.slug)))
    missing = [
        DecisionAction(slug=slug, name=name, sort_order=order)
        for order, (slug, name) in enumerate(DEFAULT_ACTIONS)
        if slug not in existing
    ]
    db.session.add_all(missing)
    db.session.flush()
    return len(missing)


def actions(active_only: bool = True) -> list[DecisionAction]:
    """The actions in the admins' order; with active_only, those agents may still choose."""
    query = select(DecisionAction).order_by(DecisionAction.sort_order, DecisionAction.id)
    if active_only:
        query = query.where(DecisionAction.active)
    return list(db.session.scalars(query))


def record(
    actor: User,
    ticket: Ticket | None,
    *,
    policy: Category | None,
    action: DecisionAction | None,
    reason: str,
    version: int | None = None,
) -> Decision:
    """Record a decision on the ticket: `policy` None means no violation was found.

    Bumps the ticket's version (so an agent acting on an older copy is told), but not its last
    activity: the reporter's list is sorted by that and must not hint at a decision (P2).
    """
    require(actor, Permission.WORK_TICKETS)
    if ticket is None:
        raise InvalidInput({"ticket": ["There is no ticket with that reference."]})
    if ticket.merged_into_id is not None:
        raise TicketClosed(
            f"{ticket.reference} was merged into another ticket: record the decision there."
        )
    check_version(ticket, version)
    reason = reason.strip()
    errors = _problems(action, reason)
    if errors:
        raise InvalidInput(errors)
    decision = Decision(ticket=ticket, agent=actor, policy=policy, action=action, reason=reason)
    db.session.add(decision)
    ticket.version += 1  # the row is updated, so a concurrent change fails its version check
    audit.record(
        actor,
        "decision.recorded",
        ticket=ticket,
        policy=policy.slug if policy else None,
        action_taken=action.slug,
    )
    db.session.flush()
    return decision


def _problems(action: DecisionAction | None, reason: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if action is None or not action.active:
        errors["action"] = ["Choose one of the actions offered."]
    low, high = REASON_LENGTH
    if len(reason) < low:
        errors["reason"] = ["Give the reason for the decision (agents only read it)."]
    elif len(reason) > high:
        errors["reason"] = [f"The reason can have at most {high:,} characters."]
    return errors


def for_ticket(ticket: Ticket) -> list[Decision]:
    """The ticket's decisions, newest first (the first is the current one)."""
    return _newest_first(select(Decision).where(Decision.ticket_id == ticket.id))


def for_member(reported_key: str) -> list[Decision]:
    """Every decision on any report about this member, newest first."""
    about = select(Ticket.id).where(Ticket.reported_key == reported_key)
    return _newest_first(select(Decision).where(Decision.ticket_id.in_(about)))


def _newest_first(query) -> list[Decision]:
    query = query.options(
        selectinload(Decision.agent),
        selectinload(Decision.policy),
        selectinload(Decision.action),
        selectinload(Decision.ticket),
    ).order_by(Decision.created_at.desc(), Decision.id.desc())
    return list(db.session.scalars(query))


def in_use(action: DecisionAction) -> bool:
    """Whether any decision names this action (then it can only be deactivated)."""
    count = db.session.scalar(select(func.count()).where(Decision.action_id == action.id))
    return bool(count)
