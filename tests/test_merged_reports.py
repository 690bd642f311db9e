"""A report merged into another reporter's ticket shows its reporter a neutral, closed state:
never "Solved" (which says we took action), never the other report (P1, P2)."""

import pytest
from sqlalchemy import select

from helpdesk import tickets
from helpdesk.database import db
from helpdesk.models import Message, MessageKind, Ticket

from .conftest import log_in, submit
from .factories import make_ticket, make_user

pytestmark = [pytest.mark.p1, pytest.mark.p2]


@pytest.fixture
def merged(app):
    """Two reporters' reports about the same member; the first merged into the second."""
    with app.app_context():
        agent = make_user("agent")
        duplicate = make_ticket(reported="jane_doe")
        survivor = make_ticket(reported="jane_doe")
        tickets.merge(agent, duplicate, survivor)
        db.session.commit()
        return duplicate.reporter.email, duplicate.reference, survivor.reference


def test_the_merged_reporter_sees_closed_and_a_neutral_reason(app, client, merged):
    email, reference, survivor = merged
    log_in(client, email)

    for page in ("/tickets", f"/tickets/{reference}"):
        html = client.get(page).get_data(as_text=True)
        assert 'class="badge badge-closed">Closed<' in html, page
        assert "Solved" not in html
        assert survivor not in html
    assert "handled together with a related report" in client.get(f"/tickets/{reference}").text


def test_the_merged_report_takes_no_more_information(app, client, merged):
    email, reference, _ = merged
    log_in(client, email)

    response = submit(client, f"/tickets/{reference}", {"body": "One more thing."})

    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        kinds = db.session.scalars(select(Message.kind).where(Message.ticket_id == ticket.id))
        assert list(kinds).count(MessageKind.REPORTER) == 1
