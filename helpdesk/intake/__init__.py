"""Mail intake: every channel hands raw bytes to receive(); nothing else makes tickets from mail.

receive() stores the raw message and commits (P6: nothing is lost, whatever happens next). The
first copy of a message stores its Message-ID and sha256 in unique columns too, so a second
copy, by any channel and even at the same moment, is stored without them and becomes a
duplicate. Then a second transaction processes the message to one outcome: created, appended,
duplicate, ignored or quarantined. A crash in between leaves a `received` row that `reprocess`
finishes.

Routing follows P7: a reply reaches a ticket's thread only when its sender is that ticket's
reporter, verified by the ticket's signed reply address or by our receiving server's DKIM or
DMARC pass; any other mail to a ticket starts a report of its own (see routing).
"""

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from sqlalchemy import Select, bindparam, or_, select

from .. import direct_inserts, permissions, storage
from ..database import db, utcnow
from ..errors import DomainError
from ..models import InboundMail, InboundOutcome, User
from ..permissions import Permission
from . import mime, routing

log = logging.getLogger(__name__)

# Received but unprocessed for this long: the process handling it has died.
STUCK_AFTER = timedelta(minutes=5)


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


def reprocess(actor: User | None, inbound_id: int) -> IntakeResult:
    """Run a stored message through intake again, after a fix or a crash. An admin does it from
    the inbound log; None is the system (the command line)."""
    if actor is not None:
        permissions.require(actor, Permission.ADMINISTER)
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
    """Every quarantined message, and those a crash left unprocessed, oldest first; run by the
    system (the command line)."""
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
    return [reprocess(None, inbound_id) for inbound_id in ids]


# --- store, then process ------------------------------------------------------------------------


def _store(raw: bytes, channel: Channel, recipients: Sequence[str], source: str | None) -> int:
    fields = {
        "channel": channel.value,
        "source": _clip(source, 255),
        "recipients": [address.strip().lower() for address in recipients],
        "size": len(raw),
        "sha256": hashlib.sha256(raw).hexdigest(),
        "message_id": _clip(_message_id_or_none(raw), 255),
    }
    try:
        inbound_id = _insert(fields, raw)
    except Exception as error:  # the database or the store: either way, nothing is kept
        db.session.rollback()
        log.exception("could not store an inbound message from %s", source or channel)
        raise StoreFailed(f"could not store the message ({type(error).__name__})") from error
    log.info("stored inbound mail %s (%s, %d bytes)", inbound_id, channel, len(raw))
    return inbound_id


def _insert(fields: dict, raw: bytes) -> int:
    """The row and its raw copy, committed: on the database backend in one transaction; on the
    others the copy is written (durably) before the row commits, so a row always has one.
    Returns the row's id (read before the commit, which would have it read again)."""
    first_copy_keys = {"first_sha256": fields["sha256"], "first_message_id": fields["message_id"]}
    inbound = InboundMail(**fields, **first_copy_keys)
    if not direct_inserts.insert(inbound, unless_taken=True):
        inbound = InboundMail(**fields)  # a copy of a message stored before, which keeps the keys
        direct_inserts.insert(inbound)
    inbound_id = inbound.id  # the id names the raw copy
    blobs, key = storage.current(), storage.mail_key(inbound_id)
    blobs.put(key, raw)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        if not blobs.transactional:
            _remove_unless_committed(blobs, key, inbound_id)
        raise
    return inbound_id


def _remove_unless_committed(blobs: storage.BlobStore, key: str, inbound_id: int) -> None:
    """A commit that failed may still have landed (its answer lost with the connection): the
    copy goes only when its row is certainly not there."""
    try:
        if db.session.get(InboundMail, inbound_id) is None:
            blobs.delete(key)
        db.session.rollback()
    except Exception:
        log.exception("left %s in storage: could not tell whether its row committed", key)


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
            decision = routing.duplicate(earlier)
        else:
            mail = routing.parsed(inbound, raw or inbound.raw)
            decision = routing.decide(inbound, mail)
    except routing.Quarantine as problem:
        decision = routing.Decision(InboundOutcome.QUARANTINED, str(problem))
    except Exception as error:  # a bug or a broken database must not lose the mail: keep it
        log.exception("intake failed on inbound mail %s", inbound_id)
        decision = routing.Decision(
            InboundOutcome.QUARANTINED, f"intake failed: {_describe(error)}"
        )
    if decision.outcome is InboundOutcome.QUARANTINED:
        db.session.rollback()
        inbound = _locked(inbound_id)
    _record(inbound, decision, mail)
    result = _result(inbound)  # before the commit, which would have the row read again
    db.session.commit()
    log.info("inbound mail %s: %s %s", inbound_id, result.outcome, result.reason or "")
    return result


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
    return db.session.execute(_locked_row(), {"id": inbound_id}).scalar_one()


@cache
def _locked_row() -> Select:
    """Built once: every mail is read this way, and building it cost about as much as running it."""
    query = select(InboundMail).where(InboundMail.id == bindparam("id")).with_for_update()
    return query.execution_options(populate_existing=True)


def _record(inbound: InboundMail, decision: routing.Decision, mail: mime.ParsedMail | None) -> None:
    """The outcome, and who sent what, for the inbound log: kept even when the rest of the
    processing was rolled back, so a quarantined mail still shows its sender and subject."""
    if mail is not None:
        inbound.sender, inbound.subject = _clip(mail.sender, 254), _clip(mail.subject, 255)
        inbound.authentication = mail.authentication.summary if mail.authentication else None
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
    inbound.verified_by = decision.verified_by


def _result(inbound: InboundMail) -> IntakeResult:
    return IntakeResult(
        inbound_id=inbound.id,
        message_id=inbound.message_id,
        outcome=inbound.outcome,
        ticket=inbound.ticket.reference if inbound.ticket else None,
        reason=inbound.reason,
    )


# --- small helpers -----------------------------------------------------------------------------


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value else None


def _describe(error: Exception) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}"[:300]
