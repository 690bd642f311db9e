"""People at /admin/users: the list, its search, filter and pages; role changes; deactivation."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from helpdesk import accounts
from helpdesk.database import db
from helpdesk.models import AuditEvent, Role, Ticket, User

from .conftest import csrf_token, log_in, submit
from .factories import PASSWORD, make_ticket, make_user


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _listed(client, url: str) -> str:
    """The table of people on a page, without the filter form."""
    html = client.get(url).get_data(as_text=True)
    return html.split("<tbody>", 1)[1] if "<tbody>" in html else ""


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _post(client, url: str, data: dict):
    """Submit a row's form from the People page and follow the redirect back to it."""
    return submit(client, url, data, page="/admin/users", follow_redirects=True)


def _new_user(app, role: str = "member", **fields) -> tuple[int, str]:
    with app.app_context():
        user = make_user(role, **fields)
        db.session.commit()
        return user.id, user.email


# ---------- Who may use it ----------


@pytest.mark.parametrize("role", ["member", "agent"])
def test_members_and_agents_are_refused(app, client, login_as, role):
    login_as(role)
    target_id, _ = _new_user(app)
    token = csrf_token(client, "/tickets/new")
    assert client.get("/admin/users").status_code == 403
    role_response = client.post(
        f"/admin/users/{target_id}/role", data={"csrf_token": token, "role": "admin"}
    )
    active_response = client.post(
        f"/admin/users/{target_id}/active", data={"csrf_token": token, "active": "0"}
    )
    assert role_response.status_code == 403
    assert active_response.status_code == 403
    with app.app_context():
        target = db.session.get(User, target_id)
        assert target.role is Role.MEMBER and target.active
        assert not _events("user.role_changed") and not _events("user.deactivated")


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_admin_landing_page_links_people(client, login_as):
    login_as("admin")
    assert 'href="/admin/users"' in client.get("/admin/").get_data(as_text=True)


def test_posts_need_the_csrf_token(app, client, login_as):
    login_as("admin")
    target_id, _ = _new_user(app)
    assert client.post(f"/admin/users/{target_id}/role", data={"role": "agent"}).status_code == 400
    assert client.post(f"/admin/users/{target_id}/active", data={"active": "0"}).status_code == 400
    with app.app_context():
        target = db.session.get(User, target_id)
        assert target.role is Role.MEMBER and target.active


def test_an_unknown_account_is_404(client, login_as):
    login_as("admin")
    assert _post(client, "/admin/users/999999/role", {"role": "agent"}).status_code == 404


# ---------- The list ----------


def test_the_list_shows_everyone_newest_first(app, client, login_as):
    login_as("admin", display_name="Ada Admin")
    with app.app_context():
        make_user("member", email="mia@example.org", display_name="Mia Member")
        agent = make_user("agent", email="al@example.org", display_name="Al Agent")
        agent.created_at = datetime.now(UTC) + timedelta(minutes=5)
        db.session.commit()
    html = _listed(client, "/admin/users")
    assert html.index("Al Agent") < html.index("Mia Member") < html.index("Ada Admin")
    assert "mia@example.org" in html and "Never" in html  # Mia never logged in
    assert re.search(r'<option value="agent" selected>', html)


def test_search_by_name_or_email_in_any_case(app, client, login_as):
    login_as("admin")
    with app.app_context():
        make_user("member", email="zoe.quill@example.org", display_name="Zoë Quill")
        make_user("agent", email="bob@shop.example", display_name="Robert Stone")
        make_user("member", email="x_y@example.org", display_name="Percent 100%")
        db.session.commit()
    html = _listed(client, "/admin/users?q=QUILL")
    assert "zoe.quill@example.org" in html and "bob@shop.example" not in html
    html = _listed(client, "/admin/users?q=Shop.EX")
    assert "bob@shop.example" in html and "zoe.quill@example.org" not in html
    html = _listed(client, "/admin/users?q=rob")
    assert "Robert Stone" in html and "Zoë Quill" not in html
    # LIKE wildcards are matched literally
    assert "x_y@example.org" in _listed(client, "/admin/users?q=x_y")
    assert _listed(client, "/admin/users?q=%25").count("<tr>") == 1


