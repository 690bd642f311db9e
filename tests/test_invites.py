"""Invitations from /admin/users: an admin invites an agent or admin by mail; the invitee
chooses a password through a signed, expiring, single-use link and is logged in."""

import html
import re
import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from helpdesk import accounts, invites, signing
from helpdesk.database import db
from helpdesk.models import AuditEvent, MailKind, MailStatus, OutboundMail, Role, User

from .conftest import csrf_token, log_in, submit
from .factories import make_user

BASE_URL = "http://127.0.0.1:5000"  # HELPDESK_BASE_URL's default: links in mail use it
LINK = re.compile(re.escape(BASE_URL) + r"(/invite/\S+)")
INVITEE = "nia.okafor@example.org"
PASSWORD = "a passphrase of her own"
DAY = 24 * 60 * 60


def _invite(client, email=INVITEE, display_name="Nia Okafor", role="agent", **kwargs):
    form = {"email": email, "display_name": display_name, "role": role}
    return submit(client, "/admin/users/invite", form, **kwargs)


def _user(email: str = INVITEE) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _mails() -> list[OutboundMail]:
    return list(db.session.scalars(select(OutboundMail).order_by(OutboundMail.id)))


def _events(action: str) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(db.session.scalars(query))


def _latest_link(app) -> str:
    """The path of the link in the newest invitation."""
    with app.app_context():
        mail = _mails()[-1]
        assert mail.kind is MailKind.ACCOUNT_INVITE
        return LINK.search(mail.body_text).group(1)


def _field_errors(page: str, field: str) -> str:
    """The messages shown beside one field of the form."""
    match = re.search(rf'<ul class="field-errors" id="{field}-error">(.*?)</ul>', page, re.S)
    return html.unescape(match.group(1)) if match else ""


def _invited_at(monkeypatch, app, admin_id: int, seconds_ago: int, **fields) -> str:
    """Invite as if `seconds_ago` seconds before now; the link of that invitation. Called
    directly, since the past clock would also make the admin's session cookie look forged."""
    moment = int(time.time()) - seconds_ago
    fields = {"email": INVITEE, "display_name": "Nia Okafor", "role": "agent", **fields}
    with app.app_context(), monkeypatch.context() as past:
        past.setattr(TimestampSigner, "get_timestamp", lambda signer: moment)
        invites.invite(actor=db.session.get(User, admin_id), **fields)
        db.session.commit()
    return _latest_link(app)


@pytest.fixture
def admin(app, client, login_as):
    """An admin logged in on `client`; their account id."""
    email = login_as("admin", display_name="Ada Admin")
    with app.app_context():
        return _user(email).id


# ---------- Who may invite ----------


@pytest.mark.parametrize("role", ["member", "agent"])
def test_members_and_agents_cannot_invite(app, client, login_as, role):
    login_as(role)
    token = csrf_token(client, "/tickets/new")
    assert client.get("/admin/users/invite").status_code == 403
    form = {"csrf_token": token, "email": INVITEE, "display_name": "Nia", "role": "admin"}
    assert client.post("/admin/users/invite", data=form).status_code == 403
    with app.app_context():
        assert _user() is None and not _mails() and not _events("user.invited")


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/users/invite")
    assert response.status_code == 302 and "/login" in response.location


def test_the_invitation_needs_the_csrf_token(app, client, admin):
    form = {"email": INVITEE, "display_name": "Nia Okafor", "role": "agent"}
    assert client.post("/admin/users/invite", data=form).status_code == 400
    with app.app_context():
        assert _user() is None and not _mails()


def test_the_people_page_links_the_invitation(client, admin):
    assert 'href="/admin/users/invite"' in client.get("/admin/users").text


# ---------- Inviting ----------


@pytest.mark.p3
def test_an_invitation_makes_the_account_and_queues_mail_to_its_own_address(app, client, admin):
    response = _invite(client, email="Nia.Okafor@Example.org", role="admin")
    assert response.status_code == 303
    assert response.location == f"/admin/users?q={INVITEE}"
    page = client.get(response.location).text
    assert "Invited Nia Okafor as admin" in page and "invited, no password yet" in page
    with app.app_context():
        invitee = _user()
        assert invitee.role is Role.ADMIN and invitee.active and invitee.password_hash is None
        [mail] = _mails()
        assert mail.kind is MailKind.ACCOUNT_INVITE and mail.status is MailStatus.QUEUED
        assert mail.recipient == INVITEE and mail.user_id == invitee.id
        assert mail.subject == "You are invited to the help desk"
        assert "Hello Nia," in mail.body_text and "as an admin" in mail.body_text
        assert "within 7 days" in mail.body_text and LINK.search(mail.body_html)
        assert mail.headers["Auto-Submitted"] == "auto-generated"
        [invited] = _events("user.invited")
        assert invited.actor_id == admin and invited.target == f"user:{invitee.id}"
        assert invited.changes == {"role": "admin", "display_name": "Nia Okafor", "resent": False}
        [created] = [e for e in _events("user.created") if e.target == f"user:{invitee.id}"]
        assert created.actor_id == admin


