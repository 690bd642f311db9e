"""Rows written past the unit of work (helpdesk.direct_inserts): what a flush would do, or a
clear refusal."""

import pytest
from sqlalchemy import func, select

from helpdesk import direct_inserts
from helpdesk.database import db
from helpdesk.models import AuditEvent, InboundMail, Ticket

from .factories import make_user


def _inbound(**fields) -> InboundMail:
    return InboundMail(channel="file", size=3, sha256="a" * 64, **fields)


def test_defaults_and_parents_are_written_and_left_on_the_object(app_context):
    actor = make_user("agent")
    event = AuditEvent(actor=actor, action="test.done")
    assert direct_inserts.insert(event)
    assert (event.actor_id, event.changes, event.created_at is not None) == (actor.id, {}, True)
    db.session.commit()
    db.session.expire_all()
    assert (event.actor_id, event.action, event.changes) == (actor.id, "test.done", {})


def test_a_row_that_is_taken_is_not_written_and_says_so(app_context):
    assert direct_inserts.insert(_inbound(first_sha256="a" * 64), unless_taken=True)
    second = _inbound(first_sha256="a" * 64)
    assert not direct_inserts.insert(second, unless_taken=True)
    assert second.id is None and second not in db.session
    assert db.session.scalar(select(func.count()).select_from(InboundMail)) == 1


def test_a_parent_that_is_not_written_yet_is_refused(app_context):
    # A new ticket the unit of work would have inserted first: its id is not known here.
    events = select(func.count()).select_from(AuditEvent)
    before = db.session.scalar(events)
    event = AuditEvent(action="test.done", ticket=Ticket(subject="never written"))
    with pytest.raises(ValueError, match="rows not given"):
        direct_inserts.insert(event)
    db.session.rollback()
    assert db.session.scalar(events) == before
