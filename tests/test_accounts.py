"""Register, log in, log out, throttling, roles and redirects, through HTTP."""

import pytest
from sqlalchemy import select

from helpdesk.database import db
from helpdesk.models import AuditEvent, User

from .conftest import csrf_token, log_in, submit
from .factories import PASSWORD, make_user

GOOD = {
    "display_name": "Dana Reyes",
    "email": "Dana.Reyes@Example.org",
    "password": "a long passphrase",
    "confirm": "a long passphrase",
}


def _users(app):
    with app.app_context():
        return db.session.scalars(select(User)).all()


def test_register_creates_a_member_and_logs_in(app, client):
    response = submit(client, "/register", GOOD)
    assert response.status_code == 302
    assert response.location == "/tickets/new"
    [user] = _users(app)
    assert (user.email, user.role.value, user.display_name) == (
        "dana.reyes@example.org",
        "member",
        "Dana Reyes",
    )
    assert user.password_hash.startswith("$argon2id$")
    assert client.get("/tickets").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action)) == "user.created"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"display_name": ""}, "display_name", "Enter your name."),
        ({"display_name": "   "}, "display_name", "Enter a name."),
        ({"email": ""}, "email", "Enter your email address."),
        ({"email": "not-an-address"}, "email", "An email address must have an @-sign."),
        ({"password": "short", "confirm": "short"}, "password", "Use at least 10 characters."),
        ({"confirm": "something else"}, "confirm", "The two passwords are not the same."),
        (
            {"password": "dana.reyes@example.org", "confirm": "dana.reyes@example.org"},
            "password",
            "Don&#39;t use your email address as your password.",
        ),
    ],
)
def test_register_refuses_bad_input_and_keeps_it(app, client, change, field, message):
    response = submit(client, "/register", {**GOOD, **change})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert f'id="{field}-error"' in page
    if field != "display_name":
        assert 'value="Dana Reyes"' in page
    assert _users(app) == []


def test_register_refuses_a_taken_address_in_any_case(app, client):
    with app.app_context():
        make_user(email="dana.reyes@example.org")
        db.session.commit()
    response = submit(client, "/register", GOOD)
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert len(_users(app)) == 1


def test_log_in_and_out(app, client):
    with app.app_context():
        make_user(email="sam@example.org")
        db.session.commit()
    response = log_in(client, "SAM@example.org")
    assert response.location == "/tickets"
    assert client.get("/tickets").status_code == 200
    assert client.get("/logout").status_code == 405  # a link cannot log anyone out
    response = submit(client, "/logout", {}, page="/tickets")
    assert response.status_code == 302
    assert client.get("/tickets").status_code == 302  # back to the log-in page


def test_staff_land_in_the_inbox(app, client):
    with app.app_context():
        make_user("agent", email="agent@example.org")
        db.session.commit()
    assert log_in(client, "agent@example.org").location == "/agent/"


@pytest.mark.parametrize("email", ["sam@example.org", "nobody@example.org"])
def test_wrong_credentials_say_the_same_thing(app, client, email):
    with app.app_context():
        make_user(email="sam@example.org")
        db.session.commit()
    response = submit(client, "/login", {"email": email, "password": "wrong password"})
    assert response.status_code == 422
    assert "do not match an account" in response.get_data(as_text=True)


def test_deactivated_account_cannot_log_in(app, client):
    with app.app_context():
        make_user(email="gone@example.org").active = False
        db.session.commit()
    response = submit(client, "/login", {"email": "gone@example.org", "password": PASSWORD})
    assert response.status_code == 422


def test_failures_throttle_the_account_even_with_the_right_password(app, client):
    app.config["HELPDESK_LOGIN_FAILURES_PER_ACCOUNT"] = 3
    with app.app_context():
        make_user(email="sam@example.org")
        db.session.commit()
    for _ in range(3):
        submit(client, "/login", {"email": "sam@example.org", "password": "guess"})
    response = submit(client, "/login", {"email": "sam@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.get_data(as_text=True)


def test_failures_throttle_the_client_address_across_accounts(app, client):
    app.config["HELPDESK_LOGIN_FAILURES_PER_ADDRESS"] = 4
    with app.app_context():
        make_user(email="sam@example.org")
        db.session.commit()
    for number in range(4):
        submit(client, "/login", {"email": f"user{number}@example.org", "password": "guess"})
    response = submit(client, "/login", {"email": "sam@example.org", "password": PASSWORD})
    assert response.status_code == 429
    other_address = app.test_client()
    token = csrf_token(other_address, "/login")
    response = other_address.post(
        "/login",
        data={"csrf_token": token, "email": "sam@example.org", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert response.status_code == 302


def test_a_successful_log_in_clears_the_account_failures(app, client):
    app.config["HELPDESK_LOGIN_FAILURES_PER_ACCOUNT"] = 3
    with app.app_context():
        make_user(email="sam@example.org")
        db.session.commit()
    for _ in range(2):
        submit(client, "/login", {"email": "sam@example.org", "password": "guess"})
    log_in(client, "sam@example.org")
    submit(client, "/logout", {}, page="/tickets")
    for _ in range(2):
        submit(client, "/login", {"email": "sam@example.org", "password": "guess"})
    log_in(client, "sam@example.org")


@pytest.mark.parametrize(
    ("next_target", "landing"),
    [
        ("/tickets/new?category=fraud", "/tickets/new?category=fraud"),
        ("https://evil.example/phish", "/tickets"),
        ("//evil.example/phish", "/tickets"),
        ("/\\evil.example", "/tickets"),
        ("javascript:alert(1)", "/tickets"),
    ],
)
def test_next_only_redirects_within_the_site(app, client, next_target, landing):
    with app.app_context():
        make_user(email="sam@example.org")
        db.session.commit()
    page = f"/login?next={next_target}"
    response = submit(
        client, page, {"email": "sam@example.org", "password": PASSWORD, "next": next_target}
    )
    assert response.location == landing


def test_login_required_pages_send_members_to_log_in(client):
    response = client.get("/tickets/new?category=fraud")
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


def test_csrf_is_enforced(app, client):
    response = client.post("/register", data=GOOD)
    assert response.status_code == 400
    assert "Form expired" in response.get_data(as_text=True)
    assert _users(app) == []
