"""Sessions end on the server: a copy of a session cookie opens nothing once the account logged
out, set a new password, was deactivated or changed role, or logged out everywhere."""

import pytest
from flask import current_app

from helpdesk import signing
from helpdesk.database import db
from helpdesk.models import User
from helpdesk.password_reset import password_fingerprint

from .conftest import log_in, submit
from .factories import make_user

PAGE = "/tickets"


@pytest.fixture
def member(app):
    with app.app_context():
        user = make_user()
        db.session.commit()
        return user.email


def _copy_of_session(app, client):
    """A second browser holding a copy of `client`'s session cookie, as a thief would."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _opens_the_page(browser) -> bool:
    response = browser.get(PAGE)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _session_generation(app, email: str) -> int:
    with app.app_context():
        return db.session.query(User).filter_by(email=email).one().session_generation


def test_a_copied_cookie_works_until_log_out_then_never(app, client, member):
    log_in(client, member)
    thief = _copy_of_session(app, client)
    assert _opens_the_page(thief)

    submit(client, "/logout", {}, page=PAGE)

    assert not _opens_the_page(thief)
    assert not _opens_the_page(client)
    assert _session_generation(app, member) == 1


def test_logging_in_again_does_not_revive_an_ended_session(app, client, member):
    log_in(client, member)
    thief = _copy_of_session(app, client)
    submit(client, "/logout", {}, page=PAGE)
    log_in(client, member)

    assert _opens_the_page(client)
    assert not _opens_the_page(thief)


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(app, client, member):
    log_in(client, member)
    old_session = _copy_of_session(app, client)
    with app.app_context():
        user = db.session.query(User).filter_by(email=member).one()
        token = signing.password_reset_token(
            user.id, password_fingerprint(user), current_app.config["SECRET_KEY"]
        )
    reset = app.test_client()
    page = f"/password/reset/{token}"
    response = submit(
        reset, page, {"password": "a-new-passphrase-1", "confirm": "a-new-passphrase-1"}
    )
    assert response.status_code == 302

    assert not _opens_the_page(old_session)
    assert not _opens_the_page(client)
    log_in(client, member, "a-new-passphrase-1")
    assert _opens_the_page(client)


@pytest.mark.parametrize(
    ("path", "data"),
    [("active", {"active": "0"}), ("role", {"role": "agent"})],
    ids=["deactivated", "role changed"],
)
def test_an_admin_ending_an_account_or_changing_its_role_ends_its_sessions(
    app, client, member, path, data
):
    log_in(client, member)
    assert _opens_the_page(client)
    with app.app_context():
        admin = make_user(role="admin")
        target = db.session.query(User).filter_by(email=member).one()
        db.session.commit()
        admin_email, target_id = admin.email, target.id
    admin_browser = app.test_client()
    log_in(admin_browser, admin_email)
    response = submit(admin_browser, f"/admin/users/{target_id}/{path}", data, page="/admin/users")
    assert response.status_code in (302, 303)

    assert not _opens_the_page(client)
    assert _session_generation(app, member) == 1


def test_log_out_everywhere_from_the_account_page(app, client, member):
    log_in(client, member)
    laptop = _copy_of_session(app, client)
    page = client.get("/account")
    assert page.status_code == 200
    assert member in page.get_data(as_text=True)

    response = submit(client, "/account/sessions/end", {}, page="/account")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login")
    assert not _opens_the_page(laptop)
    assert not _opens_the_page(client)


@pytest.mark.parametrize("session_id", ["1", "1.", ".0", "x.0", "1.0.0", "999999.0", ""])
def test_a_session_id_that_names_no_live_session_logs_nobody_in(app, session_id):
    from helpdesk import accounts

    with app.app_context():
        assert accounts.session_user(session_id) is None


def test_the_account_page_needs_a_log_in(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
