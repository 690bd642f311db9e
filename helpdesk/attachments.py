"""Evidence files: checked by content, kept in storage (see storage/) under their sha256."""

import errno
import hashlib
import io
import logging
import secrets
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from . import storage
from .database import db
from .errors import InvalidInput, StorageFull
from .models import Attachment, User
from .permissions import Permission, allows
from .signing import parse_reference

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 1024 * 1024  # an upload larger than this waits in a temporary file

# Types recognised by their first bytes, never by the name or the browser's claim.
_SIGNATURES: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
]
# Raster images a browser may show inline; everything else is only ever a download.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
ALLOWED_DESCRIPTION = "images (PNG, JPEG, GIF, WebP), PDF documents and plain text files"


class Upload(Protocol):
    filename: str | None
    stream: BinaryIO


@dataclass(frozen=True)
class StoredFile:
    filename: str
    content_type: str
    size: int
    sha256: str


def sniff_content_type(head: bytes, filename: str) -> str | None:
    """The file's type from its content; None when it is not one we accept."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if filename.lower().endswith(".txt") and _looks_like_text(head):
        return "text/plain"
    return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        return error.start >= len(head) - 3
    return True


def clean_filename(filename: str | None) -> str:
    """A display name that is safe in a header and a page: no path, no control characters."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if not name:
        return "attachment"
    stem, dot, extension = name.rpartition(".")
    if len(name) > 200:
        name = (stem[: 200 - len(extension) - 1] + dot + extension) if dot else name[:200]
    return name


class AttachmentStore:
    """Content-addressed evidence: stored under `attachments/<sha256>` in the blob store (see
    storage/), so the same evidence twice is kept once.

    On the database backend the blob is written in the session's transaction, with its rows.
    On the others it is staged under a key of its own (`staging/<token>`; on the filesystem
    a `.upload-` file in the store's root) and takes its own key only when the transaction
    that adds its Attachment rows commits; any other end of that transaction removes it. So a
    stored file has had a row, and a refusal, a crash or a rollback leaves at most a staged
    file, which `flask attachments gc` removes.
    """

    def __init__(self, blobs: storage.BlobStore, max_bytes: int, max_files: int):
        self.blobs = blobs
        self.max_bytes = max_bytes
        self.max_files = max_files

    def store_all(self, uploads: list[Upload]) -> list[StoredFile]:
        """Check and store every upload, or raise InvalidInput naming each bad file (and keep
        none of them)."""
        uploads = [upload for upload in uploads if upload.filename]
        if len(uploads) > self.max_files:
            raise InvalidInput({"attachments": [f"Attach at most {self.max_files} files."]})
        stored, problems = [], []
        try:
            for upload in uploads:
                try:
                    stored.append(self._store(upload))
                except ValueError as problem:
                    problems.append(str(problem))
            if problems:
                raise InvalidInput({"attachments": problems})
        except BaseException:
            _discard(stored)
            raise
        return stored

    def store_mail_file(self, filename: str, data: bytes) -> StoredFile | None:
        """Keep a mail's attachment whatever its type: one we don't recognise is only ever
        offered as a download. None for an empty file."""
        upload = _MailFile(filename, io.BytesIO(data))
        try:
            return self._store(upload, any_type=True)
        except ValueError:
            return None

    def _store(self, upload: Upload, any_type: bool = False) -> StoredFile:
        """The checked file, pending until the session's transaction commits."""
        filename = clean_filename(upload.filename)
        with self._spooled(upload.stream, filename) as spooled:
            content_type = _checked_type(spooled, filename, any_type)
            file = StoredFile(filename, content_type, spooled.size, spooled.sha256)
            spooled.file.seek(0)
            with _refused_when_full():
                self._keep(file, spooled.file)
        return file

    def _keep(self, file: StoredFile, content: BinaryIO) -> None:
        key = storage.attachment_key(file.sha256)
        if self.blobs.transactional:
            self.blobs.put(key, content)
            return
        staged = storage.STAGING + secrets.token_hex(16)
        self.blobs.put(staged, content)
        _place_on_commit(self.blobs, file, staged, key)

    @contextmanager
    def _spooled(self, stream: BinaryIO, filename: str) -> Iterator["_Spooled"]:
        """The stream's bytes, counted and hashed as they arrive, in memory or a temporary
        file; a ValueError for a file over the size limit."""
        digest, size, head = hashlib.sha256(), 0, b""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            while chunk := stream.read(CHUNK):
                head += chunk[: 512 - len(head)]
                size += len(chunk)
                if size > self.max_bytes:
                    megabytes = self.max_bytes // (1024 * 1024)
                    raise ValueError(f"{filename} is larger than {megabytes} MB.")
                digest.update(chunk)
                spool.write(chunk)
            yield _Spooled(spool, digest.hexdigest(), size, head)


