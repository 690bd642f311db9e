"""`flask attachments gc`: removes stored files no row points to and stale temporary files,
keeps everything younger than the threshold, and restores what a crash left half-placed."""

import hashlib
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk.attachments import TEMP_PREFIX, current_store
from helpdesk.database import db
from helpdesk.models import Attachment

from .factories import make_ticket

HOURS_AGO = time.time() - 2 * 3600


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _put(path: Path, content: bytes, old: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    if old:
        os.utime(path, (HOURS_AGO, HOURS_AGO))
    return path


def _attach(content: bytes) -> None:
    """An Attachment row naming `content`, committed."""
    message = make_ticket().messages[0]
    message.attachments.append(
        Attachment(
            filename="chat.png", content_type="image/png", size=len(content), sha256=_sha(content)
        )
    )
    db.session.commit()


@pytest.fixture
def store(app_context):
    return current_store()


@pytest.fixture
def stray_files(store):
    """Files of every kind in the store, by what gc should do with them."""
    _attach(b"kept evidence")
    return {
        "kept": [
            _put(store.path_for(_sha(b"kept evidence")), b"kept evidence"),
            _put(store.path_for(_sha(b"young orphan")), b"young orphan", old=False),
            _put(store.root / f"{TEMP_PREFIX}young", b"an upload in progress", old=False),
        ],
        "removed": [
            _put(store.path_for(_sha(b"old orphan")), b"old orphan"),
            _put(store.root / f"{TEMP_PREFIX}old", b"half an upl"),
        ],
    }


def _gc(runner, *args: str):
    result = runner.invoke(args=["attachments", "gc", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_gc_removes_old_orphans_and_keeps_rows_and_young_files(runner, store, stray_files):
    output = _gc(runner)
    for path in stray_files["removed"]:
        assert not path.exists()
        assert f"removed: {path.relative_to(store.root)}" in output
    assert all(path.exists() for path in stray_files["kept"])
    assert "Removed 2 files (21 bytes), restored 0." in output


def test_a_dry_run_removes_nothing(runner, store, stray_files):
    output = _gc(runner, "--dry-run")
    for path in stray_files["removed"]:
        assert f"would be removed: {path.relative_to(store.root)}" in output
    assert all(path.exists() for path in stray_files["kept"] + stray_files["removed"])
    assert "nothing changed: would have removed 2 files" in output


def test_the_threshold_is_an_option(runner, store, stray_files):
    _gc(runner, "--older-than-minutes", "180")
    assert all(path.exists() for path in stray_files["kept"] + stray_files["removed"])


def test_a_temporary_file_whose_row_committed_is_restored(runner, store):
    """A crash between the commit and the move into place leaves the row and the temporary."""
    _attach(b"committed evidence")
    temporary = _put(store.root / f"{TEMP_PREFIX}crashed", b"committed evidence")
    output = _gc(runner)
    final = store.path_for(_sha(b"committed evidence"))
    assert final.read_bytes() == b"committed evidence" and not temporary.exists()
    assert f"restored: {final.relative_to(store.root)}" in output


def test_a_file_set_aside_by_a_stopped_run_goes_back_if_a_row_names_it(runner, store):
    _attach(b"claimed meanwhile")
    claimed = _put(store.root / f".gc-{_sha(b'claimed meanwhile')}", b"claimed meanwhile")
    unclaimed = _put(store.root / f".gc-{_sha(b'nobody')}", b"nobody")
    _gc(runner)
    assert store.path_for(_sha(b"claimed meanwhile")).exists() and not claimed.exists()
    assert not unclaimed.exists() and not store.path_for(_sha(b"nobody")).exists()


def test_a_row_committed_while_gc_runs_keeps_its_file(runner, store, monkeypatch):
    """The orphan is set aside, then its rows are looked up again: one committed just now
    (the same evidence sent again) brings the file back."""
    from helpdesk import attachment_gc

    path = _put(store.path_for(_sha(b"sent again")), b"sent again")
    looked_up = attachment_gc._referenced_contents

    def commit_after_the_first_look():
        contents = looked_up()
        if not db.session.scalar(select(Attachment.id)):
            _attach(b"sent again")
        return contents

    monkeypatch.setattr(attachment_gc, "_referenced_contents", commit_after_the_first_look)
    output = _gc(runner)
    assert path.read_bytes() == b"sent again"
    assert "Removed 0 files" in output


def test_rows_naming_missing_files_are_reported(runner, store):
    _attach(b"lost")
    result = runner.invoke(args=["attachments", "gc"])
    assert "attachment rows name 1 file(s) missing from the store" in result.output
