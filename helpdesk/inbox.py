"""The agents' inbox: named views, filters, search, sorts and keyset pagination (read-only).

A page is a range scan on an index that leads with the view's filter and ends with the sort
columns; the next page starts after the last row's sort values (no OFFSET), so page 500 costs
what page 1 costs. Counts are capped, so they too cost the same at any table size.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    case,
    func,
    literal,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import selectinload

from .database import db, utcnow
from .models import Category, Priority, Status, Ticket, User
from .search import matching_tickets

UNRESOLVED = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
PAGE_SIZE = 50
COUNT_CAP = 1_000  # "1,000+" says enough, and keeps counting cheap at any size


@dataclass(frozen=True)
class View:
    slug: str
    title: str


VIEWS = [
    View("unassigned", "Unassigned"),
    View("mine", "Mine"),
    View("new_open", "New and open"),
    View("pending", "Pending"),
    View("on_hold", "On hold"),
    View("solved", "Solved"),
    View("closed", "Closed"),
    View("all", "All"),
]
VIEW_SLUGS = {view.slug for view in VIEWS}
SORTS = {"waiting": "Waiting longest", "priority": "Priority", "updated": "Last update"}

RANK = {Priority.URGENT: 4, Priority.HIGH: 3, Priority.NORMAL: 2, Priority.LOW: 1}
PRIORITY_RANK = case(RANK, value=Ticket.priority)


VIEW_STATUSES: dict[str, tuple[Status, ...]] = {
    "unassigned": UNRESOLVED,
    "mine": UNRESOLVED,
    "new_open": (Status.NEW, Status.OPEN),
    "pending": (Status.PENDING,),
    "on_hold": (Status.ON_HOLD,),
    "solved": (Status.SOLVED,),
    "closed": (Status.CLOSED,),
    "all": tuple(Status),
}

# Sort keys as (column name, ascending), the id last so that the order is total. A priority
# sort is a merge of one branch per priority, each ordered by the columns after the rank.
SORT_KEYS = {
    "waiting": [("last_activity_at", True), ("id", True)],
    "updated": [("last_activity_at", False), ("id", False)],
    "priority": [("rank", False), ("last_activity_at", True), ("id", True)],
}


def _assignee_condition(slug: str, agent: User) -> ColumnElement[bool] | None:
    if slug == "unassigned":
        return Ticket.assignee_id.is_(None)
    if slug == "mine":
        return Ticket.assignee_id == agent.id
    return None


@dataclass
class InboxQuery:
    view: str = "new_open"
    category_id: int | None = None
    priority: Priority | None = None
    search: str = ""
    sort: str = "waiting"
    after: str | None = None  # the cursor of the previous page's last row

    def __post_init__(self):
        self.view = self.view if self.view in VIEW_SLUGS else "new_open"
        self.sort = self.sort if self.sort in SORTS else "waiting"


@dataclass
class InboxPage:
    tickets: list[Ticket]
    next_cursor: str | None


@dataclass(frozen=True)
class Branch:
    """One index range scan: a single status (and, for a priority sort, a single priority).
    A search is one branch over all the view's statuses: its matches drive that query."""

    statuses: tuple[Status, ...]
    priority: Priority | None


def _common_filters(query: InboxQuery, agent: User) -> list[ColumnElement[bool]]:
    conditions = [_assignee_condition(query.view, agent)]
    if query.category_id:
        conditions.append(Ticket.category_id == query.category_id)
    if query.search.strip():
        conditions.append(matching_tickets(query.search))
    return [condition for condition in conditions if condition is not None]


def _branches(query: InboxQuery) -> list[Branch]:
    if query.priority:
        priorities = [query.priority]
    elif query.sort == "priority":
        priorities = list(Priority)
    else:
        priorities = [None]
    statuses = VIEW_STATUSES[query.view]
    if query.search.strip() or query.view == "all":  # one scan: the matches, or every ticket
        return [Branch(statuses, priority) for priority in priorities]
    return [Branch((status,), priority) for status in statuses for priority in priorities]


def page(query: InboxQuery, agent: User, size: int | None = None) -> InboxPage:
    """One page of the inbox and the next page's cursor, in four queries whatever its length.

    The page is the merge of one small index range scan per status (and per priority when
    sorting by priority), each starting after the cursor and stopping after a page of rows;
    so the first page and the five-hundredth, of a hundred tickets or a million, cost the same.
    """
    size = size or PAGE_SIZE
    keys = SORT_KEYS[query.sort]
    cursor = _position(query.after, query.sort) if query.after else None
    common = _common_filters(query, agent)
    scans = [
        scan
        for branch in _branches(query)
        if (scan := _branch_scan(branch, common, keys, cursor, size + 1)) is not None
    ]
    if not scans:
        return InboxPage(tickets=[], next_cursor=None)
    candidates = (scans[0] if len(scans) == 1 else union_all(*scans)).subquery("candidates")
    order = [
        candidates.c[name].asc() if ascending else candidates.c[name].desc()
        for name, ascending in keys
    ]
    statement = (
        select(Ticket)
        .join(candidates, Ticket.id == candidates.c.id)
        .order_by(*order)
        .options(
            selectinload(Ticket.category),
            selectinload(Ticket.reporter),
            selectinload(Ticket.assignee),
        )
        .limit(size + 1)
    )
    rows = list(db.session.scalars(statement))
    next_cursor = encode_cursor(row_position(rows[size - 1])) if len(rows) > size else None
    return InboxPage(tickets=rows[:size], next_cursor=next_cursor)


