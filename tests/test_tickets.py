"""Domain rules of tickets that the forms do not reach directly."""

import re

import pytest
from sqlalchemy import inspect, select

from helpdesk import tickets
from helpdesk.database import db
from helpdesk.errors import InvalidInput, NotAllowed, TicketClosed
from helpdesk.models import (
    AuditEvent,
    MailKind,
    MessageKind,
    OutboundMail,
    Priority,
    Status,
    Ticket,
)
from helpdesk.reported import URL_PATTERN, check_url
from helpdesk.reports import rollups
from helpdesk.signing import new_reference
from helpdesk.workflow import change_status

from .factories import make_ticket, make_user


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("quickpay_dev", "quickpay_dev"),
        ("@QuickPay_Dev", "quickpay_dev"),
        ("ＱｕｉｃｋＰａｙ_dev", "quickpay_dev"),  # full-width letters fold to the same member
        ("https://marketplace.example/freelancers/~QuickPay_Dev", "quickpay_dev"),
        ("https://marketplace.example/freelancers/~quickpay_dev/portfolio?tab=2", "quickpay_dev"),
        ("https://marketplace.example/u/quickpay_dev/", "quickpay_dev"),
        ("https://marketplace.example/@QuickPay_Dev", "quickpay_dev"),
        ("https://marketplace.example/jobs/~01ab", None),
        ("https://marketplace.example/", None),
    ],
)
def test_every_way_of_naming_a_member_gives_one_key(typed, key):
    assert tickets.parse_reported_party(typed).key == key


def test_a_username_and_a_url_are_kept_as_typed():
    party = tickets.parse_reported_party("https://marketplace.example/u/Jane")
    assert (party.member, party.profile_url) == (None, "https://marketplace.example/u/Jane")
    assert tickets.parse_reported_party("@Jane").member == "Jane"


@pytest.mark.p7
@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://marketplace.example/jobs/123?tab=chat#m-4", None),
        ("HTTP://user:pw@Marketplace.example:8080/ü", None),
        ("ftp://marketplace.example/", "https://"),
        ("https://", "https://"),
        ("https://:443/", "https://"),
        ("https://[oops/", "https://"),  # once a parser error: now simply not an address
        ("https://marketplace.example\uff0fevil.example/", "https://"),  # a look-alike "/"
        ("https://marketplace.example/a b", "spaces"),
        ("https://marketplace.example/\u200bjane", "spaces"),  # invisible format character
        ("https://marketplace.example/" + "a" * 500, "at most 500"),
    ],
)
def test_a_web_address_matches_the_pattern_the_api_declares(url, problem):
    found = check_url(url)
    assert (found is None) == (problem is None) and (problem or "") in (found or "")
    assert (re.fullmatch(URL_PATTERN, url) is not None) == (found is None or len(url) > 500)


def test_references_are_random_and_unambiguous():
    references = {new_reference() for _ in range(2000)}
    assert len(references) == 2000
    assert all(re.fullmatch(r"HD-[0-9A-HJKMNP-TV-Z]{8}", ref) for ref in references)


def test_a_reference_drawn_twice_is_drawn_again_and_the_report_is_whole(app_context, monkeypatch):
    taken = make_ticket()
    draws = iter([taken.reference, "HD-FRESH000"])
    monkeypatch.setattr(tickets, "new_reference", lambda: next(draws))
    ticket = make_ticket(reported="quickpay_dev")
    db.session.commit()
    assert ticket.reference == "HD-FRESH000" and taken.reference != ticket.reference
    assert [m.body for m in ticket.messages] == ["He called me names after I asked to be paid."]
    created = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "ticket.created", AuditEvent.ticket == ticket)
    )
    assert len(created.all()) == 1
    mail = db.session.scalars(select(OutboundMail).where(OutboundMail.ticket == ticket)).all()
    assert [m.kind for m in mail] == [MailKind.REPORT_RECEIVED]
    assert rollups.stored() == rollups.recount("UTC")  # the first draw's counts rolled back


def test_a_new_report_is_in_the_session_as_stored_and_a_commit_writes_nothing_more(
    app_context, statements_run
):
    ticket = make_ticket(reported="quickpay_dev")
    committed = statements_run(db.session.commit)
    assert not [sql for sql, _ in committed if sql.split()[0] in ("INSERT", "UPDATE")]
    kept = {column: getattr(ticket, column) for column in ("status", "version", "created_at")}
    db.session.expire_all()
    assert kept == {column: getattr(ticket, column) for column in kept}
    assert kept["status"] is Status.NEW and kept["version"] == 1
    assert [m.kind for m in ticket.messages[0].ticket.messages] == [MessageKind.REPORTER]
    assert rollups.stored() == rollups.recount("UTC")


def test_a_report_rolled_back_leaves_the_session_and_the_tables_as_they_were(app_context):
    reporter = make_user()
    db.session.commit()
    gone = make_ticket(reporter)
    db.session.rollback()
    assert inspect(gone).transient and not inspect(gone.messages[0]).persistent
    kept = make_ticket(reporter)  # SQLite gives it the rolled-back ticket's id again
    db.session.commit()
    assert db.session.scalars(select(Ticket.reference)).all() == [kept.reference]
    assert rollups.stored() == rollups.recount("UTC")


@pytest.mark.p7
def test_only_the_reporter_adds_information(app_context):
    ticket = make_ticket()
    with pytest.raises(NotAllowed):
        tickets.add_followup(make_user(), ticket, "I am not the reporter")
    with pytest.raises(NotAllowed):
        tickets.add_followup(make_user("agent"), ticket, "Agents reply, they do not add")
    assert len(ticket.messages) == 1


def test_members_cannot_reply_note_assign_or_prioritise(app_context):
    ticket = make_ticket()
    member = ticket.reporter
    for action in (
        lambda: tickets.post_reply(member, ticket, "I am the agent now"),
        lambda: tickets.add_note(member, ticket, "secret"),
        lambda: tickets.assign(member, ticket, member),
        lambda: tickets.set_priority(member, ticket, Priority.URGENT),
    ):
        with pytest.raises(NotAllowed):
            action()
    assert ticket.assignee is None and ticket.priority is Priority.HIGH


def test_a_closed_ticket_takes_no_reply(app_context):
    agent = make_user("agent")
    ticket = make_ticket()
    change_status(agent, ticket, Status.SOLVED)
    change_status(agent, ticket, Status.CLOSED)
    with pytest.raises(TicketClosed):
        tickets.post_reply(agent, ticket, "Anything else?")


def test_a_reply_stamps_the_first_response_once(app_context):
    agent = make_user("agent")
    ticket = make_ticket()
    tickets.post_reply(agent, ticket, "Thank you, we are looking into it.")
    first = ticket.first_response_at
    tickets.post_reply(agent, ticket, "A second reply.")
    assert ticket.first_response_at == first is not None


def test_assigning_to_a_member_is_refused(app_context):
    agent = make_user("agent")
    with pytest.raises(InvalidInput, match="cannot be assigned"):
        tickets.assign(agent, make_ticket(), make_user())


def test_bad_input_names_every_field_at_once(app_context):
    with pytest.raises(InvalidInput) as refused:
        tickets.open_ticket(
            make_user(), category=None, subject="", description="", context_url="nope"
        )
    assert set(refused.value.errors) == {"category", "subject", "description", "context_url"}