def _member(app, **fields) -> None:
    with app.app_context():
        make_user("member", email=INVITEE, **fields)
        db.session.commit()


def _staff_with_password(app, role: str) -> None:
    with app.app_context():
        make_user(role, email=INVITEE)
        db.session.commit()


def _deactivated_invitee(app, client) -> None:
    _invite(client)
    with app.app_context():
        _user().active = False
        db.session.commit()


@pytest.mark.parametrize(
    ("fields", "existing", "field", "message"),
    [
        ({"email": "nia at example"}, None, "email", "must have an @-sign"),
        ({"display_name": "   "}, None, "display_name", "Enter a name."),
        ({"display_name": "N" * 101}, None, "display_name", "Use at most 100 characters."),
        ({"role": "member"}, None, "role", "Choose agent or admin"),
        ({"role": "owner"}, None, "role", "Choose agent or admin"),
        ({}, _member, "email", "belongs to a member. Make them an agent with “Change role”"),
        ({}, lambda app: _staff_with_password(app, "agent"), "email", "already has an agent"),
        ({}, lambda app: _staff_with_password(app, "admin"), "email", "already has an admin"),
    ],
    ids=[
        "bad-address",
        "no-name",
        "long-name",
        "member-role",
        "unknown-role",
        "member",
        "agent",
        "admin",
    ],
)
def test_a_refused_invitation_says_why_beside_the_field_and_writes_nothing(
    app, client, admin, fields, existing, field, message
):
    if existing:
        existing(app)
    with app.app_context():
        before = db.session.scalar(select(func.count(AuditEvent.id)))
    response = _invite(client, **fields)
    assert response.status_code == 422
    assert message in _field_errors(response.text, field)
    with app.app_context():
        assert not _mails()
        assert db.session.scalar(select(func.count(AuditEvent.id))) == before
        assert existing or _user() is None


def test_an_intake_member_without_a_password_is_not_invited(app, client, admin):
    with app.app_context():
        accounts.create_user(INVITEE, None, role=Role.MEMBER, display_name="Nia", actor=None)
        db.session.commit()
    response = _invite(client)
    assert response.status_code == 422 and "belongs to a member" in response.text
    with app.app_context():
        assert _user().role is Role.MEMBER and not _mails()


def test_a_deactivated_invitee_is_reactivated_first(app, client, admin):
    _deactivated_invitee(app, client)
    response = _invite(client)
    assert response.status_code == 422
    assert "Reactivate it first" in _field_errors(response.text, "email")
    with app.app_context():
        assert len(_mails()) == 1 and not _user().active


def test_every_wrong_field_is_named_at_once(client, admin):
    response = _invite(client, email="nia at example", display_name=" ", role="member")
    assert response.status_code == 422
    assert all(_field_errors(response.text, f) for f in ("email", "display_name", "role"))


# ---------- The link ----------


