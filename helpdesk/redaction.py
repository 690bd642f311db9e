"""Redaction: an agent removes a span of a message, or an attachment, from every copy the desk
keeps: the message, the search index, the raw inbound mail (rewritten part by part, decoded
and encoded again, with a header noting the redaction), the outbox and the audit details. The
audit log records who redacted what message and when, never the text.
"""

import hashlib
import html
import json
import logging
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from sqlalchemy import or_, select

from . import audit, blobs
from .database import db, utcnow
from .errors import InvalidInput, NotAllowed
from .models import Attachment, AuditEvent, InboundMail, Message, OutboundMail, Ticket, User
from .permissions import Permission, require
from .retention import compact_search_index

log = logging.getLogger(__name__)

MARK = "[redacted]"
HEADER = "X-Helpdesk-Redacted"
MAX_SPAN = 10_000


def redact_message(actor: User, message: Message, span: str) -> int:
    """Replace every occurrence of `span` in the message, wherever it is stored; returns how
    many there were in the message. InvalidInput when the message does not hold it."""
    require(actor, Permission.WORK_TICKETS)
    if not span.strip() or len(span) > MAX_SPAN:
        raise InvalidInput({"text": ["Give the exact text to redact, as the message shows it."]})
    occurrences = message.body.count(span)
    if occurrences == 0:
        raise InvalidInput({"text": ["That text is not in this message: copy it exactly."]})
    ticket = message.ticket
    message.body = message.body.replace(span, MARK)
    if message.id == ticket.messages[0].id:  # the report: its subject is its first line
        ticket.subject = ticket.subject.replace(span, MARK)
    _rewrite_raw_mails(message, spans=[span])
    _redact_outbox(ticket, span)
    _redact_audit_details(ticket, span)
    audit.record(actor, "ticket.message_redacted", ticket=ticket, message=message.id)
    db.session.flush()
    compact_search_index()
    return occurrences


def redact_attachment(actor: User, attachment: Attachment) -> None:
    """Delete the file (here and in the raw mail it came in) and keep its row as "[redacted]",
    which a download answers with 410 Gone."""
    require(actor, Permission.WORK_TICKETS)
    if attachment.redacted_at is not None:
        raise NotAllowed("This file was redacted already.")
    digest = attachment.sha256
    attachment.filename, attachment.content_type = MARK, "application/octet-stream"
    attachment.size, attachment.sha256, attachment.redacted_at = 0, "", utcnow()
    db.session.flush()
    blobs.delete_blob(digest)
    _rewrite_raw_mails(attachment.message, files={digest})
    audit.record(
        actor, "ticket.attachment_redacted", ticket=attachment.message.ticket, file=attachment.id
    )
    db.session.flush()


# --- the copies --------------------------------------------------------------------------------


def _rewrite_raw_mails(
    message: Message, spans: list[str] = (), files: set[str] = frozenset()
) -> None:
    mails = list(
        db.session.scalars(select(InboundMail).where(InboundMail.thread_message_id == message.id))
    )
    originals = [mail.id for mail in mails]
    copies = select(InboundMail).where(InboundMail.duplicate_of_id.in_(originals))
    for mail in mails + list(db.session.scalars(copies)):
        rewrite_inbound(mail, spans, files)


def rewrite_inbound(mail: InboundMail, spans: list[str], files: set[str] = frozenset()) -> None:
    """Redact an inbound mail's stored copy and the fields taken from it."""
    raw = blobs.read_raw_mail(mail)
    if raw:
        blobs.replace_raw_mail(mail, redact_mime(raw, spans, files))
    for name in ("sender", "subject"):
        value = getattr(mail, name)
        if value:
            setattr(mail, name, _replaced(value, spans))


def redact_mime(raw: bytes, spans: list[str], files: set[str] = frozenset()) -> bytes:
    """The mail with every span replaced in every header and text part (decoded from its
    transfer encoding and charset, then encoded again), and every part whose content has one of
    the `files` digests replaced by a marker; with a header that notes the redaction."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    for part in message.walk():
        _redact_headers(part, spans)
        if not part.is_multipart():
            _redact_part(part, spans, files)
    message[HEADER] = f"{utcnow():%Y-%m-%dT%H:%M:%SZ} by agent"
    return message.as_bytes()


def _redact_headers(part: EmailMessage, spans: list[str]) -> None:
    names = {name for name, value in part.items() if _replaced(str(value), spans) != str(value)}
    for name in names:
        values = [_replaced(str(value), spans) for value in part.get_all(name)]
        del part[name]
        for value in values:
            part[name] = value


def _redact_part(part: EmailMessage, spans: list[str], files: set[str]) -> None:
    payload = part.get_payload(decode=True) or b""
    if files and hashlib.sha256(payload).hexdigest() in files:
        _set_text(part, MARK, "plain", filename=MARK if part.get_filename() else None)
        return
    if part.get_content_maintype() != "text" or not spans:
        return
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # an unknown or lying charset
        content = payload.decode("utf-8", "replace")
    subtype = part.get_content_subtype()
    redacted = _replaced(content, spans, html_too=subtype == "html")
    if redacted != content:
        _set_text(part, redacted, subtype, filename=part.get_filename())


def _set_text(part: EmailMessage, text: str, subtype: str, filename: str | None) -> None:
    disposition = part.get_content_disposition()
    part.set_content(text, subtype=subtype, disposition=disposition, filename=filename)


def _replaced(text: str, spans: list[str], html_too: bool = False) -> str:
    for span in spans:
        forms = {span, html.escape(span), html.escape(span, quote=False)} if html_too else {span}
        for form in forms:
            text = text.replace(form, MARK)
    return text


def _redact_outbox(ticket: Ticket, span: str) -> None:
    """Queued mail that quotes the text, and the stored copies of mail already sent."""
    quoting = or_(
        OutboundMail.subject.contains(span, autoescape=True),
        OutboundMail.body_text.contains(span, autoescape=True),
        OutboundMail.body_html.contains(html.escape(span, quote=False), autoescape=True),
        OutboundMail.body_html.contains(html.escape(span), autoescape=True),
    )
    query = select(OutboundMail).where(OutboundMail.ticket_id == ticket.id, quoting)
    for mail in db.session.scalars(query):
        mail.subject = _replaced(mail.subject, [span])
        mail.body_text = _replaced(mail.body_text, [span])
        if mail.body_html:
            mail.body_html = _replaced(mail.body_html, [span], html_too=True)


def _redact_audit_details(ticket: Ticket, span: str) -> None:
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.ticket_id == ticket.id)):
        if span in json.dumps(event.changes, ensure_ascii=False):
            event.changes = _replaced_in(event.changes, span)


def _replaced_in(value: Any, span: str) -> Any:
    if isinstance(value, str):
        return value.replace(span, MARK)
    if isinstance(value, list):
        return [_replaced_in(item, span) for item in value]
    if isinstance(value, dict):
        return {key: _replaced_in(item, span) for key, item in value.items()}
    return value
