"""`mail serve`: an LMTP listener (what Postfix and Dovecot deliver to) into mail intake, or SMTP
for development. It has no authentication: keep it on loopback or a private network.

aiosmtpd speaks the protocol in an event loop. Intake works on the database synchronously, in
an app context, so every call into it runs in a worker thread with an app context of its own,
and the loop goes on serving other sessions meanwhile.

Replies carry enhanced status codes (RFC 3463): a recipient that is not ours 550 5.1.1; a
message over HELPDESK_INTAKE_MAX_MESSAGE_BYTES 552 5.3.4 (announced with SIZE, and checked on
the data whether or not the client announced a size); a stored message 250 2.0.0 with intake's
outcome; a message that could not be stored 451 4.3.0, so that the sender keeps it and retries.
A message is taken in once for all its recipients; over LMTP the end of its data still gets one
reply per accepted recipient, as RFC 2033 section 4.2 asks (aiosmtpd leaves that to us).
"""

import asyncio
import functools
import logging
import socket
import threading
from collections.abc import Callable

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask, current_app

from ... import intake
from ...mail import addresses

log = logging.getLogger(__name__)

RECIPIENT_OK = "250 2.1.5 OK"
NOT_OURS = "550 5.1.1 No such mailbox here"
TOO_BIG = "552 5.3.4 Message too big"
NOT_STORED = "451 4.3.0 The message could not be stored; try again later"
TRY_AGAIN = "451 4.3.0 Temporary failure; try again later"
STOP_POLL_SECONDS = 0.2  # how soon the listener notices that `stop` is set

# aiosmtpd's own refusals, reworded with enhanced status codes: at MAIL FROM with a SIZE over
# the limit, and at the end of DATA (aiosmtpd.smtp.SMTP.smtp_DATA).
_AIOSMTPD_SIZE_AT_MAIL = "552 Error: message size exceeds fixed maximum message size"
_AIOSMTPD_END_OF_DATA = {
    "552 Error: Too much mail data": TOO_BIG,
    "500 Line too long (see RFC5321 4.5.3.1.6)": "500 5.5.2 Line too long",
}


def serve(host: str, port: int, *, smtp: bool, stop: threading.Event) -> None:
    """Take in mail on host:port until `stop` is set; then stop listening, let the messages in
    hand finish and be answered, and return. Needs an app context."""
    app = current_app._get_current_object()
    asyncio.run(_serve(app, host, port, smtp=smtp, stop=stop))


async def _serve(app: Flask, host: str, port: int, *, smtp: bool, stop: threading.Event) -> None:
    loop = asyncio.get_running_loop()
    channel = intake.Channel.SMTP if smtp else intake.Channel.LMTP
    handler = _Handler(app, channel)
    session_class = _SmtpSession if smtp else _LmtpSession
    new_session = functools.partial(
        session_class,
        handler,
        data_size_limit=app.config["HELPDESK_INTAKE_MAX_MESSAGE_BYTES"],
        enable_SMTPUTF8=True,
        hostname=socket.getfqdn(),  # once, not per connection: it may ask DNS
        ident="helpdesk mail intake",
        loop=loop,
    )
    server = await loop.create_server(new_session, host, port)
    log.info("listening for %s on %s:%s", channel.value.upper(), host, port)
    try:
        while not stop.is_set():
            await asyncio.sleep(STOP_POLL_SECONDS)
    finally:
        server.close()
        await handler.finish_work_in_hand()
        log.info("stopped listening on %s:%s", host, port)


class _Replies:
    """aiosmtpd's session, with its size refusals reworded and the end of DATA answered as the
    protocol wants: once over SMTP, once per accepted recipient over LMTP."""

    per_recipient = False

    def end_of_data(self, reply: str) -> str:
        count = len(self.envelope.rcpt_tos) if self.per_recipient else 1
        return "\r\n".join([reply] * count)  # aiosmtpd's push() ends the last line

    async def push(self, status: str | bytes) -> None:
        if status == _AIOSMTPD_SIZE_AT_MAIL:
            status = TOO_BIG
        elif status in _AIOSMTPD_END_OF_DATA:
            status = self.end_of_data(_AIOSMTPD_END_OF_DATA[status])
        await super().push(status)


class _LmtpSession(_Replies, LMTP):
    per_recipient = True


class _SmtpSession(_Replies, SMTP):
    pass


class _Handler:
    """aiosmtpd's hooks: refuse recipients that are not ours; hand each message to intake once."""

    def __init__(self, app: Flask, channel: intake.Channel):
        self.app = app
        self.channel = channel
        self._work: set[asyncio.Future] = set()

    async def handle_RCPT(
        self, server: _Replies, session: Session, envelope: Envelope, address: str, options
    ) -> str:
        if not await self._in_app(addresses.is_our_address, address):
            log.info("refused recipient %s from %s", address, _peer(session))
            return NOT_OURS
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return RECIPIENT_OK

    async def handle_DATA(self, server: _Replies, session: Session, envelope: Envelope) -> str:
        try:
            result = await self._in_app(
                intake.receive,
                envelope.original_content,
                self.channel,
                recipients=list(dict.fromkeys(envelope.rcpt_tos)),
                source=f"{self.channel.value}:{_peer(session)}",
            )
        except intake.StoreFailed:
            reply = NOT_STORED
        except Exception:  # unknown whether it was stored: the sender retries, intake dedupes
            log.exception("intake failed on a message from %s", _peer(session))
            reply = NOT_STORED
        else:
            reply = f"250 2.0.0 Stored as inbound mail {result.inbound_id}: {result.outcome}"
        return server.end_of_data(reply)

    async def handle_exception(self, error: Exception) -> str:
        """Any other failure (the database, when checking a recipient) is temporary."""
        log.error("mail session failed", exc_info=error)
        return TRY_AGAIN

    async def finish_work_in_hand(self) -> None:
        """Wait for the intake calls under way. Each session task waits on its call too and
        is woken first, so it has written its reply before this returns."""
        if self._work:
            await asyncio.wait(self._work)

    async def _in_app(self, function: Callable, *args, **kwargs):
        loop = asyncio.get_running_loop()
        call = functools.partial(self._call_in_app, function, *args, **kwargs)
        future = loop.run_in_executor(None, call)
        self._work.add(future)
        future.add_done_callback(self._work.discard)
        return await future

    def _call_in_app(self, function: Callable, *args, **kwargs):
        with self.app.app_context():
            return function(*args, **kwargs)


def _peer(session: Session) -> str:
    host, port = session.peer[:2]
    return f"{host}:{port}"
