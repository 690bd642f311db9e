"""Decisions never reach a reporter (P2): after a decision with a distinctive policy, action
and reason, no page of the reporter's, no answer of the reporter API and no mail of any kind
says any of it. Agents read it on the ticket page, in their API and in the audit log."""

import re

import pytest
from sqlalchemy import select

from helpdesk import api_tokens, categories, decisions, ticket_lookup
from helpdesk.database import db
from helpdesk.mail import outbox
from helpdesk.models import Category, MailKind, OutboundMail, User

from .conftest import log_in, submit
from .factories import make_ticket, make_user

REPORTER = "amara@members.example"
MARKETPLACE_ID = "mkt-amara-1"
REASON = "Zebracorn finding 773194026: three fake invoices"
ACTION = "Quokka sanction"
POLICY = "Wombat rule breach"
# Each way the decision could be written: its words, its slugs, its reason's distinctive parts.
# The number is long enough that no random token on a page (CSRF, Message-ID) holds it by chance;
# four digits once turned up in one.
MARKS = ("zebracorn", "773194026", "quokka", "wombat")


def _leaks(text: str) -> list[str]:
    return [mark for mark in MARKS if mark in text.lower()]


@pytest.fixture
def decided(app):
    """A report by Amara with a decision on it; returns (reference, agent email, secrets)."""
    with app.app_context():
        admin = make_user("admin", email="admin@helpdesk.example")
        agent = make_user("agent", email="priya@helpdesk.example", display_name="Priya Raman")
        reporter = make_user(email=REPORTER, display_name="Amara Okafor")
        reporter.marketplace_id = MARKETPLACE_ID
        ticket = make_ticket(reporter, category="fraud", reported="jane_doe")
        policy = categories.save_category(
            admin, categories.CategoryInput(name=POLICY, description="Only for this test.")
        )
        action = decisions.add_action(admin, ACTION)
        decisions.record(agent, ticket, policy=policy, action=action, reason=REASON)
        _, reporter_api = api_tokens.create_token(
            None, "Marketplace", ["reports:create", "reports:read"]
        )
        _, team_api = api_tokens.create_token(None, "Triage bot", ["tickets:read"])
        db.session.commit()
        return ticket.reference, agent.email, admin.email, reporter_api, team_api


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_agents_read_the_decision_on_the_page_in_their_api_and_in_the_audit_log(app, decided):
    """The control: the marks are there to be found where agents look."""
    reference, agent, admin, _, team_api = decided
    client = app.test_client()
    log_in(client, agent)
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    assert sorted(_leaks(page)) == sorted(MARKS)

    detail = app.test_client().get(f"/api/v1/tickets/{reference}", headers=_bearer(team_api))
    assert detail.status_code == 200
    [decision] = detail.get_json()["decisions"]
    assert decision["reason"] == REASON and decision["action_name"] == ACTION
    assert decision["action"] == "quokka_sanction" and decision["policy"] == "wombat-rule-breach"
    assert decision["agent"]["display_name"] == "Priya Raman"
    schema = app.test_client().get("/api/openapi.json").get_json()
    assert "DecisionOut" in schema["components"]["schemas"]
    assert "decisions" in schema["components"]["schemas"]["TicketDetail"]["required"]

    log_in(client := app.test_client(), admin)
    audit = client.get("/admin/audit?action=decision.recorded").get_data(as_text=True)
    assert reference in audit and "decision.recorded" in audit


