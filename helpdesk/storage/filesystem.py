"""Blobs as files under one folder, written whole or not at all.

Evidence keeps the layout of earlier versions, `<root>/ab/cd/<sha256>`; raw mail sits in
`<root>/mail/<id>`; a staged file is `<root>/.upload-<token>`, which `attachments gc` knows.
A file is written to a temporary name in the root, flushed to disk, then renamed into place.
"""

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from . import ATTACHMENTS, MAIL, STAGING, BlobMissing, check_key

CHUNK = 64 * 1024
TEMP_PREFIX = ".upload-"  # a file being written, or staged until its rows commit


class FilesystemStore:
    transactional = False

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        namespace, name = check_key(key).split("/", 1)
        if namespace + "/" == ATTACHMENTS:
            return self.root / name[:2] / name[2:4] / name
        if namespace + "/" == STAGING:
            return self.root / (TEMP_PREFIX + name)
        return self.root / namespace / name

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        final = self.path(key)
        self.root.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=self.root, prefix=TEMP_PREFIX)
        try:
            with open(handle, "wb") as temporary:
                if isinstance(data, bytes):
                    temporary.write(data)
                else:
                    while chunk := data.read(CHUNK):
                        temporary.write(chunk)
                temporary.flush()
                os.fsync(temporary.fileno())
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(name, final)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        _fsync_directory(final.parent)  # the name too: a crash must not lose a stored blob

    def get(self, key: str) -> bytes:
        with self.open(key) as file:
            return file.read()

    def open(self, key: str) -> BinaryIO:
        try:
            return self.path(key).open("rb")
        except FileNotFoundError:
            raise BlobMissing(key) from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        candidates = [
            (ATTACHMENTS, self.root.glob("??/??/*")),
            (MAIL, (self.root / "mail").glob("*")),
            (STAGING, self.root.glob(TEMP_PREFIX + "*")),
        ]
        for namespace, paths in candidates:
            if not (namespace.startswith(prefix) or prefix.startswith(namespace)):
                continue
            for path in paths:
                key = namespace + path.name.removeprefix(TEMP_PREFIX)
                if key.startswith(prefix) and path.is_file() and _is_key(key):
                    yield key

    def rename(self, source: str, target: str) -> None:
        final = self.path(target)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(self.path(source), final)  # atomic: a reader sees the old or the new
        except FileNotFoundError:
            raise BlobMissing(source) from None


def _is_key(key: str) -> bool:
    try:
        check_key(key)
    except ValueError:
        return False
    return True


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
