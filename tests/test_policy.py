"""The policy rules that this slice of the product can break (DESIGN §2), through HTTP."""

import pytest
from sqlalchemy import select

from helpdesk import tickets, workflow
from helpdesk.database import db
from helpdesk.models import Attachment, Status, User

from .factories import make_ticket, make_user

NOTE = "Account linked to three earlier reports; suspended pending payment review."
REPLY = "Thank you, we have what we need for now."


@pytest.fixture
def worked_ticket(app, login_as):
    """A report by the logged-in member that an agent has replied to and noted on."""
    email = login_as("member")
    with app.app_context():
        reporter = db.session.scalar(select(User).where(User.email == email))
        agent = make_user("agent", display_name="Priya Raman")
        ticket = make_ticket(reporter=reporter, reported="quickpay_dev")
        tickets.assign(agent, ticket, agent)
        note = tickets.add_note(agent, ticket, NOTE)
        note.attachments.append(
            Attachment(filename="ledger.png", content_type="image/png", size=1, sha256="1" * 64)
        )
        tickets.post_reply(agent, ticket, REPLY)
        workflow.change_status(agent, ticket, Status.ON_HOLD)
        db.session.commit()
        return ticket.reference, note.attachments[0].id


@pytest.mark.p1
@pytest.mark.p2
def test_p1_p2_the_reporter_never_sees_notes_staff_or_internal_status(client, worked_ticket):
    reference, _ = worked_ticket
    for page in (client.get(f"/tickets/{reference}"), client.get("/tickets")):
        text = page.get_data(as_text=True)
        assert page.status_code == 200
        assert NOTE not in text and "suspended" not in text
        assert "Priya Raman" not in text  # replies come from the team, not a named agent
        assert "On hold" not in text and "on_hold" not in text
        assert "In review" in text
    assert REPLY in client.get(f"/tickets/{reference}").get_data(as_text=True)


@pytest.mark.p1
@pytest.mark.p2
def test_p1_evidence_on_an_internal_note_is_not_served_to_the_reporter(client, worked_ticket):
    reference, note_attachment = worked_ticket
    assert client.get(f"/tickets/{reference}/attachments/{note_attachment}").status_code == 404


@pytest.mark.p7
def test_p7_knowing_a_reference_grants_nothing(app, client, login_as):
    with app.app_context():
        reference = make_ticket().reference
        db.session.commit()
    assert client.get(f"/tickets/{reference}").status_code == 302  # log in first
    login_as("member")
    assert client.get(f"/tickets/{reference}").status_code == 404
