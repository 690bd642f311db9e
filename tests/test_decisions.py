"""Decisions on a ticket through the ticket page: recorded by agents only, refused with a
clear reason and nothing changed, listed newest first, audited."""

import re

import pytest
from sqlalchemy import select

from helpdesk import decisions, tickets
from helpdesk.database import db
from helpdesk.models import AuditEvent, Category, Decision, DecisionAction, Ticket

from .conftest import csrf_token, log_in
from .factories import make_ticket, make_user

VERSION = re.compile(r'name="version" value="(\d+)"')


@pytest.fixture
def reported(app):
    """The reference of a ticket about jane_doe."""
    with app.app_context():
        ticket = make_ticket(reported="jane_doe")
        db.session.commit()
        return ticket.reference


def _agent(app, client, name="Priya Raman") -> str:
    with app.app_context():
        email = make_user("agent", display_name=name).email
        db.session.commit()
    log_in(client, email)
    return email


def _ids(app) -> dict[str, int]:
    with app.app_context():
        return {a.slug: a.id for a in db.session.scalars(select(DecisionAction))}


def _category_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.slug == slug))


def _offered_actions(client, reference: str) -> dict[str, str]:
    """The decision form's actions: id -> name."""
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    select_ = page[page.index('id="decision-action"') :]
    select_ = select_[: select_.index("</select>")]
    return dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', select_))


def _decide(client, reference: str, **fields):
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(client, f"/agent/tickets/{reference}"),
        "version": VERSION.search(page).group(1),
        **fields,
    }
    return client.post(f"/agent/tickets/{reference}/decisions", data=data)


def _decisions(app, reference: str) -> list[tuple[str, str | None, str]]:
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        return [
            (d.action.slug, d.policy.slug if d.policy else None, d.reason)
            for d in decisions.for_ticket(ticket)
        ]


def test_the_six_default_actions_are_offered_in_order(app, client, reported):
    _agent(app, client)
    names = list(_offered_actions(client, reported).values())
    assert names == ["No action", "Warning", "Content removed", "Restricted", "Suspended", "Banned"]
    assert [slug for slug, _ in decisions.DEFAULT_ACTIONS] == list(_ids(app))


def test_an_agent_records_a_decision_and_it_is_audited(app, client, reported):
    _agent(app, client)
    before = _version(app, reported)
    response = _decide(
        client,
        reported,
        policy=str(_category_id(app, "harassment")),
        action=str(_ids(app)["warning"]),
        reason="Insults in three messages; first offence.",
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Decision recorded" in page and "Insults in three messages; first offence." in page
    assert _decisions(app, reported) == [
        ("warning", "harassment", "Insults in three messages; first offence.")
    ]
    assert _version(app, reported) == before + 1
    with app.app_context():
        recorded = select(AuditEvent).where(AuditEvent.action == "decision.recorded")
        event = db.session.scalar(recorded)
        assert event.ticket.reference == reported
        assert event.changes == {"policy": "harassment", "action_taken": "warning"}


def test_no_violation_is_a_decision_without_a_policy(app, client, reported):
    _agent(app, client)
    response = _decide(client, reported, policy="", action=str(_ids(app)["none"]), reason="Banter.")
    assert response.status_code == 302
    assert _decisions(app, reported) == [("none", None, "Banter.")]
    page = client.get(f"/agent/tickets/{reported}").get_data(as_text=True)
    assert "No violation" in page[page.index('class="decisions"') :]


def test_later_decisions_come_first_and_the_newest_is_current(app, client, reported):
    _agent(app, client)
    ids = _ids(app)
    _decide(client, reported, policy="", action=str(ids["none"]), reason="First look.")
    _decide(client, reported, policy="", action=str(ids["suspended"]), reason="Second look.")
    assert [reason for *_, reason in _decisions(app, reported)] == ["Second look.", "First look."]
    page = client.get(f"/agent/tickets/{reported}").get_data(as_text=True)
    listed = page[page.index('class="decisions"') :]
    assert listed.index("Current") < listed.index("Suspended") < listed.index("No action")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reason": "   "}, "Give the reason for the decision"),
        ({"action": "999999"}, "Choose one of the actions offered."),
        ({"policy": "999999"}, "Choose a policy from the list"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(app, client, reported, fields, message):
    _agent(app, client)
    before = _version(app, reported)
    data = {"policy": "", "action": str(_ids(app)["warning"]), "reason": "Kept text."} | fields
    response = _decide(client, reported, **data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    if fields.get("reason") is None:
        assert "Kept text." in page  # what the agent typed stays in the form
    assert _decisions(app, reported) == []
    assert _version(app, reported) == before


def test_an_inactive_action_is_neither_offered_nor_accepted(app, client, reported):
    _agent(app, client)
    with app.app_context():
        banned = db.session.scalar(select(DecisionAction).where(DecisionAction.slug == "banned"))
        banned.active = False
        db.session.commit()
        banned_id = banned.id
    assert "Banned" not in _offered_actions(client, reported).values()
    response = _decide(client, reported, policy="", action=str(banned_id), reason="Why not.")
    assert response.status_code == 422
    assert _decisions(app, reported) == []


def test_a_decision_on_an_older_copy_of_the_ticket_is_refused(app, client, reported):
    _agent(app, client)
    page = client.get(f"/agent/tickets/{reported}").get_data(as_text=True)
    seen = VERSION.search(page).group(1)
    with app.app_context():
        other = make_user("agent", display_name="Tomas Berg")
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reported))
        tickets.claim(other, ticket)
        db.session.commit()
    response = client.post(
        f"/agent/tickets/{reported}/decisions",
        data={
            "csrf_token": csrf_token(client, f"/agent/tickets/{reported}"),
            "version": seen,
            "policy": "",
            "action": str(_ids(app)["warning"]),
            "reason": "Typed before the claim.",
        },
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Tomas Berg" in page and "Typed before the claim." in page
    assert _decisions(app, reported) == []


def test_a_merged_ticket_takes_no_decision(app, client, reported):
    _agent(app, client)
    with app.app_context():
        agent = make_user("agent")
        duplicate = db.session.scalar(select(Ticket).where(Ticket.reference == reported))
        tickets.merge(agent, duplicate, make_ticket())
        db.session.commit()
        action = db.session.scalar(select(DecisionAction).where(DecisionAction.slug == "warning"))
        with pytest.raises(decisions.TicketClosed, match="merged into another ticket"):
            decisions.record(agent, duplicate, policy=None, action=action, reason="Late.")
    page = client.get(f"/agent/tickets/{reported}").get_data(as_text=True)
    assert "Record decision" not in page


def test_members_cannot_record_decisions(app, client, reported):
    with app.app_context():
        member = make_user()
        db.session.commit()
        email = member.email
        action = db.session.scalar(select(DecisionAction).where(DecisionAction.slug == "banned"))
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reported))
        with pytest.raises(decisions.NotAllowed):
            decisions.record(member, ticket, policy=None, action=action, reason="Me.")
    log_in(client, email)
    response = client.post(
        f"/agent/tickets/{reported}/decisions",
        data={"csrf_token": csrf_token(client, "/account"), "version": "1", "reason": "Me."},
    )
    assert response.status_code == 403
    assert _decisions(app, reported) == []


def test_an_unknown_ticket_is_refused(app_context):
    agent = make_user("agent")
    action = decisions.actions()[0]
    with pytest.raises(decisions.InvalidInput, match="no ticket"):
        decisions.record(agent, None, policy=None, action=action, reason="Nothing.")
    assert db.session.scalar(select(Decision.id)) is None


def _version(app, reference: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Ticket.version).where(Ticket.reference == reference))
