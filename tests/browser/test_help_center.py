"""The help center in a real browser: read an article, vote, follow it to a prefilled report
form, and see suggestions appear on the form as the subject is typed."""

import re

import pytest

from ..factories import PASSWORD, make_user
from ..test_articles import make_article
from .test_flows import log_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests and says why
    expect = None

pytestmark = pytest.mark.browser

BODY = """\
Nobody has to accept threats or insults from another member.

## Protect yourself first

Stop replying, and keep the evidence: take screenshots that show the date.

## Report it

Send a report in the harassment category with a link to the conversation.

## What happens after

A person reviews every report. We never tell the other member who reported them.
"""


def _article_and_member(server) -> str:
    def make():
        make_article(
            title="Harassment and abusive messages",
            body=BODY,
            summary="What to do when another member abuses you.",
            report_category="harassment",
        )
        return make_user(display_name="Noor Member").email

    return server.run(make)


def test_member_reads_votes_and_follows_an_article_to_a_prefilled_report(page, server):
    email = _article_and_member(server)

    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Help").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How can we help?")
    page.get_by_role("link", name="Harassment and abusive messages").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Harassment and abusive messages")
    breadcrumbs = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumbs.get_by_role("link", name="Trust & Safety")).to_be_visible()
    contents = page.get_by_role("navigation", name="On this page")
    contents.get_by_role("link", name="What happens after").click()
    expect(page).to_have_url(re.compile(r"#section-what-happens-after$"))
    expect(page.get_by_role("heading", name="What happens after")).to_be_in_viewport()

    # A visitor without an account votes; a changed mind replaces the vote.
    feedback = page.get_by_role("region", name="Was this article helpful?")
    feedback.get_by_role("button", name="Yes").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you for your feedback.")
    expect(feedback).to_contain_text("1 out of 1 found this helpful")
    expect(feedback.get_by_role("button", name="Yes")).to_have_attribute("aria-pressed", "true")
    feedback.get_by_role("button", name="No").click()
    expect(feedback).to_contain_text("0 out of 1 found this helpful")
    expect(feedback).to_contain_text("You answered No.")

    log_in(page, email, PASSWORD)
    page.goto("/help/articles/harassment-and-abusive-messages")
    page.get_by_role("link", name="Submit a report").click()
    expect(page).to_have_url(re.compile(r"/tickets/new\?category=harassment$"))
    expect(page.get_by_role("radio", name="Harassment or abusive language")).to_be_checked()


def test_the_report_form_suggests_articles_as_the_subject_is_typed(page, server):
    def make():
        make_article(
            title="Requests to pay outside the marketplace",
            body="Never pay by bank transfer, crypto or gift cards.",
            summary="Keep payments on the marketplace.",
        )
        return make_user(display_name="Sam Member").email

    email = server.run(make)
    log_in(page, email, PASSWORD)
    page.goto("/tickets/new")
    suggestions = page.locator("#article-suggestions")
    expect(suggestions).to_be_hidden()
    page.get_by_label("Subject").press_sequentially("Asked to pay by bank transfer")
    link = suggestions.get_by_role("link", name="Requests to pay outside the marketplace")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", re.compile(r"\?from=suggestion$"))
