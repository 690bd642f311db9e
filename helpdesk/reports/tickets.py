"""Figures about tickets: volume over time, the backlog, and how fast the team answered.

Every query reads only what a ticket keeps after retention has purged it (category, channel,
status and its timestamps). Counts over the period come from the daily roll-ups (rollups.py);
the rest each read one of the indexes of migrations 0016 and 0018 (the README's Reports
section has what they cost at a million tickets).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, select

from ..database import db, utcnow
from ..models import Category, Status, Ticket
from . import rollups
from .charts import Chart, Series
from .period import Filters
from .sql import local_bucket, percentile, seconds_between

UNRESOLVED = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)
# (label, lower bound in days, upper bound in days or None)
AGE_BANDS = (
    ("Under 1 day", 0, 1),
    ("1–3 days", 1, 3),
    ("3–7 days", 3, 7),
    ("7–30 days", 7, 30),
    ("Over 30 days", 30, None),
)
BREACHES_LISTED = 50
HOUR = 3600.0


def ticket_conditions(filters: Filters, column=None) -> list:
    """The category and channel filters, and the period on `column` when one is given."""
    conditions = []
    if column is not None:
        conditions += [column >= filters.period.start, column < filters.period.end]
    if filters.category is not None:
        conditions.append(Ticket.category_id == filters.category.id)
    if filters.channel is not None:
        conditions.append(Ticket.source == filters.channel)
    return conditions


def categories() -> list[Category]:
    """Every category, in the report form's order (inactive ones keep their history)."""
    return list(db.session.scalars(select(Category).order_by(Category.sort_order, Category.name)))


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / HOUR, 1)


def _by_bucket(counts: dict, unit: str) -> dict:
    """Roll-up sums keyed by (day, ...) regrouped by the chart's bucket: the day itself, or
    the Monday of its week."""
    grouped: dict = {}
    for (day, *rest), count in counts.items():
        bucket = day if unit == "day" else day - timedelta(days=day.weekday())
        key = (bucket, *rest) if rest else bucket
        grouped[key] = grouped.get(key, 0) + count
    return grouped


def volume(filters: Filters) -> list[Chart]:
    """Reports received, stacked by category; and received, solved, closed side by side."""
    unit, buckets = filters.period.unit, filters.period.buckets()
    labels = [day.isoformat() for day in buckets]
    received = _by_bucket(rollups.sums(filters, "received", "day", "category_id"), unit)
    shown = [c for c in categories() if any(key[1] == c.id for key in received)]
    stacked = [
        Series(category.name, [received.get((day, category.id), 0) for day in buckets])
        for category in shown
    ]
    totals = [sum(series.values[i] for series in stacked) for i in range(len(buckets))]
    solved = _by_bucket(rollups.sums(filters, "solved", "day"), unit)
    closed = _by_bucket(rollups.sums(filters, "closed", "day"), unit)
    across = "Day" if unit == "day" else "Week (from Monday)"
    return [
        Chart(
            "received",
            f"Reports received by {unit}, by category",
            "stacked",
            across,
            "Reports",
            labels,
            stacked or [Series("Reports", totals)],
        ),
        Chart(
            "flow",
            f"Received, solved and closed by {unit}",
            "line",
            across,
            "Tickets",
            labels,
            [
                Series("Received", totals),
                Series("Solved", [solved.get(day, 0) for day in buckets]),
                Series("Closed", [closed.get(day, 0) for day in buckets]),
            ],
        ),
    ]


def backlog(filters: Filters, now: datetime | None = None) -> list[Chart]:
    """The unresolved tickets now (the period does not apply): by status and by age."""
    now = now or utcnow()
    bands = [
        func.count(
            case(
                (
                    and_(
                        Ticket.created_at <= now - timedelta(days=low),
                        Ticket.created_at > now - timedelta(days=high) if high else True,
                    ),
                    1,
                )
            )
        )
        for _label, low, high in AGE_BANDS
    ]
    query = (
        select(Ticket.status, func.count(), *bands)
        .where(Ticket.status.in_(UNRESOLVED), *ticket_conditions(filters))
        .group_by(Ticket.status)
    )
    by_status, by_age = dict.fromkeys(UNRESOLVED, 0), [0] * len(AGE_BANDS)
    for status, count, *ages in db.session.execute(query):
        by_status[status] = count
        by_age = [total + age for total, age in zip(by_age, ages, strict=True)]
    return [
        Chart(
            "backlog_status",
            "Backlog now, by status",
            "bars",
            "Status",
            "Unresolved tickets",
            [status.value.replace("_", " ").capitalize() for status in by_status],
            [Series("Tickets", list(by_status.values()))],
        ),
        Chart(
            "backlog_age",
            "Backlog now, by age",
            "bars",
            "Age",
            "Unresolved tickets",
            [label for label, _low, _high in AGE_BANDS],
            [Series("Tickets", by_age)],
        ),
    ]


