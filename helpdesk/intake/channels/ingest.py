"""`mail ingest`: the messages of a file, a directory, an mbox, a Maildir or standard input,
taken in by this process or, with `jobs` above one, by that many processes at once.

One process takes in one message at a time, on one core. A bulk import (a backlog after an
outage, the archive of a mailbox the desk takes over) goes faster with a process per core:
this process reads the messages and deals them out to forks of itself, each with database
connections of its own, which take them in as `intake.receive` always does and send back the
results. Results come back as messages finish, not in the order they were read.

Messages are dealt out by sender, so one process takes in all of a sender's mail in the order
read: a follow-up after the report it follows, a later copy after the first, and a new
sender's account is made once. On SQLite one process writes at a time, so jobs are no faster
there; on PostgreSQL they use the cores.
"""

import multiprocessing
import queue
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.context import ForkContext
from typing import BinaryIO

from ... import intake, storage
from ...database import db
from .. import mime
from . import mailboxes

BACKLOG = 16  # messages handed to a process and not yet taken in: bounds the memory they hold
POLL_SECONDS = 0.2  # how soon a process that died is noticed


@dataclass(frozen=True)
class Taken:
    """What became of one message: its result, or why it could not be stored."""

    source: str
    result: intake.IntakeResult | None
    error: str | None = None


def take_in(path: str, *, stdin: BinaryIO, jobs: int = 1) -> Iterator[Taken]:
    """Every message at `path` ("-" for one on `stdin`), taken in. Raises
    mailboxes.UnreadableSource when `path` cannot be read, after the messages read before."""
    channel = intake.Channel.STDIN if path == "-" else intake.Channel.FILE
    messages = mailboxes.read_messages(path, stdin=stdin)
    if jobs == 1 or path == "-":  # standard input holds one message
        return (_receive(source, raw, channel) for source, raw in messages)
    return _in_parallel(messages, channel, jobs)


def _receive(source: str, raw: bytes, channel: intake.Channel) -> Taken:
    try:
        return Taken(source, intake.receive(raw, channel, source=source))
    except intake.StoreFailed as failure:
        return Taken(source, None, str(failure))


# --- with several processes ---------------------------------------------------------------------


def _in_parallel(
    messages: Iterable[tuple[str, bytes]], channel: intake.Channel, jobs: int
) -> Iterator[Taken]:
    db.session.remove()  # the forks start with no transaction and no connection of ours
    context = multiprocessing.get_context("fork")  # a fork shares the app as configured
    results = context.Queue()
    workers = [_Worker(number, context, channel, results) for number in range(jobs)]
    unreadable = None
    try:
        for source, raw in messages:
            worker = workers[_job(raw, jobs)]
            if not worker.hand(source, raw):
                yield Taken(source, None, f"not taken in: {worker.stopped()}")
            yield from _finished(results, workers, wait=False)
    except mailboxes.UnreadableSource as error:
        unreadable = error  # raised once what was handed out is taken in and printed
    finally:
        for worker in workers:
            worker.close()
    yield from _finished(results, workers, wait=True)
    for worker in workers:
        worker.process.join()
    if unreadable is not None:
        raise unreadable


def _job(raw: bytes, jobs: int) -> int:
    """The process for a message: the same for all of a sender's mail, and for every copy of
    a message whose sender cannot be read."""
    try:
        key = mime.read_sender(raw) or mime.read_message_id(raw)
    except Exception:  # headers too broken to read: intake quarantines the message
        key = None
    return zlib.crc32(key.encode(errors="surrogatepass") if key else raw) % jobs


def _finished(results, workers: list["_Worker"], *, wait: bool) -> Iterator[Taken]:
    """The results that have come back; with `wait`, until every message handed out has one
    (those of a process that died get the reason instead)."""
    while any(worker.handed for worker in workers):
        try:
            number, message_number, taken = results.get(wait, POLL_SECONDS)
        except queue.Empty:
            if not wait:
                return
            yield from _lost(results, workers)
            continue
        del workers[number].handed[message_number]
        yield taken


def _lost(results, workers: list["_Worker"]) -> Iterator[Taken]:
    """The messages of a process that died before answering for them. Its last results may
    still be on their way: they are read first."""
    dead = [worker for worker in workers if worker.handed and not worker.process.is_alive()]
    if not dead:
        return
    yield from _finished(results, workers, wait=False)
    for worker in dead:
        reason = (
            f"{worker.stopped()} before answering for it; if it was stored, "
            "`mail reprocess --quarantined` finishes it"
        )
        yield from (Taken(source, None, reason) for source in worker.handed.values())
        worker.handed.clear()


class _Worker:
    """A forked process taking in the messages handed to it, one at a time, in order."""

    def __init__(self, number: int, context: ForkContext, channel: intake.Channel, results):
        self.inbox = context.Queue(maxsize=BACKLOG)
        self.handed: dict[int, str] = {}  # message number → source, until answered for
        self.next_number = 0
        self.process = context.Process(target=_work, args=(number, channel, self.inbox, results))
        self.process.start()

    def hand(self, source: str, raw: bytes) -> bool:
        """Queue a message, waiting while the backlog is full; False if the process died."""
        while self.process.is_alive():
            try:
                self.inbox.put((self.next_number, source, raw), timeout=POLL_SECONDS)
            except queue.Full:
                continue
            self.handed[self.next_number] = source
            self.next_number += 1
            return True
        return False

    def close(self) -> None:
        """No more messages: the process finishes those it has, then ends."""
        while self.process.is_alive():
            try:
                return self.inbox.put(None, timeout=POLL_SECONDS)
            except queue.Full:
                continue

    def stopped(self) -> str:
        self.process.join(POLL_SECONDS)
        return f"the process for its sender stopped (exit code {self.process.exitcode})"


def _work(number: int, channel: intake.Channel, inbox, results) -> None:
    db.engine.dispose(close=False)  # connections of its own; the parent's stay the parent's
    storage.forget_current()
    while (item := inbox.get()) is not None:
        message_number, source, raw = item
        results.put((number, message_number, _receive(source, raw, channel)))
