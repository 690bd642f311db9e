"""An admin console flow in a real browser: a category's extra question, added by an admin,
asked on the member's form only for that category, required, and read by the agent."""

import re

import pytest

from ..factories import make_user
from .test_flows import flash, log_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests and says why
    expect = None

pytestmark = pytest.mark.browser

QUESTION = "Contract or order number"


def test_an_extra_question_flows_from_the_admin_to_the_member_and_the_agent(new_page, server):
    admin_email = server.run(lambda: make_user("admin", display_name="Lee Admin").email)
    member_email = server.run(lambda: make_user("member", display_name="Sam Member").email)
    agent_email = server.run(lambda: make_user("agent", display_name="Ana Agent").email)

    admin = new_page()
    log_in(admin, admin_email)
    admin.goto("/admin/categories")
    admin.get_by_role("link", name="Fraud or scam").click()
    admin.get_by_role("textbox", name="Question", exact=True).first.fill(QUESTION)
    admin.get_by_label("An answer is required").first.check()
    admin.get_by_role("button", name="Save changes").click()
    expect(flash(admin)).to_contain_text("Fraud or scam")

    member = new_page()
    log_in(member, member_email)
    member.goto("/tickets/new")
    question = member.get_by_label(QUESTION)
    expect(question).to_be_hidden()  # asked for fraud only
    member.get_by_role("radio", name="Fraud or scam").check()
    expect(question).to_be_visible()
    member.get_by_label("Subject").fill("Paid for work that never came")
    member.get_by_label("What happened?").fill(
        "I paid the milestone through a link the freelancer sent and heard nothing since."
    )
    member.get_by_role("button", name="Send report").click()
    expect(question).to_have_attribute("aria-invalid", "true")  # required: refused, kept
    expect(member.get_by_label("Subject")).to_have_value("Paid for work that never came")
    question.fill("C-20931")
    member.get_by_role("button", name="Send report").click()
    expect(flash(member)).to_contain_text(re.compile(r"Report HD-[A-Z0-9]+ received"))
    reference = re.search(r"HD-[A-Z0-9]+", flash(member).inner_text()).group(0)
    answers = member.get_by_role("region", name="Your answers")
    expect(answers).to_contain_text(QUESTION)
    expect(answers).to_contain_text("C-20931")

    agent = new_page()
    log_in(agent, agent_email)
    agent.goto(f"/agent/tickets/{reference}")
    answers = agent.get_by_role("region", name="Answers on the report form")
    expect(answers).to_contain_text(QUESTION)
    expect(answers).to_contain_text("C-20931")