def _percentiles(filters: Filters, later, earlier, key) -> dict:
    """{key: (p50 seconds, p90 seconds, count)} of later - earlier, `later` in the period."""
    seconds = seconds_between(later, earlier)
    query = (
        select(key, percentile(seconds, 0.5), percentile(seconds, 0.9), func.count())
        .where(*ticket_conditions(filters, later))
        .group_by(key)
    )
    return {row[0]: tuple(row[1:]) for row in db.session.execute(query)}


def response_times(filters: Filters) -> list[Chart]:
    """First response (by when it came) and resolution (by when solved), p50 and p90 in hours,
    by week and by category."""
    zone = filters.period.zone
    weeks = filters.period.buckets("week")
    week_labels = [week.isoformat() for week in weeks]
    first = (Ticket.first_response_at, Ticket.created_at)
    solved = (Ticket.solved_at, Ticket.created_at)
    charts = []
    for key, name, (later, earlier) in (
        ("first_response", "First response", first),
        ("resolution", "Resolution", solved),
    ):
        by_week = _percentiles(filters, later, earlier, local_bucket(later, zone, "week"))
        charts.append(
            Chart(
                f"{key}_weekly",
                f"{name} time by week, p50 and p90",
                "line",
                "Week (from Monday)",
                "Hours",
                week_labels,
                [
                    Series(f"{name} p50", [hours(by_week.get(w, (None,))[0]) for w in weeks]),
                    Series(f"{name} p90", [hours(by_week.get(w, (None, None))[1]) for w in weeks]),
                ],
                [Series("Tickets", [by_week.get(w, (0, 0, 0))[2] for w in weeks])],
            )
        )
    first_by = _percentiles(filters, *first, Ticket.category_id)
    solved_by = _percentiles(filters, *solved, Ticket.category_id)
    shown = [c for c in categories() if c.id in first_by or c.id in solved_by]
    empty = (None, None, 0)
    charts.append(
        Chart(
            "times_by_category",
            "First response and resolution time by category, p50 and p90",
            "bars",
            "Category",
            "Hours",
            [category.name for category in shown],
            [
                Series(name, [hours(source.get(c.id, empty)[rank]) for c in shown])
                for name, source, rank in (
                    ("First response p50", first_by, 0),
                    ("First response p90", first_by, 1),
                    ("Resolution p50", solved_by, 0),
                    ("Resolution p90", solved_by, 1),
                )
            ],
        )
    )
    return charts


def _target_seconds():
    return Category.first_response_hours * HOUR


def _breached(now: datetime):
    """A ticket answered later than its category's target, or unanswered past it."""
    waited = seconds_between(func.coalesce(Ticket.first_response_at, now), Ticket.created_at)
    return waited > _target_seconds()


def targets(filters: Filters, now: datetime | None = None) -> Chart:
    """Per category, of the reports received in the period whose target has passed or that
    were answered: how many got a first response within the category's target."""
    now = now or utcnow()
    breached = _breached(now)
    met = and_(Ticket.first_response_at.is_not(None), ~breached)
    query = (
        select(
            Ticket.category_id,
            func.count(case((met, 1))),
            func.count(case((breached, 1))),
        )
        .join(Category, Category.id == Ticket.category_id)
        .where(*ticket_conditions(filters, Ticket.created_at))
        .group_by(Ticket.category_id)
    )
    counts = {row[0]: (row[1], row[2]) for row in db.session.execute(query)}
    shown = [c for c in categories() if sum(counts.get(c.id, (0, 0)))]
    met_counts = [counts[c.id][0] for c in shown]
    breach_counts = [counts[c.id][1] for c in shown]
    return Chart(
        "targets",
        "First responses within each category's target",
        "bars",
        "Category",
        "Reports",
        [f"{c.name} ({c.first_response_hours} h)" for c in shown],
        [Series("Met", met_counts), Series("Breached", breach_counts)],
        [
            Series(
                "Share met (%)",
                [
                    round(100 * m / (m + b), 1)
                    for m, b in zip(met_counts, breach_counts, strict=True)
                ],
            )
        ],
    )


@dataclass(frozen=True)
class Breach:
    reference: str
    category: str
    created_at: datetime
    first_response_at: datetime | None
    target_hours: int
    waited_hours: float


def breaches(filters: Filters, now: datetime | None = None) -> list[Breach]:
    """The newest reports of the period that missed their first-response target."""
    now = now or utcnow()
    waited = seconds_between(func.coalesce(Ticket.first_response_at, now), Ticket.created_at)
    query = (
        select(
            Ticket.reference,
            Category.name,
            Ticket.created_at,
            Ticket.first_response_at,
            Category.first_response_hours,
            waited,
        )
        .join(Category, Category.id == Ticket.category_id)
        .where(*ticket_conditions(filters, Ticket.created_at), _breached(now))
        .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        .limit(BREACHES_LISTED)
    )
    return [
        Breach(reference, name, created, answered, target, hours(seconds))
        for reference, name, created, answered, target, seconds in db.session.execute(query)
    ]
