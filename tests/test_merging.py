"""Merging a duplicate report: a confirmation page showing both tickets, then the merge, which
carries the duplicate's messages and evidence into the kept ticket. Another reporter's words
stay internal there (P1); the same reporter keeps reading theirs."""

import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from helpdesk import tickets, workflow
from helpdesk.database import db
from helpdesk.models import MailKind, Message, MessageKind, OutboundMail, Status, Ticket
from helpdesk.reporter_view import MERGED_NOTE

from .conftest import log_in, submit
from .factories import make_ticket, make_user

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
DUPLICATE_WORDS = "He asked me for crypto before the milestone was funded."


@pytest.fixture
def agent(app, client):
    with app.app_context():
        user = make_user("agent", display_name="Priya Raman")
        db.session.commit()
        email = user.email
    log_in(client, email)
    return email


def _tickets(app, same_reporter: bool) -> tuple[str, str]:
    """(duplicate, survivor): the duplicate with a photo, by the survivor's reporter or not."""
    with app.app_context():
        kept_by = make_user(display_name="Dana Kept")
        survivor = make_ticket(kept_by, reported="jane_doe", subject="Survivor report here")
        photo = FileStorage(stream=io.BytesIO(PNG), filename="proof.png")
        duplicate = make_ticket(
            kept_by if same_reporter else make_user(display_name="Omar Dup"),
            reported="Jane.Doe",
            subject="Duplicate report here",
            description=DUPLICATE_WORDS,
            uploads=[photo],
        )
        db.session.commit()
        return duplicate.reference, survivor.reference


def _logged_in(app, email: str):
    """Another browser, logged in as `email`."""
    browser = app.test_client()
    log_in(browser, email)
    return browser


def _ticket(reference: str) -> Ticket:
    return db.session.scalar(select(Ticket).where(Ticket.reference == reference))


def _confirm(client, duplicate: str, survivor: str):
    """Open the confirmation page, then press its button, as an agent does."""
    page = client.get(f"/agent/tickets/{duplicate}/merge?into={survivor}")
    assert page.status_code == 200, page.text
    return client.post(f"/agent/tickets/{duplicate}/merge", data=_form_fields(page.text))


def _form_fields(html: str) -> dict[str, str]:
    """The confirmation form's fields, as the page gave them."""
    names = "version|into_version|into|csrf_token"
    return dict(re.findall(rf'name="({names})" value="([^"]*)"', html))


def test_the_ticket_pages_merge_form_asks_for_confirmation_first(app, client, agent):
    duplicate, survivor = _tickets(app, same_reporter=False)
    page = f"/agent/tickets/{duplicate}"
    version = re.search(r'name="version" value="(\d+)"', client.get(page).text).group(1)
    response = submit(
        client, f"{page}/merge", {"version": version, "survivor": survivor.lower()}, page=page
    )
    assert response.status_code == 303
    assert response.location.endswith(f"/agent/tickets/{duplicate}/merge?into={survivor.lower()}")
    with app.app_context():
        assert _ticket(duplicate).merged_into_id is None  # nothing merged yet


def test_the_confirmation_page_shows_both_tickets_side_by_side(app, client, agent):
    duplicate, survivor = _tickets(app, same_reporter=False)
    html = client.get(f"/agent/tickets/{duplicate}/merge?into={survivor}").text
    for expected in (
        duplicate,
        survivor,
        "Duplicate report here",
        "Survivor report here",
        "Omar Dup",
        "Dana Kept",
        "Harassment",
        "jane_doe",
        "Jane.Doe",
        DUPLICATE_WORDS,
        "as internal notes",
    ):
        assert expected in html, expected
    with app.app_context():
        assert _ticket(duplicate).merged_into_id is None


def test_merging_carries_messages_and_evidence_marked_as_merged(app, client, agent):
    duplicate, survivor = _tickets(app, same_reporter=False)
    response = _confirm(client, duplicate, survivor)
    assert response.status_code == 302
    assert response.location.endswith(f"/agent/tickets/{survivor}")
    with app.app_context():
        dup, kept = _ticket(duplicate), _ticket(survivor)
        assert dup.status is Status.SOLVED and dup.merged_into_id == kept.id
        assert dup.messages[-1].body == f"Merged into {survivor}."
        assert [m.body for m in dup.messages][0] == DUPLICATE_WORDS  # nothing deleted
        carried = [m for m in kept.messages if m.merged_from_id == dup.id]
        assert [m.body for m in carried] == [DUPLICATE_WORDS]
        assert [a.filename for a in carried[0].attachments] == ["proof.png"]
        assert carried[0].author_id == dup.reporter_id
        assert f"{duplicate} was merged into this ticket." in [m.body for m in kept.messages]
    html = client.get(f"/agent/tickets/{survivor}").text
    assert DUPLICATE_WORDS in html and "from merged" in html


@pytest.mark.p1
def test_another_reporters_words_stay_internal_in_the_kept_ticket(app, client, agent):
    duplicate, survivor = _tickets(app, same_reporter=False)
    _confirm(client, duplicate, survivor)
    with app.app_context():
        kept = _ticket(survivor)
        carried = [m for m in kept.messages if m.merged_from_id is not None]
        assert {m.kind for m in carried} == {MessageKind.NOTE}
        attachment_id = carried[0].attachments[0].id
        kept_reporter = kept.reporter.email
    member = _logged_in(app, kept_reporter)
    for page in (f"/tickets/{survivor}", "/tickets"):
        html = member.get(page).text
        assert DUPLICATE_WORDS not in html and duplicate not in html and "Omar" not in html
    assert member.get(f"/tickets/{survivor}/attachments/{attachment_id}").status_code == 404


