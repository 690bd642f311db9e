"""P7 through `flask mail ingest`: mail that names a reporter's ticket joins its thread only
from the reporter, proven by the ticket's signed reply address or by our receiving server's
DKIM or DMARC pass. Every forgery leaves the thread as it was; what happens instead is checked,
and agents (only they) read the authentication results next to each mailed message."""

import pytest
from sqlalchemy import func, select

from helpdesk import reporter_view, tickets
from helpdesk.database import db
from helpdesk.models import InboundMail, MailKind, MessageKind, OutboundMail, Status, Ticket

from ..conftest import log_in
from ..factories import make_ticket, make_user
from .conftest import INTAKE_SETTINGS, acknowledgment, ingest_file, mark_sent, reply_address
from .corpus import gmail_results, postfix_results

REPORTER, ATTACKER = "dana@x.example", "attacker@y.example"
DANA = f"Dana Whitfield <{REPORTER}>"
OTHER = "erin@z.example"
TEXT = "Please add this to my report: he wrote to me again."


@pytest.fixture
def app(app):
    app.config.update(INTAKE_SETTINGS)
    return app


@pytest.fixture
def report(app):
    """The reporter's acknowledged ticket: (reference, the acknowledgment's Message-ID)."""
    with app.app_context():
        ticket = make_ticket(reporter=make_user(email=REPORTER, display_name="Dana Whitfield"))
        ack = acknowledgment(ticket)
        mark_sent(ack)
        db.session.commit()
        return ticket.reference, ack.email_message_id


def _ingest(
    runner,
    tmp_path,
    from_lines: list[str],
    *headers: str,
    to: str = "support@helpdesk.example",
    subject: str = "Re: We received your report",
) -> dict:
    number = len(list(tmp_path.iterdir()))
    lines = [
        *headers,  # our receiving server adds its headers above what the mail came with
        *(f"From: {value}" for value in from_lines),
        f"To: {to}",
        f"Subject: {subject}",
        f"Message-ID: <answer-{number}@mua.example>",
        "Content-Type: text/plain; charset=utf-8",
    ]
    return ingest_file(runner, tmp_path, ("\n".join(lines) + "\n\n" + TEXT + "\n").encode())


def _ticket(reference: str) -> Ticket:
    return db.session.scalar(select(Ticket).where(Ticket.reference == reference))


def _thread(app, reference: str) -> list[tuple[str, str]]:
    with app.app_context():
        return [(m.kind.value, m.body) for m in _ticket(reference).messages]


def _acknowledgments(app) -> int:
    with app.app_context():
        query = select(func.count()).where(OutboundMail.kind == MailKind.FOLLOWUP_RECEIVED)
        return db.session.scalar(query.select_from(OutboundMail))


# --- forged senders ------------------------------------------------------------------------------

AMBIGUOUS = {
    "address as display name": [f"{REPORTER} <{ATTACKER}>"],
    "two mailboxes": [f"{REPORTER}, {ATTACKER}"],
    "two From headers": [DANA, ATTACKER],
    "two angle addresses": [f"Name <{REPORTER}> <{ATTACKER}>"],
    "a group": [f"grp: {REPORTER};"],
}


@pytest.mark.p7
@pytest.mark.parametrize("from_lines", AMBIGUOUS.values(), ids=AMBIGUOUS.keys())
def test_an_ambiguous_from_is_quarantined_and_the_thread_unchanged(
    app, runner, tmp_path, report, from_lines
):
    reference, ack = report
    before = _thread(app, reference)

    line = _ingest(
        runner,
        tmp_path,
        from_lines,
        *postfix_results("x.example"),  # even with our server's pass for the reporter's domain
        f"In-Reply-To: {ack}",
        subject=f"Re: [{reference}] We received your report",
    )

    assert line["outcome"] == "quarantined"
    assert line["reason"].startswith("no usable sender in From: ")
    assert line["ticket"] is None
    assert _thread(app, reference) == before
    assert _acknowledgments(app) == 0


