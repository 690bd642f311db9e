"""Fixtures: a migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL), the app, clients.

The schema is built once per run by the Alembic migrations, exactly as in production; every test
starts from empty tables plus the default categories and decision actions.
"""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import make_url, text

from helpdesk import create_app
from helpdesk.categories import seed_default_categories
from helpdesk.database import db
from helpdesk.decisions import seed_default_actions

from .factories import PASSWORD, make_user

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
# Settings a developer's shell may carry; tests pass their own configuration instead.
_APP_ENVIRONMENT = re.compile(r"^(DATABASE_URL|SECRET_KEY|MAIL_.*|HELPDESK_.*)$")


def pytest_report_header(config):
    if TEST_DATABASE_URL:
        url = make_url(TEST_DATABASE_URL)
        return f"database: {url.get_backend_name()} ({url.database} on {url.host})"
    return "database: sqlite (set TEST_DATABASE_URL to run the suite on PostgreSQL)"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in list(os.environ):
        if _APP_ENVIRONMENT.match(name):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """A database migrated to the newest revision, once per test run."""
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'helpdesk.db'}"
    app = create_app(_test_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()
    return url


def _test_config(url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(instance),
        "HELPDESK_ATTACHMENT_DIR": str(instance / "attachments"),
        # Cheap hashing keeps the suite fast; production keeps the strong default.
        "HELPDESK_ARGON2_TIME_COST": 1,
        "HELPDESK_ARGON2_MEMORY_KIB": 1024,
    }


@pytest.fixture
def app(database_url, tmp_path):
    with seeded_desk(database_url, tmp_path) as app:
        yield app


@contextmanager
def seeded_desk(database_url: str, tmp_path: Path, **settings) -> Iterator[Flask]:
    """The app on the test database with the default categories and decision actions; the
    tables emptied afterwards."""
    app = create_app(_test_config(database_url, tmp_path / "instance") | settings)
    with app.app_context():
        seed_default_categories()
        seed_default_actions()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = db.metadata.sorted_tables
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(table.name for table in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                connection.execute(table.delete())


@pytest.fixture
def app_context(app):
    with app.app_context():
        yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, page: str) -> str:
    """The CSRF token from a form page, as a browser would send it back."""
    response = client.get(page)
    match = CSRF_INPUT.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {page} ({response.status_code})"
    return match.group(1)


def submit(client, url: str, data: dict, page: str | None = None, **kwargs):
    """POST a form the way a browser does: with the token from the page that shows it."""
    return client.post(url, data={"csrf_token": csrf_token(client, page or url), **data}, **kwargs)


def log_in(client, email: str, password: str = PASSWORD):
    response = submit(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def login_as(app, client):
    """log_in_as(role) -> the user, logged in on `client`."""

    def login(role: str = "member", **fields):
        with app.app_context():
            user = make_user(role=role, **fields)
            db.session.commit()
            email = user.email
        log_in(client, email)
        return email

    return login


@pytest.fixture
def statements_run(app):
    """statements_run(callable) -> the SQL statements it ran, each with its parameters as the
    driver got them."""
    from sqlalchemy import event

    def run_and_keep(run) -> list[tuple[str, object]]:
        statements = []
        with app.app_context():
            engine = db.engine

        def record(conn, cursor, statement, parameters, *args):
            statements.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", record)
        try:
            run()
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return statements

    return run_and_keep


@pytest.fixture
def count_queries(statements_run):
    """count_queries(callable) -> how many SQL statements it ran."""
    return lambda run: len(statements_run(run))
