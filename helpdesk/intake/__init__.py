"""Mail intake: every channel hands raw bytes to receive(); nothing else makes tickets from mail.

receive() stores the raw message and commits (P6: nothing is lost, whatever happens next). The
first copy of a message stores its Message-ID and sha256 in unique columns too, so a second
copy, by any channel and even at the same moment, is stored without them and becomes a
duplicate. Then a second transaction processes the message to one outcome: created, appended,
duplicate, ignored or quarantined. A crash in between leaves a `received` row that `reprocess`
finishes.

Routing follows P7: a reply reaches a ticket's thread only when its sender is that ticket's
reporter; anyone else writing to a ticket's reply address starts a report of their own.
"""

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .. import accounts, signing, tickets
from ..attachments import StoredFile, current_store
from ..database import db, utcnow
from ..errors import DomainError, InvalidInput
from ..mail import text as mail_text
from ..models import (
    Category,
    InboundMail,
    InboundOutcome,
    MailAlias,
    MailStatus,
    Message,
    OutboundMail,
    Role,
    Source,
    Status,
    Ticket,
    User,
)
from . import mime

log = logging.getLogger(__name__)

# Received but unprocessed for this long: the process handling it has died.
STUCK_AFTER = timedelta(minutes=5)
REFERENCE_IN_SUBJECT = re.compile(r"\bHD-[0-9A-HJKMNP-TV-Z]{8}\b", re.IGNORECASE)
# The longest chain of merged tickets followed to find where a reply belongs.
MAX_MERGE_HOPS = 10
NO_SUBJECT = "(no subject)"


class Channel(StrEnum):
    FILE = "file"  # mail ingest PATH (a file, a directory, an mbox, a Maildir)
    STDIN = "stdin"  # mail ingest -  (an MTA pipe)
    IMAP = "imap"
    LMTP = "lmtp"
    SMTP = "smtp"
    WEBHOOK = "webhook"


class StoreFailed(Exception):
    """The raw message could not be stored: the channel must not acknowledge it."""


class NotReprocessable(DomainError):
    """The stored message is missing, or already made or joined a ticket."""


class _Quarantine(Exception):
    """Processing stops here; the message is kept as quarantined with this reason."""


