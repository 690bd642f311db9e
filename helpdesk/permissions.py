"""Who may do what: one table, checked by every domain function that changes state.

Domain functions take the acting user first and call require(actor, Permission.X) before they
touch anything, so a view, the API, the CLI and intake all get the same answer. A deactivated
account may do nothing, whatever its role; None (the system: the CLI, intake, a cron job) is
checked by the caller's own rules and passes only where a function says so.
"""

from enum import StrEnum

from .errors import NotAllowed
from .models import Role, User


class Permission(StrEnum):
    WORK_TICKETS = "work tickets"
    WRITE_ARTICLES = "write help-center articles"
    MANAGE_SHARED_REPLIES = "manage shared canned replies"
    ADMINISTER = "run the help desk"


_ROLES: dict[Permission, frozenset[Role]] = {
    Permission.WORK_TICKETS: frozenset({Role.AGENT, Role.ADMIN}),
    Permission.WRITE_ARTICLES: frozenset({Role.AGENT, Role.ADMIN}),
    Permission.MANAGE_SHARED_REPLIES: frozenset({Role.ADMIN}),
    Permission.ADMINISTER: frozenset({Role.ADMIN}),
}

_REFUSALS: dict[Permission, str] = {
    Permission.WORK_TICKETS: "Only agents can do this.",
    Permission.WRITE_ARTICLES: "Only agents and admins can write help-center articles.",
    Permission.MANAGE_SHARED_REPLIES: "Only admins manage shared canned replies.",
    Permission.ADMINISTER: "Only an admin can do this.",
}


def allows(actor: User | None, permission: Permission) -> bool:
    """Whether this user, as they are now (role and active), may do this. An anonymous visitor
    (Flask-Login's stand-in, which has neither) may do none of it."""
    return getattr(actor, "active", False) and getattr(actor, "role", None) in _ROLES[permission]


def require(actor: User | None, permission: Permission, *, system_may: bool = False) -> None:
    """Refuse with NotAllowed unless the actor may do this. `system_may` lets None (the
    system: the CLI, a seed script) through, for the functions that it runs too."""
    if actor is None and system_may:
        return
    if not allows(actor, permission):
        raise NotAllowed(_REFUSALS[permission])
