"""`mail fetch`: take new mail from an IMAP mailbox into intake (HELPDESK_IMAP_* settings).

Messages are found and fetched by UID, a batch at a time, with BODY.PEEK[] so that fetching
marks nothing. A message is marked done only after intake.receive() returned, that is after
intake committed it: moved to HELPDESK_IMAP_DONE_MAILBOX when that is set (UID MOVE, or COPY,
\\Deleted and EXPUNGE on a server without MOVE), otherwise flagged \\Seen, and then only unseen
messages are fetched. A crash or a dropped connection between the two leaves the message
unmarked, so the next fetch takes it again and intake reports it as a duplicate (P6).

The connection is always TLS (implicit, or STARTTLS) with the certificate verified against the
system's CAs plus HELPDESK_IMAP_CA_FILE when given.
"""

import imaplib
import logging
import re
import ssl
import threading
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field

from flask import current_app

from ... import intake

log = logging.getLogger(__name__)

BATCH_SIZE = 20  # messages per UID FETCH: bounds memory whatever the mailbox holds
TIMEOUT_SECONDS = 60
SECURITY_MODES = ("ssl", "starttls")
_FETCHED_UID = re.compile(rb"\bUID (\d+)")


class FetchFailed(Exception):
    """The mailbox could not be read or a message not taken in; the text is safe to print."""


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    security: str
    username: str
    password: str = field(repr=False)
    mailbox: str
    done_mailbox: str
    ca_file: str

    @classmethod
    def from_config(cls, config) -> "Settings":
        settings = cls(
            host=config["HELPDESK_IMAP_HOST"],
            port=config["HELPDESK_IMAP_PORT"],
            security=config["HELPDESK_IMAP_SECURITY"],
            username=config["HELPDESK_IMAP_USERNAME"],
            password=config["HELPDESK_IMAP_PASSWORD"],
            mailbox=config["HELPDESK_IMAP_MAILBOX"],
            done_mailbox=config["HELPDESK_IMAP_DONE_MAILBOX"],
            ca_file=config["HELPDESK_IMAP_CA_FILE"],
        )
        if settings.security not in SECURITY_MODES:
            raise FetchFailed(
                f"HELPDESK_IMAP_SECURITY={settings.security!r} is not supported: "
                "use ssl (TLS from the start, port 993) or starttls (port 143)"
            )
        if not settings.host or not settings.username:
            raise FetchFailed("set HELPDESK_IMAP_HOST and HELPDESK_IMAP_USERNAME to fetch mail")
        if settings.done_mailbox == settings.mailbox:
            raise FetchFailed("HELPDESK_IMAP_DONE_MAILBOX must differ from HELPDESK_IMAP_MAILBOX")
        return settings

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def fetch_once(*, stop: threading.Event | None = None) -> Iterator[tuple[str, intake.IntakeResult]]:
    """Take in every new message once, yielding (source, result) as each is done; needs an app
    context. Stops between messages once `stop` is set. Raises FetchFailed when the server
    cannot be reached, refuses TLS or the log-in, or the session breaks, and when a message
    cannot be stored (it stays on the server, untouched)."""
    settings = Settings.from_config(current_app.config)
    connection = _log_in(settings)
    try:
        yield from _take_new_mail(connection, settings, stop or threading.Event())
    except (OSError, imaplib.IMAP4.error) as error:
        raise FetchFailed(
            f"the IMAP session with {settings.address} broke: {_text(error)}"
        ) from None
    finally:
        _close(connection)


