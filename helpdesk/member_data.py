"""A person's own data: a member's download of their reports as they see them, a member
deleting their account, and the admins' export of everything held about an address (a
data-subject request). Exports are ZIP archives built in memory.
"""

import io
import json
import logging
import zipfile
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select

from . import accounts, audit, blobs, reporter_view
from .database import db
from .errors import InvalidInput, NotAllowed
from .mail import outbox
from .models import (
    Attachment,
    AuditEvent,
    InboundMail,
    LoginFailure,
    MailKind,
    MailStatus,
    Message,
    MessageKind,
    OutboundMail,
    Ticket,
    User,
)
from .permissions import Permission, require
from .redaction import rewrite_inbound

log = logging.getLogger(__name__)

DELETED_NAME = "Deleted member"
DELETED_DOMAIN = "deleted.invalid"


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _zip(documents: dict[str, Any], files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, document in documents.items():
            archive.writestr(name, json.dumps(document, indent=2, ensure_ascii=False))
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _file_name(reference: str, file: Attachment) -> str:
    return f"files/{reference}/{file.id}-{file.filename}"


def _reported_by(user: User) -> list[Ticket]:
    query = select(Ticket).where(Ticket.reporter_id == user.id).order_by(Ticket.id)
    return list(db.session.scalars(query))


# --- a member's own download -------------------------------------------------------------------


def member_export(user: User) -> bytes:
    """reports.json (each report as its reporter sees it: reporter_view decides) and the files
    they sent; never notes, decisions, agents or the other party (P1, P2)."""
    reports, files = [], {}
    for ticket in _reported_by(user):
        seen = reporter_view.for_reporter(ticket)
        reports.append(_seen_report(seen, files))
    account = {
        "email": user.email,
        "display_name": user.display_name,
        "created_at": _when(user.created_at),
    }
    audit.record(user, "user.data_downloaded", target=f"user:{user.id}", reports=len(reports))
    return _zip({"reports.json": {"account": account, "reports": reports}}, files)


def _seen_report(seen: reporter_view.ReporterTicket, files: dict[str, bytes]) -> dict:
    messages = []
    for message in seen.messages:
        sent = []
        for file in message.attachments:
            name = _own_file(seen.reference, message, file, files)
            sent.append({"filename": file.filename, "size": file.size, "file": name})
        messages.append(
            {
                "author": message.author_name,
                "body": message.body,
                "created_at": _when(message.created_at),
                "attachments": sent,
            }
        )
    return {
        "reference": seen.reference,
        "status": seen.status,
        "note": seen.note,
        "category": seen.category_name,
        "subject": seen.subject,
        "created_at": _when(seen.created_at),
        "answers": [{"question": a["label"], "answer": a["answer"]} for a in seen.answers],
        "follows_up": seen.follows_up,
        "messages": messages,
    }


def _own_file(reference, message, file: Attachment, files: dict[str, bytes]) -> str | None:
    """The file's name in the archive, when the member sent it and it is still kept."""
    if message.author != "you" or file.redacted_at is not None:
        return None
    data = blobs.read_blob(file)
    if data is None:
        return None
    files[_file_name(reference, file)] = data
    return _file_name(reference, file)


# --- a member deletes their account ------------------------------------------------------------


def delete_account(user: User, password: str) -> None:
    """Erase the member's account: a confirmation mail to the address first (through the
    outbox and its guard), then their reports stand under the anonymised reporter, every
    session ends, and the account keeps no address, name or password (a row stays, so that the
    audit trail of what it did still holds together). Flushes; the caller commits."""
    if user.is_agent:
        raise NotAllowed("A staff account is removed by an admin.")
    if not accounts.password_matches(user, password):
        raise InvalidInput({"password": ["That is not your password."]})
    address = user.email
    confirmation = outbox.enqueue(MailKind.ACCOUNT_DELETED, actor=user, user=user)
    _hand_reports_over(user)
    _erase_mail_traces(address, keep=confirmation)
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == address))
    for event in db.session.scalars(
        select(AuditEvent).where(AuditEvent.target == f"user:{user.id}")
    ):
        event.changes = {}
    accounts.end_sessions(user, user, "account deleted")
    user.email = f"deleted-{user.id}@{DELETED_DOMAIN}"
    user.display_name, user.password_hash, user.marketplace_id = DELETED_NAME, None, None
    user.active = False
    audit.record(user, "user.deleted", target=f"user:{user.id}")
    db.session.flush()


def _hand_reports_over(user: User) -> None:
    anonymous = accounts.anonymised_reporter()
    for ticket in _reported_by(user):
        ticket.reporter = anonymous
        ticket.submission_key = None  # unique per reporter: keys from two members may meet
    authored = select(Message).where(Message.author_id == user.id)
    for message in db.session.scalars(authored):
        message.author = anonymous


