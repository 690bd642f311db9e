"""Our own addresses, defined once: intake, the alias tester and the outbox agree on them."""

import pytest

from helpdesk import aliases, intake
from helpdesk.database import db
from helpdesk.mail import addresses
from helpdesk.models import InboundOutcome

from ..factories import make_ticket


@pytest.fixture
def sender_elsewhere(app):
    """Mail goes out from a domain of its own, as when a provider sends for us."""
    app.config["MAIL_DEFAULT_SENDER"] = "Trust & Safety <trust@mailer.example>"
    app.config["HELPDESK_REPLY_DOMAIN"] = "reply.helpdesk.example"
    with app.app_context():
        yield app


def test_our_domains_are_the_support_sender_and_reply_domains(sender_elsewhere):
    assert addresses.own_domains() == {
        "helpdesk.example",
        "mailer.example",
        "reply.helpdesk.example",
    }
    assert addresses.is_our_address("Trust@Mailer.Example")
    assert not addresses.is_our_address("someone@elsewhere.example")


def test_mail_from_our_senders_address_is_a_loop_and_is_ignored(sender_elsewhere):
    raw = (
        b"From: Trust & Safety <trust@mailer.example>\r\n"
        b"To: support@helpdesk.example\r\n"
        b"Subject: We received your report\r\n"
        b"Message-ID: <ack-1@mailer.example>\r\n"
        b"\r\n"
        b"Thank you for telling us.\r\n"
    )
    result = intake.receive(raw, intake.Channel.LMTP)
    assert result.outcome is InboundOutcome.IGNORED
    assert "one of our own addresses" in result.reason


def test_the_alias_tester_takes_mail_for_every_one_of_our_domains(sender_elsewhere):
    assert aliases.test_address("abuse@mailer.example").accepted
    assert aliases.test_address("abuse@reply.helpdesk.example").accepted
    assert not aliases.test_address("abuse@elsewhere.example").accepted


def test_a_tickets_reply_address_reads_back_as_its_reference(sender_elsewhere):
    ticket = make_ticket()
    db.session.flush()
    address = addresses.reply_address(ticket.reference)
    assert address.endswith("@reply.helpdesk.example")
    assert addresses.reference_from_reply_address(address.upper()) == ticket.reference
    assert addresses.reference_from_reply_address("support@reply.helpdesk.example") is None
    route = aliases.test_address(address)
    assert route.accepted and f"The reply address of {ticket.reference}" in route.explanation
