"""Stray evidence files: stored files no Attachment row points to, and temporary files a
refused request, a killed worker or a crash left behind, on the filesystem backend (the
database backend never leaves any). `flask attachments gc` runs this.

Safe while the app serves: only files older than the threshold are candidates, and a stored
file is first moved aside, then its rows are looked up afresh, and it is put back if a row
appeared meanwhile (a request committing the same evidence at that moment). A temporary file
whose content a row names while the stored file is missing (a crash between the commit and
the move into place) is restored rather than removed.
"""

import hashlib
import os
import re
import time
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from . import storage
from .database import db
from .models import Attachment
from .storage.filesystem import TEMP_PREFIX, FilesystemStore

SET_ASIDE_PREFIX = ".gc-"  # a stored file this run is about to remove
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Action:
    verb: str  # "removed" or "restored"
    path: Path  # relative to the store's root
    size: int
    why: str


@dataclass
class Sweep:
    actions: list[Action] = field(default_factory=list)
    missing: int = 0  # distinct contents a row names that are not on disk

    def count(self, verb: str) -> int:
        return sum(action.verb == verb for action in self.actions)

    @property
    def removed_bytes(self) -> int:
        return sum(action.size for action in self.actions if action.verb == "removed")


def collect(blobs: storage.BlobStore, older_than: timedelta, dry_run: bool = False) -> Sweep | None:
    """Remove (or, with dry_run, only list) the stray files older than `older_than`; None when
    the store is not on the filesystem."""
    store = getattr(blobs, "inner", blobs)
    if not isinstance(store, FilesystemStore):
        return None
    sweeper = _Sweeper(store, blobs, time.time() - older_than.total_seconds(), dry_run)
    if store.root.is_dir():
        sweeper.run()
    referenced = _referenced_contents()
    keys = (storage.attachment_key(sha) for sha in referenced)
    sweeper.result.missing = sum(not store.exists(key) for key in keys)
    return sweeper.result


class _Sweeper:
    def __init__(
        self, store: FilesystemStore, blobs: storage.BlobStore, cutoff: float, dry_run: bool
    ):
        # `blobs` reads a temporary file's content as written (decrypted when it is sealed).
        self.store, self.blobs, self.cutoff, self.dry_run = store, blobs, cutoff, dry_run
        self.result = Sweep()

    def path_for(self, sha256: str) -> Path:
        return self.store.path(storage.attachment_key(sha256))

    def run(self) -> None:
        """A file that vanishes under our hands (its request, or another gc, moved it) is
        skipped."""
        root = self.store.root
        for aside in root.glob(SET_ASIDE_PREFIX + "*"):  # left by a run that was stopped
            with suppress(FileNotFoundError):
                self._settle_set_aside(aside, aside.name.removeprefix(SET_ASIDE_PREFIX))
        referenced = _referenced_contents()
        for path in self._older(root.glob(TEMP_PREFIX + "*")):
            with suppress(FileNotFoundError):
                self._settle_temporary(path, referenced)
        for path in self._older(root.glob("??/??/*")):
            if _SHA256.fullmatch(path.name) and path.name not in referenced:
                with suppress(FileNotFoundError):
                    self._remove_stored(path)

    def _older(self, paths: Iterator[Path]) -> Iterator[Path]:
        """The files among `paths` last written before the cutoff."""
        for path in paths:
            try:
                if path.is_file() and path.stat().st_mtime < self.cutoff:
                    yield path
            except FileNotFoundError:
                continue

    def _digest(self, path: Path) -> str | None:
        """The sha256 of a temporary file's content; None when it cannot be read back (a
        sealed file cut short by a crash)."""
        key = storage.STAGING + path.name.removeprefix(TEMP_PREFIX)
        try:
            return hashlib.sha256(self.blobs.get(key)).hexdigest()
        except (storage.StorageError, ValueError):
            return None

    def _settle_temporary(self, path: Path, referenced: set[str]) -> None:
        sha256 = self._digest(path)
        if sha256 in referenced and not (final := self.path_for(sha256)).exists():
            self._record("restored", final, path, "its row was committed")
            if not self.dry_run:
                final.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, final)
        else:
            self._remove(path, path, "temporary")

    def _remove_stored(self, path: Path) -> None:
        if self.dry_run:
            self._record("removed", path, path, "no row")
            return
        aside = self.store.root / (SET_ASIDE_PREFIX + path.name)
        os.rename(path, aside)
        self._settle_set_aside(aside, path.name)

    def _settle_set_aside(self, aside: Path, sha256: str) -> None:
        """Put a set-aside stored file back if a row names it now, else remove it."""
        final = self.path_for(sha256)
        if not _has_row(sha256):
            self._remove(aside, final, "no row")
        elif not self.dry_run:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(aside, final)  # a copy a request placed meanwhile holds the same bytes

    def _remove(self, path: Path, shown: Path, why: str) -> None:
        self._record("removed", shown, path, why)
        if not self.dry_run:
            path.unlink(missing_ok=True)

    def _record(self, verb: str, shown: Path, path: Path, why: str) -> None:
        relative = shown.relative_to(self.store.root)
        self.result.actions.append(Action(verb, relative, path.stat().st_size, why))


def _referenced_contents() -> set[str]:
    db.session.rollback()  # a fresh snapshot: rows committed since the last look count
    return set(db.session.scalars(select(Attachment.sha256).distinct()))


def _has_row(sha256: str) -> bool:
    db.session.rollback()
    return (
        db.session.scalar(select(Attachment.id).where(Attachment.sha256 == sha256).limit(1))
        is not None
    )
