"""The reports page in a real browser, on the demo data: every chart is drawn, its numbers
open without JavaScript, and a chart downloads as CSV."""

import csv
import io

import pytest
from sqlalchemy import select

from helpdesk import articles, decisions
from helpdesk.database import db
from helpdesk.models import Article, DecisionAction, Ticket, User
from helpdesk.seed import seed_demo

from .conftest import VIEWPORT
from .live_server import serve
from .test_flows import log_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests and says why
    expect = None

pytestmark = pytest.mark.browser

CHARTS = 15  # every figure of the page


def _demo_with_decision_and_help_use() -> None:
    """The demo data, plus what it lacks for two charts: a decision, and an article opened from
    the report form's suggestions and voted on."""
    seed_demo()
    agent = db.session.scalar(select(User).where(User.email == "priya@helpdesk.example"))
    ticket = db.session.scalars(select(Ticket).where(Ticket.merged_into_id.is_(None))).first()
    warning = db.session.scalar(select(DecisionAction).where(DecisionAction.slug == "warning"))
    decisions.record(agent, ticket, policy=ticket.category, action=warning, reason="Confirmed")
    article = db.session.scalars(select(Article)).first()
    articles.record_suggestion_open(article, "browser-session-1")
    articles.vote(article, "browser:1", True)


@pytest.fixture(scope="module")
def demo_server(_browser_ready, tmp_path_factory):
    with serve(tmp_path_factory.mktemp("reports-server"), _demo_with_decision_and_help_use) as live:
        yield live


@pytest.fixture
def agent_page(browser, demo_server):
    context = browser.new_context(
        base_url=demo_server.url, viewport=VIEWPORT, locale="en-GB", java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, "priya@helpdesk.example", "agent-priya-2026")
    yield page
    context.close()


def test_every_chart_is_drawn_with_its_title_and_text_alternative(agent_page, screenshot):
    page = agent_page
    page.goto("/agent/reports?period=90")
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    figures = page.locator("figure.report-chart")
    expect(figures).to_have_count(CHARTS)
    for index in range(CHARTS):
        figure = figures.nth(index)
        chart = figure.get_by_role("img")
        expect(chart).to_have_count(1)
        title = figure.locator("h3").inner_text()
        expect(chart).to_have_accessible_name(title)
        description = chart.locator("desc").text_content()
        assert description.strip()
        expect(chart).to_have_accessible_description(description)
        assert chart.locator("rect, circle").count() > 0, title
    page.locator(".report-headlines").evaluate("list => list.scrollIntoView()")
    screenshot(page, "reports.png")


def test_the_numbers_open_without_javascript(agent_page):
    page = agent_page
    page.goto("/agent/reports?period=90")
    figure = page.locator("figure#backlog_status")
    table = figure.get_by_role("table")
    expect(table).to_be_hidden()
    figure.get_by_text("Show the numbers").click()
    expect(table).to_be_visible()
    expect(table.get_by_role("rowheader", name="New")).to_be_visible()


def test_a_chart_downloads_as_csv(agent_page):
    page = agent_page
    page.goto("/agent/reports?period=90")
    with page.expect_download() as download:
        page.locator("figure#received").get_by_role("link", name="Download as CSV").click()
    assert download.value.suggested_filename.startswith("received-")
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert rows[0][0] == "Week (from Monday)"
    assert sum(int(cell) for row in rows[1:] for cell in row[1:]) > 0