def test_filter_by_role(app, client, login_as):
    login_as("admin", email="boss@example.org")
    with app.app_context():
        make_user("member", email="m@example.org")
        make_user("agent", email="a@example.org")
        db.session.commit()
    html = _listed(client, "/admin/users?role=agent")
    assert "a@example.org" in html and "m@example.org" not in html
    assert "boss@example.org" not in html
    html = _listed(client, "/admin/users?role=admin&q=boss")
    assert "boss@example.org" in html and "a@example.org" not in html
    response = client.get("/admin/users?role=owner")
    assert response.status_code == 400
    assert "Choose the role from the list." in response.get_data(as_text=True)


def test_pages_follow_each_other_by_keyset(app, client, login_as, monkeypatch):
    monkeypatch.setattr(accounts, "PEOPLE_PAGE_SIZE", 2)
    login_as("admin", email="boss@example.org")
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with app.app_context():
        for number in range(3):
            user = make_user("member", email=f"p{number}@example.org")
            user.created_at = start + timedelta(hours=number)
        # Same time as p1: the id breaks the tie, so nobody is skipped or shown twice.
        make_user("member", email="tie@example.org").created_at = start + timedelta(hours=1)
        db.session.commit()
    first = client.get("/admin/users?role=member").get_data(as_text=True)
    first_rows = first.split("<tbody>", 1)[1]
    assert "p2@example.org" in first_rows and "tie@example.org" in first_rows
    assert "p1@example.org" not in first_rows
    next_url = re.search(r'href="(/admin/users\?[^"]*after=[^"]+)"', first).group(1)
    assert "role=member" in next_url
    second = client.get(next_url.replace("&amp;", "&")).get_data(as_text=True)
    second_rows = second.split("<tbody>", 1)[1]
    assert "p1@example.org" in second_rows and "p0@example.org" in second_rows
    assert "p2@example.org" not in second_rows and "tie@example.org" not in second_rows
    assert "boss@example.org" not in second_rows
    assert "Next page" not in second


def test_a_cursor_that_is_not_ours_starts_from_the_top(client, login_as):
    login_as("admin", email="boss@example.org")
    response = client.get("/admin/users?after=not-a-cursor")
    assert response.status_code == 200
    assert "boss@example.org" in response.get_data(as_text=True)


# ---------- Roles ----------


def test_change_a_role_records_old_and_new(app, client, login_as):
    admin_email = login_as("admin")
    target_id, _ = _new_user(app, "member", display_name="Mia Member")
    response = _post(
        client,
        f"/admin/users/{target_id}/role",
        {"role": "agent", "back": "/admin/users?q=mia"},
    )
    assert response.status_code == 200
    assert response.request.full_path.startswith("/admin/users?q=mia")
    assert "Mia Member is now agent." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, target_id).role is Role.AGENT
        [event] = _events("user.role_changed")
        assert event.actor.email == admin_email
        assert event.target == f"user:{target_id}"
        assert event.changes == {"old": "member", "new": "agent"}


def test_the_back_link_stays_on_the_people_page(app, client, login_as):
    login_as("admin")
    target_id, _ = _new_user(app)
    response = submit(
        client,
        f"/admin/users/{target_id}/role",
        {"role": "agent", "back": "https://evil.example/admin/users"},
        page="/admin/users",
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/users"


def test_an_unknown_role_is_refused(app, client, login_as):
    login_as("admin")
    target_id, _ = _new_user(app)
    response = _post(client, f"/admin/users/{target_id}/role", {"role": "owner"})
    assert "Choose a role: member, agent, admin." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, target_id).role is Role.MEMBER
        assert not _events("user.role_changed")


