"""Every main page at a desktop and two phone widths: nothing scrolls sideways, and the
inbox's rows fit a 1280 px screen."""

import pytest

from helpdesk import tickets
from helpdesk.database import db

from ..factories import make_ticket, make_user
from .test_flows import log_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `browser` fixture skips these tests and says why
    expect = None

pytestmark = pytest.mark.browser

# The first elements that reach past the window's right edge (outside any box that scrolls
# on its own), to name in a failure.
OFFENDERS = """() => {
  const past = (e) => e.getBoundingClientRect().right > window.innerWidth + 1;
  const scrolls = (e) => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX);
  const inScroller = (e) => { for (let p = e.parentElement; p; p = p.parentElement) {
    if (scrolls(p)) return true; } return false; };
  return [...document.querySelectorAll('body *')]
    .filter((e) => past(e) && !inScroller(e))
    .slice(0, 4)
    .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}#${e.id}`);
}"""
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844), "small phone": (360, 740)}
LONG_SUBJECT = (
    "Repeated abusive messages in the workroom after I asked for the second milestone "
    "payment and declined to continue the work outside the platform"
)


def _people(server) -> dict:
    def make():
        member = make_user(display_name="Bo Reporter")
        ticket = make_ticket(
            member,
            subject=LONG_SUBJECT,
            reported="https://market.example/freelancers/~averyveryverylongusernamewithoutbreaks",
            context_url="https://market.example/workrooms/77777777777777777777777777777777",
        )
        agent = make_user("agent", display_name="Priya Raman")
        tickets.add_note(agent, ticket, "Checked the workroom; the insults are there.")
        admin = make_user("admin", display_name="Ada Admin")
        db.session.flush()
        return {
            "member": member.email,
            "agent": agent.email,
            "admin": admin.email,
            "reference": ticket.reference,
        }

    return server.run(make)


def _pages(people) -> dict[str, list[str]]:
    reference = people["reference"]
    return {
        "": ["/", "/login", "/help/"],
        "member": ["/tickets/new", "/tickets", f"/tickets/{reference}", "/help/"],
        "agent": ["/agent/", "/agent/?view=all", f"/agent/tickets/{reference}"],
        "admin": [
            "/agent/canned-replies",
            "/admin/",
            "/admin/users",
            "/admin/outbox",
            "/admin/audit",
        ],
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(browser, server, width, tmp_path):
    people = _people(server)
    columns, rows = WIDTHS[width]
    too_wide = []
    for who, paths in _pages(people).items():
        context = browser.new_context(
            base_url=server.url, viewport={"width": columns, "height": rows}, locale="en-GB"
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        if who:
            log_in(page, people[who])
        for path in paths:
            page.goto(path)
            sizes = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if sizes[0] > sizes[1]:
                culprits = ", ".join(page.evaluate(OFFENDERS))
                too_wide.append(f"{path} as {who or 'anyone'}: {sizes[0]} px, {culprits}")
                page.screenshot(path=tmp_path / f"{who}-{path.strip('/').replace('/', '_')}.png")
        context.close()
    assert not too_wide, f"scrolls sideways at {width} (shots in {tmp_path}): {too_wide}"


def test_the_inbox_shows_one_line_subjects_with_the_full_text_on_hover(browser, server):
    people = _people(server)
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, people["agent"])
    page.goto("/agent/?view=all")
    row = page.locator("[data-inbox-row]").filter(has_text=people["reference"])
    subject = row.locator(".col-subject .one-line")
    expect(subject).to_have_attribute("title", LONG_SUBJECT)
    height = row.evaluate("row => row.getBoundingClientRect().height")
    assert height < 60, f"an inbox row is {height} px high"
    context.close()


def test_staff_and_members_see_their_own_navigation(browser, server):
    people = _people(server)
    for who, shown, hidden in (
        ("agent", "Inbox", "My reports"),
        ("member", "My reports", "Inbox"),
    ):
        context = browser.new_context(base_url=server.url)
        page = context.new_page()
        log_in(page, people[who])
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name=shown)).to_be_visible()
        expect(nav.get_by_role("link", name=hidden)).to_have_count(0)
        context.close()


def test_my_reports_shows_each_status_on_a_phone(browser, server):
    people = _people(server)
    context = browser.new_context(base_url=server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, people["member"])
    page.goto("/tickets")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=people["reference"]))
    status = row.locator(".badge")
    expect(status).to_have_text("Received")
    expect(status).to_be_in_viewport()
    box = status.bounding_box()
    assert box["x"] + box["width"] <= 390
    context.close()


def test_the_report_forms_subject_is_near_the_top_on_a_phone(browser, server):
    people = _people(server)
    context = browser.new_context(base_url=server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, people["member"])
    page.goto("/tickets/new")
    assert page.get_by_label("Subject").bounding_box()["y"] < 1500
    fraud = page.get_by_role("radio", name="Fraud or scam")
    description = page.locator(".choice").filter(has=fraud).locator(".choice-description")
    collapsed = description.bounding_box()["height"]
    fraud.check()
    assert description.bounding_box()["height"] > collapsed  # the chosen one reads in full
    context.close()
