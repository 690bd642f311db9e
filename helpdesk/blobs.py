"""The one place retention, redaction and data exports read, overwrite and delete stored
evidence files and raw inbound mail, so that where blobs live is decided in one module.

Evidence files sit in the attachment store under their sha256 (helpdesk.attachments); raw
inbound mail is InboundMail.raw. A file is deleted only when no Attachment row still names its
content (the same evidence in another report keeps it), so the caller changes and flushes its
rows first. Deleting before the caller commits keeps retention resumable: a crash leaves rows
that the next run purges again, never a row a later run cannot find.
"""

import logging

from sqlalchemy import exists, select

from .attachments import current_store
from .database import db
from .models import Attachment, InboundMail

log = logging.getLogger(__name__)


def read_blob(sha256: str) -> bytes | None:
    """An evidence file's bytes, or None when it is not in the store."""
    try:
        return current_store().path_for(sha256).read_bytes()
    except FileNotFoundError:
        return None


def delete_blob(sha256: str) -> bool:
    """Remove an evidence file no Attachment row names any more; True when one was removed."""
    if not sha256 or db.session.scalar(select(exists().where(Attachment.sha256 == sha256))):
        return False
    path = current_store().path_for(sha256)
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    log.info("deleted evidence file %s", sha256)
    return True


def read_raw_mail(inbound: InboundMail) -> bytes:
    return inbound.raw


def replace_raw_mail(inbound: InboundMail, raw: bytes) -> None:
    """Overwrite the stored copy of an inbound mail (a redaction). Its sha256 stays the digest
    of what arrived, which recognises a second delivery of the same mail."""
    inbound.raw, inbound.size = raw, len(raw)


def delete_raw_mail(inbound: InboundMail) -> None:
    inbound.raw, inbound.size = b"", 0