def test_the_link_sets_a_password_and_logs_the_invitee_in(app, client, admin):
    _invite(client)
    link = _latest_link(app)
    invitee_browser = app.test_client()
    page = invitee_browser.get(link)
    assert page.status_code == 200 and "Welcome, Nia Okafor" in page.text and INVITEE in page.text
    response = submit(invitee_browser, link, {"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.location == "/agent/"
    assert invitee_browser.get("/agent/").status_code == 200
    with app.app_context():
        invitee = _user()
        assert accounts.authenticate(INVITEE, PASSWORD, "test", app.config) is invitee
        assert invitee.last_login_at is not None
        [accepted] = _events("user.invite_accepted")
        assert accepted.actor_id == invitee.id and accepted.target == f"user:{invitee.id}"
    submit(invitee_browser, "/logout", {}, page="/agent/")
    log_in(invitee_browser, INVITEE, PASSWORD)


def test_the_link_works_once(app, client, admin):
    _invite(client)
    link = _latest_link(app)
    submit(client, link, {"password": PASSWORD, "confirm": PASSWORD})
    other = app.test_client()
    assert other.get(link).status_code == 410
    form = {"password": "someone else's phrase", "confirm": "someone else's phrase"}
    response = submit(other, link, form, page="/login")
    assert response.status_code == 410 and "This invitation no longer works" in response.text
    with app.app_context():
        assert accounts.authenticate(INVITEE, PASSWORD, "test", app.config) is not None


def test_the_password_follows_the_registration_rules(app, client, admin):
    _invite(client)
    link = _latest_link(app)
    invitee_browser = app.test_client()
    response = submit(invitee_browser, link, {"password": "short", "confirm": "short"})
    assert response.status_code == 422
    assert "at least 10 characters" in _field_errors(response.text, "password")
    response = submit(invitee_browser, link, {"password": INVITEE, "confirm": INVITEE})
    assert "Don't use your email address" in _field_errors(response.text, "password")
    assert invitee_browser.get(link).status_code == 200  # refused attempts spend nothing
    with app.app_context():
        assert _user().password_hash is None


def test_the_link_expires_after_the_configured_days(app, client, admin, monkeypatch):
    fresh_enough = _invited_at(monkeypatch, app, admin, 7 * DAY - 60)
    assert app.test_client().get(fresh_enough).status_code == 200
    expired = _invited_at(monkeypatch, app, admin, 7 * DAY + 60)
    page = app.test_client().get(expired)
    assert page.status_code == 410
    assert "Ask the admin who invited you to send a new one" in page.text


def test_a_forged_link_or_a_reset_token_does_not_work(app, client, admin):
    _invite(client)
    token = _latest_link(app).rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/invite/{forged}").status_code == 410
    assert client.get("/invite/not-a-token").status_code == 410
    with app.app_context():
        invitee = _user()
        fingerprint = signing.read_invite_token(token, app.config["SECRET_KEY"], DAY)[1]
        reset = signing.password_reset_token(invitee.id, fingerprint, app.config["SECRET_KEY"])
    assert client.get(f"/invite/{reset}").status_code == 410
    assert client.get(f"/password/reset/{token}").status_code == 410


def test_inviting_again_sends_a_fresh_link_with_the_new_name_and_role(
    app, client, admin, monkeypatch
):
    expired = _invited_at(monkeypatch, app, admin, 8 * DAY, display_name="Nia O")
    assert app.test_client().get(expired).status_code == 410
    response = _invite(client, display_name="Nia Okafor", role="admin")
    assert response.status_code == 303
    fresh = _latest_link(app)
    assert fresh != expired and app.test_client().get(fresh).status_code == 200
    with app.app_context():
        invitee = _user()
        assert invitee.role is Role.ADMIN and invitee.display_name == "Nia Okafor"
        assert [mail.recipient for mail in _mails()] == [INVITEE, INVITEE]
        assert [event.changes["resent"] for event in _events("user.invited")] == [False, True]
        [role_changed] = _events("user.role_changed")
        assert role_changed.changes == {"old": "agent", "new": "admin"}
        assert len(_events("user.created")) == 2  # the admin's own account, and Nia's


def test_the_people_page_offers_to_invite_again_until_a_password_is_set(app, client, admin):
    _invite(client)
    assert "Invite again" in client.get("/admin/users").text
    response = submit(
        client,
        "/admin/users/invite",
        {"email": INVITEE, "display_name": "Nia Okafor", "role": "agent"},
        page="/admin/users",
        follow_redirects=True,
    )
    assert "Invited Nia Okafor as agent" in response.text
    submit(app.test_client(), _latest_link(app), {"password": PASSWORD, "confirm": PASSWORD})
    page = client.get("/admin/users").text
    assert "Invite again" not in page and "no password yet" not in page
    response = _invite(client)
    assert "already has an agent account" in _field_errors(response.text, "email")


@pytest.mark.p4
def test_a_name_that_would_leak_an_address_holds_the_mail_and_tells_the_admin(app, client, admin):
    response = _invite(client, display_name="someone@elsewhere.example", follow_redirects=True)
    assert "the invitation was not sent" in response.text
    with app.app_context():
        [mail] = _mails()
        assert mail.status is MailStatus.BLOCKED and "another person's email" in mail.reason
        assert _events("mail.blocked") and _user().password_hash is None
