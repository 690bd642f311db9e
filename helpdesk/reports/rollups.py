"""Daily roll-ups: the counts the reports page sums instead of reading a million tickets.

report_counts holds, per day of the desk's time zone, category and channel, how many tickets
were received, solved and closed, and how many decisions of each action and policy were
recorded. They are kept in the transaction that moves them: after every flush, the tickets and
decisions it inserted, changed or deleted are turned into +1/-1 on their rows (one upsert per
row touched). Whatever path changed a ticket through the session (a form, the API, intake,
the seed, retention), the count follows. Writes that bypass the session, like a bulk load,
call rebuild() afterwards; so does a change of HELPDESK_TIME_ZONE (`flask reports rebuild`),
because a day is a day in one zone: until then the reports refuse to mix two zones' days.
"""

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import delete, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..database import db
from ..models import Decision, ReportCount, ReportRollupState, Ticket
from .period import Filters
from .sql import local_bucket

# The ticket timestamps counted, by measure; decisions are counted as "decided".
TICKET_MEASURES = {"received": "created_at", "solved": "solved_at", "closed": "closed_at"}
DECIDED = "decided"
NO_POLICY = 0  # a decision that found no violation
KEY = ("measure", "day", "category_id", "source", "action_id", "policy_id")
INSERT_BATCH = 5_000

Key = tuple[str, date, int, str, int, int]


class RollupsStale(Exception):
    """The roll-ups were counted in another time zone than the one configured."""


def _day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def _ticket_keys(stamps: dict[str, datetime | None], category_id, source, zone) -> list[Key]:
    return [
        (measure, _day(moment, zone), category_id, str(source), 0, 0)
        for measure, moment in stamps.items()
        if moment is not None
    ]


def _decision_key(decision: Decision, category_id: int, source, zone: str, read=getattr) -> Key:
    day = _day(read(decision, "created_at"), zone)
    policy = read(decision, "policy_id")
    policy = NO_POLICY if policy is None else policy
    return (DECIDED, day, category_id, str(source), read(decision, "action_id"), policy)


def _before(row: Ticket | Decision, attribute: str):
    """The attribute's value before this flush (its current value when unchanged). The counted
    columns keep active history, so a changed value's old one is always known."""
    history = inspect(row).attrs[attribute].history
    if history.deleted:
        return history.deleted[0]
    return history.unchanged[0] if history.unchanged else None


def _stamps(ticket: Ticket, read) -> dict[str, datetime | None]:
    return {measure: read(ticket, column) for measure, column in TICKET_MEASURES.items()}


def _now_counted(ticket: Ticket, zone: str) -> list[Key]:
    return _ticket_keys(_stamps(ticket, getattr), ticket.category_id, ticket.source, zone)


def _old_category_id(ticket: Ticket) -> int | None:
    moved = inspect(ticket).attrs.category.history.deleted
    return moved[0].id if moved and moved[0] is not None else _before(ticket, "category_id")


def _ticket_change(session: Session, ticket: Ticket, zone: str, added: set) -> Counter:
    """-1 on the rows a changed ticket was counted in before the flush, +1 on its rows now;
    when its category changed, its decisions move along."""
    delta = Counter()
    old_category = _old_category_id(ticket)
    old = _ticket_keys(_stamps(ticket, _before), old_category, ticket.source, zone)
    delta.update(_now_counted(ticket, zone))
    delta.subtract(old)
    if old_category != ticket.category_id:
        decisions = session.scalars(
            select(Decision)
            .where(Decision.ticket_id == ticket.id)
            .execution_options(autoflush=False)
        )
        for decision in decisions:
            if decision not in added:  # counted under the new category already
                delta[_decision_key(decision, ticket.category_id, ticket.source, zone)] += 1
                delta[_decision_key(decision, old_category, ticket.source, zone)] -= 1
    return delta


def changes(session: Session, zone: str) -> Counter:
    """What this flush moves: {key: +n or -n}."""
    delta = Counter()
    for ticket in (o for o in session.new if isinstance(o, Ticket)):
        delta.update(
            _ticket_keys(_stamps(ticket, getattr), ticket.category_id, ticket.source, zone)
        )
    added = {o for o in session.new if isinstance(o, Decision)}
    for decision in added:
        delta[
            _decision_key(decision, decision.ticket.category_id, decision.ticket.source, zone)
        ] += 1
    for ticket in (o for o in session.dirty if isinstance(o, Ticket)):
        delta.update(_ticket_change(session, ticket, zone, added))
    for decision in (o for o in session.dirty if isinstance(o, Decision)):
        ticket = decision.ticket
        delta[_decision_key(decision, ticket.category_id, ticket.source, zone)] += 1
        delta[_decision_key(decision, ticket.category_id, ticket.source, zone, _before)] -= 1
    for gone in session.deleted:
        if isinstance(gone, Ticket):
            delta.subtract(
                _ticket_keys(_stamps(gone, _before), _old_category_id(gone), gone.source, zone)
            )
        elif isinstance(gone, Decision):
            ticket = gone.ticket
            delta[_decision_key(gone, ticket.category_id, ticket.source, zone)] -= 1
    return Counter({key: n for key, n in delta.items() if n})


def _upsert(session: Session, delta: Counter) -> None:
    rows = [dict(zip(KEY, key, strict=True), count=n) for key, n in sorted(delta.items())]
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ReportCount)
    statement = statement.on_conflict_do_update(
        index_elements=KEY, set_={"count": ReportCount.count + statement.excluded.count}
    )
    # In key order, so that two transactions touching the same rows cannot deadlock.
    session.connection().execute(statement, rows)


@event.listens_for(Session, "after_flush")
def _count_flush(session: Session, _context) -> None:
    if not current_app:  # only the app's sessions keep roll-ups, in the desk's zone
        return
    if delta := changes(session, current_app.config["HELPDESK_TIME_ZONE"]):
        _upsert(session, delta)


def recount(zone: str) -> Counter:
    """Every roll-up row counted afresh from the tickets and decisions: {key: count}."""
    counted = Counter()
    for measure, column_name in TICKET_MEASURES.items():
        column = getattr(Ticket, column_name)
        day = local_bucket(column, zone, "day")
        query = (
            select(day, Ticket.category_id, Ticket.source, func.count())
            .where(column.is_not(None))
            .group_by(day, Ticket.category_id, Ticket.source)
        )
        for day_, category_id, source, count in db.session.execute(query):
            counted[(measure, day_, category_id, str(source), 0, 0)] = count
    day = local_bucket(Decision.created_at, zone, "day")
    policy = func.coalesce(Decision.policy_id, NO_POLICY)
    query = (
        select(day, Ticket.category_id, Ticket.source, Decision.action_id, policy, func.count())
        .join(Ticket, Ticket.id == Decision.ticket_id)
        .group_by(day, Ticket.category_id, Ticket.source, Decision.action_id, policy)
    )
    for day_, category_id, source, action_id, policy_id, count in db.session.execute(query):
        counted[(DECIDED, day_, category_id, str(source), action_id, policy_id)] = count
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
    rows = [dict(zip(KEY, key, strict=True), count=n) for key, n in counted.items()]
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
