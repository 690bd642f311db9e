"""The member's report flow through HTTP: the form, evidence, My tickets, one ticket."""

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpdesk import workflow
from helpdesk.database import db
from helpdesk.models import Attachment, AuditEvent, Category, Message, Status, Ticket, User

from .conftest import csrf_token, submit
from .factories import make_ticket, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _category_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Category.id).where(Category.slug == slug))


def _report(app, **overrides) -> dict:
    return {
        "category": str(_category_id(app, "harassment")),
        "subject": "Threats after I asked to be paid",
        "description": "On 3 November the client wrote that he would 'find me' if I kept asking.",
        "reported": "quickpay_dev",
        "context_url": "https://marketplace.example/workrooms/48213",
        "submission_key": "key-1",
        **overrides,
    }


def _files(*files: tuple[bytes, str]) -> list:
    return [(io.BytesIO(content), name) for content, name in files]


def _tickets(app) -> list[Ticket]:
    with app.app_context():
        return db.session.scalars(select(Ticket)).all()


def test_submit_a_report_with_two_attachments(app, client, login_as):
    login_as("member", email="dana@example.org")
    data = _report(app, attachments=_files((PNG, "chat.png"), (PDF, "contract.pdf")))
    response = submit(client, "/tickets/new", data, content_type="multipart/form-data")
    assert response.status_code == 302
    reference = response.location.rsplit("/", 1)[1]
    assert re.fullmatch(r"HD-[0-9A-HJKMNP-TV-Z]{8}", reference)

    page = client.get(response.location).get_data(as_text=True)
    assert f"Report {reference} received" in page
    assert "Received" in page and "chat.png" in page and "contract.pdf" in page

    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket.status is Status.NEW
        assert ticket.reporter.email == "dana@example.org"
        assert (ticket.reported_member, ticket.reported_key) == ("quickpay_dev", "quickpay_dev")
        assert ticket.context_url == "https://marketplace.example/workrooms/48213"
        assert ticket.priority.value == "high"  # the category's default
        [message] = ticket.messages
        assert [(a.filename, a.content_type) for a in message.attachments] == [
            ("chat.png", "image/png"),
            ("contract.pdf", "application/pdf"),
        ]
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert "ticket.created" in actions

    listing = client.get("/tickets").get_data(as_text=True)
    assert reference in listing and "Threats after I asked to be paid" in listing


def test_attachments_download_and_only_images_preview(app, client, login_as):
    login_as("member")
    data = _report(app, attachments=_files((PNG, "chat.png"), (PDF, "contract.pdf")))
    reference = submit(client, "/tickets/new", data, content_type="multipart/form-data").location
    with app.app_context():
        png_id, pdf_id = db.session.scalars(select(Attachment.id).order_by(Attachment.id)).all()
    png = client.get(f"{reference}/attachments/{png_id}")
    assert png.status_code == 200 and png.data == PNG
    assert png.headers["Content-Disposition"].startswith("attachment;")
    assert png.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in png.headers["Content-Security-Policy"]
    inline = client.get(f"{reference}/attachments/{png_id}?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline;")
    assert inline.headers["Content-Type"] == "image/png"
    pdf = client.get(f"{reference}/attachments/{pdf_id}?inline=1")
    assert pdf.headers["Content-Disposition"].startswith("attachment;")