@dataclass(frozen=True)
class IntakeResult:
    inbound_id: int
    message_id: str | None
    outcome: InboundOutcome
    ticket: str | None  # the ticket's reference, when there is one
    reason: str | None

    def as_json(self, source: str | None) -> dict:
        return {
            "source": source,
            "inbound_id": self.inbound_id,
            "message_id": self.message_id,
            "outcome": self.outcome.value,
            "ticket": self.ticket,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class _Decision:
    outcome: InboundOutcome
    reason: str | None = None
    ticket: Ticket | None = None
    message: Message | None = None
    duplicate_of: InboundMail | None = None


# --- the entry point ---------------------------------------------------------------------------


def receive(
    raw: bytes, channel: Channel, *, recipients: Sequence[str] = (), source: str | None = None
) -> IntakeResult:
    """Store `raw` and commit, then process it and commit; needs an app context.

    `recipients` are the envelope recipients when the channel knows them (LMTP, SMTP); they
    take part in routing next to the To/Cc headers. `source` says where it came from (a file
    name, an IMAP UID, a peer address) for the inbound log. Raises StoreFailed only when the
    message could not be stored; every other problem ends as a quarantined outcome.
    """
    return _process(_store(raw, channel, recipients, source), raw)


def reprocess(inbound_id: int) -> IntakeResult:
    """Run a stored message through intake again, after a fix or a crash."""
    inbound = db.session.get(InboundMail, inbound_id)
    if inbound is None:
        raise NotReprocessable(f"There is no stored message {inbound_id}.")
    if inbound.outcome in (InboundOutcome.CREATED, InboundOutcome.APPENDED):
        reference = inbound.ticket.reference if inbound.ticket else "a ticket"
        raise NotReprocessable(
            f"Message {inbound_id} is already in {reference}; running it again would double it."
        )
    inbound.outcome, inbound.reason = InboundOutcome.RECEIVED, None
    db.session.commit()
    return _process(inbound_id)


def reprocess_quarantined() -> list[IntakeResult]:
    """Every quarantined message, and those a crash left unprocessed, oldest first."""
    stuck_before = _stuck_before()
    ids = db.session.scalars(
        select(InboundMail.id)
        .where(
            or_(
                InboundMail.outcome == InboundOutcome.QUARANTINED,
                (InboundMail.outcome == InboundOutcome.RECEIVED)
                & (InboundMail.received_at < stuck_before),
            )
        )
        .order_by(InboundMail.id)
    ).all()
    return [reprocess(inbound_id) for inbound_id in ids]


def is_our_address(address: str) -> bool:
    """True for an address intake takes mail for: our domains, and the aliases."""
    address = address.strip().lower()
    domain = address.rpartition("@")[2]
    return domain in _own_domains() or _alias_for(address) is not None


# --- store, then process ------------------------------------------------------------------------


def _store(raw: bytes, channel: Channel, recipients: Sequence[str], source: str | None) -> int:
    fields = {
        "channel": channel.value,
        "source": _clip(source, 255),
        "recipients": [address.strip().lower() for address in recipients],
        "raw": raw,
        "size": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "message_id": _clip(_message_id_or_none(raw), 255),
    }
    first_copy_keys = {"first_sha256": fields["sha256"], "first_message_id": fields["message_id"]}
    try:
        try:
            inbound = _insert(InboundMail(**fields, **first_copy_keys))
        except IntegrityError:  # a copy of a message stored before, which keeps the keys
            db.session.rollback()
            inbound = _insert(InboundMail(**fields))
    except SQLAlchemyError as error:
        db.session.rollback()
        log.exception("could not store an inbound message from %s", source or channel)
        raise StoreFailed(f"could not store the message ({type(error).__name__})") from error
    log.info("stored inbound mail %s (%s, %d bytes)", inbound.id, channel, inbound.size)
    return inbound.id


def _insert(inbound: InboundMail) -> InboundMail:
    db.session.add(inbound)
    db.session.commit()
    return inbound


def _message_id_or_none(raw: bytes) -> str | None:
    """The Message-ID for duplicate detection; storing must never fail on odd headers."""
    try:
        return mime.read_message_id(raw)
    except Exception:
        log.exception("could not read the Message-ID of an inbound message")
        return None


def _process(inbound_id: int, raw: bytes | None = None) -> IntakeResult:
    """`raw` is the message when the caller has it in hand, so it is not read back."""
    inbound = _locked(inbound_id)
    if inbound.outcome is not InboundOutcome.RECEIVED:  # another process finished it meanwhile
        db.session.commit()
        return _result(inbound)
    earlier = None if inbound.first_sha256 else _earlier_copy(inbound)
    if earlier is not None and _left_unprocessed(earlier):
        # The first copy's process died before finishing it, and this copy is the sender
        # trying again: finish the first copy now, as reprocess would, then file this one.
        db.session.commit()
        _process(earlier.id)
        return _process(inbound_id, raw)
    mail = None
    try:
        if earlier:
            decision = _duplicate(earlier)
        else:
            mail = _parsed(inbound, raw or inbound.raw)
            decision = _decide(inbound, mail)
    except _Quarantine as problem:
        decision = _Decision(InboundOutcome.QUARANTINED, str(problem))
    except Exception as error:  # a bug or a broken database must not lose the mail: keep it
        log.exception("intake failed on inbound mail %s", inbound_id)
        decision = _Decision(InboundOutcome.QUARANTINED, f"intake failed: {_describe(error)}")
    if decision.outcome is InboundOutcome.QUARANTINED:
        db.session.rollback()
        inbound = _locked(inbound_id)
    _record(inbound, decision, mail)
    db.session.commit()
    log.info("inbound mail %s: %s %s", inbound.id, inbound.outcome, inbound.reason or "")
    return _result(inbound)


def _left_unprocessed(inbound: InboundMail) -> bool:
    return inbound.outcome is InboundOutcome.RECEIVED and inbound.received_at < _stuck_before()


def _stuck_before() -> datetime:
    return utcnow() - STUCK_AFTER


def _earlier_copy(inbound: InboundMail) -> InboundMail | None:
    same = InboundMail.first_sha256 == inbound.sha256
    if inbound.message_id:
        same = or_(same, InboundMail.first_message_id == inbound.message_id)
    return db.session.scalar(
        select(InboundMail).where(same, InboundMail.id != inbound.id).order_by(InboundMail.id)
    )


def _locked(inbound_id: int) -> InboundMail:
    """The row, locked against a second process working on it (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already lets one writer in at a time)."""
    query = select(InboundMail).where(InboundMail.id == inbound_id).with_for_update()
    return db.session.execute(query.execution_options(populate_existing=True)).scalar_one()


def _duplicate(earlier: InboundMail) -> _Decision:
    what = f"the same message as inbound mail {earlier.id}"
    if earlier.ticket:
        what += f" ({earlier.ticket.reference})"
    return _Decision(InboundOutcome.DUPLICATE, what, ticket=earlier.ticket, duplicate_of=earlier)


def _record(inbound: InboundMail, decision: _Decision, mail: mime.ParsedMail | None) -> None:
    """The outcome, and who sent what, for the inbound log: kept even when the rest of the
    processing was rolled back, so a quarantined mail still shows its sender and subject."""
    if mail is not None:
        inbound.sender, inbound.subject = _clip(mail.sender, 254), _clip(mail.subject, 255)
    elif decision.duplicate_of is not None:
        inbound.sender, inbound.subject = (
            decision.duplicate_of.sender,
            decision.duplicate_of.subject,
        )
    inbound.outcome, inbound.reason = decision.outcome, _clip(decision.reason, 2000)
    inbound.ticket = decision.ticket
    inbound.thread_message_id = decision.message.id if decision.message else None
    inbound.attempts += 1
    inbound.processed_at = utcnow()
    inbound.duplicate_of = decision.duplicate_of


def _result(inbound: InboundMail) -> IntakeResult:
    return IntakeResult(
        inbound_id=inbound.id,
        message_id=inbound.message_id,
        outcome=inbound.outcome,
        ticket=inbound.ticket.reference if inbound.ticket else None,
        reason=inbound.reason,
    )


# --- deciding what a message is ----------------------------------------------------------------


def _parsed(inbound: InboundMail, raw: bytes) -> mime.ParsedMail:
    config = current_app.config
    limit = config["HELPDESK_INTAKE_MAX_MESSAGE_BYTES"]
    if inbound.size > limit:
        raise _Quarantine(f"the message is {inbound.size:,} bytes; the limit is {limit:,} bytes")
    try:
        return mime.parse(raw, max_attachment_bytes=config["HELPDESK_MAX_ATTACHMENT_BYTES"])
    except mime.Unparseable as problem:
        raise _Quarantine(f"not a readable mail message: {problem}") from None


def _decide(inbound: InboundMail, mail: mime.ParsedMail) -> _Decision:
    if mail.automated:
        return _automated(mail)
    if not mail.sender:
        raise _Quarantine("no usable sender address in From")
    if is_our_address(mail.sender):
        return _Decision(InboundOutcome.IGNORED, "sent from one of our own addresses (a mail loop)")
    reporter = _sender_account(mail)
    found = _addressed_ticket(inbound, mail)
    if found is None:
        return _new_ticket(inbound, mail, reporter)
    ticket, how = found
    if ticket.reporter_id != reporter.id:
        # P7: whoever else writes to a ticket's address never reaches its thread.
        return _new_ticket(
            inbound, mail, reporter, note=f"by {how} it answers a ticket the sender did not report"
        )
    if ticket.status is Status.CLOSED:
        return _new_ticket(
            inbound, mail, reporter, follows_up=ticket, note=f"answers closed {ticket.reference}"
        )
    try:
        message = tickets.add_followup(
            reporter, ticket, _followup_text(mail), origin=Source.EMAIL, files=_store_files(mail)
        )
    except DomainError as refused:
        raise _Quarantine(f"the follow-up was refused: {refused}") from None
    return _Decision(InboundOutcome.APPENDED, f"matched by {how}", ticket=ticket, message=message)


def _automated(mail: mime.ParsedMail) -> _Decision:
    """Automated mail is never acknowledged nor shown to anyone but admins; a bounce of a mail
    we sent marks that mail as bounced."""
    reason = f"automated mail: {mail.automated}"
    bounced = _mark_bounced(mail.bounced_message_ids, mail.automated)
    if bounced:
        reason += "; marked as bounced: outbox mail " + ", ".join(str(i) for i in bounced)
    return _Decision(InboundOutcome.IGNORED, reason)


def _mark_bounced(message_ids: Sequence[str], why: str) -> list[int]:
    if not message_ids:
        return []
    mails = db.session.scalars(
        select(OutboundMail).where(
            OutboundMail.email_message_id.in_(message_ids),
            OutboundMail.status == MailStatus.SENT,
        )
    ).all()
    for mail in mails:
        mail.status, mail.reason = MailStatus.BOUNCED, f"returned: {why}"
    return [mail.id for mail in mails]


def _sender_account(mail: mime.ParsedMail) -> User:
    """The account with the sender's address, or a new member without a password, who can
    set one through a password reset and then sees their reports."""
    try:
        email = accounts.normalise_email(mail.sender)
    except InvalidInput:
        raise _Quarantine(f"the sender address {mail.sender!r} is not usable") from None
    user = db.session.scalar(select(User).where(User.email == email))
    if user is not None:
        return user
    name = (mail.sender_name or email.split("@", 1)[0]).strip()[:100] or email
    return accounts.create_user(email, None, role=Role.MEMBER, display_name=name, actor=None)


def _addressed_ticket(inbound: InboundMail, mail: mime.ParsedMail) -> tuple[Ticket, str] | None:
    """The ticket a message answers, and how we know: a signed reply address, a Message-ID we
    sent or received, or a reference in the subject, in that order of trust."""
    config = current_app.config
    for address in [*inbound.recipients, *mail.recipients]:
        reference = signing.reference_from_reply_address(
            address, config["HELPDESK_REPLY_DOMAIN"], config["SECRET_KEY"]
        )
        if reference and (ticket := _ticket(reference)):
            return ticket, "its signed reply address"
    if ticket := _ticket_by_message_ids([*mail.in_reply_to, *reversed(mail.references)]):
        return ticket, "In-Reply-To/References"
    match = REFERENCE_IN_SUBJECT.search(mail.subject)
    if match and (ticket := _ticket(match.group().upper())):
        return ticket, "the reference in its subject"
    return None


def _ticket(reference: str) -> Ticket | None:
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
    for _ in range(MAX_MERGE_HOPS):  # a reply to a merged ticket belongs where it was merged
        if ticket is None or ticket.merged_into is None:
            break
        ticket = ticket.merged_into
    return ticket


def _ticket_by_message_ids(message_ids: list[str]) -> Ticket | None:
    """The ticket of a mail we sent, a thread message we named, or a mail we received.

    A received Message-ID stays on the inbound log: it is the sender's text, and outbound
    headers carry only our own (the thread's messages get Message-IDs of ours)."""
    message_ids = [value for value in message_ids if value][:50]
    if not message_ids:
        return None
    sent = select(OutboundMail.ticket_id).where(
        OutboundMail.email_message_id.in_(message_ids), OutboundMail.ticket_id.is_not(None)
    )
    named = select(Message.ticket_id).where(Message.email_message_id.in_(message_ids))
    received = select(InboundMail.ticket_id).where(
        InboundMail.message_id.in_(message_ids), InboundMail.ticket_id.is_not(None)
    )
    ticket_id = db.session.scalar(sent.union(named, received).limit(1))
    return _ticket(db.session.get(Ticket, ticket_id).reference) if ticket_id else None


# --- new tickets and follow-ups ----------------------------------------------------------------


def _new_ticket(
    inbound: InboundMail,
    mail: mime.ParsedMail,
    reporter: User,
    *,
    follows_up: Ticket | None = None,
    note: str | None = None,
) -> _Decision:
    category, why = category_for([*inbound.recipients, *mail.recipients])
    try:
        ticket = tickets.open_ticket(
            reporter,
            category=category,
            subject=_ticket_subject(mail.subject),
            description=_report_text(mail),
            files=_store_files(mail),
            source=Source.EMAIL,
            follows_up=follows_up,
        )
    except DomainError as refused:
        raise _Quarantine(f"the report was refused: {refused}") from None
    message = ticket.messages[0]
    reason = "; ".join(part for part in (note, why) if part)
    return _Decision(InboundOutcome.CREATED, reason, ticket=ticket, message=message)


def category_for(addresses: Sequence[str]) -> tuple[Category, str]:
    """The category an alias among the recipients chooses, else the default one; and why."""
    for address in addresses:
        alias = _alias_for(address)
        if alias is not None and alias.category.active:
            return alias.category, f"category {alias.category.slug} from {alias.address}"
    return default_category(), "default category"


def default_category() -> Category:
    """HELPDESK_INTAKE_DEFAULT_CATEGORY when it is active, else the first active category."""
    slug = current_app.config["HELPDESK_INTAKE_DEFAULT_CATEGORY"]
    category = db.session.scalar(select(Category).where(Category.slug == slug, Category.active))
    category = category or db.session.scalar(
        select(Category).where(Category.active).order_by(Category.sort_order, Category.id)
    )
    if category is None:
        raise _Quarantine("there is no active category to file the report under")
    return category


def _alias_for(address: str) -> MailAlias | None:
    return db.session.scalar(select(MailAlias).where(MailAlias.address == address.strip().lower()))


def _ticket_subject(subject: str) -> str:
    low, high = tickets.SUBJECT_LENGTH
    subject = subject.strip() or NO_SUBJECT
    if len(subject) < low:
        subject = f"Mail: {subject}"
    return subject[:high]


def _report_text(mail: mime.ParsedMail) -> str:
    """The whole mail's text: a new report keeps what it quotes (often the evidence)."""
    return _with_notes(mail.text, mail, tickets.BODY_LENGTH)


def _followup_text(mail: mime.ParsedMail) -> str:
    """A reply without the history it quotes; agents can open the original mail."""
    return _with_notes(mail_text.trim_reply(mail.text), mail, tickets.FOLLOWUP_LENGTH)


def _with_notes(text: str, mail: mime.ParsedMail, bounds: tuple[int, int]) -> str:
    low, high = bounds
    text = text.strip()
    notes = [f"(Left out for size, kept in the original mail: {name}.)" for name in mail.oversized]
    if not text:
        notes.append(f"(The mail had no text{', only attachments' if mail.attachments else ''}.)")
    note_text = "\n".join(notes)
    room = high - len(note_text) - 2
    if len(text) > room:
        text = text[: room - 60].rstrip() + "\n(Shortened here; the original mail is kept.)"
    body = "\n\n".join(part for part in (text, note_text) if part)
    # A mail may be shorter than a web report must be; say where it came from rather than pad.
    return body if len(body) >= low else f"{body}\n\n(Sent by mail.)"


def _store_files(mail: mime.ParsedMail) -> list[StoredFile]:
    store = current_store()
    return [
        stored
        for attachment in mail.attachments
        if (stored := store.store_mail_file(attachment.filename, attachment.data)) is not None
    ]


# --- small helpers -----------------------------------------------------------------------------


def _own_domains() -> set[str]:
    config = current_app.config
    support_domain = config["HELPDESK_SUPPORT_ADDRESS"].rpartition("@")[2]
    return {support_domain.lower(), config["HELPDESK_REPLY_DOMAIN"].lower()}


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value else None


def _describe(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}"[:300]
