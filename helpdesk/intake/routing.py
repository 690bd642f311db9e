"""What an inbound mail is and where it goes (P7): a follow-up to its reporter's ticket, a new
report, or nothing (automated mail, our own mail looping back). Everything here runs inside
intake's processing transaction; raising Quarantine keeps the mail for an admin instead.

A reply reaches a ticket's thread only when its one unambiguous From mailbox is that ticket's
reporter and the sender is verified: the mail came to the ticket's signed reply address, or our
own receiving server recorded a DKIM or DMARC pass aligned with the From domain. The reporter
writing unverified starts a new ticket linked to the one named, marked for agents as "sender
not verified"; anyone else starts a report of their own.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import select

from .. import accounts, aliases, signing, tickets
from ..attachments import StoredFile, current_store
from ..database import db
from ..errors import DomainError, EmailTaken, InvalidInput
from ..mail import addresses
from ..mail import text as mail_text
from ..models import (
    InboundMail,
    InboundOutcome,
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

# The longest chain of merged tickets followed to find where a reply belongs.
MAX_MERGE_HOPS = 10
NO_SUBJECT = "(no subject)"
SIGNED_ADDRESS = "its signed reply address"
# How a sender was verified, as the inbound log keeps it and agents read it.
BY_REPLY_ADDRESS = "the ticket's signed reply address"
BY_OUR_SERVER = "a DKIM or DMARC pass at our server"


class Quarantine(Exception):
    """Processing stops here; the message is kept as quarantined with this reason."""


@dataclass(frozen=True)
class Decision:
    outcome: InboundOutcome
    reason: str | None = None
    ticket: Ticket | None = None
    message: Message | None = None
    duplicate_of: InboundMail | None = None
    verified_by: str | None = None  # BY_REPLY_ADDRESS, BY_OUR_SERVER, or None: not verified


def parsed(inbound: InboundMail, raw: bytes) -> mime.ParsedMail:
    config = current_app.config
    limit = config["HELPDESK_INTAKE_MAX_MESSAGE_BYTES"]
    if inbound.size > limit:
        raise Quarantine(f"the message is {inbound.size:,} bytes; the limit is {limit:,} bytes")
    try:
        return mime.parse(
            raw,
            max_attachment_bytes=config["HELPDESK_MAX_ATTACHMENT_BYTES"],
            authserv_id=config["HELPDESK_AUTHSERV_ID"] or None,
            max_parts=config["HELPDESK_INTAKE_MAX_PARTS"],
            max_attachments=config["HELPDESK_INTAKE_MAX_ATTACHMENTS"],
        )
    except mime.OverLimit as problem:
        raise Quarantine(str(problem)) from None
    except mime.Unparseable as problem:
        raise Quarantine(f"not a readable mail message: {problem}") from None


def duplicate(earlier: InboundMail) -> Decision:
    what = f"the same message as inbound mail {earlier.id}"
    if earlier.ticket:
        what += f" ({earlier.ticket.reference})"
    return Decision(InboundOutcome.DUPLICATE, what, ticket=earlier.ticket, duplicate_of=earlier)


def decide(inbound: InboundMail, mail: mime.ParsedMail) -> Decision:
    """Where the mail goes, and how its sender was verified (kept for agents)."""
    if mail.automated:  # before the sender: a bounce often has no usable one
        return _automated(mail)
    if not mail.sender:
        raise Quarantine(f"no usable sender in From: {mail.sender_problem}")
    if addresses.is_our_address(mail.sender):
        return Decision(InboundOutcome.IGNORED, "sent from one of our own addresses (a mail loop)")
    sender = _sender_account(mail)
    found = _addressed_ticket(inbound, mail)
    verified_by = _verified_by(mail, sender, found)
    decision = _route(inbound, mail, sender, found, verified_by)
    return replace(decision, verified_by=verified_by)


def _route(
    inbound: InboundMail,
    mail: mime.ParsedMail,
    sender: User,
    found: tuple[Ticket, str] | None,
    verified_by: str | None,
) -> Decision:
    if found is None:
        return _new_ticket(inbound, mail, sender)
    named, how = found
    if named.reporter_id != sender.id:
        return _strangers_mail(inbound, mail, sender, named, how)
    if verified_by is None:
        return _unverified(inbound, mail, sender, named, how)
    ticket = _survivor(named)
    if ticket.reporter_id != sender.id:
        return _merged_away(inbound, mail, sender, named, ticket)
    if ticket.status is Status.CLOSED:
        return _new_ticket(
            inbound, mail, sender, follows_up=ticket, note=f"answers closed {ticket.reference}"
        )
    try:
        message = tickets.add_followup(
            sender, ticket, _followup_text(mail), origin=Source.EMAIL, files=_store_files(mail)
        )
    except DomainError as refused:
        raise Quarantine(f"the follow-up was refused: {refused}") from None
    return Decision(InboundOutcome.APPENDED, f"matched by {how}", ticket=ticket, message=message)


def _verified_by(
    mail: mime.ParsedMail, sender: User, found: tuple[Ticket, str] | None
) -> str | None:
    """How we know the From mailbox is the sender's own: the reporter's signed reply address
    (only the reporter was sent it), or our receiving server's aligned DKIM or DMARC pass."""
    if found is not None and found[1] == SIGNED_ADDRESS and found[0].reporter_id == sender.id:
        return BY_REPLY_ADDRESS
    if mail.authentication is not None and mail.authentication.verifies(mail.sender):
        return BY_OUR_SERVER
    return None


