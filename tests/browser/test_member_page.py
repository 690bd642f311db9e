"""Evidence that doesn't hurt, and the member under investigation, in a real browser: images
start blurred and grey for agents, one button per image reveals it (without JavaScript, the
preview opens the image alone); the member page reads at 1280 and 390 pixels wide without
scrolling sideways."""

import io
import itertools
import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from helpdesk import decisions
from helpdesk.categories import active_category_by_slug
from helpdesk.database import db
from helpdesk.models import DecisionAction

from ..factories import make_ticket, make_user
from .conftest import VIEWPORT
from .test_flows import log_in, write_png

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests and says why
    expect = None

pytestmark = pytest.mark.browser

BLURRED = re.compile(r"^blur\(14px\) grayscale\(1\)$")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


_members = itertools.count(1)


@pytest.fixture
def investigated(server, tmp_path):
    """Two reports about a member of their own (two images and a PDF), a decision: the
    agent's email, the first report's reference and the member's key (the server is shared)."""
    png = write_png(tmp_path / "shot.png").read_bytes()
    member = f"blur_case_{next(_members)}"

    def seed():
        agent = make_user("agent", display_name="Priya Raman")
        uploads = [
            FileStorage(io.BytesIO(png), filename="insult-1.png"),
            FileStorage(io.BytesIO(png), filename="insult-2.png"),
            FileStorage(io.BytesIO(PDF), filename="contract.pdf"),
        ]
        first = make_ticket(
            make_user(display_name="Amara Okafor"),
            reported=member,
            subject="Insults with screenshots",
            uploads=uploads,
        )
        second = make_ticket(
            make_user(display_name="Lukas Becker"),
            category="fraud",
            reported=f"https://market.example/freelancers/~{member}",
            subject="A very long subject line about a fake invoice that keeps going for a while",
        )
        warning = db.session.scalar(select(DecisionAction).where(DecisionAction.slug == "warning"))
        decisions.record(
            agent,
            second,
            policy=active_category_by_slug("fraud"),
            action=warning,
            reason="Fake invoice confirmed against the payment log; first offence.",
        )
        return agent.email, first.reference, member

    return server.run(seed)


def test_images_start_blurred_and_each_is_revealed_by_its_own_button(page, investigated):
    agent, reference, member = investigated
    log_in(page, agent)
    page.goto(f"/agent/tickets/{reference}")
    first = page.get_by_role("img", name="Blurred preview of insult-1.png")
    second = page.get_by_role("img", name="Blurred preview of insult-2.png")
    first.scroll_into_view_if_needed()
    expect(first).to_have_js_property("naturalWidth", 48)  # loaded, only blurred
    expect(first).to_have_css("filter", BLURRED)

    buttons = page.get_by_role("button", name="Show image")
    expect(buttons).to_have_count(2)
    buttons.first.click()
    expect(first).to_have_css("filter", "none")  # after a short transition
    expect(second).to_have_css("filter", BLURRED)  # one click reveals one image
    reveal = page.get_by_role("button", name="Blur again")
    expect(reveal).to_have_attribute("aria-pressed", "true")
    reveal.click()
    expect(first).to_have_css("filter", BLURRED)

    # A PDF is a link only: nothing of it is loaded into the page.
    expect(page.get_by_role("link", name="contract.pdf", exact=True)).to_be_visible()
    assert page.locator("embed, object, iframe").count() == 0
    assert page.locator("img[src*='contract'], img[alt*='contract']").count() == 0


def test_without_javascript_the_blurred_preview_opens_the_image_alone(
    browser, server, investigated
):
    agent, reference, member = investigated
    context = browser.new_context(base_url=server.url, viewport=VIEWPORT, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, agent)
        page.goto(f"/agent/tickets/{reference}")
        expect(page.get_by_role("button", name="Show image")).to_have_count(0)
        link = page.get_by_role("link", name="Open insult-1.png alone (not blurred)")
        href = link.get_attribute("href")
        assert href.endswith("?inline=1")
        response = page.goto(href)
        assert response.headers["content-type"] == "image/png"
    finally:
        context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_member_page_fits_the_screen(page, investigated, screenshot, width):
    agent, reference, member = investigated
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, agent)
    page.goto(f"/agent/tickets/{reference}")
    page.get_by_role("link", name="Every report and decision about this member").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(member)
    expect(page.locator("[data-count=reports]")).to_have_text("2")
    expect(page.locator("[data-count=reporters]")).to_have_text("2")
    decisions_section = page.get_by_role("region", name="Decisions")
    expect(decisions_section).to_contain_text("Fake invoice confirmed against the payment log")
    expect(page.get_by_role("region", name="Reports")).to_contain_text("Lukas Becker")
    gallery = page.get_by_role("region", name="Evidence")
    expect(gallery.get_by_role("button", name="Show image")).to_have_count(2)
    expect(page.get_by_role("region", name="Account here")).to_contain_text("No member account")
    for _ in range(2):  # the lazy images below the fold load as the page is scrolled
        page.mouse.wheel(0, 2000)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px of sideways scroll at {width}px"
    assert page.url.endswith(f"/agent/members/{member}")
    screenshot(page, f"member-page-{width}.png")
