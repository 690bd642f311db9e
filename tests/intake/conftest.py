"""Shared by the intake tests: small limits, the tickets and sent mail the corpus answers, and
one mail fed to `flask mail ingest`."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from helpdesk import tickets
from helpdesk.categories import active_category_by_slug
from helpdesk.database import db, utcnow
from helpdesk.mail import addresses
from helpdesk.models import Category, MailAlias, MailKind, MailStatus, OutboundMail, Status, Ticket

from ..factories import make_ticket, make_user
from .corpus import (
    ALIASES,
    AUTHSERV_ID,
    BOUNCING_REPORTERS,
    INACTIVE_CATEGORY,
    MAX_ATTACHMENT_BYTES,
    MAX_MESSAGE_BYTES,
    OTHER_REPORTER,
    OTHER_REPORTER_NAME,
    REPORTER,
    REPORTER_NAME,
    World,
    WorldTicket,
)

# Small limits keep the size cases small; a reply domain of its own and a receiving server
# that records Authentication-Results, as production has.
INTAKE_SETTINGS = {
    "HELPDESK_INTAKE_MAX_MESSAGE_BYTES": MAX_MESSAGE_BYTES,
    "HELPDESK_MAX_ATTACHMENT_BYTES": MAX_ATTACHMENT_BYTES,
    "HELPDESK_REPLY_DOMAIN": "reply.helpdesk.example",
    "HELPDESK_AUTHSERV_ID": AUTHSERV_ID,
}


def acknowledgment(ticket: Ticket) -> OutboundMail:
    return db.session.scalar(
        select(OutboundMail).where(
            OutboundMail.ticket_id == ticket.id, OutboundMail.kind == MailKind.REPORT_RECEIVED
        )
    )


def mark_sent(mail: OutboundMail) -> None:
    """As the outbox worker leaves a mail it delivered."""
    mail.status, mail.sent_at, mail.attempts = MailStatus.SENT, utcnow(), 1


def ingest_file(runner, tmp_path: Path, raw: bytes) -> dict:
    """Write one mail to a file of its own in `tmp_path`, feed it to `flask mail ingest`, and
    return the command's result line (its log goes to stderr)."""
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.eml"
    path.write_bytes(raw)
    result = runner.invoke(args=["mail", "ingest", str(path)])
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    return json.loads(line)


def reply_address(app, reference: str) -> str:
    """The ticket's signed reply address, as its acknowledgment gives it."""
    with app.app_context():
        return addresses.reply_address(reference)


def _world_ticket(ticket: Ticket) -> WorldTicket:
    ack = acknowledgment(ticket).email_message_id
    return WorldTicket(ticket.reference, ticket.reporter.email, ack)


@pytest.fixture
def world(app) -> World:
    """The reporter's open, solved, closed and merged tickets, another reporter's ticket,
    acknowledgments sent to addresses that will bounce, and the mail aliases."""
    with app.app_context():
        agent = make_user("agent")
        reporter = make_user(email=REPORTER, display_name=REPORTER_NAME)
        open_ticket = make_ticket(reporter=reporter)
        solved = make_ticket(reporter=reporter, subject="Fake reviews on my profile")
        tickets.set_status(agent, solved, Status.SOLVED)
        closed = make_ticket(reporter=reporter, subject="Old harassment case")
        tickets.set_status(agent, closed, Status.SOLVED)
        tickets.set_status(agent, closed, Status.CLOSED)
        merged = make_ticket(reporter=reporter, subject="Same harassment, reported twice")
        tickets.merge(agent, merged, open_ticket)
        other_reporter = make_user(email=OTHER_REPORTER, display_name=OTHER_REPORTER_NAME)
        others = make_ticket(reporter=other_reporter)
        sent = [make_ticket(reporter=make_user(email=address)) for address in BOUNCING_REPORTERS]
        for ticket in sent:
            mark_sent(acknowledgment(ticket))
        for address, slug in ALIASES.items():
            category = db.session.scalar(select(Category).where(Category.slug == slug))
            db.session.add(MailAlias(address=address, category=category))
        active_category_by_slug(INACTIVE_CATEGORY).active = False
        db.session.commit()
        return World(
            secret_key=app.config["SECRET_KEY"],
            support_address=app.config["HELPDESK_SUPPORT_ADDRESS"],
            reply_domain=app.config["HELPDESK_REPLY_DOMAIN"],
            open=_world_ticket(open_ticket),
            solved=_world_ticket(solved),
            closed=_world_ticket(closed),
            merged=_world_ticket(merged),
            others=_world_ticket(others),
            sent=tuple(_world_ticket(ticket) for ticket in sent),
        )
