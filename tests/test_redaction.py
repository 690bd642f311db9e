"""Redaction from the ticket page: afterwards the span is in no table (the message, the search
index, the raw mail decoded part by part, the outbox, the audit details) and no stored file."""

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from sqlalchemy import select

from helpdesk import intake, search, tickets
from helpdesk.database import db
from helpdesk.intake import Channel
from helpdesk.models import Attachment, AuditEvent, InboundMail, MailKind, OutboundMail, Ticket

from .conftest import submit
from .factories import make_user
from .personal_data import decoded_mail, dump, in_files, places

SPAN = "Xanthippe Secretname"
PNG = b"\x89PNG\r\n\x1a\n" + b"pixels-of-Grimbleshanks" + b"\x00" * 64


def _raw_mail() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Rita Reporter <rita@example.net>"
    mail["To"] = "support@helpdesk.example"
    mail["Subject"] = f"Scam by someone calling herself {SPAN}"
    mail["Message-ID"] = "<redaction-1@example.net>"
    mail["Date"] = "Mon, 02 Feb 2026 10:00:00 +0000"
    text = f"She signed as {SPAN} and asked for payment in café vouchers. " * 3
    mail.set_content(text, charset="iso-8859-1", cte="base64")
    mail.add_alternative(
        f"<p>She signed as <i>{SPAN}</i> and asked for payment in caf&eacute; vouchers.</p>"
        + "<p>"
        + "padding words " * 20
        + "</p>",
        subtype="html",
        cte="quoted-printable",
    )
    mail.add_attachment(PNG, maintype="image", subtype="png", filename="grimbleshanks.png")
    return mail.as_bytes()


@pytest.fixture
def mailed(app):
    """A ticket from a mail, and an agent's queued reply that quotes the span."""
    with app.app_context():
        reference = intake.receive(_raw_mail(), Channel.FILE).ticket
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        agent = make_user("agent")
        tickets.post_reply(agent, ticket, f"Thank you. You wrote that {SPAN} asked for vouchers.")
        db.session.commit()
        return reference, [message.id for message in ticket.messages]


def _redact(client, reference, message_id, text):
    page = f"/agent/tickets/{reference}"
    url = f"{page}/messages/{message_id}/redact"
    return submit(client, url, {"text": text}, page=page)


def test_a_redacted_span_is_in_no_copy(app, client, login_as, mailed):
    reference, (report_id, reply_id) = mailed
    with app.app_context():
        before = dump()
        assert {"messages", "inbound_mail", "outbound_mail", "tickets"} <= {
            table for table, _ in places(SPAN, before)
        }
        queued = db.session.scalar(
            select(OutboundMail).where(OutboundMail.kind == MailKind.AGENT_REPLY)
        )
        assert SPAN in queued.body_text
    login_as("agent")

    assert _redact(client, reference, report_id, SPAN).status_code == 303
    assert _redact(client, reference, reply_id, SPAN).status_code == 303

    with app.app_context():
        after = dump()
        for needle in (SPAN, "Xanthippe", "Secretname"):
            assert places(needle, after) == [], needle
        assert in_files(b"Secretname", app.config["HELPDESK_ATTACHMENT_DIR"]) == []
        assert not db.session.scalar(select(Ticket.id).where(search.matching_tickets("Secretname")))
        inbound = db.session.scalar(select(InboundMail))
        mail = BytesParser(policy=policy.default).parsebytes(inbound.raw)
        assert mail["X-Helpdesk-Redacted"].endswith("by agent")
        assert "[redacted]" in mail["Subject"]
        plain = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        assert plain.count("[redacted]") == 3 and "café vouchers" in plain
        assert "<i>[redacted]</i>" in html
        png = next(part for part in mail.iter_attachments())
        assert png.get_content() == PNG  # the rest of the mail is as it came
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "ticket.message_redacted")
        ).all()
        assert len(events) == 2 and all(event.actor.is_agent for event in events)
        queued = db.session.scalar(
            select(OutboundMail).where(OutboundMail.kind == MailKind.AGENT_REPLY)
        )
        assert "[redacted] asked for vouchers" in queued.body_text


def test_text_not_in_the_message_is_refused_and_nothing_changes(app, client, login_as, mailed):
    reference, (report_id, _) = mailed
    login_as("agent")
    with app.app_context():
        before = dump()

    response = _redact(client, reference, report_id, "words nobody wrote")

    assert response.status_code == 303
    with app.app_context():
        assert dump() == before
    assert "not in this message" in client.get(f"/agent/tickets/{reference}").get_data(True)


def test_a_redacted_attachment_is_gone_from_the_store_and_the_raw_mail(
    app, client, login_as, mailed
):
    reference, _ = mailed
    store = app.config["HELPDESK_ATTACHMENT_DIR"]
    with app.app_context():
        file = db.session.scalar(select(Attachment))
        file_id = file.id
        assert "pixels-of-Grimbleshanks" in decoded_mail(db.session.scalar(select(InboundMail)).raw)
    assert in_files(b"pixels-of-Grimbleshanks", store)
    login_as("agent")
    page = f"/agent/tickets/{reference}"

    response = submit(client, f"{page}/attachments/{file_id}/redact", {}, page=page)

    assert response.status_code == 303
    assert client.get(f"/tickets/{reference}/attachments/{file_id}").status_code == 410
    assert in_files(b"pixels-of-Grimbleshanks", store) == []
    with app.app_context():
        after = dump()
        assert places("pixels-of-Grimbleshanks", after) == []
        assert places("grimbleshanks.png", after) == []
        file = db.session.get(Attachment, file_id)
        assert file.filename == "[redacted]" and file.redacted_at is not None
        mail = BytesParser(policy=policy.default).parsebytes(
            db.session.scalar(select(InboundMail)).raw
        )
        assert mail["X-Helpdesk-Redacted"]


def test_members_cannot_redact(app, client, login_as, mailed):
    reference, (report_id, _) = mailed
    login_as("member")
    url = f"/agent/tickets/{reference}/messages/{report_id}/redact"
    response = submit(client, url, {"text": SPAN}, page="/account")
    assert response.status_code == 403
