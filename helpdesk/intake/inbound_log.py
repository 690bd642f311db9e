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


@dataclass(frozen=True)
class MailOrigin:
    """The inbound mail a thread message came from, as agents see it next to the message."""

    inbound_id: int
    authentication: str | None  # our receiving server's results, summarised
    verified_by: str | None  # how intake verified the sender; None: not verified

    @property
    def facts(self) -> str:
        """Mail · dkim=pass (x.example); dmarc=fail (x.example) · sender not verified."""
        results = self.authentication or "no authentication results from our server"
        verdict = "sender not verified"
        if self.verified_by:
            verdict = f"sender verified by {self.verified_by}"
        return f"Mail · {results} · {verdict}"


def mail_origins(message_ids: list[int]) -> dict[int, MailOrigin]:
    """Thread message id -> the inbound mail it came from: for agents only (P1), who open the
    original from there and read what our server found about its sender."""
    if not message_ids:
        return {}
    rows = db.session.execute(
        select(
            InboundMail.thread_message_id,
            InboundMail.id,
            InboundMail.authentication,
            InboundMail.verified_by,
        ).where(InboundMail.thread_message_id.in_(message_ids))
    )
    return {message_id: MailOrigin(*facts) for message_id, *facts in rows.all()}
