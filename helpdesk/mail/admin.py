"""The admin's side of the outbox: what is queued, failed or blocked, and sending a failed mail
again. Kept apart from outbox.py, which every domain change calls to write mail, because this is
another audience's job (an admin's reading and acting, with its own permission check)."""

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import audit, permissions
from ..database import db, utcnow
from ..errors import NotAllowed
from ..models import MailStatus, OutboundMail, User
from ..permissions import Permission


@dataclass
class OutboxSummary:
    counts: dict[MailStatus, int] = field(default_factory=dict)
    mails: list[OutboundMail] = field(default_factory=list)


SHOWN_BY_DEFAULT = (MailStatus.QUEUED, MailStatus.FAILED, MailStatus.BLOCKED, MailStatus.BOUNCED)


def overview(statuses=SHOWN_BY_DEFAULT, limit: int = 200) -> OutboxSummary:
    """Counts by status, and the latest mails with the given statuses, newest first."""
    counts = dict(
        db.session.execute(
            select(OutboundMail.status, func.count()).group_by(OutboundMail.status)
        ).all()
    )
    query = (
        select(OutboundMail)
        .where(OutboundMail.status.in_(statuses))
        .options(selectinload(OutboundMail.ticket))
        .order_by(OutboundMail.created_at.desc(), OutboundMail.id.desc())
        .limit(limit)
    )
    return OutboxSummary(
        counts={status: counts.get(status, 0) for status in MailStatus},
        mails=list(db.session.scalars(query)),
    )


def retry(actor: User, mail: OutboundMail) -> None:
    """An admin sends a failed mail again: queued now, with fresh attempts and the same
    Message-ID. Blocked and suppressed mail is never sent."""
    permissions.require(actor, Permission.ADMINISTER)
    if mail.status is not MailStatus.FAILED:
        raise NotAllowed("Only a failed mail can be sent again.")
    previous = mail.reason
    mail.status, mail.attempts, mail.next_attempt_at = MailStatus.QUEUED, 0, utcnow()
    mail.claimed_by = mail.claimed_until = None
    mail.reason = f"Sent again by an admin after: {previous}"
    target = None if mail.ticket_id else f"user:{mail.user_id}"
    audit.record(actor, "mail.retried", ticket=mail.ticket, target=target, mail=mail.id)
    db.session.flush()
