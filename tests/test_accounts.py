"""Register, log in, log out, throttling, roles and redirects, through HTTP."""

import re

import pytest
from sqlalchemy import select

from helpdesk.database import db
from helpdesk.models import MailKind, OutboundMail, User

from .conftest import csrf_token, log_in, submit
from .factories import PASSWORD, make_user

GOOD = {"display_name": "Dana Reyes", "email": "Dana.Reyes@Example.org"}
LINK = re.compile(r"http://[^/\s]+(/(?:invite|password/reset)/\S+)")


def _users(app):
    with app.app_context():
        return db.session.scalars(select(User)).all()


def _mail_to(app, email: str) -> tuple[MailKind, str]:
    """The kind of the one mail queued for `email`, and the link in it."""
    with app.app_context():
        [mail] = db.session.scalars(select(OutboundMail).where(OutboundMail.recipient == email))
        return mail.kind, LINK.search(mail.body_text).group(1)


def test_registering_mails_a_link_that_sets_the_password_and_logs_in(app, client):
    response = submit(client, "/register", GOOD)

    assert response.status_code == 200
    assert "Check your mail" in response.get_data(as_text=True)
    [user] = _users(app)
    assert (user.email, user.role.value, user.display_name, user.password_hash) == (
        "dana.reyes@example.org",
        "member",
        "Dana Reyes",
        None,
    )
    kind, link = _mail_to(app, "dana.reyes@example.org")
    assert kind is MailKind.REGISTRATION

    new_password = {"password": "a long passphrase", "confirm": "a long passphrase"}
    response = submit(client, link, new_password)

    assert (response.status_code, response.location) == (302, "/tickets/new")
    assert client.get("/tickets").status_code == 200
    assert submit(client, link, new_password).status_code == 410  # the link works once


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"display_name": ""}, "display_name", "Enter your name."),
        ({"display_name": "   "}, "display_name", "Enter a name."),
        ({"email": ""}, "email", "Enter your email address."),
        ({"email": "not-an-address"}, "email", "An email address must have an @-sign."),
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


def test_register_answers_the_same_whether_or_not_the_address_has_an_account(app, client):
    with app.app_context():
        owner = make_user(email="dana.reyes@example.org", display_name="Dana R.")
        db.session.commit()
        password_hash = owner.password_hash

    taken = submit(client, "/register", GOOD)
    fresh = submit(app.test_client(), "/register", {**GOOD, "email": "Nova.Kim@Example.org"})

    assert taken.status_code == fresh.status_code == 200
    page_for = {
        "taken": taken.get_data(as_text=True).replace("Dana.Reyes@Example.org", "ADDRESS"),
        "fresh": fresh.get_data(as_text=True).replace("Nova.Kim@Example.org", "ADDRESS"),
    }
    strip_token = re.compile(r'name="csrf_token"[^>]*>')
    assert strip_token.sub("", page_for["taken"]) == strip_token.sub("", page_for["fresh"])
    # Only the owner learns that the address was taken, by mail, with a way back in.
    kind, link = _mail_to(app, "dana.reyes@example.org")
    assert kind is MailKind.REGISTERED_AGAIN
    assert link.startswith("/password/reset/")
    with app.app_context():
        [owner] = db.session.scalars(select(User).where(User.email == "dana.reyes@example.org"))
        assert (owner.display_name, owner.password_hash) == ("Dana R.", password_hash)


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