@pytest.mark.p2
def test_no_reporter_surface_shows_the_decision(app, decided):
    reference, agent, _, reporter_api, _ = decided
    reporter = app.test_client()
    log_in(reporter, REPORTER)
    staff = app.test_client()
    log_in(staff, agent)

    # After the decision, drive every flow that mails: a follow-up, an agent's public reply, a
    # new report about the same member (on the web and through the API), a password reset, a
    # registration of the reporter's address, a new member's registration, an invitation.
    submit(reporter, f"/tickets/{reference}", {"body": "He wrote to me again today."})
    _reply(staff, reference, "Thank you, we have everything we need and are on it.")
    new_report = {
        "category": str(_category_id(app, "harassment")),
        "subject": "Another message from the same member",
        "description": "Today the same member sent me insults again.",
        "reported": "jane_doe",
    }
    second = submit(reporter, "/tickets/new", new_report).location.rsplit("/", 1)[1]
    api_report = {
        "marketplace_member_id": MARKETPLACE_ID,
        "member_email": REPORTER,
        "member_name": "Amara Okafor",
        "category": "fraud",
        "subject": "A third report about the member",
        "description": "The same member asked me for a gift card again.",
        "reported": "jane_doe",
    }
    created = app.test_client().post(
        "/api/v1/reports", json=api_report, headers=_bearer(reporter_api)
    )
    assert created.status_code == 201
    anonymous = app.test_client()
    submit(anonymous, "/password/reset", {"email": REPORTER})
    submit(anonymous, "/register", {"display_name": "Amara Okafor", "email": REPORTER})
    submit(anonymous, "/register", {"display_name": "Dana Reyes", "email": "dana@example.org"})
    admin = app.test_client()
    log_in(admin, decided[2])
    submit(
        admin,
        "/admin/users/invite",
        {"email": "nia@helpdesk.example", "display_name": "Nia Okafor", "role": "agent"},
    )

    with app.app_context():
        # An account's deletion is confirmed to its owner; written here for the reporter, whose
        # pages are read below, so that this kind is rendered with the decision in place too.
        owner = db.session.scalar(select(User).where(User.email == REPORTER))
        outbox.enqueue(MailKind.ACCOUNT_DELETED, actor=owner, user=owner)
        db.session.commit()
        mails = list(db.session.scalars(select(OutboundMail)))
        assert {mail.kind for mail in mails} == set(MailKind)  # every kind there is, checked
        for mail in mails:
            text = " ".join(
                [
                    mail.subject,
                    mail.body_text,
                    mail.body_html or "",
                    str(mail.headers),
                    mail.reason or "",
                ]
            )
            assert _leaks(text) == [], (mail.kind, mail.subject)

    pages = ["/tickets", f"/tickets/{reference}", f"/tickets/{second}", "/account"]
    pages += [f"/tickets/{created.get_json()['reference']}"]
    for path in pages:
        response = reporter.get(path)
        assert response.status_code == 200, path
        assert _leaks(response.get_data(as_text=True)) == [], path

    reporter_api_answers = [
        app.test_client().get(
            f"/api/v1/reports/{ref}?member={MARKETPLACE_ID}", headers=_bearer(reporter_api)
        )
        for ref in (reference, second)
    ] + [created]
    for answer in reporter_api_answers:
        assert answer.status_code in (200, 201)
        assert _leaks(answer.get_data(as_text=True)) == []
        assert "decision" not in answer.get_data(as_text=True).lower()


@pytest.mark.p2
def test_a_decision_leaves_what_the_reporter_sees_as_it_was(app, decided):
    """Not even its timing: the reporter's list is sorted by last activity, which a decision
    does not touch; the label stays the same."""
    reference, agent, *_ = decided
    with app.app_context():
        ticket = ticket_lookup.by_reference(reference)
        before = (ticket.last_activity_at, ticket.status)
        action = decisions.actions()[-1]
        staff = db.session.scalar(select(User).where(User.email == agent))
        decisions.record(staff, ticket, policy=None, action=action, reason="Once more.")
        db.session.commit()
        db.session.expire_all()
        assert (ticket.last_activity_at, ticket.status) == before


def _reply(client, reference: str, body: str) -> None:
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = submit(
        client,
        f"/agent/tickets/{reference}",
        {"kind": "reply", "body": body, "version": version},
        page=f"/agent/tickets/{reference}",
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def _category_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.slug == slug))
