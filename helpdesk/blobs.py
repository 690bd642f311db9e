"""The one place retention, redaction and data exports read, overwrite and delete stored
evidence files and raw inbound mail, on top of helpdesk.storage.

Evidence files sit in the attachment store under their sha256 (helpdesk.attachments); raw
inbound mail is InboundMail.raw. A file is deleted only when no Attachment row still names its
content (the same evidence in another report keeps it), so the caller changes and flushes its
rows first; the file goes when the caller commits (a crash just after leaves a file no row
names, which `attachments gc` removes on the filesystem backend).
"""

from . import attachments, storage
from .models import Attachment, InboundMail


def read_blob(file: Attachment) -> bytes | None:
    """An evidence file's bytes, checked against its digest, or None when it is not stored."""
    try:
        return attachments.read(file)
    except storage.BlobMissing:
        return None


def delete_blob(sha256: str) -> bool:
    """Remove an evidence file no Attachment row names any more, when the caller commits; True
    when it will be removed."""
    return bool(sha256) and attachments.forget(sha256)


def read_raw_mail(inbound: InboundMail) -> bytes:
    return inbound.raw


def replace_raw_mail(inbound: InboundMail, raw: bytes) -> None:
    """Overwrite the stored copy of an inbound mail (a redaction). Its sha256 stays the digest
    of what arrived, which recognises a second delivery of the same mail."""
    storage.current().put(storage.mail_key(inbound.id), raw)
    inbound.size = len(raw)


def delete_raw_mail(inbound: InboundMail) -> None:
    """Empty the stored copy: the row stays (its digest still catches a redelivery)."""
    replace_raw_mail(inbound, b"")