UNVERIFIED = {
    "no results at all": [],
    "dkim and dmarc fail": postfix_results("x.example", dkim="fail", dmarc="fail"),
    "pass for the attacker's domain": postfix_results("y.example"),
    "another server's pass": gmail_results(REPORTER, server="mx.google.com"),
    # Exchange Online writes no authserv-id: a header anyone could have written.
    "no authserv-id": [
        "Authentication-Results: spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=x.example; "
        "dkim=pass (signature was verified) header.d=x.example;dmarc=pass action=none "
        "header.from=x.example;compauth=pass reason=100"
    ],
    "a forged pass below our fail": [
        postfix_results("x.example", dmarc="fail")[0],
        *gmail_results(REPORTER),
    ],
}


@pytest.mark.p7
@pytest.mark.parametrize("results", UNVERIFIED.values(), ids=UNVERIFIED.keys())
@pytest.mark.parametrize("naming", ["in-reply-to", "subject"])
def test_the_reporters_address_unverified_opens_a_linked_ticket_marked_for_agents(
    app, runner, tmp_path, report, results, naming
):
    reference, ack = report
    before = _thread(app, reference)
    if naming == "in-reply-to":
        line = _ingest(runner, tmp_path, [DANA], *results, f"In-Reply-To: {ack}")
    else:
        line = _ingest(runner, tmp_path, [DANA], *results, subject=f"Re: [{reference}]")

    assert line["outcome"] == "created"
    assert line["reason"].startswith(f"sender not verified: named {reference}")
    assert _thread(app, reference) == before
    with app.app_context():
        new = _ticket(line["ticket"])
        assert new.reporter.email == REPORTER
        assert new.linked_ticket.reference == reference
        [report_message, event] = new.messages
        assert TEXT in report_message.body
        assert event.kind is MessageKind.EVENT
        assert event.body.startswith("Sender not verified.")
        seen = reporter_view.for_reporter(new)
        assert [m.body for m in seen.messages] == [report_message.body]
        assert "verified" not in " ".join(m.body for m in seen.messages).lower()
        [acknowledgment] = db.session.scalars(
            select(OutboundMail).where(OutboundMail.ticket_id == new.id)
        ).all()
        mailed = f"{acknowledgment.subject} {acknowledgment.body_text} {acknowledgment.body_html}"
        assert "verified" not in mailed.lower()


@pytest.mark.p7
def test_a_stranger_naming_the_ticket_gets_a_ticket_of_their_own_unlinked(
    app, runner, tmp_path, report
):
    reference, ack = report
    before = _thread(app, reference)
    address = reply_address(app, reference)

    line = _ingest(runner, tmp_path, [ATTACKER], *postfix_results("y.example"), to=address)

    assert line["outcome"] == "created"
    assert _thread(app, reference) == before
    with app.app_context():
        new = _ticket(line["ticket"])
        # No link: the stranger's page would show it, confirming the reference exists.
        assert (new.reporter.email, new.linked_ticket) == (ATTACKER, None)
        event = new.messages[-1]
        assert event.kind is MessageKind.EVENT and f"named {reference}" in event.body


# --- the reporter's own replies ------------------------------------------------------------------

VERIFIED = {
    "postfix with opendkim and opendmarc": postfix_results("x.example"),
    "opendkim alone": postfix_results("x.example")[1:],
    "gmail's shape": gmail_results(REPORTER),
    "a subdomain's signature": postfix_results("mail.x.example")[1:],
}


@pytest.mark.p7
@pytest.mark.parametrize("results", VERIFIED.values(), ids=VERIFIED.keys())
def test_a_reply_with_our_servers_aligned_pass_joins_the_thread(
    app, runner, tmp_path, report, results
):
    reference, ack = report

    line = _ingest(runner, tmp_path, [DANA], *results, f"In-Reply-To: {ack}")

    assert (line["outcome"], line["ticket"]) == ("appended", reference)
    assert _thread(app, reference)[-1] == ("reporter", TEXT)
    assert _acknowledgments(app) == 1


@pytest.mark.p7
def test_a_reply_to_the_signed_address_joins_the_thread_without_results(
    app, runner, tmp_path, report
):
    """As a mail client answers the acknowledgment: its Reply-To is the signed address."""
    reference, _ = report

    line = _ingest(runner, tmp_path, [DANA], to=reply_address(app, reference))

    assert (line["outcome"], line["ticket"]) == ("appended", reference)
    assert _thread(app, reference)[-1] == ("reporter", TEXT)


