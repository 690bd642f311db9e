"""The main member and agent flows in a real browser, found the way a screen reader finds them:
by the labels of fields and the names of buttons, links and regions."""

import re
import struct
import zlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpdesk.categories import SHARED_INTERACTION_NOTICE
from helpdesk.database import db
from helpdesk.models import Message, MessageKind, OutboundMail, Status, Ticket
from helpdesk.seed import DEMO_LOGINS, seed_demo

from ..factories import PASSWORD, make_ticket, make_user
from .live_server import serve

try:
    from playwright.sync_api import Page, expect
except ImportError:  # the `browser` fixture skips these tests and says why
    Page = expect = None

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"HD-[A-Z0-9]+")
# Words about what happened to the other member's account, which a reporter must never read.
OUTCOME_WORDS = re.compile(r"suspend|banned|\bban\b|terminated|deactivated", re.IGNORECASE)


def write_png(path: Path, width: int = 48, height: int = 32) -> Path:
    """A small, real PNG: a red-to-blue gradient, with valid chunks and checksums."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)

    rows = b"".join(
        b"\x00" + b"".join(bytes((255 - x * 5, 64, x * 5)) for x in range(width))
        for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return path


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name=re.compile(r"^Log out"))).to_be_visible()


def flash(page: Page):
    return page.get_by_role("status").or_(page.get_by_role("alert"))


def status_badge(page: Page):
    """The status beside the page's title (the member's coarse label, or the agent's status)."""
    return page.locator(".page-header .badge")


def fact(page: Page, term: str):
    """One line of the ticket's facts (Reference, Assignee, Reporter sees…)."""
    return page.locator("dl.facts > div").filter(has=page.locator("dt", has_text=term))


def open_from_inbox(page: Page, subject: str) -> None:
    page.goto("/agent/?view=all")
    row = page.get_by_role("row").filter(has_text=subject)
    row.get_by_role("link", name=REFERENCE).click()
    expect(page.get_by_role("heading", level=1, name=subject)).to_be_visible()


def new_member_with_report(server, subject: str) -> tuple[str, str]:
    """A member and their harassment report, made by the domain as the web form would."""

    def make():
        member = make_user(display_name="Bo Reporter")
        ticket = make_ticket(
            member,
            subject=subject,
            description="He insulted me in the workroom after I asked for the files.",
            reported="rude_client_42",
            context_url="https://market.example/workrooms/777",
        )
        return member.email, ticket.reference

    return server.run(make)


def _link_mailed_to(address: str) -> str:
    """The link in the latest mail queued for `address`, as its owner would click it."""
    query = select(OutboundMail.body_text).where(OutboundMail.recipient == address)
    body = db.session.scalars(query.order_by(OutboundMail.id.desc())).first()
    return re.search(r"http://\S+", body).group()


@pytest.mark.p5
def test_member_reports_harassment_with_a_screenshot(page, server, tmp_path):
    evidence = write_png(tmp_path / "workroom-screenshot.png")

    page.goto("/register")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Email address").fill("ada@members.example")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your mail")
    page.goto(server.run(lambda: _link_mailed_to("ada@members.example")))
    page.get_by_label("New password", exact=True).fill("a long enough password")
    page.get_by_label("Repeat the new password").fill("a long enough password")
    page.get_by_role("button", name="Set the password and log in").click()
    expect(flash(page)).to_contain_text("Welcome")
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a violation")

    # P5: the interaction notice is on the form, tied to its choice, before anything is sent.
    harassment = page.get_by_role("radio", name="Harassment or abusive language")
    choice = page.locator(".choice").filter(has=harassment)
    expect(choice.get_by_text("Before you submit:")).to_be_visible()
    expect(choice).to_contain_text(SHARED_INTERACTION_NOTICE)
    expect(harassment).to_have_accessible_description(re.compile("may be able to tell"))
    fraud = page.get_by_role("radio", name="Fraud or scam")
    expect(fraud).not_to_have_accessible_description(re.compile("may be able to tell"))
    harassment.check()

    subject = "Abusive messages after I asked for payment"
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("What happened?").fill(
        "The client called me names in the workroom when I asked for the second milestone."
    )
    page.get_by_label("Member you are reporting").fill("rude_client_42")
    page.get_by_label("Where it happened").fill("https://market.example/workrooms/4242")
    page.get_by_label("Evidence (optional)").set_input_files(evidence)
    page.get_by_role("button", name="Send report").click()

    expect(flash(page)).to_contain_text(re.compile(r"Report HD-[A-Z0-9]+ received"))
    reference = REFERENCE.search(flash(page).inner_text()).group(0)
    expect(page.get_by_role("heading", level=1)).to_have_text(subject)
    expect(status_badge(page)).to_have_text("Received")
    expect(page.get_by_role("link", name="workroom-screenshot.png", exact=True)).to_be_visible()
    preview = page.get_by_role("img", name="Preview of workroom-screenshot.png")
    preview.scroll_into_view_if_needed()  # it loads lazily
    expect(preview).to_be_visible()
    expect(preview).to_have_js_property("naturalWidth", 48)  # the server sent the real image

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My reports").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))
    expect(row).to_contain_text(subject)
    expect(row).to_contain_text("Harassment or abusive language")
    expect(row).to_contain_text("Received")


