"""Reports: how the desk is doing over a period, as charts, tables, CSV and JSON.

summary() gathers every figure of the reports page, transparency() the counts a platform
publishes; both check that the actor is an agent. Each figure is a Chart (charts.py), which
the page draws, tabulates and exports. The queries are in tickets.py and activity.py, the
period and filters in period.py, the SQL the two engines spell differently in sql.py.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from ..audit import neutralise
from ..database import utcnow
from ..models import Source, User
from ..permissions import Permission, require
from . import activity, rollups, tickets
from .charts import Chart, Series
from .period import Filters, parse_filters
from .rollups import RollupsStale

__all__ = [
    "Filters",
    "RollupsStale",
    "chart_csv",
    "parse_filters",
    "summary",
    "transparency",
]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    charts: list[Chart]
    note: str = ""


@dataclass(frozen=True)
class Summary:
    filters: Filters
    generated_at: datetime
    sections: list[Section]
    breaches: list[tickets.Breach]
    deflection: activity.Deflection
    first_decision_hours: float | None
    first_decisions: int

    def chart(self, key: str) -> Chart | None:
        return next((c for s in self.sections for c in s.charts if c.key == key), None)


def summary(actor: User, filters: Filters) -> Summary:
    """Every figure of the reports page for these filters."""
    require(actor, Permission.WORK_TICKETS)
    rollups.check_zone(filters.period.zone)
    now = utcnow()
    help_chart, deflection = activity.help_center(filters)
    median, decided = activity.first_decision_time(filters)
    sections = [
        Section("volume", "Reports received", tickets.volume(filters)),
        Section(
            "backlog",
            "Backlog now",
            tickets.backlog(filters, now),
            "Unresolved tickets as they are now; the period does not apply.",
        ),
        Section(
            "times",
            "Response and resolution times",
            [*tickets.response_times(filters), tickets.targets(filters, now)],
            "First responses by the week they came, resolutions by the week of solving. "
            "A report unanswered past its target counts as breached.",
        ),
        Section(
            "decisions",
            "Decisions",
            [*activity.decision_counts(filters), activity.reported_members(filters)],
            "Reported members are counted from the reports that still name them: retention "
            "removes the name from purged reports.",
        ),
        Section("agents", "Agents", [activity.agents(filters)]),
        Section(
            "mail",
            "Mail",
            activity.mail(filters),
            "All mail of the period, whatever the category and channel filters.",
        ),
        Section(
            "help",
            "Help center",
            [help_chart],
            "Articles opened from the report form's suggestions and voted on in the period; "
            "whatever the category and channel filters.",
        ),
    ]
    return Summary(
        filters,
        now,
        sections,
        tickets.breaches(filters, now),
        deflection,
        median,
        decided,
    )


@dataclass(frozen=True)
class Transparency:
    filters: Filters
    generated_at: datetime
    charts: list[Chart]
    notices: int
    decisions: int
    first_decision_hours: float | None
    first_decisions: int


def transparency(actor: User, filters: Filters) -> Transparency:
    """The counts a platform publishes for a period: notices by category and channel,
    decisions by action and by policy, the median time to a first decision. Only counts and
    durations: nothing here names or points to a reporter or a reported member."""
    require(actor, Permission.WORK_TICKETS)
    rollups.check_zone(filters.period.zone)
    by_channel = rollups.sums(filters, "received", "category_id", "source")
    shown = [c for c in tickets.categories() if any(k[0] == c.id for k in by_channel)]
    notices = Chart(
        "notices",
        "Notices received, by category and channel",
        "bars",
        "Category",
        "Notices",
        [c.name for c in shown],
        [Series(s.value, [by_channel.get((c.id, s.value), 0) for c in shown]) for s in Source],
        [Series("Total", [sum(by_channel.get((c.id, s.value), 0) for s in Source) for c in shown])],
    )
    by_action, by_policy = activity.decision_counts(filters)
    median, decided = activity.first_decision_time(filters)
    return Transparency(
        filters,
        utcnow(),
        [notices, by_action, by_policy],
        sum(by_channel.values()),
        sum(by_action.series[0].values),
        median,
        decided,
    )


def chart_csv(chart: Chart) -> str:
    """A chart's table as CSV, each cell safe to open in a spreadsheet."""
    return _csv([[chart.x_label, *(s.name for s in chart.columns)], *chart.rows()])


def transparency_csv(report: Transparency) -> str:
    """The transparency report as one long table: section, row, column, value."""
    rows: list[list] = [["section", "row", "column", "value"]]
    for chart in report.charts:
        for label, *values in chart.rows():
            rows += [
                [chart.title, label, s.name, v] for s, v in zip(chart.columns, values, strict=True)
            ]
    rows += [
        ["Median time to first decision", "All", "Hours", report.first_decision_hours],
        ["Median time to first decision", "All", "Tickets decided", report.first_decisions],
    ]
    return _csv(rows)


def _csv(rows: list[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()
