"""Plain functions that make what a test asks for, with defaults. They flush, never commit."""

import itertools

from helpdesk import accounts, tickets
from helpdesk.categories import active_category_by_slug
from helpdesk.models import Role, Ticket, User

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def make_user(role: str = "member", email: str | None = None, **fields) -> User:
    number = next(_numbers)
    return accounts.create_user(
        email or f"{role}{number}@example.org",
        fields.pop("password", PASSWORD),
        role=Role(role),
        display_name=fields.pop("display_name", f"{role.title()} {number}"),
        actor=None,
    )


def make_ticket(reporter: User | None = None, category: str = "harassment", **fields) -> Ticket:
    return tickets.open_ticket(
        reporter or make_user(),
        category=active_category_by_slug(category),
        subject=fields.pop("subject", "Abusive messages in the workroom"),
        description=fields.pop("description", "He called me names after I asked to be paid."),
        **fields,
    )