@pytest.mark.p1
@pytest.mark.p2
def test_agent_works_a_report_to_solved_and_the_member_learns_nothing_more(new_page, server):
    subject = "Insults in the workroom over late files"
    member_email, reference = new_member_with_report(server, subject)
    agent_email = server.run(lambda: make_user("agent", display_name="Priya Raman").email)
    note = "Account suspended for 7 days after the second harassment report."

    agent = new_page()
    log_in(agent, agent_email)
    expect(agent.get_by_role("heading", level=1)).to_have_text("Inbox")
    row = agent.get_by_role("row").filter(has=agent.get_by_role("link", name=reference))
    expect(row).to_contain_text(subject)
    row.get_by_role("link", name=reference).click()
    expect(agent.get_by_role("heading", level=1)).to_have_text(subject)

    agent.get_by_role("button", name="Take it").click()
    expect(flash(agent)).to_have_text("You took the ticket.")
    expect(fact(agent, "Assignee")).to_contain_text("Priya Raman")

    canned = agent.get_by_label("Canned reply", exact=True)
    canned.select_option(label="We need more information (sets pending)")
    agent.get_by_role("button", name="Use", exact=True).click()
    reply = agent.get_by_label("Reply (the reporter reads this)")
    expect(reply).to_have_value(re.compile(f"Hi Bo,.*{reference}.*a little more", re.DOTALL))
    # The canned reply's status is set on the form, and the button says so before sending.
    agent.get_by_role("button", name="Send and set Pending").click()
    expect(flash(agent)).to_have_text("Reply sent to the reporter.")
    expect(status_badge(agent)).to_have_text("Pending")

    agent.get_by_label("Internal note").check()
    agent.get_by_label("Note (agents only, never sent)").fill(note)
    agent.get_by_role("button", name="Add note").click()
    expect(flash(agent)).to_have_text("Internal note added.")
    expect(agent.get_by_role("region", name="Thread")).to_contain_text(note)

    member = new_page()
    log_in(member, member_email)
    member.get_by_role("link", name=reference).click()
    expect(status_badge(member)).to_have_text("Awaiting your reply")
    conversation = member.get_by_role("region", name="Conversation")
    expect(conversation).to_contain_text("To review it we need a little more")
    member.get_by_label("Your message").fill(
        "It happened on 3 March, in the workroom linked above. Screenshots follow."
    )
    member.get_by_role("button", name="Add to report").click()
    expect(flash(member)).to_contain_text("We added your information")
    expect(status_badge(member)).to_have_text("In review")

    agent.reload()
    expect(status_badge(agent)).to_have_text("Open")
    expect(agent.get_by_role("region", name="Thread")).to_contain_text("It happened on 3 March")
    agent.get_by_label("Status", exact=True).select_option(label="Solved")
    agent.get_by_role("button", name="Save changes").click()
    expect(status_badge(agent)).to_have_text("Solved")

    member.reload()
    expect(status_badge(member)).to_have_text("Solved")
    body = member.locator("body")
    expect(body).not_to_contain_text(note)
    expect(body).not_to_contain_text(OUTCOME_WORDS)
    source = member.content()
    assert note not in source
    assert not OUTCOME_WORDS.search(source)
    member.get_by_role("navigation", name="Main").get_by_role("link", name="My reports").click()
    expect(member.get_by_role("row").filter(has_text=subject)).to_contain_text("Solved")
    expect(member.locator("body")).not_to_contain_text(OUTCOME_WORDS)


