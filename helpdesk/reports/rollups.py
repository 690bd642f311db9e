"""Daily roll-ups: the counts the reports page sums instead of reading a million tickets.

report_counts holds, per day of the desk's time zone, category and channel, how many tickets
were received, solved and closed, how many decisions of each action and policy each agent
recorded, and how many public replies each agent wrote. They are kept in the transaction that
moves them: after every flush, the tickets, decisions and replies it inserted, changed or
deleted are turned into +1/-1 on their rows (one upsert for the rows touched). Whatever path
changed a ticket through the session (a form, the API, intake, the seed, retention), the count
follows. Rows written past the flush (helpdesk.direct_inserts) are counted in the same
transaction by count_inserted(). Other writes that bypass the session, like a bulk load, call
rebuild() afterwards; so does a change of HELPDESK_TIME_ZONE (`flask reports rebuild`), because
a day is a day in one zone: until then the reports refuse to mix two zones' days.
"""

from collections import Counter
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..database import db
from ..models import Decision, Message, MessageKind, ReportCount, ReportRollupState, Ticket
from .period import Filters
from .sql import local_bucket

# The ticket timestamps counted, by measure.
TICKET_MEASURES = {"received": "created_at", "solved": "solved_at", "closed": "closed_at"}
DECIDED = "decided"
REPLIED = "replied"  # public replies, by the agent who wrote them
NO_POLICY = 0  # a decision that found no violation
KEY = ("measure", "day", "category_id", "source", "action_id", "policy_id", "agent_id")
INSERT_BATCH = 5_000

Key = tuple[str, date, int, str, int, int, int]


class RollupsStale(Exception):
    """The roll-ups were counted in another time zone than the one configured."""


def _day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def _row_key(row: Decision | Message, zone: str, read=getattr, category_id=None) -> Key | None:
    """The roll-up row a decision, or a public reply an agent wrote, counts in under its
    ticket's channel and category (`category_id` when given: where it was counted before a
    recategorisation); `read` gives the values now, or before the flush. None for other
    messages and for the copies of replies a merge carries over, read before their ticket."""
    if isinstance(row, Message) and (
        read(row, "kind") is not MessageKind.REPLY or row.merged_from_id is not None
    ):
        return None
    day = _day(read(row, "created_at"), zone)
    category_id = row.ticket.category_id if category_id is None else category_id
    source = str(row.ticket.source)
    if isinstance(row, Message):
        return (REPLIED, day, category_id, source, 0, 0, read(row, "author_id") or 0)
    policy = read(row, "policy_id")
    policy = NO_POLICY if policy is None else policy
    return (DECIDED, day, category_id, source, read(row, "action_id"), policy, row.agent_id)


def _move(delta: Counter, old: Key | None, new: Key | None) -> None:
    """Count a row out of its old key and into its new one (None: not counted there)."""
    if old is not None:
        delta[old] -= 1
    if new is not None:
        delta[new] += 1


def _before(row: Ticket | Decision | Message, attribute: str):
    """The attribute's value before this flush (its current value when unchanged). The counted
    columns keep active history, so a changed value's old one is always known."""
    history = inspect(row).attrs[attribute].history
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else None


def _ticket_rows(ticket: Ticket, zone: str, read) -> list[Key]:
    """The ticket's own rows: received, solved, closed."""
    category_id = _old_category_id(ticket) if read is _before else ticket.category_id
    return [
        (measure, _day(moment, zone), category_id, str(ticket.source), 0, 0, 0)
        for measure, column in TICKET_MEASURES.items()
        if (moment := read(ticket, column)) is not None
    ]


def _old_category_id(ticket: Ticket) -> int | None:
    moved = inspect(ticket).attrs.category.history.deleted
    return moved[0].id if moved and moved[0] is not None else _before(ticket, "category_id")


def _recategorised(session: Session, ticket: Ticket, zone: str, added: set) -> Counter:
    """A ticket's decisions and replies move with it to its new category."""
    delta = Counter()
    old = _old_category_id(ticket)
    rows = [
        *session.scalars(select(Decision).where(Decision.ticket_id == ticket.id)),
        *session.scalars(select(Message).where(Message.ticket_id == ticket.id)),
    ]
    for row in rows:
        if row not in added:  # the added are counted in the new category already
            _move(delta, _row_key(row, zone, category_id=old), _row_key(row, zone))
    return delta


def _added(rows, zone: str) -> Counter:
    """What new rows add: {key: +n}."""
    delta = Counter()
    for row in rows:
        if isinstance(row, Ticket):
            delta.update(_ticket_rows(row, zone, getattr))
        elif isinstance(row, Decision | Message):
            _move(delta, None, _row_key(row, zone))
    return delta


def changes(session: Session, zone: str) -> Counter:
    """What this flush moves: {key: +n or -n}."""
    delta = _added(session.new, zone)
    added = {row for row in session.new if isinstance(row, Decision | Message)}
    for row in session.dirty:
        if isinstance(row, Ticket):
            delta.update(_ticket_rows(row, zone, getattr))
            delta.subtract(_ticket_rows(row, zone, _before))
            if _old_category_id(row) != row.category_id:
                delta.update(_recategorised(session, row, zone, added))
        elif isinstance(row, Decision | Message):
            _move(delta, _row_key(row, zone, _before), _row_key(row, zone))
    for row in session.deleted:
        if isinstance(row, Ticket):
            delta.subtract(_ticket_rows(row, zone, _before))
        elif isinstance(row, Decision | Message):
            _move(delta, _row_key(row, zone, _before), None)
    return Counter({key: n for key, n in delta.items() if n})


