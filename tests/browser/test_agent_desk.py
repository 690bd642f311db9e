"""The agent's day in a real browser: the ticket form, canned replies, drafts, the keyboard and
the inbox's bulk actions."""

import re

import pytest

from ..factories import make_user
from .test_flows import REFERENCE, flash, log_in, new_member_with_report, status_badge

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests and says why
    expect = None

pytestmark = pytest.mark.browser

REPLY_BOX = "Reply (the reporter reads this)"


def _agent_on_ticket(new_page, server, subject: str):
    _, reference = new_member_with_report(server, subject)
    email = server.run(lambda: make_user("agent", display_name="Priya Raman").email)
    agent = new_page()
    log_in(agent, email)
    agent.goto(f"/agent/tickets/{reference}")
    return agent, reference


def test_a_canned_reply_found_by_search_is_the_one_inserted_and_sent(new_page, server):
    agent, reference = _agent_on_ticket(new_page, server, "Canned reply picked after a search")
    note = agent.get_by_label("Find a canned reply")
    agent.get_by_label("Canned reply", exact=True).select_option(
        label="Reviewed: action taken where appropriate (sets solved)"
    )
    agent.get_by_role("button", name="Use", exact=True).click()
    reply = agent.get_by_label(REPLY_BOX)
    expect(reply).to_have_value(re.compile("taken action where appropriate"))

    reply.fill("Hi Bo, one question first.")
    note.fill("more information")
    agent.get_by_role("button", name="Use", exact=True).click()

    chosen = agent.get_by_label("Canned reply", exact=True)
    expect(chosen.locator("option:checked")).to_have_text("We need more information (sets pending)")
    expect(reply).to_have_value(re.compile(r"^Hi Bo, one question first\..*a little more", re.S))
    expect(reply).not_to_have_value(re.compile("taken action where appropriate"))
    status = agent.get_by_label("Status", exact=True)
    expect(status.locator("option:checked")).to_have_text(re.compile("^Pending"))
    send = agent.get_by_role("button", name="Send and set Pending")
    send.click()
    expect(flash(agent)).to_contain_text("Reply sent")
    expect(status_badge(agent)).to_have_text("Pending")
    thread = agent.get_by_role("region", name="Thread")
    expect(thread).to_contain_text("a little more")
    expect(thread).not_to_contain_text("taken action where appropriate")
    assert REFERENCE.search(reference)
