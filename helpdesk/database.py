"""The SQLAlchemy handle, the declarative base, and SQLite connection settings."""

import sqlite3
import time
from datetime import UTC, datetime

from flask import has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every engine (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


db = SQLAlchemy(model_class=Base)

# Where a SQLite connection keeps the busy timeout it was opened with, and how often a write
# transaction tries again for the write lock while another process holds it.
BUSY_TIMEOUT_KEY = "helpdesk.sqlite_busy_timeout_ms"
WRITE_LOCK_POLL_SECONDS = 0.0005


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy, not the driver, issue BEGIN, so SAVEPOINT works as documented.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    connection_record.info[BUSY_TIMEOUT_KEY] = cursor.execute("PRAGMA busy_timeout").fetchone()[0]
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    # A deferred transaction that reads and then writes fails at once with "database is locked"
    # when another process wrote in between; taking the write lock up front makes it wait instead.
    # Page views only read, so they keep the cheap deferred BEGIN.
    reads_only = has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")
    if reads_only:
        connection.exec_driver_sql("BEGIN")
    else:
        _begin_immediate(connection)


def _begin_immediate(connection) -> None:
    """BEGIN IMMEDIATE, tried every WRITE_LOCK_POLL_SECONDS until the busy timeout.

    SQLite's own busy handler sleeps ever longer (up to 100 ms at a time) while it waits, so a
    waiter slept on long after the lock was free and the other process took it again: a third of
    each web worker's time under load. Polling takes the lock within a fraction of a millisecond
    of its release. The last try goes through SQLAlchemy so that a lock still held raises its
    OperationalError, which pages and the API answer with 503."""
    driver = connection.connection.dbapi_connection
    busy_timeout_ms = connection.connection.info[BUSY_TIMEOUT_KEY]
    deadline = time.monotonic() + busy_timeout_ms / 1000
    driver.execute("PRAGMA busy_timeout = 0")
    try:
        while time.monotonic() < deadline:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                    break
            time.sleep(WRITE_LOCK_POLL_SECONDS)
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        driver.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
