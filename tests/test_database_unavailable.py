"""When the database cannot answer (a lock held too long, a backend terminated, a dropped
connection) every page and API answer is 503 with Retry-After, never a bare 500; the pool
recovers by itself; and the same form sent again lands on the report saved the first time.

The suite's app runs with TESTING, so an unhandled error would raise here instead of answering
500: a test that gets an answer at all got it from the error handler.
"""

import sqlite3
import threading
import time
from contextlib import contextmanager

import pytest
from flask import request, request_finished
from sqlalchemy import event, func, make_url, select, text
from sqlalchemy.exc import OperationalError

from helpdesk import accounts, api_tokens, create_app
from helpdesk.categories import seed_default_categories
from helpdesk.database import db
from helpdesk.models import Category, Ticket

from .conftest import TEST_DATABASE_URL, _empty_all_tables, _test_config, csrf_token, log_in
from .factories import make_user

ON_POSTGRES = TEST_DATABASE_URL.startswith("postgres")
REPORT_API = {
    "marketplace_member_id": "mkt-1001",
    "member_email": "amara@members.example",
    "member_name": "Amara Okafor",
    "category": "harassment",
    "subject": "Threats in the workroom",
    "description": "He wrote that he knows where I live.",
    "reported": "quickpay_dev",
}


def report_form(app, client, key: str = "key-1") -> dict:
    with app.app_context():
        category = db.session.scalar(select(Category.id).where(Category.slug == "harassment"))
    return {
        "csrf_token": csrf_token(client, "/tickets/new"),
        "category": str(category),
        "subject": "Threats after I asked to be paid",
        "description": "On 3 November quickpay_dev wrote that he would 'find me'.",
        "reported": "quickpay_dev",
        "submission_key": key,
    }


def tickets_saved(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Ticket))


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0


def test_a_page_whose_frame_cannot_load_the_user_still_answers_503(login_as, client, monkeypatch):
    login_as("member")

    def database_locked(session_id):
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(accounts, "session_user", database_locked)
    response = client.get("/tickets")

    assert_unavailable(response)
    assert "Try again in a few seconds" in response.get_data(as_text=True)


def test_an_error_of_the_request_itself_stays_a_500(app, login_as, client, monkeypatch):
    login_as("member")

    def bad_statement(session_id):
        raise OperationalError("SELEC", {}, sqlite3.OperationalError('near "SELEC": syntax error'))

    monkeypatch.setattr(accounts, "session_user", bad_statement)
    with pytest.raises(OperationalError):  # TESTING propagates what the 500 page would answer
        client.get("/tickets")


# --- SQLite: another process holds the write lock ------------------------------------------------


@pytest.fixture
def quick_app(tmp_path):
    """An app on its own SQLite database whose writes wait 100 ms for a lock."""
    if ON_POSTGRES:
        pytest.skip("the write lock is SQLite's")
    from flask_migrate import upgrade

    config = _test_config(f"sqlite:///{tmp_path / 'locked.db'}", tmp_path / "instance")
    app = create_app(config | {"HELPDESK_SQLITE_BUSY_TIMEOUT_MS": 100})
    with app.app_context():
        upgrade()
        seed_default_categories()
        make_user(email="member@example.org")
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@contextmanager
def write_lock_held(app):
    """Another connection's BEGIN IMMEDIATE, as a long write elsewhere would hold it."""
    path = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.rollback()
        other.close()


def test_a_write_lock_released_within_the_busy_timeout_is_waited_for(quick_app):
    client = quick_app.test_client()
    log_in(client, "member@example.org")
    form = report_form(quick_app, client)
    path = make_url(quick_app.config["SQLALCHEMY_DATABASE_URI"]).database
    locked = threading.Event()

    def hold_the_lock_briefly():
        other = sqlite3.connect(path, isolation_level=None)  # sqlite3 ties it to this thread
        other.execute("BEGIN IMMEDIATE")
        locked.set()
        time.sleep(0.03)  # well inside the 100 ms the app waits
        other.rollback()
        other.close()

    holder = threading.Thread(target=hold_the_lock_briefly)
    holder.start()
    locked.wait()
    response = client.post("/tickets/new", data=form)
    holder.join()

    assert response.status_code == 302
    assert tickets_saved(quick_app) == 1


def test_a_wait_for_the_write_lock_leaves_the_busy_timeout_as_configured(quick_app):
    with quick_app.app_context(), db.engine.connect() as connection:
        driver = connection.connection.dbapi_connection
        with write_lock_held(quick_app), pytest.raises(OperationalError, match="locked"):
            connection.exec_driver_sql("SELECT 1")  # the write transaction begins first
        assert driver.execute("PRAGMA busy_timeout").fetchone()[0] == 100
        connection.rollback()
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1  # and it writes again


