"""Evidence that doesn't hurt: agents see image evidence blurred and grey until they reveal
it (a per-agent choice on /account, on by default); PDFs and other files are links only. The
reporter sees their own uploads as they sent them."""

import io
import re

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from helpdesk.database import db
from helpdesk.models import Attachment, AuditEvent, User

from .conftest import csrf_token, log_in, submit
from .factories import make_ticket, make_user

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
PDF = b"%PDF-1.4\n" + bytes(64)


@pytest.fixture
def evidence(app):
    """A report with an image and a PDF: (reference, reporter email, png id, pdf id)."""
    with app.app_context():
        reporter = make_user()
        uploads = [
            FileStorage(io.BytesIO(PNG), filename="screenshot.png"),
            FileStorage(io.BytesIO(PDF), filename="invoice.pdf"),
        ]
        ticket = make_ticket(reporter, reported="jane_doe", uploads=uploads)
        db.session.commit()
        png, pdf = db.session.scalars(select(Attachment.id).order_by(Attachment.id)).all()
        return ticket.reference, reporter.email, png, pdf


def _file_item(page: str, name: str) -> str:
    """The <li> of one evidence file."""
    start = page.rindex("<li", 0, page.index(f">{name}</a>"))
    return page[start : page.index("</li>", start)]


def test_agents_see_images_blurred_with_a_reveal_button_and_a_link_to_the_image_alone(
    app, client, login_as, evidence
):
    reference, _, png, _ = evidence
    login_as("agent")
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    image = _file_item(page, "screenshot.png")
    assert 'class="evidence evidence-blurred"' in image
    assert re.search(r"<button[^>]*data-reveal[^>]*hidden", image)  # shown by the script
    alone = f"/tickets/{reference}/attachments/{png}?inline=1"
    assert f'href="{alone}"' in image and f'<img src="{alone}"' in image
    assert client.get(alone).status_code == 200
    assert "/static/evidence.js" in page


def test_pdfs_are_links_only_never_loaded(app, client, login_as, evidence):
    reference, _, _, pdf = evidence
    login_as("agent")
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    item = _file_item(page, "invoice.pdf")
    assert f'href="/tickets/{reference}/attachments/{pdf}"' in item
    assert not re.search(r"<(img|embed|object|iframe)", item)
    assert "inline=1" not in item
    response = client.get(f"/tickets/{reference}/attachments/{pdf}?inline=1")
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_the_reporter_sees_their_own_images_unblurred(app, client, evidence):
    reference, reporter, png, _ = evidence
    log_in(client, reporter)
    page = client.get(f"/tickets/{reference}").get_data(as_text=True)
    image = _file_item(page, "screenshot.png")
    assert "evidence-blurred" not in image and "data-reveal" not in image
    assert f'<img src="/tickets/{reference}/attachments/{png}?inline=1"' in image
    assert "evidence.js" not in page


def test_the_blur_is_each_agents_own_choice_on_the_account_page(app, client, login_as, evidence):
    reference = evidence[0]
    email = login_as("agent")
    account = client.get("/account").get_data(as_text=True)
    assert re.search(r'name="blur_evidence" value="1" checked', account)  # on by default
    response = submit(client, "/account/evidence", {}, page="/account")  # box unticked
    assert response.status_code == 302
    assert "shown as they are" in client.get(response.location).get_data(as_text=True)
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    assert "evidence-blurred" not in _file_item(page, "screenshot.png")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert not user.blur_evidence
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "user.evidence_blur_changed")
        )
        assert event.actor_id == user.id and event.changes == {"new": False}

    other = app.test_client()  # another agent keeps the default
    with app.app_context():
        other_email = make_user("agent").email
        db.session.commit()
    log_in(other, other_email)
    page = other.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    assert "evidence-blurred" in _file_item(page, "screenshot.png")

    submit(client, "/account/evidence", {"blur_evidence": "1"}, page="/account")
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    assert "evidence-blurred" in _file_item(page, "screenshot.png")


def test_members_have_no_such_choice(app, client, login_as):
    login_as("member")
    assert "Blur evidence images" not in client.get("/account").get_data(as_text=True)
    token = csrf_token(client, "/account")
    response = client.post("/account/evidence", data={"csrf_token": token, "blur_evidence": "1"})
    assert response.status_code == 403
