"""Where evidence files and raw inbound mail live: one interface, three backends.

`HELPDESK_STORAGE` picks the backend: `filesystem` (a folder, the default), `database` (the
`blobs` table, so several app servers need nothing but the database) or `s3` (an S3-compatible
bucket). With `HELPDESK_ENCRYPTION_KEY` set every blob is sealed (sealed.py) on its way in.

Keys name what a blob is, whatever the backend:
- `attachments/<sha256>`  an evidence file, named by the digest of its content;
- `mail/<inbound id>`     an inbound mail as it arrived (as redaction left it);
- `staging/<token>`       an evidence file written before its rows committed (attachments.py).

A write to the database backend joins the session's transaction (the caller commits it); a
write to the others lands at once. `delete_on_commit` hides that difference for deletions.
"""

import logging
import re
from collections.abc import Iterator
from typing import BinaryIO, Protocol

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from ..database import db

log = logging.getLogger(__name__)

BACKENDS = ("filesystem", "database", "s3")
ATTACHMENTS = "attachments/"
MAIL = "mail/"
STAGING = "staging/"
_KEY = re.compile(r"(attachments|mail|staging)/[0-9A-Za-z_-]{1,128}")


class StorageError(Exception):
    """A blob could not be stored or read back as written."""


class BlobMissing(StorageError):
    """No blob under this key."""


class BlobCorrupt(StorageError):
    """A blob's bytes are not those that were written (a digest or an authentication tag
    failed): never served."""


class BlobStore(Protocol):
    # True when writes and deletions join the session's transaction (the database backend).
    transactional: bool

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        """Store `data` under `key`, replacing what was there, durably and whole."""

    def get(self, key: str) -> bytes:
        """The blob's bytes; BlobMissing when there is none."""

    def open(self, key: str) -> BinaryIO:
        """The blob as a readable stream; BlobMissing when there is none."""

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the blob; a missing one is fine."""

    def keys(self, prefix: str = "") -> Iterator[str]:
        """Every key that starts with `prefix`, in no promised order."""

    def rename(self, source: str, target: str) -> None:
        """Move a blob to another key, replacing what was there."""


def check_key(key: str) -> str:
    """The key, when it is one we write: a namespace and a plain name, never a path."""
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def attachment_key(sha256: str) -> str:
    return ATTACHMENTS + sha256


def mail_key(inbound_id: int) -> str:
    return f"{MAIL}{inbound_id}"


def build(config: dict, backend: str | None = None) -> BlobStore:
    """The store of `backend` (the configured one by default) as `config` describes it,
    sealed when an encryption key is set."""
    from .database import DatabaseStore
    from .filesystem import FilesystemStore
    from .s3 import S3Store
    from .sealed import SealedStore

    backend = backend or config["HELPDESK_STORAGE"]
    if backend == "filesystem":
        store: BlobStore = FilesystemStore(config["HELPDESK_ATTACHMENT_DIR"])
    elif backend == "database":
        store = DatabaseStore()
    elif backend == "s3":
        store = S3Store.from_config(config)
    else:
        raise ValueError(f"no storage backend {backend!r} (use {', '.join(BACKENDS)})")
    # Sealed even without a key: an encrypted blob then fails clearly instead of being served.
    return SealedStore(store, config.get("HELPDESK_ENCRYPTION_KEY") or ())


def current() -> BlobStore:
    """The running app's store, built once per app."""
    stores = current_app.extensions.setdefault("helpdesk.storage", {})
    if "store" not in stores:
        stores["store"] = build(current_app.config)
    return stores["store"]


def forget_current() -> None:
    """For a forked process: its store is built anew when first used, so that it shares no
    connection with the process it was forked from."""
    current_app.extensions.pop("helpdesk.storage", None)


# --- deletions wait for the commit of the change that makes them right -------------------------

_DELETIONS = "helpdesk.storage.deletions"


def delete_on_commit(key: str) -> None:
    """Remove the blob under `key` when the session's transaction commits; nothing happens if
    it does not. On the database backend the deletion is part of that transaction."""
    store = current()
    if store.transactional:
        store.delete(key)
        return
    session = db.session()
    if not session.in_transaction():
        session.begin()
    session.info.setdefault(_DELETIONS, []).append(key)


@event.listens_for(db.session, "after_commit")
def _delete_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return
    keys = session.info.pop(_DELETIONS, [])
    for key in keys:
        try:
            current().delete(key)
        except Exception:  # the rows are gone; a leftover blob is only wasted space
            log.exception("could not delete blob %s", key)


@event.listens_for(db.session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_DELETIONS, None)