@pytest.mark.p7
def test_results_are_not_trusted_without_our_authserv_id(app, runner, tmp_path, report):
    reference, ack = report
    app.config["HELPDESK_AUTHSERV_ID"] = ""
    before = _thread(app, reference)

    line = _ingest(runner, tmp_path, [DANA], *postfix_results("x.example"), f"In-Reply-To: {ack}")

    assert line["outcome"] == "created"
    assert _thread(app, reference) == before


# --- what agents see -----------------------------------------------------------------------------


@pytest.mark.p1
@pytest.mark.p7
def test_agents_see_the_authentication_results_and_the_reporter_never_does(
    app, client, runner, tmp_path, report
):
    reference, ack = report
    verified = _ingest(
        runner, tmp_path, [DANA], *postfix_results("x.example"), f"In-Reply-To: {ack}"
    )
    forged = _ingest(runner, tmp_path, [DANA], f"In-Reply-To: {ack}")
    assert (verified["ticket"], forged["outcome"]) == (reference, "created")
    with app.app_context():
        make_user("agent", email="agent@helpdesk.example")
        db.session.commit()

    log_in(client, "agent@helpdesk.example")
    page = client.get(f"/agent/tickets/{reference}").get_data(as_text=True)
    unverified = client.get(f"/agent/tickets/{forged['ticket']}").get_data(as_text=True)

    expected = (
        "Mail · dmarc=pass (x.example) · sender verified by a DKIM or DMARC pass at our server"
    )
    assert expected in page
    assert "Mail · no authentication results from our server · sender not verified" in unverified
    assert "Sender not verified." in unverified
    member = app.test_client()
    log_in(member, REPORTER)
    for ticket in (reference, forged["ticket"]):
        member_page = member.get(f"/tickets/{ticket}").get_data(as_text=True)
        assert TEXT in member_page
        for word in ("dkim", "dmarc", "verified", "authentication"):
            assert word not in member_page.lower()


# --- a ticket merged into another reporter's ticket ----------------------------------------------


@pytest.fixture
def merged_away(app, report):
    """The reporter's ticket merged into another reporter's: (merged, survivor)."""
    reference, _ = report
    with app.app_context():
        agent = make_user("agent")
        survivor = make_ticket(reporter=make_user(email=OTHER), subject="The same member")
        tickets.merge(agent, _ticket(reference), survivor)
        db.session.commit()
        return reference, survivor.reference


@pytest.mark.p1
@pytest.mark.p7
def test_a_reply_to_a_ticket_merged_into_another_reporters_is_an_internal_note_there(
    app, runner, tmp_path, merged_away
):
    merged, survivor = merged_away
    with app.app_context():
        public_before = reporter_view.for_reporter(_ticket(survivor)).messages
        tickets_before = db.session.scalar(select(func.count()).select_from(Ticket))

    line = _ingest(runner, tmp_path, [DANA], to=reply_address(app, merged))

    assert (line["outcome"], line["ticket"]) == ("appended", survivor)
    with app.app_context():
        ticket = _ticket(survivor)
        note = ticket.messages[-1]
        assert (note.kind, note.author.email) == (MessageKind.NOTE, REPORTER)
        assert TEXT in note.body and merged in note.body
        assert reporter_view.for_reporter(ticket).messages == public_before
        assert ticket.status is Status.NEW  # nothing the survivor's reporter could notice
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == tickets_before
        inbound = db.session.get(InboundMail, line["inbound_id"])
        assert inbound.thread_message_id == note.id  # agents open the original from the note
    assert _acknowledgments(app) == 0  # an acknowledgment would name the other ticket


@pytest.mark.p7
def test_an_unverified_reply_to_a_merged_away_ticket_opens_a_linked_ticket(
    app, runner, tmp_path, merged_away
):
    merged, survivor = merged_away
    before = _thread(app, survivor)

    line = _ingest(runner, tmp_path, [DANA], subject=f"Re: [{merged}]")

    assert line["outcome"] == "created"
    assert _thread(app, survivor) == before
    with app.app_context():
        assert _ticket(line["ticket"]).linked_ticket.reference == merged