@dataclass(frozen=True)
class _Spooled:
    file: BinaryIO
    sha256: str
    size: int
    head: bytes


def _checked_type(written: _Spooled, filename: str, any_type: bool) -> str:
    if written.size == 0:
        raise ValueError(f"{filename} is empty.")
    content_type = sniff_content_type(written.head, filename)
    if content_type is None and any_type:
        content_type = _download_type(filename)
    if content_type is None:
        raise ValueError(f"{filename}: attach only {ALLOWED_DESCRIPTION}.")
    return content_type


@contextmanager
def _refused_when_full() -> Iterator[None]:
    """A full disk (or quota) is a refusal the person can act on, not a server error."""
    try:
        yield
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull() from error
        raise


# --- staged files wait for their rows' commit ---------------------------------------------------

_PENDING = "helpdesk.pending_files"


@dataclass(frozen=True)
class _Pending:
    blobs: storage.BlobStore
    file: StoredFile
    staged: str
    key: str


def _place_on_commit(blobs: storage.BlobStore, file: StoredFile, staged: str, key: str) -> None:
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that its end, commit or not, settles the file
    session.info.setdefault(_PENDING, []).append(_Pending(blobs, file, staged, key))


def _discard(files: list[StoredFile]) -> None:
    """Remove these files, staged in this transaction, at once rather than at its end (on the
    database backend the rollback that follows removes them)."""
    pending = db.session().info.get(_PENDING, [])
    for entry in [entry for entry in pending if any(entry.file is file for file in files)]:
        pending.remove(entry)
        entry.blobs.delete(entry.staged)


@event.listens_for(db.session, "after_commit")
def _place_committed_files(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the rows are not in yet
        return
    for entry in session.info.pop(_PENDING, []):
        try:
            # The same content committed by another request simply lands on itself.
            entry.blobs.rename(entry.staged, entry.key)
        except Exception:
            # The row is in: leave the staged file for gc to restore.
            log.exception("could not move %s to %s", entry.staged, entry.key)


@event.listens_for(db.session, "after_transaction_end")
def _remove_uncommitted_files(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    for entry in session.info.pop(_PENDING, []):  # empty after a commit
        try:
            entry.blobs.delete(entry.staged)
        except Exception:
            log.exception("could not remove the staged file %s", entry.staged)


@dataclass
class _MailFile:
    filename: str
    stream: BinaryIO


def _download_type(filename: str) -> str:
    """The type a file we could not recognise is served as: never one a browser renders."""
    return "message/rfc822" if filename.lower().endswith(".eml") else "application/octet-stream"


def current_store() -> AttachmentStore:
    """The store configured for the running app."""
    config = current_app.config
    return AttachmentStore(
        storage.current(),
        max_bytes=config["HELPDESK_MAX_ATTACHMENT_BYTES"],
        max_files=config["HELPDESK_MAX_ATTACHMENTS"],
    )


def read(file: Attachment) -> bytes:
    """The file's bytes, checked against its digest: a changed or swapped file is never served
    (BlobCorrupt); BlobMissing when it is not in the store."""
    try:
        data = storage.current().get(storage.attachment_key(file.sha256))
    except storage.BlobMissing:
        log.error("attachment %s: no stored file with sha256 %s", file.id, file.sha256)
        raise
    if hashlib.sha256(data).hexdigest() != file.sha256:
        log.error("attachment %s: stored content does not match sha256 %s", file.id, file.sha256)
        raise storage.BlobCorrupt(f"attachment {file.id} does not match its digest")
    return data


def forget(sha256: str) -> bool:
    """Remove the stored file with this content when no Attachment row names it any more: call
    after deleting (or redacting) rows, in the same transaction; the file goes with its commit.
    True when it will be removed."""
    db.session.flush()
    named = select(Attachment.id).where(Attachment.sha256 == sha256).limit(1)
    if db.session.scalar(named) is not None:
        return False
    storage.delete_on_commit(storage.attachment_key(sha256))
    return True


def downloadable(viewer: User, reference: str, attachment_id: int) -> Attachment | None:
    """The file if this user may download it: agents any file of the ticket, the reporter only
    those in their public thread (P1). None otherwise, so that a file one may not see and a
    missing one look the same."""
    file = db.session.get(Attachment, attachment_id)
    if file is None or file.message.ticket.reference != parse_reference(reference):
        return None
    ticket, public = file.message.ticket, file.message.is_public
    if allows(viewer, Permission.WORK_TICKETS) or (ticket.reporter_id == viewer.id and public):
        return file
    return None