@pytest.mark.p6
def test_a_write_under_a_held_sqlite_lock_is_503_and_the_retry_saves_once(quick_app):
    client = quick_app.test_client()
    log_in(client, "member@example.org")
    form = report_form(quick_app, client)

    with write_lock_held(quick_app):
        assert_unavailable(client.post("/tickets/new", data=form))
        assert client.get("/tickets").status_code == 200  # reading goes on meanwhile

    first = client.post("/tickets/new", data=form)
    again = client.post("/tickets/new", data=form)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert tickets_saved(quick_app) == 1


def test_the_api_answers_a_held_sqlite_lock_with_a_problem(quick_app):
    with quick_app.app_context():
        _, secret = api_tokens.create_token(None, "Marketplace", ["reports:create"])
        db.session.commit()
    client = quick_app.test_client()
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "report-1"}

    with write_lock_held(quick_app):
        response = client.post("/api/v1/reports", json=REPORT_API, headers=headers)
    assert_unavailable(response)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 503

    assert client.post("/api/v1/reports", json=REPORT_API, headers=headers).status_code == 201
    assert tickets_saved(quick_app) == 1


# --- PostgreSQL: the app's backends are terminated ---------------------------------------------

postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="needs TEST_DATABASE_URL on PostgreSQL")


def terminate_backends(app) -> int:
    """pg_terminate_backend on every connection to the app's database but the caller's own."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    admin = db.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": url.database},
            ).scalar_one()
    finally:
        admin.dispose()


@pytest.fixture
def pg_app(database_url, tmp_path):
    app = create_app(_test_config(database_url, tmp_path / "instance"))
    with app.app_context():
        seed_default_categories()
        make_user(email="member@example.org")
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


@postgres_only
@pytest.mark.postgres
def test_pooled_connections_terminated_between_requests_are_replaced(pg_app):
    client = pg_app.test_client()
    log_in(client, "member@example.org")
    assert client.get("/tickets").status_code == 200

    assert terminate_backends(pg_app) >= 1
    assert client.get("/tickets").status_code == 200


@postgres_only
@pytest.mark.postgres
@pytest.mark.p6
def test_a_backend_terminated_mid_request_is_503_and_the_retry_saves_once(pg_app):
    client = pg_app.test_client()
    log_in(client, "member@example.org")
    form = report_form(pg_app, client)
    with pg_app.app_context():
        engine = db.engine

    def terminate_on_insert(connection, cursor, statement, *args):
        if statement.startswith("INSERT INTO tickets"):
            event.remove(engine, "before_cursor_execute", terminate_on_insert)
            terminate_backends(pg_app)

    event.listen(engine, "before_cursor_execute", terminate_on_insert)
    assert_unavailable(client.post("/tickets/new", data=form))
    assert tickets_saved(pg_app) == 0

    first = client.post("/tickets/new", data=form)
    again = client.post("/tickets/new", data=form)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    assert tickets_saved(pg_app) == 1


@postgres_only
@pytest.mark.postgres
def test_a_connection_lost_after_the_answer_was_made_does_not_spoil_it(pg_app):
    client = pg_app.test_client()
    log_in(client, "member@example.org")

    def terminate_before_teardown(sender, response):
        terminate_backends(pg_app)

    with request_finished.connected_to(terminate_before_teardown, pg_app):
        response = client.get("/tickets")
    assert response.status_code == 200
    assert client.get("/tickets").status_code == 200


@postgres_only
@pytest.mark.postgres
@pytest.mark.p6
def test_a_connection_lost_after_the_commit_spoils_nothing_and_a_retry_lands_on_the_report(
    pg_app,
):
    pg_app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 page, if any
    armed = []

    @pg_app.after_request  # runs before the app's own headers, which need no database
    def terminate_after_the_commit(response):
        if armed and request.method == "POST":
            armed.clear()
            terminate_backends(pg_app)
        return response

    client = pg_app.test_client()
    log_in(client, "member@example.org")
    form = report_form(pg_app, client)
    armed.append("once")
    first = client.post("/tickets/new", data=form)
    assert first.status_code == 302  # the answer was made before the connection went
    assert tickets_saved(pg_app) == 1

    retried = client.post("/tickets/new", data=form)
    assert retried.status_code == 302
    assert tickets_saved(pg_app) == 1