def test_an_admin_cannot_remove_their_own_admin_role(app, client, login_as):
    admin_email = login_as("admin")
    _new_user(app, "admin")  # another admin exists, so only the self rule refuses
    with app.app_context():
        admin_id = _user(admin_email).id
    response = _post(client, f"/admin/users/{admin_id}/role", {"role": "agent"})
    assert "You cannot remove your own admin role" in response.get_data(as_text=True)
    with app.app_context():
        assert _user(admin_email).role is Role.ADMIN
        assert not _events("user.role_changed")


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(app, client, login_as):
    admin_email = login_as("admin")
    # Another admin, deactivated, does not count.
    other_id, _ = _new_user(app, "admin")
    _post(client, f"/admin/users/{other_id}/active", {"active": "0"})
    with app.app_context():
        admin_id = _user(admin_email).id
        assert not db.session.get(User, other_id).active
    demoted = _post(client, f"/admin/users/{admin_id}/role", {"role": "member"})
    deactivated = _post(client, f"/admin/users/{admin_id}/active", {"active": "0"})
    assert f"{admin_email} is the last active admin" in demoted.get_data(as_text=True)
    assert f"{admin_email} is the last active admin" in deactivated.get_data(as_text=True)
    with app.app_context():
        admin = _user(admin_email)
        assert admin.role is Role.ADMIN and admin.active
        assert not _events("user.role_changed")
        assert len(_events("user.deactivated")) == 1  # the other admin's only


def test_an_admin_cannot_deactivate_themselves(app, client, login_as):
    admin_email = login_as("admin")
    _new_user(app, "admin")
    with app.app_context():
        admin_id = _user(admin_email).id
    response = _post(client, f"/admin/users/{admin_id}/active", {"active": "0"})
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    with app.app_context():
        assert _user(admin_email).active
        assert not _events("user.deactivated")


def test_another_admin_can_be_demoted(app, client, login_as):
    login_as("admin")
    other_id, _ = _new_user(app, "admin")
    _post(client, f"/admin/users/{other_id}/role", {"role": "agent"})
    with app.app_context():
        assert db.session.get(User, other_id).role is Role.AGENT


# ---------- Deactivation ----------


def test_deactivating_ends_sessions_and_blocks_log_in_tickets_stay(app, client, login_as):
    login_as("admin")
    target_id, target_email = _new_user(app, "agent", display_name="Al Agent")
    with app.app_context():
        reference = make_ticket(reporter=db.session.get(User, target_id)).reference
        db.session.commit()
    their_client = app.test_client()
    log_in(their_client, target_email)
    assert their_client.get("/agent/").status_code == 200

    response = _post(client, f"/admin/users/{target_id}/active", {"active": "0"})
    assert "Deactivated Al Agent" in response.get_data(as_text=True)

    ended = their_client.get("/agent/")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    refused = submit(their_client, "/login", {"email": target_email, "password": PASSWORD})
    assert refused.status_code == 422  # the log-in form again, not a session
    with app.app_context():
        assert not db.session.get(User, target_id).active
        [event] = _events("user.deactivated")
        assert event.target == f"user:{target_id}"
        assert (
            db.session.scalar(
                select(func.count()).select_from(Ticket).where(Ticket.reference == reference)
            )
            == 1
        )
    assert "deactivated" in _listed(client, "/admin/users")


def test_reactivating_restores_log_in(app, client, login_as):
    login_as("admin")
    target_id, target_email = _new_user(app, "member", display_name="Mia Member")
    _post(client, f"/admin/users/{target_id}/active", {"active": "0"})
    response = _post(client, f"/admin/users/{target_id}/active", {"active": "1"})
    assert "Reactivated Mia Member" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, target_id).active
        assert len(_events("user.reactivated")) == 1
    log_in(app.test_client(), target_email)
