"""What a reporter sees of their ticket's status (P2), and which statuses their follow-up
wakes up: checked through the member's own pages, whatever the code behind them."""

import re

import pytest
from sqlalchemy import select

from helpdesk.database import db
from helpdesk.models import Status, Ticket

from .conftest import log_in, submit
from .factories import make_ticket

BADGE = re.compile(r'<span class="badge badge-([a-z-]+)">([^<]+)</span>')
SEEN = {
    Status.NEW: "Received",
    Status.OPEN: "In review",
    Status.PENDING: "Awaiting your reply",
    Status.ON_HOLD: "In review",
    Status.SOLVED: "Solved",
    Status.CLOSED: "Closed",
}
# A reporter adding information sends these back to the team; the others stay as they are.
WOKEN_UP = {Status.PENDING: Status.OPEN, Status.SOLVED: Status.OPEN}


@pytest.fixture
def reported(app):
    with app.app_context():
        ticket = make_ticket()
        db.session.commit()
        return ticket.reporter.email, ticket.reference


def _set_status(app, reference: str, status: Status) -> None:
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        ticket.status = status
        db.session.commit()


def _status(app, reference: str) -> Status:
    with app.app_context():
        return db.session.scalar(select(Ticket.status).where(Ticket.reference == reference))


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.p2
def test_the_reporter_sees_the_coarse_label_on_both_pages(app, client, reported, status):
    email, reference = reported
    _set_status(app, reference, status)
    log_in(client, email)

    for page in ("/tickets", f"/tickets/{reference}"):
        badges = BADGE.findall(client.get(page).get_data(as_text=True))
        label = SEEN[status]
        assert badges == [(label.lower().replace(" ", "-"), label)], page


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.CLOSED])
def test_a_follow_up_wakes_up_pending_and_solved_tickets_only(app, client, reported, status):
    email, reference = reported
    _set_status(app, reference, status)
    log_in(client, email)

    response = submit(client, f"/tickets/{reference}", {"body": "One more screenshot attached."})

    assert response.status_code == 302
    assert _status(app, reference) is WOKEN_UP.get(status, status)