def test_evidence_is_stored_once_by_content(app, client, login_as):
    login_as("member")
    data = _report(app, attachments=_files((PNG, "a.png"), (PNG, "b.png")))
    submit(client, "/tickets/new", data, content_type="multipart/form-data")
    stored = Path(app.config["HELPDESK_ATTACHMENT_DIR"]).rglob("*")
    assert len([path for path in stored if path.is_file()]) == 1


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg", "logo.svg: attach only"),
        (b"<html><script>alert(1)</script></html>", "page.html", "page.html: attach only"),
        (b"MZ\x90\x00binary", "invoice.pdf.exe", "invoice.pdf.exe: attach only"),
        (b"<html>not a png</html>", "fake.png", "fake.png: attach only"),
        (b"", "empty.png", "empty.png is empty."),
    ],
)
def test_unsafe_or_unknown_files_are_refused(app, client, login_as, content, name, message):
    login_as("member")
    data = _report(app, attachments=_files((content, name)))
    response = submit(client, "/tickets/new", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _tickets(app) == []


def test_too_large_and_too_many_files_are_refused(app, client, login_as):
    app.config.update(HELPDESK_MAX_ATTACHMENT_BYTES=1024, HELPDESK_MAX_ATTACHMENTS=2)
    login_as("member")
    big = _report(app, attachments=_files((PNG + b"\x00" * 2048, "big.png")))
    response = submit(client, "/tickets/new", big, content_type="multipart/form-data")
    assert "big.png is larger than" in response.get_data(as_text=True)
    many = _report(app, attachments=_files((PNG, "1.png"), (PNG, "2.png"), (PNG, "3.png")))
    response = submit(client, "/tickets/new", many, content_type="multipart/form-data")
    assert "Attach at most 2 files." in response.get_data(as_text=True)
    assert _tickets(app) == []


def test_a_body_over_the_limit_gets_413(app, client, login_as):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    login_as("member")
    data = _report(app, attachments=_files((PNG + b"\x00" * 8192, "huge.png")))
    response = submit(client, "/tickets/new", data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert _tickets(app) == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"category": ""}, "category", "Choose what kind of violation"),
        ({"category": "99999"}, "category", "Choose what kind of violation"),
        ({"category": "nonsense"}, "category", "Choose what kind of violation"),
        ({"subject": ""}, "subject", "Enter the subject."),
        ({"subject": " Hey "}, "subject", "The subject needs at least 5 characters."),
        ({"subject": "x" * 201}, "subject", "The subject can have at most 200 characters."),
        ({"description": "   help  "}, "description", "The description needs at least 10"),
        ({"description": "x" * 20_001}, "description", "at most 20,000 characters"),
        ({"reported": "two words"}, "reported", "Enter the member&#39;s username"),
        ({"reported": "ftp://marketplace.example/u/x"}, "reported", "Enter the member&#39;s"),
        ({"reported": "https://"}, "reported", "Enter a full web address"),
        ({"context_url": "javascript:alert(1)"}, "context_url", "Enter a full web address"),
        ({"context_url": "https://x.example/" + "a" * 500}, "context_url", "at most 500"),
    ],
)
def test_each_bad_field_gets_a_message_and_keeps_the_input(
    app, client, login_as, change, field, message
):
    login_as("member")
    response = submit(client, "/tickets/new", _report(app, **change))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert f'id="{field}-error"' in page
    if field != "description":
        assert "the client wrote that he would" in page  # the member's text is still there
    assert _tickets(app) == []


def test_a_deactivated_category_cannot_be_chosen(app, client, login_as):
    login_as("member")
    with app.app_context():
        db.session.scalar(select(Category).where(Category.slug == "fraud")).active = False
        db.session.commit()
    assert "Fraud or scam" not in client.get("/tickets/new").get_data(as_text=True)
    response = submit(client, "/tickets/new", _report(app, category=_category_id(app, "fraud")))
    assert response.status_code == 422
    assert _tickets(app) == []


@pytest.mark.p6
def test_a_double_click_makes_one_ticket(app, client, login_as):
    login_as("member")
    token = csrf_token(client, "/tickets/new")
    data = {"csrf_token": token, **_report(app, submission_key="same-form")}
    first = client.post("/tickets/new", data=dict(data))
    second = client.post("/tickets/new", data=dict(data))
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert len(_tickets(app)) == 1
    # A fresh form is a fresh report.
    third = client.post("/tickets/new", data={**data, "submission_key": "next-form"})
    assert third.location != first.location
    assert len(_tickets(app)) == 2


@pytest.mark.p6
def test_each_form_carries_its_own_submission_key(app, client, login_as):
    login_as("member")
    keys = {
        re.search(r'name="submission_key"[^>]*value="([^"]+)"', page).group(1)
        for page in (client.get("/tickets/new").get_data(as_text=True) for _ in range(2))
    }
    assert len(keys) == 2


def test_query_parameters_prefill_the_form(app, client, login_as):
    login_as("member")
    page = client.get(
        "/tickets/new?category=job-posting&reported=quickpay_dev"
        "&context_url=https://marketplace.example/jobs/~01ab"
    ).get_data(as_text=True)
    job_posting = _category_id(app, "job-posting")
    assert re.search(rf'value="{job_posting}"\s+checked', page)
    assert 'value="quickpay_dev"' in page
    assert 'value="https://marketplace.example/jobs/~01ab"' in page


def test_prefill_ignores_unknown_categories_and_escapes_values(app, client, login_as):
    login_as("member")
    page = client.get('/tickets/new?category=nope&reported="><script>x</script>')
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "checked" not in text
    assert "<script>x</script>" not in text


@pytest.mark.p5
def test_interaction_categories_show_the_notice_without_javascript(app, client, login_as):
    login_as("member")
    page = client.get("/tickets/new").get_data(as_text=True)
    assert 'id="category-harassment-notice"' in page
    assert "they may be able to tell that the report came from this interaction" in page
    assert 'id="category-fraud-notice"' not in page


def test_a_profile_url_and_a_username_name_the_same_member(app, client, login_as):
    login_as("member")
    submit(client, "/tickets/new", _report(app, reported="@QuickPay_Dev", submission_key="a"))
    url = "https://marketplace.example/freelancers/~quickpay_dev/"
    submit(client, "/tickets/new", _report(app, reported=url, submission_key="b"))
    keys = {ticket.reported_key for ticket in _tickets(app)}
    assert keys == {"quickpay_dev"}


