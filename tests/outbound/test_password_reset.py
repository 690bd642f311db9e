"""Password reset by mail: a signed, expiring, single-use link, sent to the account's owner only,
and the same answer whether or not the address has an account."""

import re

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from helpdesk import accounts
from helpdesk.database import db
from helpdesk.mail import sender
from helpdesk.models import MailStatus, OutboundMail, Role, User

from ..conftest import CSRF_INPUT, log_in, submit
from ..factories import PASSWORD, make_user
from .mailserver import BASE_URL, MailServer, plain_text

NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(re.escape(BASE_URL) + r"/password/reset/(\S+)")


@pytest.fixture
def member(app) -> str:
    with app.app_context():
        email = make_user(email="dana@example.org", display_name="Dana Whitfield").email
        db.session.commit()
    return email


def _ask_for_link(app, client, email: str):
    response = submit(client, "/password/reset", {"email": email})
    with app.app_context():
        sender.send_due()
    return response


def _link(server: MailServer) -> str:
    [mail] = server.received
    return LINK.search(plain_text(mail)).group(0).removeprefix(BASE_URL)


@pytest.mark.p3
def test_the_link_arrives_at_the_owners_address(app, client, member, smtp_server):
    response = _ask_for_link(app, client, "Dana@Example.org")
    assert response.status_code == 200
    assert "If an account uses Dana@Example.org, we have sent a link" in response.text
    [mail] = smtp_server.received
    assert mail["To"] == member and mail["Subject"] == "Set a new password"
    assert mail["Auto-Submitted"] == "auto-generated" and mail["Precedence"] == "bulk"
    assert "Hello Dana," in plain_text(mail) and "within 60 minutes" in plain_text(mail)
    assert LINK.search(plain_text(mail))
    assert mail.get_body(preferencelist=("html",)) is not None


def test_the_answer_is_the_same_with_or_without_an_account(app, client, member, smtp_server):
    with app.app_context():
        make_user(email="gone@example.org").active = False
        db.session.commit()
    emails = [member, "nobody@example.org", "gone@example.org"]
    pages = [_ask_for_link(app, client, email) for email in emails]
    assert {page.status_code for page in pages} == {200}
    texts = {page.text.replace(email, "EMAIL") for page, email in zip(pages, emails, strict=True)}
    assert len(texts) == 1
    assert [mail["To"] for mail in smtp_server.received] == [member]


def test_the_link_sets_a_new_password_once(app, client, member, smtp_server):
    _ask_for_link(app, client, member)
    link = _link(smtp_server)
    assert client.get(link).status_code == 200
    response = submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.location == "/login"

    log_in(client, member, NEW_PASSWORD)
    submit(client, "/logout", {}, page="/tickets")
    assert submit(client, "/login", {"email": member, "password": PASSWORD}).status_code == 422
    assert client.get(link).status_code == 410
    form = {"password": "yet another passphrase", "confirm": "yet another passphrase"}
    assert submit(client, link, form, page="/login").status_code == 410
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == member))
        assert accounts.authenticate(member, NEW_PASSWORD, "test", app.config) is user


def test_a_new_password_still_follows_the_rules(app, client, member, smtp_server):
    _ask_for_link(app, client, member)
    link = _link(smtp_server)
    response = submit(client, link, {"password": "short", "confirm": "short"})
    assert response.status_code == 422 and "at least 10 characters" in response.text
    assert client.get(link).status_code == 200  # a refused attempt does not spend the link


def test_an_expired_or_forged_link_does_not_work(app, client, member, smtp_server, monkeypatch):
    with monkeypatch.context() as past:  # a link made in 2001
        past.setattr(TimestampSigner, "get_timestamp", lambda signer: 1_000_000_000)
        _ask_for_link(app, client, member)
    link = _link(smtp_server)
    assert client.get(link).status_code == 410
    token = link.rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/password/reset/{forged}").status_code == 410
    assert client.get("/password/reset/not-a-token").status_code == 410


def test_the_link_is_built_on_the_configured_address_not_the_requests_host(
    app, client, member, smtp_server
):
    evil = "http://evil.example"
    page = client.get("/password/reset", base_url=evil).text
    form = {"csrf_token": CSRF_INPUT.search(page).group(1), "email": member}
    assert client.post("/password/reset", data=form, base_url=evil).status_code == 200
    with app.app_context():
        sender.send_due()
    assert "evil.example" not in plain_text(smtp_server.received[0])
    assert _link(smtp_server).startswith("/password/reset/")


def test_a_member_created_by_mail_intake_sets_a_first_password(app, client, smtp_server):
    with app.app_context():
        accounts.create_user(
            "mei@example.org", None, role=Role.MEMBER, display_name="Mei Chen", actor=None
        )
        db.session.commit()
    _ask_for_link(app, client, "mei@example.org")
    submit(client, _link(smtp_server), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    log_in(client, "mei@example.org", NEW_PASSWORD)


@pytest.mark.p3
def test_a_flood_of_requests_is_held_to_the_hourly_limit(app, client, member, smtp_server):
    for _ in range(7):
        assert _ask_for_link(app, client, member).status_code == 200
    with app.app_context():
        statuses = db.session.scalars(select(OutboundMail.status)).all()
    assert statuses.count(MailStatus.SENT) == 5 and statuses.count(MailStatus.SUPPRESSED) == 2
    assert len(smtp_server.received) == 5


def test_a_malformed_address_gets_a_field_error(client):
    response = submit(client, "/password/reset", {"email": "not an address"})
    assert response.status_code == 422
    assert "field-invalid" in response.text


def test_the_login_page_offers_a_reset(client):
    assert 'href="/password/reset">Forgot your password?' in client.get("/login").text
