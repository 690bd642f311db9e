"""Moving every blob from one backend to another, and re-wrapping keys, one blob at a time so
that a stopped run picks up where it stopped. The command line commits after each blob."""

import hashlib
from collections.abc import Iterator
from enum import StrEnum

from . import ATTACHMENTS, MAIL, BlobStore, StorageError


class Copy(StrEnum):
    COPIED = "copied"
    SKIPPED = "skipped"  # the target already held the same bytes (an earlier run)
    MISMATCH = "mismatch"  # the target does not give back what was written
    CORRUPT = "corrupt"  # the source's own copy does not match the digest it is named by


def blob_keys(store: BlobStore) -> Iterator[str]:
    """Every evidence file and raw mail in the store (staged files are not blobs yet)."""
    yield from store.keys(ATTACHMENTS)
    yield from store.keys(MAIL)


def copy(source: BlobStore, target: BlobStore, key: str) -> Copy:
    """Copy one blob unless the target has it already, then read it back and compare digests."""
    data = source.get(key)
    digest = _sha256(data)
    if key.startswith(ATTACHMENTS) and digest != key.removeprefix(ATTACHMENTS):
        return Copy.CORRUPT
    if target.exists(key) and _digest_or_none(target, key) == digest:
        return Copy.SKIPPED
    target.put(key, data)
    return Copy.COPIED if _digest_or_none(target, key) == digest else Copy.MISMATCH


def _digest_or_none(store: BlobStore, key: str) -> str | None:
    try:
        return _sha256(store.get(key))
    except StorageError:  # missing, or unreadable: not a good copy
        return None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
