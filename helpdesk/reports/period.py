"""What a report covers: a period of whole days in the desk's time zone, and its filters.

A period is read from the page's (or the API's) arguments: `period=7|30|90` (the last days,
today included), `month=YYYY-MM`, or `from=YYYY-MM-DD&to=YYYY-MM-DD` (both days included).
Bad input raises InvalidInput naming the field; nothing is guessed.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from ..database import db
from ..errors import InvalidInput
from ..models import Category, Source

PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_DAYS = 366
WEEKLY_AFTER_DAYS = 31  # a longer period is charted by week


@dataclass(frozen=True)
class Period:
    first: date  # the first day, in the desk's time zone
    last: date  # the last day, included
    zone: str

    @property
    def start(self) -> datetime:
        """The first instant of the first day, in UTC."""
        return _midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        """The first instant after the last day, in UTC."""
        return _midnight(self.last + timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def unit(self) -> str:
        return "day" if self.days <= WEEKLY_AFTER_DAYS else "week"

    def buckets(self, unit: str | None = None) -> list[date]:
        """Every day of the period, or the Monday of every week it touches."""
        unit = unit or self.unit
        if unit == "day":
            return [self.first + timedelta(days=n) for n in range(self.days)]
        monday = self.first - timedelta(days=self.first.weekday())
        return [monday + timedelta(weeks=n) for n in range((self.last - monday).days // 7 + 1)]


@dataclass(frozen=True)
class Filters:
    period: Period
    category: Category | None = None
    channel: Source | None = None

    def arguments(self) -> dict[str, str]:
        """The query string that gives these filters back (for links and exports)."""
        arguments = {"from": self.period.first.isoformat(), "to": self.period.last.isoformat()}
        if self.category is not None:
            arguments["category"] = self.category.slug
        if self.channel is not None:
            arguments["channel"] = self.channel.value
        return arguments


def _midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(zone)).astimezone(UTC)


def today(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


def parse_filters(arguments: dict[str, str], zone: str) -> Filters:
    """The filters a request asks for; InvalidInput names each field that is wrong."""
    errors: dict[str, list[str]] = {}
    period = category = channel = None
    try:
        period = _period(arguments, zone)
    except InvalidInput as invalid:
        errors.update(invalid.errors)
    if slug := arguments.get("category", "").strip():
        # Any category, active or not: a report looks back at what was filed under it.
        category = db.session.scalar(select(Category).where(Category.slug == slug))
        if category is None:
            errors["category"] = [f"There is no category {slug[:64]!r}."]
    if value := arguments.get("channel", "").strip():
        try:
            channel = Source(value)
        except ValueError:
            names = ", ".join(source.value for source in Source)
            errors["channel"] = [f"Choose a channel among {names}."]
    if errors:
        raise InvalidInput(errors)
    return Filters(period, category, channel)


def _period(arguments: dict[str, str], zone: str) -> Period:
    if arguments.get("from") or arguments.get("to"):
        first = _day(arguments.get("from", ""), "from")
        last = _day(arguments.get("to", ""), "to")
        if last < first:
            raise InvalidInput({"to": ["The last day comes before the first."]})
        if (last - first).days + 1 > MAX_DAYS:
            raise InvalidInput({"to": [f"Choose at most {MAX_DAYS} days."]})
        return Period(first, last, zone)
    if month := arguments.get("month"):
        try:
            first = datetime.strptime(month, "%Y-%m").date()
        except ValueError:
            raise InvalidInput({"month": ["Give the month as YYYY-MM."]}) from None
        following = (first + timedelta(days=32)).replace(day=1)
        return Period(first, following - timedelta(days=1), zone)
    days = arguments.get("period") or str(DEFAULT_DAYS)
    if days not in {str(preset) for preset in PRESETS}:
        choices = ", ".join(str(preset) for preset in PRESETS)
        raise InvalidInput({"period": [f"Choose the last {choices} days, a month or dates."]})
    last = today(zone)
    return Period(last - timedelta(days=int(days) - 1), last, zone)


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput({field: ["Give a date as YYYY-MM-DD."]}) from None
