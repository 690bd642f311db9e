"""The inbound log as admins read it: newest first, by outcome, a page at a time (read-only)."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..database import db
from ..models import InboundMail, InboundOutcome

PAGE_SIZE = 50
# What needs someone's attention: mail intake could not process, or has not yet.
NEEDS_ATTENTION = (InboundOutcome.QUARANTINED, InboundOutcome.RECEIVED)


@dataclass(frozen=True)
class InboundPage:
    mails: list[InboundMail]
    next_cursor: int | None  # the id to continue below, when there is more


def outcome_counts() -> dict[InboundOutcome, int]:
    counts = dict(
        db.session.execute(
            select(InboundMail.outcome, func.count()).group_by(InboundMail.outcome)
        ).all()
    )
    return {outcome: counts.get(outcome, 0) for outcome in InboundOutcome}


def inbound_page(outcome: InboundOutcome | None, after: int | None) -> InboundPage:
    """A page of the log, newest first, continuing after (below) the id `after`."""
    query = (
        select(InboundMail)
        .options(selectinload(InboundMail.ticket))  # each row links its ticket
        .order_by(InboundMail.id.desc())
        .limit(PAGE_SIZE + 1)
    )
    if outcome is not None:
        query = query.where(InboundMail.outcome == outcome)
    if after is not None:
        query = query.where(InboundMail.id < after)
    mails = list(db.session.scalars(query))
    more = len(mails) > PAGE_SIZE
    mails = mails[:PAGE_SIZE]
    return InboundPage(mails, mails[-1].id if more else None)


def originals_of(message_ids: list[int]) -> dict[int, int]:
    """Thread message id -> the inbound mail it came from, for "open the original" links."""
    if not message_ids:
        return {}
    rows = db.session.execute(
        select(InboundMail.thread_message_id, InboundMail.id).where(
            InboundMail.thread_message_id.in_(message_ids)
        )
    )
    return dict(rows.all())
