"""Canned replies: placeholders, the sandbox, permissions, preview, applying one to a ticket."""

import re

import pytest
from sqlalchemy import select

from helpdesk import canned_replies
from helpdesk.canned_replies import CannedReplyInput
from helpdesk.database import db
from helpdesk.errors import InvalidInput, NotAllowed
from helpdesk.models import CannedReply, Status, Ticket
from helpdesk.seed import DEFAULT_CANNED_REPLIES

from .conftest import log_in, submit
from .factories import make_ticket, make_user

GOOD = (
    "Hi {{ reporter_first_name }}, thanks for {{ reference }} ({{ category }}). "
    "{{ agent_first_name }}, {{ team_name }}"
)


def _save(client, **fields):
    data = {"title": "Thanks", "body": GOOD, "set_status": "", "set_priority": "", **fields}
    return submit(client, "/agent/canned-replies", data)


def test_known_placeholders_are_saved_and_rendered(app_context):
    admin = make_user("admin")
    canned = canned_replies.save(admin, CannedReplyInput("Thanks", GOOD, shared=True))
    ticket = make_ticket(reporter=make_user(display_name="Dana Reyes"))
    agent = make_user("agent", display_name="Priya Raman")
    text = canned_replies.render(canned.body, ticket=ticket, agent=agent)
    assert text == (
        f"Hi Dana, thanks for {ticket.reference} (Harassment or abusive language). "
        "Priya, Trust & Safety team"
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Hello {{ reported_member }}", "Unknown placeholder reported_member"),
        ("{{ ticket.reporter.email }}", "Unknown placeholder ticket"),
        ("{{ config }}", "Unknown placeholder config"),
        ("{{ reference.__class__.__mro__[1].__subclasses__() }}", "cannot be filled in"),
        ("{{ reference.format.__globals__ }}", "cannot be filled in"),
        ("{% for x in range(10000000) %}{% endfor %}", "cannot be filled in"),
        ("{{ reference ", "not written correctly"),
        ("{{ 1 / 0 }}", "cannot be filled in"),
    ],
)
def test_unknown_placeholders_and_escapes_are_refused_at_save(app_context, body, message):
    admin = make_user("admin")
    with pytest.raises(InvalidInput) as refused:
        canned_replies.save(admin, CannedReplyInput("Bad", body, shared=True))
    assert message in refused.value.messages
    assert db.session.scalar(select(CannedReply)) is None


def test_the_page_refuses_an_unknown_placeholder_and_keeps_the_text(app, client):
    with app.app_context():
        agent = make_user("agent")
        db.session.commit()
        email = agent.email
    log_in(client, email)
    response = _save(client, body="Dear {{ reported_email }}, hello")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Unknown placeholder reported_email" in page
    assert "Dear {{ reported_email }}, hello</textarea>" in page


def test_preview_fills_in_sample_values_without_saving(app, client, login_as):
    login_as("agent")
    response = _save(client, preview="1")
    page = response.get_data(as_text=True)
    assert "Hi Dana, thanks for HD-7K3QX9MB" in page
    with app.app_context():
        assert db.session.scalar(select(CannedReply)) is None


def test_agents_keep_personal_replies_and_only_admins_share(app, client, login_as):
    login_as("agent")
    assert _save(client, shared="1").status_code == 403
    assert _save(client, title="Mine").status_code == 302
    with app.app_context():
        mine = db.session.scalar(select(CannedReply))
        assert mine.owner is not None and not mine.is_shared
        stranger = make_user("agent")
        with pytest.raises(NotAllowed):
            canned_replies.save(stranger, CannedReplyInput("Taken", GOOD), mine)
        assert canned_replies.available_to(stranger) == []


def test_admins_manage_shared_replies(app, client, login_as):
    login_as("admin")
    assert _save(client, title="For everyone", shared="1").status_code == 302
    with app.app_context():
        shared = db.session.scalar(select(CannedReply))
        assert shared.is_shared
        assert canned_replies.available_to(make_user("agent")) == [shared]
        with pytest.raises(NotAllowed):
            canned_replies.delete(make_user("agent"), shared)


def test_applying_need_more_information_asks_the_reporter_and_sets_pending(app, client):
    with app.app_context():
        admin = make_user("admin")
        for default in DEFAULT_CANNED_REPLIES:
            canned_replies.save(admin, default)
        agent = make_user("agent", display_name="Priya Raman")
        ticket = make_ticket(reporter=make_user(display_name="Dana Reyes"))
        db.session.commit()
        reference, agent_email = ticket.reference, agent.email
        need_more = db.session.scalar(
            select(CannedReply).where(CannedReply.title == "We need more information")
        )
        need_more_id = need_more.id
    log_in(client, agent_email)
    ticket_page = f"/agent/tickets/{reference}"
    # Without JavaScript, "Use" posts the form and the page comes back with the reply in the
    # box and its status on the status field, for the agent to see before sending.
    used = submit(
        client,
        ticket_page,
        {"version": "1", "body": "", "canned": str(need_more_id), "use_canned": "1"},
        page=ticket_page,
    )
    page = used.get_data(as_text=True)
    assert used.status_code == 200
    draft = re.search(
        r'<textarea id="reply-body" name="body" rows="7">(.*?)</textarea>', page, re.S
    )
    assert "Hi Dana" in draft.group(1) and reference in draft.group(1)
    assert '<option value="pending" selected>Pending</option>' in page
    assert "Send and set Pending" in page
    canned_id = re.search(r'name="canned_id" value="(\d+)"', page).group(1)
    edited = draft.group(1).replace("&#39;", "'").replace("&amp;", "&") + "\nThank you!"
    response = submit(
        client,
        ticket_page,
        {"version": "1", "canned_id": canned_id, "body": edited, "status": "pending"},
        page=ticket_page,
    )
    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket.status is Status.PENDING
        assert ticket.messages[-1].body.endswith("Thank you!")
        assert db.session.get(CannedReply, need_more_id).usage_count == 1


def test_a_canned_replys_actions_are_not_applied_unless_the_form_sets_them(app, client):
    """The agent sees and sends the fields; a canned reply's id alone changes no status."""
    with app.app_context():
        admin = make_user("admin")
        for default in DEFAULT_CANNED_REPLIES:
            canned_replies.save(admin, default)
        agent = make_user("agent")
        reference = make_ticket().reference
        db.session.commit()
        agent_email = agent.email
        solves = db.session.scalar(select(CannedReply).where(CannedReply.set_status.is_not(None)))
        solves_id = solves.id
    log_in(client, agent_email)
    ticket_page = f"/agent/tickets/{reference}"
    response = submit(
        client,
        ticket_page,
        {"version": "1", "canned_id": str(solves_id), "body": "Thanks, we are on it."},
        page=ticket_page,
    )
    assert response.status_code == 302
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket.status is Status.NEW
        assert ticket.messages[-1].body == "Thanks, we are on it."


def test_the_picker_searches_titles_and_text(app, client, login_as):
    with app.app_context():
        admin = make_user("admin")
        for default in DEFAULT_CANNED_REPLIES:
            canned_replies.save(admin, default)
        reference = make_ticket().reference
        db.session.commit()
    login_as("agent")
    page = client.get(f"/agent/tickets/{reference}?canned_q=screenshots").get_data(as_text=True)
    picker = re.search(r'<select id="canned" name="canned">(.*?)</select>', page, re.S).group(1)
    assert "We need more information" in picker and "Under review" not in picker


def test_seeded_replies_use_only_known_placeholders(app_context):
    for default in DEFAULT_CANNED_REPLIES:
        canned_replies.check_body(default.body)
        assert "{{" in default.body
