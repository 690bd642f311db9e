"""The migrated schema is the schema the models describe, and every revision runs both ways."""

from datetime import timedelta
from pathlib import Path

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, select, text

from helpdesk import create_app, decisions, workflow
from helpdesk.categories import seed_default_categories
from helpdesk.database import db, utcnow
from helpdesk.decisions import seed_default_actions
from helpdesk.models import DecisionAction, Status, Ticket
from helpdesk.reports import rollups
from helpdesk.search import is_search_object

from .factories import make_ticket, make_user

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        options = {"compare_type": True, "include_object": _not_search_object}
        context = MigrationContext.configure(connection, opts=options)
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def _not_search_object(object_, name, type_, reflected, compare_to) -> bool:
    return not is_search_object(name)


def test_one_head():
    assert len(ScriptDirectory(str(MIGRATIONS)).get_heads()) == 1


def test_downgrade_to_nothing_and_back(database_url, tmp_path):
    """On a database of its own, so the shared one stays migrated for the other tests."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'roundtrip.db'}"
    else:
        url = _scratch_postgres_database(database_url)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)}
    )
    with app.app_context():
        flask_migrate.upgrade()
        assert "tickets" in inspect(db.engine).get_table_names()
        flask_migrate.downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]  # FTS tables too
        flask_migrate.upgrade()
        assert "tickets" in inspect(db.engine).get_table_names()
        db.engine.dispose()


def _scratch_postgres_database(url: str) -> str:
    """An empty database beside the test database, made afresh."""
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"{admin.url.database}_roundtrip"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin.url.set(database=name).render_as_string(hide_password=False)


def test_the_roll_ups_migration_counts_the_tickets_already_there(database_url, tmp_path):
    """Going down past 0018 and up again recounts report_counts and first decisions from the
    tickets and decisions the database holds, in the desk's time zone."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'rollups.db'}"
    else:
        url = _scratch_postgres_database(database_url)
    settings = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path)}
    app = create_app(settings | {"HELPDESK_TIME_ZONE": "Asia/Kolkata"})
    with app.app_context():
        flask_migrate.upgrade()
        seed_default_categories()
        seed_default_actions()
        agent = make_user("agent")
        action = db.session.scalars(select(DecisionAction)).first()
        for hours in (1, 5, 23):
            ticket = make_ticket()
            ticket.created_at = utcnow() - timedelta(days=hours)
            decisions.record(agent, ticket, policy=None, action=action, reason="Seen.")
            workflow.change_status(agent, ticket, Status.SOLVED)
        db.session.commit()
        decided = dict(db.session.execute(select(Ticket.id, Ticket.first_decision_at)).all())
        db.session.remove()  # the migrations take the database's locks
        flask_migrate.downgrade(revision="0017")
        flask_migrate.upgrade()
        assert rollups.stored() == rollups.recount("Asia/Kolkata")
        assert sum(rollups.stored().values()) == 9  # received, solved and decided, three times
        assert dict(db.session.execute(select(Ticket.id, Ticket.first_decision_at)).all()) == (
            decided
        )
        rollups.check_zone("Asia/Kolkata")
        db.session.remove()
        db.engine.dispose()