def test_the_same_reporters_words_stay_visible_to_them(app, client, agent):
    duplicate, survivor = _tickets(app, same_reporter=True)
    assert (
        "where they keep reading them"
        in client.get(f"/agent/tickets/{duplicate}/merge?into={survivor}").text
    )
    _confirm(client, duplicate, survivor)
    with app.app_context():
        kept = _ticket(survivor)
        carried = [m for m in kept.messages if m.merged_from_id is not None]
        assert [m.kind for m in carried] == [MessageKind.REPORTER]
        attachment_id = carried[0].attachments[0].id
        reporter = kept.reporter.email
    member = _logged_in(app, reporter)
    assert DUPLICATE_WORDS in member.get(f"/tickets/{survivor}").text
    assert member.get(f"/tickets/{survivor}/attachments/{attachment_id}").status_code == 200


@pytest.mark.p2
def test_the_duplicates_reporter_still_sees_their_report_closed_with_the_neutral_note(
    app, client, agent
):
    duplicate, survivor = _tickets(app, same_reporter=False)
    _confirm(client, duplicate, survivor)
    with app.app_context():
        email = _ticket(duplicate).reporter.email
    html = _logged_in(app, email).get(f"/tickets/{duplicate}").text
    assert MERGED_NOTE in html and DUPLICATE_WORDS in html
    assert survivor not in html and "Solved" not in html


def test_sending_the_confirmation_twice_merges_once(app, client, agent):
    duplicate, survivor = _tickets(app, same_reporter=False)
    page = f"/agent/tickets/{duplicate}/merge?into={survivor}"
    html = client.get(page).text
    fields = dict(
        re.findall(r'name="(version|into_version|into|csrf_token)" value="([^"]*)"', html)
    )
    assert client.post(f"/agent/tickets/{duplicate}/merge", data=fields).status_code == 302
    again = client.post(f"/agent/tickets/{duplicate}/merge", data=fields, follow_redirects=True)
    assert f"{duplicate} was already merged into {survivor}." in again.text
    with app.app_context():
        kept = _ticket(survivor)
        count = select(func.count()).where(Message.merged_from_id == _ticket(duplicate).id)
        assert db.session.scalar(count) == 1
        assert sum("was merged into this ticket" in m.body for m in kept.messages) == 1


def _closed_ticket() -> Ticket:
    agent = make_user("agent")
    closed = make_ticket()
    workflow.change_status(agent, closed, Status.SOLVED)
    workflow.change_status(agent, closed, Status.CLOSED)
    return closed


@pytest.mark.parametrize(
    ("into", "message"),
    [
        ("itself", "A ticket cannot be merged into itself."),
        ("closed", "is closed, and closed tickets cannot be merged."),
        ("merged", "merge into that ticket instead."),
        ("unknown", "There is no ticket with that reference."),
    ],
)
def test_a_merge_that_cannot_be_is_refused_with_a_clear_message(app, client, agent, into, message):
    with app.app_context():
        duplicate = make_ticket()
        merged_away = make_ticket()
        tickets.merge(make_user("agent"), merged_away, make_ticket())
        target = {
            "itself": duplicate.reference,
            "closed": _closed_ticket().reference,
            "merged": merged_away.reference,
            "unknown": "HD-NOPE0000",
        }[into]
        db.session.commit()
        reference, version = duplicate.reference, duplicate.version
    page = client.get(f"/agent/tickets/{reference}/merge?into={target}")
    assert page.status_code == 422 and message in page.text
    assert 'name="into_version"' not in page.text  # no button to press
    fields = {"into": target, "version": version, "into_version": "1"}
    response = submit(client, f"/agent/tickets/{reference}/merge", fields, page="/agent/")
    assert response.status_code == 422 and message in response.text
    with app.app_context():
        assert _ticket(reference).merged_into_id is None
        assert _ticket(reference).status is Status.NEW


@pytest.mark.parametrize("changed", ["duplicate", "survivor"])
def test_a_merge_from_a_stale_page_is_refused(app, client, agent, changed):
    duplicate, survivor = _tickets(app, same_reporter=False)
    page = f"/agent/tickets/{duplicate}/merge?into={survivor}"
    html = client.get(page).text
    fields = dict(
        re.findall(r'name="(version|into_version|into|csrf_token)" value="([^"]*)"', html)
    )
    with app.app_context():  # another agent changes one of them meanwhile
        reference = {"duplicate": duplicate, "survivor": survivor}[changed]
        tickets.set_status(make_user("agent"), _ticket(reference), Status.OPEN)
        db.session.commit()
    response = client.post(f"/agent/tickets/{duplicate}/merge", data=fields)
    assert response.status_code == 409
    assert "changed while you were working on it" in response.text
    with app.app_context():
        assert _ticket(duplicate).merged_into_id is None
        assert not _ticket(survivor).messages[-1].body.endswith("merged into this ticket.")


def test_a_reply_after_a_merge_threads_under_the_kept_tickets_own_report(app):
    """The carried report never came by mail in the kept ticket's thread: a reply answers
    the kept ticket's own latest report."""
    duplicate, survivor = _tickets(app, same_reporter=True)
    with app.app_context():
        agent = make_user("agent")
        tickets.merge(agent, _ticket(duplicate), _ticket(survivor))
        kept = _ticket(survivor)
        tickets.post_reply(agent, kept, "Thank you, we are looking into it.")
        db.session.commit()
        own_report = next(m for m in kept.messages if m.kind is MessageKind.REPORTER)
        reply_mail = db.session.scalar(
            select(OutboundMail).where(OutboundMail.kind == MailKind.AGENT_REPLY)
        )
        assert reply_mail.headers["In-Reply-To"] == own_report.email_message_id
