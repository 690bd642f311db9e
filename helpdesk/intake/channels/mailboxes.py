"""Raw messages from where `mail ingest` is pointed: a file, a directory of .eml files, an mbox,
a Maildir, or standard input. Bytes only: parsing is intake's job."""

import mailbox
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

MBOX_SEPARATOR = b"From "


class UnreadableSource(Exception):
    """The path does not exist or cannot be read as mail."""


def read_messages(path: str, *, stdin: BinaryIO) -> Iterator[tuple[str, bytes]]:
    """(source, raw message) pairs, one at a time; "-" reads one message from `stdin`."""
    if path == "-":
        yield "-", stdin.read()
        return
    location = Path(path)
    if location.is_dir():
        yield from _maildir(location) if _is_maildir(location) else _directory(location)
    elif location.is_file():
        yield from _mbox(location) if _is_mbox(location) else [(path, _read(location))]
    else:
        raise UnreadableSource(f"{path}: no such file or directory")


def _is_maildir(directory: Path) -> bool:
    return all((directory / part).is_dir() for part in ("cur", "new", "tmp"))


def _maildir(directory: Path) -> Iterator[tuple[str, bytes]]:
    box = mailbox.Maildir(directory, factory=None, create=False)
    for key in sorted(box.keys()):
        yield f"{directory}/{key}", box.get_bytes(key)


def _directory(directory: Path) -> Iterator[tuple[str, bytes]]:
    """Every visible file, in name order (a directory of .eml files)."""
    files = sorted(
        child for child in directory.iterdir() if child.is_file() and not child.name.startswith(".")
    )
    for file in files:
        yield str(file), _read(file)


def _is_mbox(file: Path) -> bool:
    with file.open("rb") as handle:
        return handle.read(len(MBOX_SEPARATOR)) == MBOX_SEPARATOR


def _mbox(file: Path) -> Iterator[tuple[str, bytes]]:
    box = mailbox.mbox(file, factory=None, create=False)
    try:
        for number, key in enumerate(box.iterkeys(), start=1):
            yield f"{file}#{number}", box.get_bytes(key)
    finally:
        box.close()


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as error:
        raise UnreadableSource(f"{file}: {error.strerror}") from None