def _rows(counts: Counter) -> list[dict]:
    """Table rows for {key: count}, in key order: two transactions touching the same rows
    then lock them in the same order and cannot deadlock."""
    return [dict(zip(KEY, key, strict=True), count=n) for key, n in sorted(counts.items())]


def _upsert(session: Session, delta: Counter) -> None:
    statement = _adding_upsert(session.get_bind().dialect.name)
    session.connection().execute(statement, _rows(delta))


@cache
def _adding_upsert(dialect_name: str):
    """INSERT … ON CONFLICT adding to the count, built once per dialect: every flush that
    writes a ticket, message or decision runs it."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(ReportCount)
    return statement.on_conflict_do_update(
        index_elements=KEY, set_={"count": ReportCount.count + statement.excluded.count}
    )


@event.listens_for(Session, "after_flush")
def _count_flush(session: Session, _context) -> None:
    if not current_app:  # only the app's sessions keep roll-ups, in the desk's zone
        return
    if delta := changes(session, current_app.config["HELPDESK_TIME_ZONE"]):
        _upsert(session, delta)


def count_inserted(rows) -> None:
    """Count rows written past the session's flush (helpdesk.direct_inserts)."""
    if not current_app:  # as _count_flush
        return
    if delta := _added(rows, current_app.config["HELPDESK_TIME_ZONE"]):
        _upsert(db.session, delta)


def recount(zone: str) -> Counter:
    """Every roll-up row counted afresh from the tickets, decisions and replies: {key: count}."""
    counted = Counter()
    for measure, column_name in TICKET_MEASURES.items():
        column = getattr(Ticket, column_name)
        keys = [local_bucket(column, zone, "day"), Ticket.category_id, Ticket.source]
        query = select(*keys, func.count()).where(column.is_not(None)).group_by(*keys)
        for day, category_id, source, count in db.session.execute(query):
            counted[(measure, day, category_id, str(source), 0, 0, 0)] = count
    policy = func.coalesce(Decision.policy_id, NO_POLICY)
    keys = [
        local_bucket(Decision.created_at, zone, "day"),
        Ticket.category_id,
        Ticket.source,
        Decision.action_id,
        policy,
        Decision.agent_id,
    ]
    query = select(*keys, func.count()).join(Ticket, Ticket.id == Decision.ticket_id)
    for day, category_id, source, action, policy_id, agent, count in db.session.execute(
        query.group_by(*keys)
    ):
        counted[(DECIDED, day, category_id, str(source), action, policy_id, agent)] = count
    keys = [
        local_bucket(Message.created_at, zone, "day"),
        Ticket.category_id,
        Ticket.source,
        func.coalesce(Message.author_id, 0),
    ]
    query = (
        select(*keys, func.count())
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(Message.kind == MessageKind.REPLY, Message.merged_from_id.is_(None))
    )
    for day, category_id, source, author, count in db.session.execute(query.group_by(*keys)):
        counted[(REPLIED, day, category_id, str(source), 0, 0, author)] = count
    return counted


def stored() -> Counter:
    """The roll-up rows as they are, zero rows left out."""
    columns = [getattr(ReportCount, name) for name in KEY]
    rows = db.session.execute(select(*columns, ReportCount.count).where(ReportCount.count != 0))
    return Counter({tuple(row[:-1]): row[-1] for row in rows})


def rebuild(zone: str) -> int:
    """Recount every roll-up row in `zone` and record that zone; the caller commits.
    Returns the number of rows."""
    counted = recount(zone)
    db.session.execute(delete(ReportCount))
    rows = _rows(counted)
    for start in range(0, len(rows), INSERT_BATCH):
        db.session.execute(ReportCount.__table__.insert(), rows[start : start + INSERT_BATCH])
    state = db.session.get(ReportRollupState, 1) or ReportRollupState(id=1)
    state.time_zone = zone
    db.session.add(state)
    db.session.flush()
    return len(rows)


def check_zone(zone: str) -> None:
    """RollupsStale when the roll-ups were counted in another zone than `zone`."""
    counted_in = db.session.scalar(select(ReportRollupState.time_zone))
    if counted_in is not None and counted_in != zone:
        raise RollupsStale(
            f"The reports' daily counts are in {counted_in}, the desk's time zone is now "
            f"{zone}: run `flask reports rebuild` to recount them."
        )


def sums(filters: Filters, measure: str, *by: str) -> dict:
    """The period's roll-ups of one measure, summed by the named key columns, with the
    category and channel filters: {tuple of `by` values: count}."""
    columns = [getattr(ReportCount, name) for name in by]
    query = (
        select(*columns, func.sum(ReportCount.count))
        .where(
            ReportCount.measure == measure,
            ReportCount.day >= filters.period.first,
            ReportCount.day <= filters.period.last,
        )
        .group_by(*columns)
    )
    if filters.category is not None:
        query = query.where(ReportCount.category_id == filters.category.id)
    if filters.channel is not None:
        query = query.where(ReportCount.source == filters.channel.value)
    return {tuple(row[:-1]): row[-1] for row in db.session.execute(query)}
