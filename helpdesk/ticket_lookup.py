"""Finding tickets (read-only): a reporter's own, one for the agents' page or the API with
everything it shows, and the ones an agent selected in the inbox. References are matched
however they were typed (case, surrounding spaces)."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .database import db
from .models import Message, Ticket, User


def reporter_tickets(reporter: User) -> list[Ticket]:
    """The member's own tickets, latest activity first."""
    query = (
        select(Ticket)
        .where(Ticket.reporter_id == reporter.id)
        .options(selectinload(Ticket.category))
        .order_by(Ticket.last_activity_at.desc(), Ticket.id.desc())
    )
    return list(db.session.scalars(query))


def reporter_ticket(reporter: User, reference: str) -> Ticket | None:
    """The ticket if this member reported it; None both when it is someone else's and missing."""
    if not reference:
        return None
    query = select(Ticket).where(
        Ticket.reference == _normalised(reference), Ticket.reporter_id == reporter.id
    )
    return db.session.scalar(query)


def _normalised(reference: str) -> str:
    return reference.strip().upper()


def agent_ticket(reference: str) -> Ticket | None:
    """The ticket for the agents' page and the API, with its messages, their files and authors."""
    query = (
        select(Ticket)
        .where(Ticket.reference == _normalised(reference))
        .options(
            selectinload(Ticket.messages).selectinload(Message.attachments),
            selectinload(Ticket.messages).selectinload(Message.author),
        )
    )
    return db.session.scalar(query)


def by_reference(reference: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.reference == _normalised(reference)))


def by_references(references: Sequence[str]) -> list[Ticket]:
    references = [_normalised(reference) for reference in references]
    return list(db.session.scalars(select(Ticket).where(Ticket.reference.in_(references))))


def submitted_before(reporter: User, submission_key: str) -> Ticket | None:
    """The ticket a form with this submission key made already, if any."""
    query = select(Ticket).where(
        Ticket.reporter_id == reporter.id, Ticket.submission_key == submission_key
    )
    return db.session.scalar(query)
