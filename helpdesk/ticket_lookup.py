"""Finding tickets (read-only): a reporter's own, one for the agents' page or the API with
everything it shows, and the ones an agent selected in the inbox. References are read by
signing.parse_reference however they were typed (case, spaces, O for 0); anything that is
not a reference finds nothing."""

from collections.abc import Sequence
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from .database import db
from .models import Message, Ticket, User
from .signing import parse_reference


def reporter_tickets(reporter: User) -> list[Ticket]:
    """The member's own tickets, latest activity first."""
    query = (
        select(Ticket)
        .where(Ticket.reporter_id == reporter.id)
        .options(selectinload(Ticket.category))
        .order_by(Ticket.last_activity_at.desc(), Ticket.id.desc())
    )
    return list(db.session.scalars(query))


def reporter_ticket(reporter: User, reference: str, *, thread: bool = False) -> Ticket | None:
    """The ticket if this member reported it; None both when it is someone else's and missing.
    Its category comes in the same query: every page and answer about it shows it; with
    `thread`, its messages and their files too (the reporter's page and the API show them)."""
    if (parsed := parse_reference(reference)) is None:
        return None
    found = db.session.scalars(
        _reporters_ticket(thread), {"reference": parsed, "reporter": reporter.id}
    )
    return found.unique().one_or_none()


@cache
def _reporters_ticket(thread: bool) -> Select:
    """Built once: a member's every page about a report asks, and building it with its loader
    options cost more than running it."""
    options = [joinedload(Ticket.category, innerjoin=True)]
    if thread:
        options.append(joinedload(Ticket.messages).joinedload(Message.attachments))
    mine = (Ticket.reference == bindparam("reference"), Ticket.reporter_id == bindparam("reporter"))
    return select(Ticket).where(*mine).options(*options)


def agent_ticket(reference: str) -> Ticket | None:
    """The ticket for the agents' page and the API, with its messages, their files and authors."""
    if parse_reference(reference) is None:
        return None
    query = (
        select(Ticket)
        .where(Ticket.reference == parse_reference(reference))
        .options(
            selectinload(Ticket.messages).selectinload(Message.attachments),
            selectinload(Ticket.messages).selectinload(Message.author),
        )
    )
    return db.session.scalar(query)


def by_reference(reference: str) -> Ticket | None:
    if (parsed := parse_reference(reference)) is None:
        return None
    return db.session.scalar(select(Ticket).where(Ticket.reference == parsed))


def by_references(references: Sequence[str]) -> list[Ticket]:
    parsed = [found for reference in references if (found := parse_reference(reference))]
    return list(db.session.scalars(select(Ticket).where(Ticket.reference.in_(parsed))))


def submitted_before(submission_key: str) -> Ticket | None:
    """The ticket a submission with this key made already, if any: a key is a form's own
    random one, or an API token's (whatever member its reports are for)."""
    return db.session.scalar(select(Ticket).where(Ticket.submission_key == submission_key))
