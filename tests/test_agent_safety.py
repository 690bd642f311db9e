"""What an agent's page may not do by accident or by a crafted request: act on a ticket without
the version it saw, or read and delete another agent's personal canned reply."""

import re

import pytest
from sqlalchemy import select

from helpdesk import canned_replies
from helpdesk.canned_replies import CannedReplyInput
from helpdesk.database import db
from helpdesk.models import CannedReply, Status, Ticket

from .conftest import log_in, submit
from .factories import make_ticket, make_user


def _logged_in_agent(app, client) -> None:
    with app.app_context():
        agent = make_user("agent")
        db.session.commit()
        email = agent.email
    log_in(client, email)


def test_an_action_without_the_tickets_version_is_refused_and_changes_nothing(app, client):
    _logged_in_agent(app, client)
    with app.app_context():
        ticket = make_ticket()
        db.session.commit()
        reference = ticket.reference
    page = f"/agent/tickets/{reference}"

    response = submit(client, page, {"status": "solved"}, page=page)

    assert response.status_code == 409
    assert "Reload the ticket" in response.get_data(as_text=True)
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert (ticket.status, ticket.version) == (Status.NEW, 1)


def test_a_value_not_on_the_list_is_a_clear_refusal_not_an_error(app, client):
    _logged_in_agent(app, client)
    with app.app_context():
        reference = make_ticket().reference
        db.session.commit()
    page = f"/agent/tickets/{reference}"

    response = submit(client, page, {"status": "archived", "version": "1"}, page=page)

    assert response.status_code == 422
    assert "Choose one of the values offered." in response.get_data(as_text=True)


def test_another_agents_personal_reply_cannot_be_read_or_deleted(app, client):
    _logged_in_agent(app, client)
    with app.app_context():
        owner = make_user("agent")
        personal = canned_replies.save(owner, CannedReplyInput("Mine", "Thanks, {{ team_name }}."))
        db.session.commit()
        canned_id = personal.id

    assert client.get(f"/agent/canned-replies/{canned_id}").status_code == 404
    page = "/agent/canned-replies"
    assert submit(client, f"{page}/{canned_id}/delete", {}, page=page).status_code == 404
    with app.app_context():
        assert db.session.get(CannedReply, canned_id) is not None


@pytest.mark.p4
def test_a_refused_reply_shows_the_rule_the_words_and_a_neutral_wording(app, client):
    _logged_in_agent(app, client)
    with app.app_context():
        ticket = make_ticket(reported="jane_doe")
        db.session.commit()
        reference = ticket.reference
    page = f"/agent/tickets/{reference}"
    text = "Thank you. We looked at Jane\\_Doe's messages and will follow up."

    response = submit(client, page, {"kind": "reply", "body": text, "version": "1"}, page=page)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Why the privacy guard refused this reply" in html
    assert "<mark>Jane\\_Doe</mark>" in html
    assert 'id="guard-suggestion"' in html
    suggestion = re.search(r'id="guard-suggestion" class="guard-text">([^<]*)<', html).group(1)
    assert "Jane" not in suggestion and suggestion.startswith("Thank you. We looked at ")
    assert text.replace("'", "&#39;") in html  # the agent's text stays in the box
