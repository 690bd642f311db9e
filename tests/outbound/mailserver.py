"""A real SMTP server on loopback (aiosmtpd) that keeps what arrives and misbehaves on cue,
and an app whose Flask-Mail settings point at it."""

import asyncio
import socket
import threading
import unicodedata
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from helpdesk import create_app
from helpdesk.categories import seed_default_categories
from helpdesk.database import db

from ..conftest import _empty_all_tables, _test_config

BASE_URL = "https://helpdesk.test"


class _Handler:
    """Keeps each accepted mail; the test sets how the next ones are answered."""

    def __init__(self):
        self.received: list[EmailMessage] = []
        self.arrived = threading.Event()  # set when a mail is accepted
        self.rcpt_reply: str | None = None  # e.g. "450 4.2.1 Mailbox busy"
        self.data_reply: str | None = None
        self.drops = 0  # close the connection instead of answering the next this many DATA
        self.stall_on_data = False  # hold DATA unanswered until release() is called
        self.stalled = threading.Event()  # set once a DATA is being held
        self.stalled_message_ids: list[str] = []
        self._released = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        if self.drops:
            self.drops -= 1
            server.transport.close()
            return "421 Closing"
        if self.stall_on_data:
            self.stalled_message_ids.append(message["Message-ID"])
            self.stalled.set()
            while not self._released.is_set():
                await asyncio.sleep(0.01)
            return "451 Released after a stall"
        if self.data_reply:
            return self.data_reply
        message.envelope_recipients = list(envelope.rcpt_tos)
        self.received.append(message)
        self.arrived.set()
        return "250 Accepted"

    def release(self) -> None:
        self.stall_on_data = False
        self._released.set()


class MailServer(_Handler):
    """`with MailServer() as server:` a server on a free loopback port."""

    host = "127.0.0.1"

    def __enter__(self) -> "MailServer":
        self.port = free_port()
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._released.set()
        self.stop()

    def start(self) -> None:
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Nothing listens on the port until start() again: the server is down."""
        self._controller.stop()

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def mail_settings(server: MailServer) -> dict:
    return {"MAIL_SERVER": server.host, "MAIL_PORT": server.port, "HELPDESK_BASE_URL": BASE_URL}


@contextmanager
def app_sending_to(server: MailServer, database_url: str, tmp_path, **settings):
    """The test app (as conftest's `app`), with Flask-Mail pointed at `server`."""
    config = {**_test_config(database_url, tmp_path / "instance"), **mail_settings(server)}
    app = create_app({**config, **settings})
    with app.app_context():
        seed_default_categories()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


def everything_in(message: EmailMessage) -> str:
    """Every header and every decoded text part, as one text, for looking for leaks."""
    headers = [f"{name}: {value}" for name, value in message.items()]
    parts = [part.get_content() for part in message.walk() if part.get_content_maintype() == "text"]
    return "\n".join(headers + parts)


def plain_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def folded(text: str) -> str:
    """Case-folded, NFKC, whitespace folded: so a test finds what a reader would recognise."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
