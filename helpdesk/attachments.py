"""Evidence files: checked by content, stored outside the database under their sha256."""

import hashlib
import io
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

from .database import db
from .errors import InvalidInput
from .models import Attachment, User
from .permissions import Permission, allows
from .signing import parse_reference

CHUNK = 64 * 1024

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
    """Content-addressed files: <root>/ab/cd/<sha256>. The same evidence twice is kept once."""

    def __init__(self, root: str | Path, max_bytes: int, max_files: int):
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.max_files = max_files

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def store_all(self, uploads: list[Upload]) -> list[StoredFile]:
        """Check and store every upload, or raise InvalidInput naming each bad file."""
        uploads = [upload for upload in uploads if upload.filename]
        if len(uploads) > self.max_files:
            raise InvalidInput({"attachments": [f"Attach at most {self.max_files} files."]})
        stored, problems = [], []
        for upload in uploads:
            try:
                stored.append(self._store(upload))
            except ValueError as problem:
                problems.append(str(problem))
        if problems:
            raise InvalidInput({"attachments": problems})
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
        filename = clean_filename(upload.filename)
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        head = b""
        with tempfile.NamedTemporaryFile(dir=self.root, prefix=".upload-", delete=False) as temp:
            try:
                while chunk := upload.stream.read(CHUNK):
                    if len(head) < 512:
                        head += chunk[: 512 - len(head)]
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ValueError(
                            f"{filename} is larger than {self.max_bytes // (1024 * 1024)} MB."
                        )
                    digest.update(chunk)
                    temp.write(chunk)
                if size == 0:
                    raise ValueError(f"{filename} is empty.")
                content_type = sniff_content_type(head, filename)
                if content_type is None and any_type:
                    content_type = _download_type(filename)
                if content_type is None:
                    raise ValueError(f"{filename}: attach only {ALLOWED_DESCRIPTION}.")
            except ValueError:
                os.unlink(temp.name)
                raise
        sha256 = digest.hexdigest()
        final = self.path_for(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp.name, final)  # atomic; identical content simply lands on itself
        return StoredFile(filename, content_type, size, sha256)


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
        config["HELPDESK_ATTACHMENT_DIR"],
        max_bytes=config["HELPDESK_MAX_ATTACHMENT_BYTES"],
        max_files=config["HELPDESK_MAX_ATTACHMENTS"],
    )


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
