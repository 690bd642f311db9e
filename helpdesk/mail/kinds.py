"""Every kind of mail we send, declared once (P3's list): whom it may reach, its automatic
headers, the hourly cap it counts against, the context its templates get, and the templates.

Adding a kind is: the MailKind value, its entry in SPECS, and its templates in templates/mail/
(<kind>.subject.txt and <kind>.txt, and <kind>.html when the spec says so).
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from flask import current_app

from .. import reporter_view
from ..models import MailKind, Message, Ticket, User
from .addresses import external_url


class Audience(Enum):
    REPORTER = "the ticket's reporter"
    ACCOUNT_OWNER = "the account's owner"


@dataclass(frozen=True)
class About:
    """What a mail is about, as enqueue() was given it."""

    ticket: Ticket | None = None
    message: Message | None = None  # the message the mail answers or carries
    user: User | None = None
    reset_url: str | None = None
    invite_url: str | None = None


@dataclass(frozen=True)
class MailSpec:
    audience: Audience
    # Headers that ask mail servers and autoresponders not to answer (RFC 3834, Exchange, lists).
    headers: dict[str, str]
    # The kinds counted together against the hourly limit per recipient (storm control), or
    # None for mail never held back.
    hourly_family: frozenset[MailKind] | None
    context: Callable[[About], dict]
    html: bool = True

    def templates(self, kind: MailKind) -> list[str]:
        names = [f"mail/{kind.value}.subject.txt", f"mail/{kind.value}.txt"]
        return names + [f"mail/{kind.value}.html"] if self.html else names


def _acknowledgment_context(about: About) -> dict:
    return reporter_view.public_facts(about.ticket) | {
        "ticket_url": external_url("member.ticket", reference=about.ticket.reference),
        "reply_text": None,
    }


def _reply_context(about: About) -> dict:
    return _acknowledgment_context(about) | {"reply_text": about.message.body}


def _account_context(about: About) -> dict:
    config = current_app.config
    return {
        "first_name": reporter_view.first_name(about.user.display_name),
        "reset_url": about.reset_url,
        "expires_minutes": config["HELPDESK_PASSWORD_RESET_MINUTES"],
        "invite_url": about.invite_url,
        "invite_days": config["HELPDESK_INVITE_DAYS"],
        "role": about.user.role.value,
    }


ACKNOWLEDGMENTS = frozenset({MailKind.REPORT_RECEIVED, MailKind.FOLLOWUP_RECEIVED})
# Links to an account's own address that anyone may ask for: a reset, a registration.
ACCOUNT_LINKS = frozenset(
    {MailKind.PASSWORD_RESET, MailKind.REGISTRATION, MailKind.REGISTERED_AGAIN}
)
_AUTO_REPLIED = {"Auto-Submitted": "auto-replied", "Precedence": "bulk"}
_AUTO_GENERATED = {"Auto-Submitted": "auto-generated", "Precedence": "bulk"}

SPECS: dict[MailKind, MailSpec] = {
    MailKind.REPORT_RECEIVED: MailSpec(
        Audience.REPORTER, _AUTO_REPLIED, ACKNOWLEDGMENTS, _acknowledgment_context
    ),
    MailKind.FOLLOWUP_RECEIVED: MailSpec(
        Audience.REPORTER, _AUTO_REPLIED, ACKNOWLEDGMENTS, _acknowledgment_context
    ),
    # Written by people: never held back.
    MailKind.AGENT_REPLY: MailSpec(Audience.REPORTER, {}, None, _reply_context),
    MailKind.PASSWORD_RESET: MailSpec(
        Audience.ACCOUNT_OWNER, _AUTO_GENERATED, ACCOUNT_LINKS, _account_context
    ),
    # Only an admin sends one, one at a time: suppressing it would leave them thinking it went.
    MailKind.ACCOUNT_INVITE: MailSpec(
        Audience.ACCOUNT_OWNER, _AUTO_GENERATED, None, _account_context
    ),
    # Anyone can ask for these for any address: counted together, so nobody floods an inbox.
    MailKind.REGISTRATION: MailSpec(
        Audience.ACCOUNT_OWNER, _AUTO_GENERATED, ACCOUNT_LINKS, _account_context
    ),
    MailKind.REGISTERED_AGAIN: MailSpec(
        Audience.ACCOUNT_OWNER, _AUTO_GENERATED, ACCOUNT_LINKS, _account_context
    ),
    # The member asked for it, once: never held back.
    MailKind.ACCOUNT_DELETED: MailSpec(
        Audience.ACCOUNT_OWNER, _AUTO_GENERATED, None, _account_context
    ),
}


def spec(kind: MailKind) -> MailSpec:
    return SPECS[kind]
