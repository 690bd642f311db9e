"""The command line: accounts and demo data."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from helpdesk import workflow
from helpdesk.database import db, utcnow
from helpdesk.models import (
    AuditEvent,
    Category,
    MailStatus,
    MessageKind,
    OutboundMail,
    Role,
    Status,
    Ticket,
    User,
)
from helpdesk.seed import DEMO_LOGINS

from .conftest import log_in
from .factories import make_ticket, make_user


def test_users_create(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Lead@Example.org",
            "--role",
            "admin",
            "--password",
            "a strong passphrase",
            "--name",
            "Team Lead",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created admin lead@example.org" in result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.email, user.role, user.display_name) == (
            "lead@example.org",
            Role.ADMIN,
            "Team Lead",
        )


def test_users_create_refuses_a_duplicate_and_a_weak_password(app, runner):
    args = ["users", "create", "lead@example.org", "--password", "a strong passphrase"]
    assert runner.invoke(args=args).exit_code == 0
    duplicate = runner.invoke(args=[*args[:2], "LEAD@example.org", *args[3:]])
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    weak = runner.invoke(args=["users", "create", "x@example.org", "--password", "short"])
    assert weak.exit_code == 1
    assert "at least 10 characters" in weak.output
    bad_role = runner.invoke(args=[*args, "--role", "owner"])
    assert bad_role.exit_code == 2
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_seed_demo_fills_every_status_once(app, runner):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    assert "admin@helpdesk.example" in result.output
    again = runner.invoke(args=["seed", "demo"])
    assert "nothing changed" in again.output
    with app.app_context():
        tickets = db.session.scalars(select(Ticket)).all()
        assert 40 <= len(tickets) <= 60
        by_status = Counter(ticket.status for ticket in tickets)
        assert set(by_status) == set(Status)
        kinds = Counter(m.kind for t in tickets for m in t.messages)
        assert kinds[MessageKind.NOTE] and kinds[MessageKind.REPLY]
        used = {ticket.category.slug for ticket in tickets}
        assert used == set(db.session.scalars(select(Category.slug)))
        keys = Counter(ticket.reported_key for ticket in tickets if ticket.reported_key)
        assert keys.most_common(1)[0][1] >= 3  # the same member reported several times
        for ticket in tickets:
            assert all(m.created_at >= ticket.created_at for m in ticket.messages)
        queued = select(func.count(OutboundMail.id)).where(OutboundMail.status == MailStatus.QUEUED)
        assert db.session.scalar(queued) == 0  # demo acknowledgments never go out
    for role, email, password, _name in DEMO_LOGINS:
        landing = log_in(app.test_client(), email, password).location
        assert landing == ("/tickets" if role is Role.MEMBER else "/agent/")


def test_tickets_autoclose_closes_solved_tickets_older_than_the_limit(app, runner):
    with app.app_context():
        agent = make_user("agent")
        old, recent = make_ticket(), make_ticket()
        make_ticket()  # new: never closed by the job
        for ticket in (old, recent):
            workflow.change_status(agent, ticket, Status.SOLVED)
        old.solved_at = utcnow() - timedelta(days=5)
        recent.solved_at = utcnow() - timedelta(days=1)
        db.session.commit()
        old_ref = old.reference

    result = runner.invoke(args=["tickets", "autoclose"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["Closed 1 solved ticket.", f"  {old_ref}"]
    with app.app_context():
        statuses = dict(db.session.execute(select(Ticket.reference, Ticket.status)).all())
        assert statuses[old_ref] is Status.CLOSED
        assert sorted(statuses.values()) == sorted([Status.CLOSED, Status.SOLVED, Status.NEW])
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ticket.status_changed")
        ).all()
        assert events[-1].actor is None  # the system closed it

    assert (
        "Closed 1 solved ticket."
        in runner.invoke(args=["tickets", "autoclose", "--days", "0"]).output
    )
    assert runner.invoke(args=["tickets", "autoclose", "--days", "-1"]).exit_code == 2
