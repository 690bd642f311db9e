"""Decisions: what the team found on a ticket (the policy violated, or none) and what was done
about the reported member's account. Internal only (P2): nothing here is reachable from
reporter_view, the reporter API or mail.

A ticket may carry several decisions over time; the newest is the current one. The actions
come from a list the admins edit (DEFAULT_ACTIONS is what a new help desk starts with).
"""

import logging

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from . import audit
from .database import db, utcnow
from .errors import InvalidInput, NotAllowed, TicketClosed
from .markdown import slugify
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


def action_by_slug(slug: str) -> DecisionAction | None:
    return db.session.scalar(select(DecisionAction).where(DecisionAction.slug == slug))


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
    now = utcnow()
    decision = Decision(
        ticket=ticket, agent=actor, policy=policy, action=action, reason=reason, created_at=now
    )
    db.session.add(decision)
    ticket.first_decision_at = ticket.first_decision_at or now  # the reports' time to decision
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
    used = select(Decision.id).where(Decision.action_id == action.id).limit(1)
    return db.session.scalar(used) is not None


# --- the admins' list of actions --------------------------------------------------------------

NAME_LENGTH = 80
SLUG_LENGTH = 40


def usage_counts() -> dict[int, int]:
    """How many decisions name each action, by action id (none: absent)."""
    query = select(Decision.action_id, func.count()).group_by(Decision.action_id)
    return dict(db.session.execute(query).all())


def _checked_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput({"name": ["Give the action a name, such as “Suspended”."]})
    if len(name) > NAME_LENGTH:
        raise InvalidInput({"name": [f"Use at most {NAME_LENGTH} characters."]})
    return name


def add_action(actor: User, name: str) -> DecisionAction:
    """A new action at the end of the list; its slug (what reports and the API name it by) is
    made from the name once and never changes."""
    require(actor, Permission.ADMINISTER)
    name = _checked_name(name)
    slug = slugify(name, SLUG_LENGTH).replace("-", "_")
    if not slug:
        raise InvalidInput({"name": ["Use letters or digits in the name."]})
    last = db.session.scalar(select(func.max(DecisionAction.sort_order)))
    action = DecisionAction(slug=slug, name=name, sort_order=(last or 0) + 1)
    try:
        with db.session.begin_nested():
            db.session.add(action)
    except IntegrityError:
        raise InvalidInput({"name": [f"An action called “{name}” exists already."]}) from None
    audit.record(actor, "decision_action.created", target=f"decision_action:{action.id}", slug=slug)
    db.session.flush()
    return action


def rename_action(actor: User, action: DecisionAction, name: str) -> None:
    require(actor, Permission.ADMINISTER)
    name = _checked_name(name)
    if name == action.name:
        return
    audit.record(
        actor,
        "decision_action.renamed",
        target=f"decision_action:{action.id}",
        old=action.name,
        new=name,
    )
    action.name = name
    db.session.flush()


def move_action(actor: User, action: DecisionAction, step: int) -> None:
    """Move an action `step` places in the order agents are offered them (-1: up, 1: down)."""
    require(actor, Permission.ADMINISTER)
    ordered = actions(active_only=False)
    old = ordered.index(action)
    new = min(max(old + step, 0), len(ordered) - 1)
    if new == old:
        return
    ordered.insert(new, ordered.pop(old))
    for position, each in enumerate(ordered):  # renumbered, so that no two ever tie
        each.sort_order = position
    audit.record(
        actor,
        "decision_action.moved",
        target=f"decision_action:{action.id}",
        position=[old + 1, new + 1],
    )
    db.session.flush()


def set_action_active(actor: User, action: DecisionAction, active: bool) -> None:
    """Take an action off the decision form (past decisions keep it), or offer it again. The
    last active action stays: agents could record nothing."""
    require(actor, Permission.ADMINISTER)
    if action.active == active:
        return
    if not active and actions() == [action]:
        raise NotAllowed(f"“{action.name}” is the last active action: add another one first.")
    action.active = active
    event = "decision_action.reactivated" if active else "decision_action.deactivated"
    audit.record(actor, event, target=f"decision_action:{action.id}")
    db.session.flush()


def delete_action(actor: User, action: DecisionAction) -> None:
    """Delete an action no decision names; a used one can only be deactivated."""
    require(actor, Permission.ADMINISTER)
    if in_use(action):
        raise NotAllowed(
            f"Decisions name “{action.name}”, so it stays: deactivate it to take it off the form."
        )
    if action.active and actions() == [action]:
        raise NotAllowed(f"“{action.name}” is the last active action: add another one first.")
    audit.record(
        actor, "decision_action.deleted", target=f"decision_action:{action.id}", slug=action.slug
    )
    db.session.delete(action)
    db.session.flush()