def _branch_scan(branch: Branch, common, keys, cursor: list | None, limit: int):
    """The branch's rows after the cursor, in index order; None when none can follow it."""
    conditions = list(common)
    if len(branch.statuses) < len(Status):
        conditions.append(Ticket.status.in_(branch.statuses))
    if branch.priority is not None:
        conditions.append(Ticket.priority == branch.priority)
    columns = [(name, ascending) for name, ascending in keys if name != "rank"]
    if cursor is not None:
        values = cursor
        if keys[0][0] == "rank":  # this branch's rank against the cursor's decides first
            rank, values = cursor[0], cursor[1:]
            if RANK[branch.priority] > rank:
                return None
            if RANK[branch.priority] < rank:
                values = None
        if values is not None:
            conditions.append(_after(columns, values))
    expressions = {"last_activity_at": Ticket.last_activity_at, "id": Ticket.id}
    return (
        select(Ticket.id, Ticket.last_activity_at, PRIORITY_RANK.label("rank"))
        .where(*conditions)
        .order_by(*(expressions[n].asc() if a else expressions[n].desc() for n, a in columns))
        .limit(limit)
        .subquery()
        .select()
    )


def _after(columns, values) -> ColumnElement[bool]:
    """Rows after the given values: one row-value comparison, which both engines answer from
    the index (all the branch's columns run in the same direction)."""
    expressions = {"last_activity_at": Ticket.last_activity_at, "id": Ticket.id}
    row = tuple_(*(expressions[name] for name, _ in columns))
    ascending = columns[0][1]
    return row > tuple_(*values) if ascending else row < tuple_(*values)


def row_position(ticket: Ticket) -> list:
    """Where a page ends, in every sort's terms: a next page of any sort continues after it."""
    return [RANK[ticket.priority], ticket.last_activity_at, ticket.id]


def _position(cursor: str, sort: str) -> list | None:
    """The sort values a cursor gives this sort: the priority rank only matters to its own."""
    position = decode_cursor(cursor, 3)
    if position is None or sort == "priority":
        return position
    return position[1:]


# A cursor holds the sort values of a page's last row as digits with dots: for the inbox the
# priority rank, the last activity in microseconds since 1970, and the id ("2.1764862759890818.
# 4711"); for the other lists a moment and an id. Seventeen digits of microseconds reach the
# year 5138, eighteen of an id or a rank stay under 2**63: whatever matches, a page can follow.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def cursor_pattern(parts: int) -> str:
    """The cursors of `parts` sort values (the moment before the last), as a regex."""
    return r"\.".join(["[0-9]{1,18}"] * (parts - 2) + ["[0-9]{1,17}", "[0-9]{1,18}"])


INBOX_CURSOR_PATTERN = cursor_pattern(3)


def encode_cursor(values: list) -> str:
    return ".".join(
        str((value - EPOCH) // MICROSECOND) if isinstance(value, datetime) else str(value)
        for value in values
    )


def decode_cursor(cursor: str, expected: int) -> list | None:
    """The sort values in a cursor, as encode_cursor() wrote them; None (start from the top)
    when it is not one of ours."""
    if not re.fullmatch(cursor_pattern(expected), cursor):
        return None
    moment = expected - 2
    return [
        EPOCH + int(part) * MICROSECOND if index == moment else int(part)
        for index, part in enumerate(cursor.split("."))
    ]


def readable_cursor(cursor: str) -> bool:
    """Whether `cursor` is a next_cursor as page() gave it, which it can continue after."""
    return decode_cursor(cursor, 3) is not None


def view_counts(agent: User) -> dict[str, int]:
    """How many tickets each view holds (more than COUNT_CAP shows as the cap), in one query.

    Views are sums of a few parts: each status, and each unresolved status unassigned or
    assigned to this agent. Each part is an index range that stops after COUNT_CAP + 1
    entries, so counting costs the same at any table size.
    """
    parts = list(dict.fromkeys(part for view in VIEWS for part in _count_parts(view.slug)))
    row = db.session.execute(select(*(_capped_count(*part, agent) for part in parts))).one()
    counted = dict(zip(parts, row, strict=True))
    return {view.slug: sum(counted[part] for part in _count_parts(view.slug)) for view in VIEWS}


def _count_parts(slug: str) -> list[tuple[Status, str | None]]:
    """(status, assignee view or None): the parts a view's count adds up."""
    assignee_view = slug if slug in ("unassigned", "mine") else None
    return [(status, assignee_view) for status in VIEW_STATUSES[slug]]


def _capped_count(status: Status, slug: str | None, agent: User):
    conditions = [Ticket.status == status]
    if slug is not None:
        conditions.append(_assignee_condition(slug, agent))
    capped = select(literal(1)).select_from(Ticket).where(*conditions).limit(COUNT_CAP + 1)
    return select(func.count()).select_from(capped.subquery()).scalar_subquery()


def first_response_overdue(ticket: Ticket, now: datetime | None = None) -> bool:
    """The category's first-response target has passed with no public reply yet."""
    if ticket.first_response_at is not None or ticket.status not in UNRESOLVED:
        return False
    deadline = ticket.created_at + timedelta(hours=ticket.category.first_response_hours)
    return (now or utcnow()) > deadline


def categories_for_filter() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.sort_order)))


def count_by_status() -> dict[Status, int]:
    """How many tickets are in each status, every status listed (the admin dashboard)."""
    counts = dict(
        db.session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all()
    )
    return {status: counts.get(status, 0) for status in Status}
