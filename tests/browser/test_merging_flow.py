"""An agent finds both reports about a member by another spelling of their name, merges one
into the other after seeing them side by side, and the kept ticket's reporter never reads the
other report (P1)."""

import pytest

from ..factories import make_ticket, make_user
from .test_flows import flash, log_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests and says why
    expect = None

pytestmark = pytest.mark.browser

WORDS = "He asked me to pay the milestone in gift cards."


def _two_reports(server) -> tuple[str, str, str]:
    def make():
        kept = make_ticket(
            make_user(display_name="Dana Kept"),
            subject="Off-platform payment request",
            reported="Quick.Pay_Dev",
        )
        duplicate = make_ticket(
            make_user(display_name="Omar Other"),
            subject="Asked for gift cards",
            description=WORDS,
            reported="quickpaydev",
        )
        return duplicate.reference, kept.reference, kept.reporter.email

    return server.run(make)


@pytest.mark.p1
def test_agent_finds_and_merges_a_duplicate_after_confirming(new_page, server):
    duplicate, kept, kept_reporter = _two_reports(server)
    agent = server.run(lambda: make_user("agent", display_name="Priya Raman").email)
    page = new_page()
    log_in(page, agent)

    page.goto("/agent/?view=all&q=QUICKPAY-DEV")
    expect(page.get_by_role("link", name=duplicate)).to_be_visible()
    expect(page.get_by_role("link", name=kept)).to_be_visible()

    page.get_by_role("link", name=duplicate).click()
    page.get_by_label("Duplicate of (reference)").fill(kept.lower())
    page.get_by_role("button", name="Merge into").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Merge {duplicate} into another ticket"
    )
    expect(page.get_by_role("region", name=f"Kept: {kept}")).to_contain_text("Dana Kept")
    expect(page.get_by_role("region", name=f"Duplicate: {duplicate}")).to_contain_text(WORDS)

    page.get_by_role("button", name=f"Merge {duplicate} into {kept}").click()
    expect(flash(page)).to_have_text(f"{duplicate} was merged into {kept}.")
    thread = page.get_by_role("region", name="Thread")
    expect(thread).to_contain_text(WORDS)
    expect(thread).to_contain_text(f"from merged {duplicate}")
    expect(page.get_by_role("region", name="Audit trail")).to_contain_text(
        f"Priya Raman merged {duplicate} into this ticket"
    )

    member = new_page()
    log_in(member, kept_reporter)
    member.goto(f"/tickets/{kept}")
    expect(member.get_by_role("main")).not_to_contain_text(WORDS)
    expect(member.get_by_role("main")).not_to_contain_text(duplicate)
