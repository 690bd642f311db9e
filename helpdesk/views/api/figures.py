"""GET /api/v1/reports/summary: every figure of the reports page as JSON, for the team's
tools (a stats:read token, which acts as an agent). The figures are the page's own Charts."""

from datetime import date, datetime
from typing import Literal

from flask import current_app
from pydantic import BaseModel, ConfigDict, Field

from ... import reports
from ...errors import InvalidInput
from ...models import Source
from ...reports.period import PRESETS
from . import acting_agent, invalid_input, json_response, operation, query_args
from .schemas import SLUG_LENGTH, Input, Output, Text

Number = int | float | None
DAY = {"json_schema_extra": {"pattern": r"^\d{4}-\d{2}-\d{2}$", "maxLength": 10}}  # YYYY-MM-DD
Channel = Literal[tuple(source.value for source in Source)]  # type: ignore[valid-type]


class SummaryQuery(Input):
    """The period: dates (both given), else a month, else the last days; then the filters."""

    from_: date = Field(None, alias="from", description="The first day.", **DAY)
    to: date = Field(None, description="The last day, included.", **DAY)
    month: str = Field(
        None, max_length=7, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM."
    )
    period: int = Field(
        None,
        json_schema_extra={"enum": list(PRESETS)},
        description="The last 7, 30 or 90 days, today included (the default: 30).",
    )
    category: Text = Field(None, max_length=SLUG_LENGTH, description="A category slug.")
    channel: Channel = Field(None, description="Only the reports that came this way.")


class SeriesOut(Output):
    name: str
    values: list[Number]


class ChartOut(Output):
    key: str
    title: str
    kind: str = Field(description="bars, stacked or line: how the page draws it.")
    x_label: str
    y_label: str
    labels: list[str]
    series: list[SeriesOut]
    extra: list[SeriesOut] = Field(description="Columns of the table that are not drawn.")


class SectionOut(Output):
    key: str
    title: str
    note: str
    charts: list[ChartOut]


class BreachOut(Output):
    reference: str
    category: str
    created_at: datetime
    first_response_at: datetime | None
    target_hours: int
    waited_hours: float


class PeriodOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    from_: date = Field(alias="from")
    to: date
    days: int
    unit: str = Field(description="day or week: the time charts' step.")
    time_zone: str


class DeflectionOut(Output):
    sessions: int
    deflected: int


class SummaryOut(BaseModel):
    period: PeriodOut
    category: str | None
    channel: Source | None
    generated_at: datetime
    first_decision_hours: float | None = Field(
        description="Median hours from a report to its first decision, for first decisions "
        "made in the period."
    )
    first_decisions: int
    deflection: DeflectionOut
    sections: list[SectionOut]
    breaches: list[BreachOut] = Field(description="The newest 50 missed first-response targets.")


@operation(
    "GET",
    "/reports/summary",
    "Read the desk's figures for a period",
    scope="stats:read",
    query=SummaryQuery,
    response=(200, SummaryOut),
)
def summary():
    query = query_args(SummaryQuery)
    arguments = {
        name: str(value)
        for name, value in query.model_dump(by_alias=True, exclude_none=True).items()
    }
    try:
        filters = reports.parse_filters(arguments, current_app.config["HELPDESK_TIME_ZONE"])
    except InvalidInput as invalid:
        raise invalid_input(invalid, {}) from None
    figures = reports.summary(acting_agent(), filters)
    return json_response(_out(figures))


def _out(figures: reports.Summary) -> SummaryOut:
    period = figures.filters.period
    return SummaryOut(
        period=PeriodOut(
            from_=period.first,
            to=period.last,
            days=period.days,
            unit=period.unit,
            time_zone=period.zone,
        ),
        category=figures.filters.category.slug if figures.filters.category else None,
        channel=figures.filters.channel,
        generated_at=figures.generated_at,
        first_decision_hours=figures.first_decision_hours,
        first_decisions=figures.first_decisions,
        deflection=DeflectionOut.model_validate(figures.deflection),
        sections=[SectionOut.model_validate(section) for section in figures.sections],
        breaches=[BreachOut.model_validate(breach) for breach in figures.breaches],
    )
