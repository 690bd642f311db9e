"""Demo data: what `seed demo` creates from the data files, and what a newcomer sees it print."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from helpdesk.database import db
from helpdesk.models import (
    Article,
    AuditEvent,
    Decision,
    HelpSection,
    MessageKind,
    Status,
    Ticket,
    User,
)
from helpdesk.seed import DEMO_LOGINS

from .conftest import log_in

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_seed_demo_creates_the_tickets_and_articles_of_the_data_files(app, runner):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id))) == 50
        assert db.session.scalar(select(func.count(HelpSection.id))) == 5
        assert db.session.scalar(select(func.count(Article.id))) == 8
        article = db.session.scalar(select(Article).where(Article.slug == "cannot-log-in"))
        assert article.title == "I cannot log in"
        assert article.summary == "Reset your password, and what to do after too many attempts."
        assert article.section.slug == "technical-help"
        assert "the link in the email works for one hour" in article.body
        assert article.body.endswith("reset your password at once.")

        subject = "Freelancer asked me to pay the next milestone in USDT for a 'discount'"
        ticket = db.session.scalar(select(Ticket).where(Ticket.subject == subject))
        assert ticket.status is Status.CLOSED
        assert (ticket.reporter.email, ticket.assignee.email, ticket.reported_member) == (
            "lukas@members.example",
            "priya@helpdesk.example",
            "quickpay_dev",
        )
        assert ticket.context_url == "https://marketplace.example/workrooms/48213977"
        messages = [m for m in ticket.messages if m.kind is not MessageKind.EVENT]
        assert [m.kind for m in messages] == [
            MessageKind.REPORTER,
            MessageKind.NOTE,
            MessageKind.REPLY,
        ]
        assert messages[0].body.startswith("I hired this developer for a Shopify app fix")
        assert "\n\nI said no and he asked again this morning" in messages[0].body
        assert messages[2].body.startswith("Hi Lukas,\n\nThank you for reporting this")
        assert ticket.closed_at > ticket.solved_at > ticket.first_response_at > ticket.created_at
        audit_events = db.session.scalar(select(func.count(AuditEvent.id)))

    again = runner.invoke(args=["seed", "demo"])
    assert "nothing changed" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Ticket.id))) == 50
        assert db.session.scalar(select(func.count(Article.id))) == 8
        assert db.session.scalar(select(func.count(User.id))) == len(DEMO_LOGINS)
        assert db.session.scalar(select(func.count(AuditEvent.id))) == audit_events


def test_seed_demo_prints_a_short_summary_and_the_logins_last(tmp_path):
    """What `make run` shows a newcomer: no log lines scrolling the logins away."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'helpdesk.db'}",
        "SECRET_KEY": "test-secret-key",
        "HELPDESK_ATTACHMENT_DIR": str(tmp_path / "attachments"),
        "HELPDESK_ARGON2_TIME_COST": "1",
        "HELPDESK_ARGON2_MEMORY_KIB": "1024",
    }

    def flask(*args: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=PROJECT_ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return (done.stderr + done.stdout).splitlines()

    flask("db", "upgrade")
    lines = flask("seed", "demo")
    assert len(lines) < 40, "\n".join(lines)
    assert not [line for line in lines if " INFO " in line or " WARNING " in line]
    logins = [f"  {role:<7} {email:<32} {password}" for role, email, password, _ in DEMO_LOGINS]
    assert lines[-len(logins) :] == logins
    assert lines[-len(logins) - 1] == "Demo logins:"
    assert lines[0].startswith("Demo data loaded: 7 logins, ")
    assert "50 tickets" in lines[0] and "8 help-center articles" in lines[0]
    assert flask("seed", "demo")[-len(logins) :] == logins  # a second run: nothing new, same end


def test_seed_demo_records_decisions_that_the_member_pages_show(app, runner, client):
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    with app.app_context():
        vance = db.session.scalars(
            select(Decision).join(Decision.ticket).where(Ticket.reported_key == "k.vance")
        ).all()
        assert sorted(d.action.slug for d in vance) == ["suspended", "warning"]
        # Recorded in the story's past, never moving what the reporter sees.
        assert all(d.created_at < d.ticket.last_activity_at for d in vance)
    log_in(client, "priya@helpdesk.example", "agent-priya-2026")
    page = client.get("/agent/members/k.vance").get_data(as_text=True)
    assert "Final warning HAR-1." in page and "Suspended" in page
