"""Invitations through the outbox to a real SMTP server: the mail reaches the invitee's own
address only, and its link lets them in."""

import re

import pytest
from sqlalchemy import func, select

from helpdesk.database import db
from helpdesk.mail import outbox, sender
from helpdesk.models import AuditEvent, MailKind, MailStatus, OutboundMail, User

from ..conftest import log_in, submit
from .mailserver import BASE_URL, plain_text

INVITEE = "nia.okafor@example.org"
PASSWORD = "a passphrase of her own"
LINK = re.compile(re.escape(BASE_URL) + r"(/invite/\S+)")


@pytest.fixture
def admin(app, login_as) -> str:
    return login_as("admin", display_name="Ada Admin")


def _invite(client, **fields):
    form = {"email": INVITEE, "display_name": "Nia Okafor", "role": "agent", **fields}
    return submit(client, "/admin/users/invite", form)


@pytest.mark.p3
def test_the_invitation_leaves_through_outbox_send_and_its_link_lets_the_invitee_in(
    app, client, admin, smtp_server
):
    assert _invite(client).status_code == 303
    assert smtp_server.received == []  # queued, not sent, by the request
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    [mail] = smtp_server.received
    assert mail["To"] == INVITEE and mail.envelope_recipients == [INVITEE]
    assert mail["Subject"] == "You are invited to the help desk"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail.get_body(preferencelist=("html",)) is not None
    text = plain_text(mail)
    assert "Hello Nia," in text and "as an agent" in text and admin not in text

    invitee_browser = app.test_client()
    link = LINK.search(text).group(1)
    response = submit(invitee_browser, link, {"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302 and response.location == "/agent/"
    assert invitee_browser.get("/agent/").status_code == 200
    submit(invitee_browser, "/logout", {}, page="/agent/")
    log_in(invitee_browser, INVITEE, PASSWORD)
    assert app.test_client().get(link).status_code == 410


@pytest.mark.p3
@pytest.mark.p4
def test_an_invitation_written_to_anyone_else_is_blocked_and_never_sent(
    app, client, admin, smtp_server
):
    _invite(client)
    with app.app_context():
        invitee = db.session.scalar(select(User).where(User.email == INVITEE))
        actor = db.session.scalar(select(User).where(User.email == admin))
        link = f"{BASE_URL}/invite/a-token"
        for stranger in (admin, "someone@example.org"):
            outbox.enqueue(
                MailKind.ACCOUNT_INVITE, user=invitee, actor=actor, to=stranger, invite_url=link
            )
        db.session.commit()
        blocked = db.session.scalars(
            select(OutboundMail).where(OutboundMail.status == MailStatus.BLOCKED)
        ).all()
        assert len(blocked) == 2
        assert all("who is not the account's owner" in mail.reason for mail in blocked)
        blocked_events = select(func.count()).where(AuditEvent.action == "mail.blocked")
        assert db.session.scalar(blocked_events) == 2
        assert sender.send_due().sent == 1
    assert [mail["To"] for mail in smtp_server.received] == [INVITEE]


@pytest.mark.p3
def test_invitations_are_not_held_to_the_hourly_limit(app, client, admin, smtp_server):
    """An admin who sends an invitation again means it; none is silently suppressed."""
    limit = app.config["HELPDESK_ACKS_PER_HOUR"]
    for _ in range(limit + 1):
        assert _invite(client).status_code == 303
    with app.app_context():
        statuses = db.session.scalars(select(OutboundMail.status)).all()
        assert statuses == [MailStatus.QUEUED] * (limit + 1)
        assert sender.send_due().sent == limit + 1
    assert [mail["To"] for mail in smtp_server.received] == [INVITEE] * (limit + 1)