def _erase_mail_traces(address: str, keep: OutboundMail) -> None:
    """The address leaves the outbox (but for the confirmation) and the inbound log."""
    sent = select(OutboundMail).where(OutboundMail.recipient == address, OutboundMail.id != keep.id)
    for mail in db.session.scalars(sent):
        if mail.status is MailStatus.QUEUED:
            mail.status = MailStatus.FAILED
        mail.recipient = mail.subject = mail.body_text = ""
        mail.body_html, mail.headers = None, {}
    for mail in db.session.scalars(select(InboundMail).where(InboundMail.sender == address)):
        rewrite_inbound(mail, [address])
        mail.sender = None


# --- the admins' export about an address -------------------------------------------------------


def subject_export(actor: User | None, email: str) -> bytes:
    """Everything the desk holds about an address, for a data-subject request; the admin reads
    it before handing it over (it holds internal notes and the reported members' data). The
    command line acts as the system (actor None)."""
    if actor is not None:
        require(actor, Permission.ADMINISTER)
    address = email.strip().lower()
    if "@" not in address or len(address) > 254:
        raise InvalidInput({"email": ["Give an email address."]})
    user = accounts.with_email(address)
    files: dict[str, bytes] = {}
    document = {
        "address": address,
        "account": _account(user),
        "reports": [_report(ticket, files) for ticket in _reported_by(user)] if user else [],
        "reported_in": _reported_in(address),
        "inbound_mails": _inbound(address, files),
        "outbox_mails": _outbox(address),
        "audit_events": _events(user) if user else [],
    }
    audit.record(
        actor,
        "person.data_exported",
        target=f"user:{user.id}" if user else None,
        reports=len(document["reports"]),
        inbound_mails=len(document["inbound_mails"]),
    )
    return _zip({"person.json": document}, files)


def _account(user: User | None) -> dict | None:
    if user is None:
        return None
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role.value,
        "marketplace_id": user.marketplace_id,
        "active": user.active,
        "created_at": _when(user.created_at),
        "last_login_at": _when(user.last_login_at),
    }


def _report(ticket: Ticket, files: dict[str, bytes]) -> dict:
    messages = []
    for message in ticket.messages:
        names = []
        for file in message.attachments:
            data = None if file.redacted_at else blobs.read_blob(file)
            if data is not None and message.kind is MessageKind.REPORTER:
                files[_file_name(ticket.reference, file)] = data
                names.append(_file_name(ticket.reference, file))
        messages.append(
            {
                "kind": message.kind.value,
                "author": message.author.display_name if message.author else None,
                "body": message.body,
                "created_at": _when(message.created_at),
                "files": names,
            }
        )
    return {
        "reference": ticket.reference,
        "category": ticket.category.slug,
        "subject": ticket.subject,
        "status": ticket.status.value,
        "source": ticket.source.value,
        "reported_member": ticket.reported_member,
        "reported_profile_url": ticket.reported_profile_url,
        "context_url": ticket.context_url,
        "answers": ticket.answers,
        "created_at": _when(ticket.created_at),
        "closed_at": _when(ticket.closed_at),
        "messages": messages,
    }


def _reported_in(address: str) -> list[str]:
    """References of reports that name the address as the reported member."""
    query = select(Ticket.reference).where(
        or_(func.lower(Ticket.reported_member) == address, Ticket.reported_key == address)
    )
    return list(db.session.scalars(query.order_by(Ticket.id)))


def _inbound(address: str, files: dict[str, bytes]) -> list[dict]:
    rows = []
    query = select(InboundMail).where(InboundMail.sender == address).order_by(InboundMail.id)
    for mail in db.session.scalars(query):
        raw = blobs.read_raw_mail(mail)
        name = f"inbound/{mail.id}.eml" if raw else None
        if name:
            files[name] = raw
        rows.append(
            {
                "id": mail.id,
                "received_at": _when(mail.received_at),
                "subject": mail.subject,
                "outcome": mail.outcome.value,
                "ticket": mail.ticket.reference if mail.ticket else None,
                "raw": name,
            }
        )
    return rows


def _outbox(address: str) -> list[dict]:
    query = select(OutboundMail).where(OutboundMail.recipient == address)
    return [
        {
            "kind": mail.kind.value,
            "status": mail.status.value,
            "subject": mail.subject,
            "body": mail.body_text,
            "created_at": _when(mail.created_at),
            "sent_at": _when(mail.sent_at),
        }
        for mail in db.session.scalars(query.order_by(OutboundMail.id))
    ]


def _events(user: User) -> list[dict]:
    query = select(AuditEvent).where(
        or_(AuditEvent.target == f"user:{user.id}", AuditEvent.actor_id == user.id)
    )
    return [
        {
            "action": event.action,
            "at": _when(event.created_at),
            "by_them": event.actor_id == user.id,
            "ticket": event.ticket.reference if event.ticket else None,
            "changes": event.changes,
        }
        for event in db.session.scalars(query.order_by(AuditEvent.id))
    ]
