"""The command line: accounts and demo data."""

from collections import Counter

from sqlalchemy import func, select

from helpdesk.database import db
from helpdesk.models import Category, MessageKind, Role, Status, Ticket, User
from helpdesk.seed import DEMO_LOGINS

from .conftest import log_in


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
    for role, email, password, _name in DEMO_LOGINS:
        landing = log_in(app.test_client(), email, password).location
        assert landing == ("/tickets" if role is Role.MEMBER else "/agent/")