@pytest.mark.p1
@pytest.mark.p7
def test_another_members_ticket_is_404_like_a_missing_one(app, client, login_as):
    with app.app_context():
        reference = make_ticket().reference
        db.session.commit()
    login_as("member")
    assert client.get(f"/tickets/{reference}").status_code == 404
    assert client.get("/tickets/HD-00000000").status_code == 404
    response = submit(client, f"/tickets/{reference}", {"body": "mine now"}, page="/tickets")
    assert response.status_code == 404
    assert reference not in client.get("/tickets").get_data(as_text=True)


@pytest.mark.p1
def test_another_members_attachment_is_404(app, client, login_as):
    with app.app_context():
        ticket = make_ticket()
        ticket.messages[0].attachments.append(
            Attachment(filename="x.png", content_type="image/png", size=1, sha256="0" * 64)
        )
        db.session.commit()
        reference, attachment_id = ticket.reference, ticket.messages[0].attachments[0].id
    login_as("member")
    assert client.get(f"/tickets/{reference}/attachments/{attachment_id}").status_code == 404


@pytest.mark.parametrize("path", ["/agent/", "/agent/tickets/HD-00000000", "/admin/"])
@pytest.mark.p1
def test_staff_pages_refuse_members(client, login_as, path):
    login_as("member")
    assert client.get(path).status_code == 403


def test_admin_pages_refuse_agents(client, login_as):
    login_as("agent")
    assert client.get("/agent/").status_code == 200
    assert client.get("/admin/").status_code == 403


def test_agents_see_the_report_with_notes_and_reporter(app, client, login_as):
    with app.app_context():
        ticket = make_ticket(reporter=make_user(email="dana@example.org"), reported="quickpay_dev")
        db.session.commit()
        reference = ticket.reference
    login_as("agent")
    assert reference in client.get("/agent/").get_data(as_text=True)
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    assert "dana@example.org" in page and "quickpay_dev" in page


def _followup(client, reference, body="He wrote again this morning.", **extra):
    return submit(client, f"/tickets/{reference}", {"body": body, **extra})


@pytest.mark.parametrize("status", [Status.PENDING, Status.SOLVED])
def test_adding_information_reopens_a_waiting_ticket(app, client, login_as, status):
    email = login_as("member")
    with app.app_context():
        reporter = db.session.scalar(select(User).where(User.email == email))
        agent = make_user("agent")
        ticket = make_ticket(reporter=reporter)
        workflow.change_status(agent, ticket, status)
        db.session.commit()
        reference = ticket.reference
    response = _followup(client, reference, attachments=_files((PNG, "again.png")))
    assert response.status_code == 302
    page = client.get(f"/tickets/{reference}").get_data(as_text=True)
    assert "He wrote again this morning." in page and "again.png" in page
    assert "In review" in page
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert ticket.status is Status.OPEN
        assert ticket.solved_at is None


def test_adding_information_to_a_new_ticket_keeps_it_new(app, client, login_as):
    login_as("member")
    reference = submit(client, "/tickets/new", _report(app)).location.rsplit("/", 1)[1]
    assert _followup(client, reference).status_code == 302
    assert _tickets(app)[0].status is Status.NEW


def test_empty_information_is_refused(app, client, login_as):
    login_as("member")
    reference = submit(client, "/tickets/new", _report(app)).location.rsplit("/", 1)[1]
    response = _followup(client, reference, body="   ")
    assert response.status_code == 422
    assert "Enter your message." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Message.id))) == 1


def test_a_closed_ticket_offers_a_new_linked_report(app, client, login_as):
    login_as("member")
    reference = submit(client, "/tickets/new", _report(app)).location.rsplit("/", 1)[1]
    with app.app_context():
        agent = make_user("agent")
        ticket = db.session.scalar(select(Ticket))
        workflow.change_status(agent, ticket, Status.SOLVED)
        workflow.change_status(agent, ticket, Status.CLOSED)
        db.session.commit()
    page = client.get(f"/tickets/{reference}").get_data(as_text=True)
    assert "This report is closed" in page and 'name="body"' not in page
    assert _followup(client, reference, body="one more thing").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Message.id))) == 1  # refused, not added

    form = client.get(f"/tickets/new?follows_up={reference}").get_data(as_text=True)
    assert f'value="{reference}"' in form
    response = submit(
        client,
        "/tickets/new",
        _report(app, follows_up=reference, submission_key="linked"),
    )
    new_reference = response.location.rsplit("/", 1)[1]
    with app.app_context():
        new = db.session.scalar(select(Ticket).where(Ticket.reference == new_reference))
        assert new.linked_ticket.reference == reference