def _log_in(settings: Settings) -> imaplib.IMAP4:
    context = _tls_context(settings.ca_file)
    try:
        if settings.security == "ssl":
            connection = imaplib.IMAP4_SSL(
                settings.host, settings.port, ssl_context=context, timeout=TIMEOUT_SECONDS
            )
        else:
            connection = imaplib.IMAP4(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
            try:
                connection.starttls(ssl_context=context)  # refuses a server without STARTTLS
            except BaseException:
                _close(connection)
                raise
    except ssl.SSLCertVerificationError as error:
        raise FetchFailed(
            f"the TLS certificate of {settings.address} is not trusted ({error.verify_message}); "
            "for a private server, give its CA in HELPDESK_IMAP_CA_FILE"
        ) from None
    except (OSError, imaplib.IMAP4.error) as error:
        raise FetchFailed(
            f"cannot connect to {settings.address} ({settings.security}): {_text(error)}"
        ) from None
    try:
        connection.login(settings.username, settings.password)
    except (OSError, imaplib.IMAP4.error) as error:
        _close(connection)
        raise FetchFailed(
            f"{settings.address} refused the log-in of {settings.username}: {_text(error)}"
        ) from None
    return connection


def _tls_context(ca_file: str) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as error:
            raise FetchFailed(f"cannot read HELPDESK_IMAP_CA_FILE {ca_file}: {error}") from None
    return context


def _take_new_mail(
    connection: imaplib.IMAP4, settings: Settings, stop: threading.Event
) -> Iterator[tuple[str, intake.IntakeResult]]:
    capabilities = _capabilities(connection)
    if settings.done_mailbox:
        _check_exists(connection, settings.done_mailbox)
    uid_validity = _select(connection, settings.mailbox)
    # With a done mailbox everything still in the mailbox is new; otherwise the unseen.
    criteria = ("UNDELETED",) if settings.done_mailbox else ("UNSEEN", "UNDELETED")
    uids = _search(connection, criteria)
    for start in range(0, len(uids), BATCH_SIZE):
        if stop.is_set():
            return
        for uid, raw in _fetch(connection, uids[start : start + BATCH_SIZE]):
            if stop.is_set():
                return
            source = f"imap:{settings.mailbox}:{uid_validity}:{uid}"
            yield source, _take_in(connection, settings, capabilities, uid, raw, source)


def _take_in(
    connection: imaplib.IMAP4,
    settings: Settings,
    capabilities: set[str],
    uid: int,
    raw: bytes,
    source: str,
) -> intake.IntakeResult:
    """Hand one message to intake, then mark it done on the server."""
    try:
        result = intake.receive(raw, intake.Channel.IMAP, source=source)
    except intake.StoreFailed as failure:
        raise FetchFailed(
            f"could not store {source}, so it stays on the server: {failure}"
        ) from None
    try:
        _mark_done(connection, uid, settings.done_mailbox, capabilities)
    except (OSError, imaplib.IMAP4.error) as error:
        raise FetchFailed(
            f"took in {source} (inbound mail {result.inbound_id}, {result.outcome}) but could "
            f"not mark it done, so the next fetch takes it again as a duplicate: {_text(error)}"
        ) from None
    log.info("IMAP %s: inbound mail %s, %s", source, result.inbound_id, result.outcome)
    return result


def _capabilities(connection: imaplib.IMAP4) -> set[str]:
    """What the server offers after log-in (imaplib keeps only the list from before)."""
    _, data = _ok(connection.capability(), "CAPABILITY")
    return set(data[-1].decode("ascii", "replace").upper().split())


def _check_exists(connection: imaplib.IMAP4, mailbox: str) -> None:
    status, data = connection.status(_quoted(mailbox), "(UIDNEXT)")
    if status != "OK":
        raise FetchFailed(
            f"the done mailbox {mailbox!r} (HELPDESK_IMAP_DONE_MAILBOX) cannot be used; "
            f"create it first ({_text(data)})"
        )


def _select(connection: imaplib.IMAP4, mailbox: str) -> str:
    """Open `mailbox` for reading and writing; returns its UIDVALIDITY."""
    status, data = connection.select(_quoted(mailbox))
    if status != "OK":
        raise FetchFailed(f"cannot open the mailbox {mailbox!r}: {_text(data)}")
    _, values = connection.response("UIDVALIDITY")
    if not values or not values[-1]:
        raise FetchFailed(f"the server sent no UIDVALIDITY for {mailbox!r}")
    return values[-1].decode("ascii")


def _search(connection: imaplib.IMAP4, criteria: Sequence[str]) -> list[int]:
    _, data = _ok(connection.uid("SEARCH", *criteria), "UID SEARCH")
    return sorted(int(uid) for uid in b" ".join(filter(None, data)).split())


def _fetch(connection: imaplib.IMAP4, uids: Sequence[int]) -> list[tuple[int, bytes]]:
    """(uid, raw message) for the messages of `uids` that are still there, in UID order."""
    _, data = _ok(
        connection.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])"), "UID FETCH"
    )
    wanted = set(uids)
    messages = {}
    body = None  # the last message body whose UID has not been seen yet
    # imaplib gives a message as (b"n (UID u BODY[] {size}", body), then whatever the server
    # wrote after the body as a bytes item: the UID may come first or last.
    for item in data:
        if isinstance(item, tuple):
            text, body = item
        else:
            text = item
        match = _FETCHED_UID.search(text) if body is not None else None
        if match:
            if int(match[1]) in wanted:
                messages[int(match[1])] = body
            body = None
    return sorted(messages.items())


def _mark_done(
    connection: imaplib.IMAP4, uid: int, done_mailbox: str, capabilities: set[str]
) -> None:
    uid_text = str(uid)
    if not done_mailbox:
        _ok(connection.uid("STORE", uid_text, "+FLAGS.SILENT", r"(\Seen)"), "UID STORE")
    elif "MOVE" in capabilities:
        _ok(connection.uid("MOVE", uid_text, _quoted(done_mailbox)), "UID MOVE")
    else:
        _ok(connection.uid("COPY", uid_text, _quoted(done_mailbox)), "UID COPY")
        _ok(connection.uid("STORE", uid_text, "+FLAGS.SILENT", r"(\Deleted)"), "UID STORE")
        if "UIDPLUS" in capabilities:
            _ok(connection.uid("EXPUNGE", uid_text), "UID EXPUNGE")
        else:  # also removes whatever else is flagged \Deleted in this mailbox
            _ok(connection.expunge(), "EXPUNGE")


def _ok(response: tuple[str, list], command: str) -> tuple[str, list]:
    status, data = response
    if status != "OK":
        raise imaplib.IMAP4.error(f"{command} answered {status}: {_text(data)}")
    return response


def _quoted(mailbox: str) -> str:
    """A mailbox name as an IMAP quoted string (imaplib sends arguments as they are)."""
    if not mailbox.isascii():
        raise FetchFailed(f"mailbox names must be ASCII (modified UTF-7), not {mailbox!r}")
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text(error: Exception | list) -> str:
    """A server's answer or an error as plain text (imaplib often carries bytes)."""
    parts = error.args if isinstance(error, Exception) else error
    return " ".join(
        part.decode("utf-8", "replace") if isinstance(part, bytes) else str(part)
        for part in parts
        if part is not None
    )


def _close(connection: imaplib.IMAP4) -> None:
    """Log out, or just drop the connection when the session is already broken."""
    try:
        connection.logout()
    except (OSError, imaplib.IMAP4.error):
        with suppress(OSError):
            connection.shutdown()
