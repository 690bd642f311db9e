"""Every status transition, allowed and refused, through the one function that changes status."""

import itertools

import pytest
from sqlalchemy import select

from helpdesk import workflow
from helpdesk.database import db
from helpdesk.errors import TransitionRefused
from helpdesk.models import AuditEvent, Status

from .factories import make_ticket, make_user

ALLOWED = {
    (Status.NEW, Status.OPEN),
    (Status.NEW, Status.PENDING),
    (Status.NEW, Status.ON_HOLD),
    (Status.NEW, Status.SOLVED),
    (Status.OPEN, Status.PENDING),
    (Status.OPEN, Status.ON_HOLD),
    (Status.OPEN, Status.SOLVED),
    (Status.PENDING, Status.OPEN),
    (Status.PENDING, Status.ON_HOLD),
    (Status.PENDING, Status.SOLVED),
    (Status.ON_HOLD, Status.OPEN),
    (Status.ON_HOLD, Status.PENDING),
    (Status.ON_HOLD, Status.SOLVED),
    (Status.SOLVED, Status.OPEN),
    (Status.SOLVED, Status.CLOSED),
}
# A path from new to each status, so a test can put a ticket anywhere in the workflow.
PATH_TO = {
    Status.NEW: [],
    Status.OPEN: [Status.OPEN],
    Status.PENDING: [Status.PENDING],
    Status.ON_HOLD: [Status.ON_HOLD],
    Status.SOLVED: [Status.SOLVED],
    Status.CLOSED: [Status.SOLVED, Status.CLOSED],
}


def test_the_table_is_the_design():
    table = {(old, new) for old, targets in workflow.TRANSITIONS.items() for new in targets}
    assert table == ALLOWED


@pytest.mark.parametrize(("old", "new"), sorted(itertools.product(Status, Status)))
def test_transition(app_context, old, new):
    agent = make_user("agent")
    ticket = make_ticket()
    for step in PATH_TO[old]:
        workflow.change_status(ticket, step, agent)
    events_before = db.session.query(AuditEvent).count()
    if (old, new) in ALLOWED:
        workflow.change_status(ticket, new, agent)
        assert ticket.status is new
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.changes) == (
            "ticket.status_changed",
            {"old": old.value, "new": new.value},
        )
        assert event.actor is agent
    else:
        with pytest.raises(TransitionRefused):
            workflow.change_status(ticket, new, agent)
        assert ticket.status is old
        assert db.session.query(AuditEvent).count() == events_before


def test_solving_and_closing_stamp_the_times(app_context):
    agent = make_user("agent")
    ticket = make_ticket()
    workflow.change_status(ticket, Status.SOLVED, agent)
    assert ticket.solved_at is not None and ticket.closed_at is None
    workflow.change_status(ticket, Status.OPEN, agent)
    assert ticket.solved_at is None
    workflow.change_status(ticket, Status.SOLVED, agent)
    workflow.change_status(ticket, Status.CLOSED, agent)
    assert ticket.closed_at >= ticket.solved_at


@pytest.mark.p2
def test_reporters_see_only_coarse_labels():
    assert {workflow.reporter_label(status) for status in Status} == {
        "Received",
        "In review",
        "Awaiting your reply",
        "Solved",
        "Closed",
    }
    assert workflow.reporter_label(Status.ON_HOLD) == workflow.reporter_label(Status.OPEN)
