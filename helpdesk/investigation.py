"""The member under investigation: every report about one reported member (by the normalised
key of reported.py), who sent them, what was decided, the evidence, and their account here.
For agents and admins only (P1: it names every reporter). Read-only.
"""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from . import decisions, reported
from .database import db
from .models import Attachment, Category, Decision, Message, Status, Ticket, User
from .permissions import Permission, allows

REPORT_LIMIT = 200  # the newest reports listed; the counts cover them all


@dataclass(frozen=True)
class Evidence:
    ticket: Ticket
    file: Attachment


@dataclass(frozen=True)
class MemberFile:
    key: str
    names: list[str]  # every username and profile link the reports give
    reports: list[Ticket]  # newest first, at most REPORT_LIMIT
    report_count: int
    by_category: list[tuple[str, int]]  # category name, reports; most first
    by_status: list[tuple[Status, int]]  # in the workflow's order
    reporter_count: int
    decisions: list[Decision]  # newest first
    evidence: list[Evidence]  # newest report first, then as attached
    accounts: list[User]  # member accounts here whose marketplace id the reports name


def member_file(viewer: User | None, key: str) -> MemberFile | None:
    """The file on the member this key names, or None when the viewer may not see it or no
    report names such a member (the two look the same to the view's caller)."""
    if not allows(viewer, Permission.WORK_TICKETS):
        return None
    key = reported.reported_key(key)
    about = Ticket.reported_key == key
    report_count = db.session.scalar(select(func.count(Ticket.id)).where(about))
    if not key or not report_count:
        return None
    reports = _newest_reports(about)
    return MemberFile(
        key=key,
        names=_names(reports),
        reports=reports,
        report_count=report_count,
        by_category=_by_category(about),
        by_status=_by_status(about),
        reporter_count=db.session.scalar(
            select(func.count(Ticket.reporter_id.distinct())).where(about)
        ),
        decisions=decisions.for_member(key),
        evidence=[
            Evidence(ticket, file)
            for ticket in reports
            for message in ticket.messages
            for file in message.attachments
        ],
        accounts=reported.accounts_named(key),
    )


def _newest_reports(about) -> list[Ticket]:
    query = (
        select(Ticket)
        .where(about)
        .options(
            selectinload(Ticket.category),
            selectinload(Ticket.reporter),
            selectinload(Ticket.messages).selectinload(Message.attachments),
        )
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(REPORT_LIMIT)
    )
    return list(db.session.scalars(query))


def _names(reports: list[Ticket]) -> list[str]:
    seen: dict[str, None] = {}
    for ticket in reports:
        for name in (ticket.reported_member, ticket.reported_profile_url):
            if name:
                seen.setdefault(name)
    return list(seen)


def _by_category(about) -> list[tuple[str, int]]:
    query = (
        select(Category.name, func.count(Ticket.id))
        .join(Ticket.category)
        .where(about)
        .group_by(Category.name)
    )
    counts = [(name, count) for name, count in db.session.execute(query)]
    return sorted(counts, key=lambda row: (-row[1], row[0]))


def _by_status(about) -> list[tuple[Status, int]]:
    query = select(Ticket.status, func.count(Ticket.id)).where(about).group_by(Ticket.status)
    counts = dict(db.session.execute(query).all())
    return [(status, counts[status]) for status in Status if status in counts]
