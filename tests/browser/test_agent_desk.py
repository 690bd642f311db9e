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


def test_a_draft_survives_a_reload_and_is_forgotten_once_sent(new_page, server):
    agent, _ = _agent_on_ticket(new_page, server, "Draft kept across a reload")
    agent.get_by_label("Internal note").check()
    agent.get_by_label("Note (agents only, never sent)").fill("Half-written note about the files")
    agent.reload()
    box = agent.get_by_label("Note (agents only, never sent)")
    expect(box).to_have_value("Half-written note about the files")
    expect(agent.get_by_label("Internal note")).to_be_checked()
    agent.get_by_role("button", name="Add note").click()
    expect(flash(agent)).to_have_text("Internal note added.")
    agent.reload()
    expect(agent.get_by_label(REPLY_BOX)).to_have_value("")


def test_keys_move_through_the_inbox_and_switch_reply_and_note(new_page, server):
    agent, reference = _agent_on_ticket(new_page, server, "Keyboard walk through the inbox")
    agent.goto("/agent/?view=all&sort=newest")
    agent.get_by_label("Search").focus()
    agent.keyboard.press("j")  # typing in a field: no key fires
    expect(agent.get_by_label("Search")).to_have_value("j")
    agent.get_by_label("Search").blur()
    rows = agent.locator("[data-inbox-row]")
    agent.keyboard.press("j")
    expect(rows.first).to_be_focused()
    agent.keyboard.press("j")
    expect(rows.nth(1)).to_be_focused()
    agent.keyboard.press("k")
    expect(rows.first).to_be_focused()
    agent.keyboard.press("?")
    keys = agent.get_by_role("dialog", name="Keyboard shortcuts")
    expect(keys).to_be_visible()
    expect(keys).to_contain_text("Next / previous ticket")
    keys.get_by_role("button", name="Close").click()
    expect(keys).to_be_hidden()

    agent.goto(f"/agent/tickets/{reference}")
    agent.keyboard.press("n")
    expect(agent.get_by_label("Note (agents only, never sent)")).to_be_focused()
    expect(agent.get_by_role("button", name="Add note")).to_be_visible()
    agent.keyboard.press("r")  # typed into the focused box, not a key
    agent.locator("body").click(position={"x": 5, "y": 5})
    agent.get_by_label("Note (agents only, never sent)").fill("")
    agent.locator("body").click(position={"x": 5, "y": 5})
    agent.keyboard.press("r")
    expect(agent.get_by_label(REPLY_BOX)).to_be_focused()
    expect(agent.get_by_role("button", name="Send reply")).to_be_visible()


def test_enter_opens_the_focused_row(new_page, server):
    agent, _ = _agent_on_ticket(new_page, server, "Opened from the keyboard")
    agent.goto("/agent/?view=all&sort=newest")
    agent.locator("body").click(position={"x": 5, "y": 5})
    agent.keyboard.press("j")
    subject = agent.locator("[data-inbox-row]").first.locator(".col-subject").inner_text()
    agent.keyboard.press("Enter")
    expect(agent.get_by_role("heading", level=1)).to_have_text(subject)


def test_select_all_shows_the_bulk_actions_and_selects_the_page(new_page, server):
    agent, _ = _agent_on_ticket(new_page, server, "Selected with the rest of the page")
    agent.goto("/agent/?view=all")
    actions = agent.get_by_role("group", name="With the selected tickets")
    expect(actions).to_be_hidden()
    agent.get_by_label("Select every ticket on this page").check()
    expect(actions).to_be_visible()
    boxes = agent.get_by_role("checkbox", name=re.compile(r"^Select HD-"))
    for index in range(boxes.count()):
        expect(boxes.nth(index)).to_be_checked()
    agent.get_by_label("Select every ticket on this page").uncheck()
    expect(actions).to_be_hidden()
    boxes.first.check()
    expect(actions).to_be_visible()


def test_without_javascript_use_and_find_keep_everything_typed(browser, server):
    _, reference = new_member_with_report(server, "Worked without JavaScript")
    email = server.run(lambda: make_user("agent").email)
    context = browser.new_context(base_url=server.url, java_script_enabled=False)
    agent = context.new_page()
    log_in(agent, email)
    agent.goto(f"/agent/tickets/{reference}")
    agent.get_by_label(REPLY_BOX).fill("Hi Bo, thanks.")
    agent.get_by_label("Priority").select_option("high")
    agent.get_by_label("Find a canned reply").fill("more information")
    agent.get_by_role("button", name="Find").click()
    expect(agent.get_by_label(REPLY_BOX)).to_have_value("Hi Bo, thanks.")
    agent.get_by_label("Canned reply", exact=True).select_option(
        label="We need more information (sets pending)"
    )
    agent.get_by_role("button", name="Use", exact=True).click()
    expect(agent.get_by_label(REPLY_BOX)).to_have_value(
        re.compile(r"^Hi Bo, thanks\.\n\nHi Bo,.*a little more", re.S)
    )
    expect(agent.get_by_label("Priority").locator("option:checked")).to_have_text("High")
    expect(agent.get_by_text("Status set to Pending: check it before sending.")).to_be_visible()
    agent.get_by_role("button", name="Send and set Pending").click()
    expect(status_badge(agent)).to_have_text("Pending")
    bulk = agent.get_by_role("group", name="With the selected tickets")
    agent.goto("/agent/?view=all")
    expect(bulk).to_be_visible()  # nothing hides it without JavaScript
    context.close()
