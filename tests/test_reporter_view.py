"""What a reporter sees of their ticket (P1, P2): one view for their pages, the API and mail."""

import io

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from helpdesk import canned_replies, reporter_view, tickets
from helpdesk.database import db
from helpdesk.models import Status, User

from .factories import make_ticket, make_user

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.mark.p2
def test_reporters_see_only_coarse_labels():
    assert {reporter_view.status_label(status) for status in Status} == {
        "Received",
        "In review",
        "Awaiting your reply",
        "Solved",
        "Closed",
    }
    assert reporter_view.status_label(Status.ON_HOLD) == reporter_view.status_label(Status.OPEN)


@pytest.mark.p1
@pytest.mark.p2
def test_the_reporter_sees_the_public_thread_as_you_and_the_team(app_context):
    agent = make_user("agent", display_name="Priya Agent")
    ticket = make_ticket()
    tickets.add_note(agent, ticket, "Same member as HD-XXXX, account under review")
    tickets.post_reply(agent, ticket, "Thank you for your report.")
    report = reporter_view.for_reporter(ticket)
    assert [(m.author, m.author_name, m.body) for m in report.messages] == [
        ("you", "You", ticket.messages[0].body),
        ("team", "Trust & Safety team", "Thank you for your report."),
    ]
    assert (report.reference, report.status, report.category) == (
        ticket.reference,
        "Received",
        "harassment",
    )
    assert report.category_name == ticket.category.name and not report.closed


@pytest.mark.p4
def test_mail_and_canned_replies_name_the_same_public_facts(app_context):
    ticket = make_ticket(reporter=make_user(display_name="Dana Reporter"))
    agent = make_user("agent", display_name="Priya Agent")
    facts = reporter_view.public_facts(ticket)
    assert facts == {
        "first_name": "Dana",
        "reference": ticket.reference,
        "category": ticket.category.name,
        "status": "Received",
        "team_name": "Trust & Safety team",
    }
    placeholders = canned_replies.context_for(ticket, agent)
    assert placeholders["reporter_first_name"] == facts["first_name"]
    assert placeholders["team_name"] == facts["team_name"]


@pytest.mark.p1
@pytest.mark.p2
def test_the_reporters_page_names_the_team_never_the_agent_nor_a_note(app, client, login_as):
    email = login_as("member")
    with app.app_context():
        ticket = make_ticket(reporter=db.session.scalar(select(User).where(User.email == email)))
        agent = make_user("agent", display_name="Priya Agent")
        tickets.add_note(agent, ticket, "Internal: account under review")
        tickets.post_reply(agent, ticket, "Thank you, we are looking into it.")
        db.session.commit()
        reference = ticket.reference
    page = client.get(f"/tickets/{reference}").get_data(as_text=True)
    assert "Trust &amp; Safety team" in page and "<strong>You</strong>" in page
    assert "Thank you, we are looking into it." in page
    assert "Priya" not in page and "account under review" not in page
    assert "Received" in page


def test_the_reporters_page_reads_the_thread_with_the_ticket_however_long(
    app, client, login_as, count_queries
):
    """Messages and their files come in the ticket's own query, not one query per message."""
    email = login_as("member")
    with app.app_context():
        reporter = db.session.scalar(select(User).where(User.email == email))
        agent = make_user("agent")
        short, long = make_ticket(reporter=reporter), make_ticket(reporter=reporter)
        for number in range(3):
            screenshot = FileStorage(io.BytesIO(PNG), filename=f"shot-{number}.png")
            tickets.add_followup(reporter, long, f"More detail {number}", [screenshot])
            tickets.post_reply(agent, long, f"Thank you, noted {number}.")
        db.session.commit()
        references = short.reference, long.reference
    pages = []
    few = count_queries(lambda: pages.append(client.get(f"/tickets/{references[0]}")))
    many = count_queries(lambda: pages.append(client.get(f"/tickets/{references[1]}")))
    assert few == many
    thread = pages[1].get_data(as_text=True)
    said = ["More detail 0", "Thank you, noted 0.", "More detail 2", "Thank you, noted 2."]
    assert [thread.index(text) for text in said] == sorted(thread.index(text) for text in said)
    assert all(f"shot-{number}.png" in thread for number in range(3))