def _strangers_mail(
    inbound: InboundMail, mail: mime.ParsedMail, sender: User, named: Ticket, how: str
) -> Decision:
    """P7: whoever else writes to a ticket never reaches its thread. Their report is not
    linked to it either: the link shows on their page, and would confirm the reference."""
    decision = _new_ticket(
        inbound, mail, sender, note=f"by {how} it answers a ticket the sender did not report"
    )
    tickets.record_event(
        decision.ticket,
        f"This mail named {named.reference} ({how}), a ticket someone else reported. "
        "It was not added to that ticket.",
    )
    return decision


def _unverified(
    inbound: InboundMail, mail: mime.ParsedMail, sender: User, named: Ticket, how: str
) -> Decision:
    """The reporter's address in From, but nothing shows the reporter sent it: a new ticket,
    linked to theirs, that tells agents so. Nothing the reporter reads says it, neither the
    acknowledgment nor their pages: a forger must not learn what passes."""
    decision = _new_ticket(
        inbound,
        mail,
        sender,
        follows_up=named,
        note=f"sender not verified: named {named.reference} by {how}",
    )
    tickets.record_event(
        decision.ticket,
        f"Sender not verified. This mail named {named.reference} ({how}) but came neither to "
        "its signed reply address nor with a DKIM or DMARC pass recorded by our receiving "
        f"server, so it was not added to {named.reference}.",
    )
    return decision


def _merged_away(
    inbound: InboundMail, mail: mime.ParsedMail, sender: User, named: Ticket, survivor: Ticket
) -> Decision:
    """The reporter of a ticket merged into another reporter's ticket writes again: agents
    read it there as an internal note; the survivor's reporter never does."""
    if survivor.status is Status.CLOSED:
        return _new_ticket(
            inbound,
            mail,
            sender,
            follows_up=named,
            note=f"answers {named.reference}, merged into closed {survivor.reference}",
        )
    text = f"By mail about {named.reference}, which was merged into this ticket:\n\n"
    message = tickets.add_internal_mail(
        sender, survivor, text + _followup_text(mail), _store_files(mail)
    )
    reason = f"an internal note on {survivor.reference}, into which {named.reference} was merged"
    return Decision(InboundOutcome.APPENDED, reason, ticket=survivor, message=message)


def _automated(mail: mime.ParsedMail) -> Decision:
    """Automated mail is never acknowledged nor shown to anyone but admins; a bounce of a mail
    we sent marks that mail as bounced."""
    reason = f"automated mail: {mail.automated}"
    bounced = _mark_bounced(mail.bounced_message_ids, mail.automated)
    if bounced:
        reason += "; marked as bounced: outbox mail " + ", ".join(str(i) for i in bounced)
    return Decision(InboundOutcome.IGNORED, reason)


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
        raise Quarantine(f"the sender address {mail.sender!r} is not usable") from None
    user = accounts.with_email(email)
    if user is not None:
        return user
    name = (mail.sender_name or email.split("@", 1)[0]).strip()[:100] or email
    try:
        return accounts.create_user(email, None, role=Role.MEMBER, display_name=name, actor=None)
    except EmailTaken:  # made a moment ago, for another mail of theirs taken in at once
        return accounts.with_email(email)


def _addressed_ticket(inbound: InboundMail, mail: mime.ParsedMail) -> tuple[Ticket, str] | None:
    """The ticket a message answers, and how we know: a signed reply address, a Message-ID we
    sent or received, or a reference in the subject, in that order of trust."""
    for address in [*inbound.recipients, *mail.recipients]:
        reference = addresses.reference_from_reply_address(address)
        if reference and (ticket := _ticket(reference)):
            return ticket, SIGNED_ADDRESS
    if ticket := _ticket_by_message_ids([*mail.in_reply_to, *reversed(mail.references)]):
        return ticket, "In-Reply-To/References"
    match = signing.REFERENCE_IN_TEXT.search(mail.subject)
    if match and (ticket := _ticket(signing.parse_reference(match.group()))):
        return ticket, "the reference in its subject"
    return None


def _ticket(reference: str) -> Ticket | None:
    return db.session.scalar(select(Ticket).where(Ticket.reference == reference))


def _survivor(ticket: Ticket) -> Ticket:
    """Where a reply to a merged ticket belongs: the ticket it was merged into."""
    for _ in range(MAX_MERGE_HOPS):
        if ticket.merged_into is None:
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
    return db.session.get(Ticket, ticket_id) if ticket_id else None


# --- new tickets and follow-ups ----------------------------------------------------------------


def _new_ticket(
    inbound: InboundMail,
    mail: mime.ParsedMail,
    reporter: User,
    *,
    follows_up: Ticket | None = None,
    note: str | None = None,
) -> Decision:
    category, why = aliases.category_for([*inbound.recipients, *mail.recipients])
    if category is None:
        raise Quarantine("there is no active category to file the report under")
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
        raise Quarantine(f"the report was refused: {refused}") from None
    message = ticket.messages[0]
    reason = "; ".join(part for part in (note, why) if part)
    return Decision(InboundOutcome.CREATED, reason, ticket=ticket, message=message)


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
