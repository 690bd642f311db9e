"""Files the evidence store writes through, failing the way disks and workers do.

`wrap_store_files(make)` makes the store open its files through `make(real_file)`: it shadows
the builtin open() inside the filesystem backend only. Returns the undo.
"""

import builtins
import errno
import threading
from collections.abc import Callable

from helpdesk.storage import filesystem


class FaultyFile:
    """A real file whose writes pass through `before_write` first."""

    def __init__(self, file):
        self.file = file

    def before_write(self, data: bytes) -> None:
        pass

    def write(self, data: bytes) -> int:
        self.before_write(data)
        count = self.file.write(data)
        self.file.flush()  # on disk as it goes, for a test that looks
        return count

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.file.__exit__(*exception)


class DiskFills(FaultyFile):
    """Writes fail with ENOSPC once `room` bytes are written."""

    def __init__(self, file, room: int):
        super().__init__(file)
        self.room = room

    def before_write(self, data: bytes) -> None:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)


class StallsAfterFirstWrite(FaultyFile):
    """The first write lands; the next one waits for good (until the worker is killed)."""

    written = False

    def before_write(self, data: bytes) -> None:
        if self.written:
            threading.Event().wait()
        self.written = True


def wrap_store_files(make: Callable[[object], FaultyFile]) -> Callable[[], None]:
    def faulty_open(*args, **kwargs):
        return make(builtins.open(*args, **kwargs))  # the store closes it with `with`

    filesystem.open = faulty_open
    return lambda: delattr(filesystem, "open")
