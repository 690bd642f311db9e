"""A reporter's answer finds its thread by the Message-IDs it names, when it carries neither the
signed reply address nor the reference: In-Reply-To first, then any of References. Such an
answer joins the thread only with our receiving server's DKIM or DMARC pass (see
test_forged_senders for the answers without one)."""

import pytest
from sqlalchemy import select

from helpdesk.database import db
from helpdesk.models import InboundMail, Message, MessageKind, Ticket

from ..factories import make_ticket, make_user
from .conftest import INTAKE_SETTINGS, acknowledgment, ingest_file, mark_sent
from .corpus import postfix_results

REPORTER = "dana@example.org"


@pytest.fixture
def app(app):
    app.config.update(INTAKE_SETTINGS)
    return app


@pytest.fixture
def two_tickets(app):
    """Two reports by the same reporter, each acknowledged: [(reference, ack Message-ID)]."""
    with app.app_context():
        reporter = make_user(email=REPORTER, display_name="Dana Whitfield")
        found = []
        for subject in ("Abusive messages in the workroom", "A second, unrelated report"):
            ticket = make_ticket(reporter=reporter, subject=subject)
            ack = acknowledgment(ticket)
            mark_sent(ack)
            found.append((ticket.reference, ack.email_message_id))
        db.session.commit()
        return found


def _answer(runner, tmp_path, *headers: str) -> dict:
    raw = "\n".join(
        [
            f"From: Dana Whitfield <{REPORTER}>",
            "To: support@helpdesk.example",  # no reply token, no reference in the subject
            "Subject: Re: We received your report",
            f"Message-ID: <answer-{len(list(tmp_path.iterdir()))}@example.org>",
            *postfix_results("example.org"),
            *headers,
            "",
            "Here is the screenshot you asked for.",
        ]
    ).encode()
    return ingest_file(runner, tmp_path, raw)


def _reporter_messages(app, reference: str) -> int:
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        return sum(1 for m in ticket.messages if m.kind is MessageKind.REPORTER)


@pytest.mark.p7
def test_in_reply_to_names_the_thread(app, runner, tmp_path, two_tickets):
    (first, _), (second, second_ack) = two_tickets

    line = _answer(runner, tmp_path, f"In-Reply-To: {second_ack}")

    assert (line["outcome"], line["ticket"]) == ("appended", second)
    assert _reporter_messages(app, second) == 2
    assert _reporter_messages(app, first) == 1


@pytest.mark.p7
def test_references_name_the_thread_when_in_reply_to_names_nothing_of_ours(
    app, runner, tmp_path, two_tickets
):
    (first, first_ack), _ = two_tickets

    line = _answer(
        runner,
        tmp_path,
        "In-Reply-To: <unknown@elsewhere.example>",
        f"References: <older@elsewhere.example> {first_ack} <newer@elsewhere.example>",
    )

    assert (line["outcome"], line["ticket"]) == ("appended", first)


@pytest.mark.p7
def test_a_message_id_of_the_reporters_own_earlier_mail_names_its_thread(
    app, runner, tmp_path, two_tickets
):
    (first, first_ack), _ = two_tickets
    earlier = _answer(runner, tmp_path, f"In-Reply-To: {first_ack}")
    with app.app_context():
        earlier_id = db.session.get(InboundMail, earlier["inbound_id"]).message_id
        assert (
            db.session.scalar(select(Message.id).where(Message.email_message_id == earlier_id))
            is None
        )

    line = _answer(runner, tmp_path, f"In-Reply-To: {earlier_id}")

    assert (line["outcome"], line["ticket"]) == ("appended", first)
    assert _reporter_messages(app, first) == 3


@pytest.mark.p7
def test_a_message_id_we_never_saw_names_no_thread(app, runner, tmp_path, two_tickets):
    line = _answer(runner, tmp_path, "In-Reply-To: <never-seen@elsewhere.example>")

    assert line["outcome"] == "created"
    assert line["ticket"] not in {reference for reference, _ in two_tickets}