def test_second_agent_is_told_who_changed_the_ticket_and_keeps_their_text(new_page, server):
    subject = "Threats after a dispute about revisions"
    _, reference = new_member_with_report(server, subject)
    first_email = server.run(lambda: make_user("agent", display_name="Tomás Ortega").email)
    second_email = server.run(lambda: make_user("agent", display_name="Wen Second").email)
    draft = "Thank you, we are looking at the workroom now."

    first, second = new_page(), new_page()
    for page, email in ((first, first_email), (second, second_email)):
        log_in(page, email)
        open_from_inbox(page, subject)

    second.get_by_label("Reply (the reporter reads this)").fill(draft)
    first.get_by_role("button", name="Take it").click()
    expect(flash(first)).to_have_text("You took the ticket.")

    second.get_by_role("button", name="Send reply").click()
    refusal = second.get_by_role("alert")
    expect(refusal).to_contain_text(f"{reference} changed while you were working on it")
    expect(refusal).to_contain_text("Tomás Ortega")
    expect(second.get_by_label("Reply (the reporter reads this)")).to_have_value(draft)
    expect(second.get_by_role("region", name="Thread")).not_to_contain_text(draft)

    # The page now carries the current version: sending the kept text goes through.
    second.get_by_role("button", name="Send reply").click()
    expect(flash(second)).to_have_text("Reply sent to the reporter.")
    expect(second.get_by_role("region", name="Thread")).to_contain_text(draft)


def _showcase_ticket() -> str:
    """A demo ticket worth a picture: still being worked, with a note and other reports."""
    shared_key = (
        select(Ticket.reported_key)
        .group_by(Ticket.reported_key)
        .having(func.count() > 1)
        .where(Ticket.reported_key.is_not(None))
    )
    with_note = select(Message.ticket_id).where(Message.kind == MessageKind.NOTE)
    query = (
        select(Ticket.reference)
        .where(
            Ticket.status.in_((Status.OPEN, Status.PENDING, Status.ON_HOLD)),
            Ticket.reported_key.in_(shared_key),
            Ticket.id.in_(with_note),
        )
        .order_by(Ticket.created_at.desc())
    )
    return db.session.scalars(query).first()


def test_screenshots_of_the_main_pages(new_page, screenshot, tmp_path_factory):
    """docs/report-form.png, docs/inbox.png and docs/agent-ticket.png, on the demo data."""
    (_, agent_email, agent_password, _), member_login = DEMO_LOGINS[1], DEMO_LOGINS[3]
    with serve(tmp_path_factory.mktemp("demo-server"), seed=seed_demo) as demo:
        reference = demo.run(_showcase_ticket)
        assert reference, "the demo data has no ticket with a note and other reports"

        member = new_page(demo.url)
        log_in(member, member_login[1], member_login[2])
        member.goto("/tickets/new")
        member.get_by_role("radio", name="Harassment or abusive language").check()
        shot = screenshot(member, "report-form.png")
        assert shot.read_bytes().startswith(b"\x89PNG")

        agent = new_page(demo.url)
        log_in(agent, agent_email, agent_password)
        expect(agent.get_by_role("table")).to_contain_text(REFERENCE)
        screenshot(agent, "inbox.png")

        agent.goto(f"/agent/tickets/{reference}")
        others = agent.get_by_role("region", name="Other reports about this member")
        expect(others.get_by_role("link", name=REFERENCE).first).to_be_visible()
        screenshot(agent, "agent-ticket.png")
        for page in (member, agent):  # before the server stops
            page.context.close()
