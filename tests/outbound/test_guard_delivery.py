"""P4 through the outbox, the web, the API and a real SMTP server: what the guard refuses is
never posted nor queued, and what arrives names nobody else."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from helpdesk import (
    api_tokens,
    canned_replies,
    password_reset,
    registration,
    reporter_view,
    seed,
    tickets,
)
from helpdesk.database import db
from helpdesk.errors import MailBlocked
from helpdesk.mail import addresses, outbox, sender
from helpdesk.models import (
    AuditEvent,
    CannedReply,
    MailKind,
    MailStatus,
    Message,
    MessageKind,
    OutboundMail,
    Ticket,
    User,
)

from ..conftest import log_in, submit
from ..factories import make_ticket, make_user
from .mailserver import MailServer, everything_in, folded
from .test_privacy import CONTEXT_URL, NOTE, PROFILE_URL, QUIET, REPORTER, USERNAME, reply_hiding

pytestmark = pytest.mark.p4


@pytest.fixture
def reported_tickets(app):
    """Two committed reports by Dana, naming the reported member by username and by profile
    URL, each with the name in the reporter's own text and an internal note: their ids."""
    with app.app_context():
        reporter = make_user(email=REPORTER, display_name="Dana Whitfield")
        agent = make_user("agent", email="agent@helpdesk.example", display_name="Priya Raman")
        ids = []
        for reported in (USERNAME, PROFILE_URL):
            ticket = make_ticket(
                reporter=reporter,
                reported=reported,
                context_url=CONTEXT_URL,
                description=f"{reported} threatened me in the workroom {CONTEXT_URL}.",
            )
            tickets.add_note(agent, ticket, NOTE)
            ids.append(ticket.id)
        db.session.commit()
        return ids


def _agent() -> User:
    return db.session.scalar(select(User).where(User.email == "agent@helpdesk.example"))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], **QUIET)
@given(data=st.data())
def test_every_disguised_identifier_in_an_agent_reply_is_blocked(app, reported_tickets, data):
    ticket_id, identifier = data.draw(
        st.sampled_from(list(zip(reported_tickets, (USERNAME, PROFILE_URL), strict=True)))
    )
    reply = data.draw(reply_hiding(identifier))
    with app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        with pytest.raises(MailBlocked, match="the reported member"):
            tickets.post_reply(_agent(), ticket, reply)
        db.session.rollback()
        replies = select(func.count()).where(Message.kind == MessageKind.REPLY)
        assert db.session.scalar(replies) == 0


# --- what arrives, through a real SMTP server -------------------------------------------------


def _reported_identifiers() -> list[str]:
    bare_url = PROFILE_URL.removeprefix("https://")
    return [USERNAME, "jane.doe-design", PROFILE_URL, bare_url, CONTEXT_URL, "workrooms/48213"]


def _assert_nothing_names_the_reported_party(server: MailServer) -> None:
    assert server.received
    for mail in server.received:
        seen = folded(everything_in(mail))
        for identifier in _reported_identifiers():
            assert folded(identifier) not in seen, (identifier, mail["Subject"])
        assert folded("suspended pending the payments review") not in seen
        assert mail["To"] == REPORTER


@pytest.mark.p2
def test_no_mail_kind_names_the_reported_party_or_quotes_a_note(
    app, client, reported_tickets, smtp_server
):
    with app.app_context():
        for ticket_id in reported_tickets:
            ticket = db.session.get(Ticket, ticket_id)
            tickets.add_followup(ticket.reporter, ticket, f"{ticket.reported_key} wrote again.")
            tickets.post_reply(_agent(), ticket, "Thank you, we are reviewing your report.")
        password_reset.request_reset(REPORTER)
        registration.request_registration(REPORTER, "Dana")  # registered_again
        # Invitations and registration links go to new accounts, never to a reporter; one of each
        # is written to the reporter's account here so that every kind is rendered with the
        # reported party in the database.
        reporter = db.session.scalar(select(User).where(User.email == REPORTER))
        invite_url = addresses.external_url("auth.accept_invite", token="token")
        outbox.enqueue(MailKind.ACCOUNT_INVITE, user=reporter, actor=None, invite_url=invite_url)
        outbox.enqueue(MailKind.REGISTRATION, user=reporter, actor=None, invite_url=invite_url)
        outbox.enqueue(MailKind.ACCOUNT_DELETED, user=reporter, actor=reporter)
        db.session.commit()
        kinds = db.session.scalars(select(OutboundMail.kind)).all()
        assert set(kinds) == set(MailKind)
        assert sender.send_due().sent == len(kinds) == 11
    _assert_nothing_names_the_reported_party(smtp_server)


@pytest.mark.p2
def test_no_seeded_canned_reply_names_the_reported_party(app, reported_tickets, smtp_server):
    defaults = seed.DEFAULT_CANNED_REPLIES
    assert len(defaults) >= 4, "the seeded canned replies went missing"
    with app.app_context():
        for ticket_id in reported_tickets:
            ticket = db.session.get(Ticket, ticket_id)
            for canned in defaults:
                body = getattr(canned, "body", canned)
                text = canned_replies.render(body, ticket=ticket, agent=_agent())
                tickets.post_reply(_agent(), ticket, text)  # MailBlocked would fail the test
        db.session.commit()
        sender.send_due(batch_size=100)
    replies = [m for m in smtp_server.received if m["Subject"].startswith("About your report")]
    assert len(replies) == 2 * len(defaults)
    _assert_nothing_names_the_reported_party(smtp_server)


def test_mail_to_the_reported_party_or_anyone_but_the_reporter_is_refused(
    app, reported_tickets, smtp_server
):
    with app.app_context():
        reported = make_user(email="quickpay@members.example", display_name="Quick Pay")
        ticket = db.session.get(Ticket, reported_tickets[0])
        for stranger in (reported.email, "someone@example.org"):
            outbox.enqueue(MailKind.REPORT_RECEIVED, ticket=ticket, actor=None, to=stranger)
        outbox.enqueue(MailKind.PASSWORD_RESET, user=ticket.reporter, actor=None, to=reported.email)
        db.session.commit()
        refused = db.session.scalars(
            select(OutboundMail).where(OutboundMail.status == MailStatus.BLOCKED)
        ).all()
        assert len(refused) == 3
        assert all("who is not the" in mail.reason for mail in refused)
        assert "the account's owner" in refused[-1].reason
        blocked_events = select(func.count()).where(AuditEvent.action == "mail.blocked")
        assert db.session.scalar(blocked_events) == 3
        sender.send_due()
    assert {mail["To"] for mail in smtp_server.received} == {REPORTER}


@pytest.mark.p2
def test_a_reply_quoting_an_internal_note_is_not_posted_and_the_refusal_is_kept(
    app, reported_tickets, smtp_server
):
    with app.app_context():
        ticket = db.session.get(Ticket, reported_tickets[0])
        reply = f"Update: {NOTE.lower()} Thank you for your patience."
        with pytest.raises(MailBlocked) as blocked:
            tickets.post_reply(_agent(), ticket, reply)
        db.session.rollback()
        outbox.record_blocked(blocked.value, _agent())
        db.session.commit()

        assert str(blocked.value) == "It contains text from an internal note."
        thread = reporter_view.public_thread(db.session.get(Ticket, reported_tickets[0]))
        assert [m.kind for m in thread] == [MessageKind.REPORTER]
        kept = db.session.scalar(
            select(OutboundMail).where(OutboundMail.status == MailStatus.BLOCKED)
        )
        assert (kept.kind, kept.ticket_id, kept.reason) == (
            MailKind.AGENT_REPLY,
            reported_tickets[0],
            "It contains text from an internal note.",
        )
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mail.blocked"))
        assert (event.actor_id, event.ticket_id) == (_agent().id, reported_tickets[0])
        assert sender.send_due().sent == 2  # the two reports' acknowledgments, nothing more
    assert not any(
        folded("account suspended") in folded(everything_in(m)) for m in smtp_server.received
    )


# --- every disguise through the web form, the API and canned replies ------------------------

DISGUISED_REPLIES = {
    "line break": "We looked at quickpay\n_dev's messages.",
    "tab": "We looked at quickpay\t_dev's messages.",
    "backslash": "We looked at quickpay\\_dev's messages.",
    "url-encoded": "We looked at quickpay%5Fdev's messages.",
    "entity": "We looked at quickpay&#95;dev's messages.",
    "look-alike": "We looked at quickp\u0430y_dev's messages.",  # a Cyrillic a
    "spaced": "We looked at q u i c k p a y _ d e v.",
    "words": "We looked at what Quick Pay Dev wrote.",
    "profile link": "See www.marketplace.example/freelancers/~QuickPay_Dev/ please.",
    "account email": "We wrote to Zoe.Mueller@mail.example about it.",
    "account name": "Ms Strauß-Müller has been contacted.",
    "account name part": "We asked Müller to explain.",
    "account number": "Her account (member #{id}) is under review.",
    "outcome": "Thanks for your patience: the freelancer has been banned permanently.",
}


SAME_MEMBER_PROFILE = "https://marketplace.example/freelancers/~QuickPay_Dev/"


@pytest.fixture
def reported_member(app):
    """A report naming QuickPay_Dev, another naming their profile link, and their account
    here (its marketplace id is the username): the first report's reference and the
    account's id."""
    with app.app_context():
        reporter = make_user(email=REPORTER, display_name="Dana Whitfield")
        ticket = make_ticket(reporter=reporter, reported=USERNAME)
        make_ticket(reporter=make_user(), reported=SAME_MEMBER_PROFILE)
        zoe = make_user(email="zoe.mueller@mail.example", display_name="Zoë Strauß-Müller")
        zoe.marketplace_id = "quickpay_dev"
        db.session.commit()
        return ticket.reference, zoe.id


def _nothing_posted_or_queued(app, reference: str) -> None:
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert [m.kind for m in ticket.messages] == [MessageKind.REPORTER]
        replies = select(OutboundMail).where(OutboundMail.kind == MailKind.AGENT_REPLY)
        (blocked,) = db.session.scalars(replies).all()
        assert blocked.status is MailStatus.BLOCKED and blocked.reason
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mail.blocked"))
        assert event.ticket_id == ticket.id and event.changes["rules"]


@pytest.mark.p2
@pytest.mark.parametrize("disguise", sorted(DISGUISED_REPLIES))
def test_the_agent_reply_form_refuses_every_disguise(app, client, reported_member, disguise):
    reference, member_id = reported_member
    text = DISGUISED_REPLIES[disguise].format(id=member_id)
    with app.app_context():
        agent = make_user("agent", display_name="Priya Raman")
        db.session.commit()
        email = agent.email
    log_in(client, email)
    page = f"/agent/tickets/{reference}"
    version = re.search(r'name="version" value="(\d+)"', client.get(page).text).group(1)
    data = {"version": version, "kind": "reply", "body": text}
    response = submit(client, page, data, page=page)
    assert response.status_code == 422
    assert "Not sent: the privacy guard refused this reply." in response.text
    _nothing_posted_or_queued(app, reference)


@pytest.mark.p2
@pytest.mark.parametrize("disguise", sorted(DISGUISED_REPLIES))
def test_the_api_refuses_every_disguise(app, client, reported_member, disguise):
    reference, member_id = reported_member
    with app.app_context():
        _, secret = api_tokens.create_token(None, "Triage bot", ["tickets:read", "tickets:write"])
        db.session.commit()
    response = client.post(
        f"/api/v1/tickets/{reference}/replies",
        json={"body": DISGUISED_REPLIES[disguise].format(id=member_id)},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 422
    assert response.get_json()["title"] == "The privacy guard refused the reply"
    _nothing_posted_or_queued(app, reference)


def test_a_blocked_reply_carries_what_to_highlight_and_what_to_insert(app, reported_member):
    reference, _ = reported_member
    text = "Hi Dana, we suspended quickpay\u200b_dev's account yesterday."
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        with pytest.raises(MailBlocked) as raised:
            tickets.post_reply(make_user("agent"), ticket, text)
    blocked = raised.value
    assert [f.rule for f in blocked.refusal.findings] == ["identifier", "outcome"]
    assert [(s.start, s.end) for s in blocked.reply_spans] == [(0, 55), (22, 35)]
    assert [text[s.start : s.end] for s in blocked.reply_spans] == [
        text.rstrip("."),  # the sentence that states the outcome
        "quickpay\u200b_dev",  # the name inside it
    ]
    assert blocked.refusal.suggestion == "the member you reported"
    assert blocked.refusal.findings[1].suggestion.startswith("We have reviewed your report")


def test_an_account_linked_after_the_report_is_protected_too(app, reported_member):
    """The marketplace reports for the member later, under the username as their id: from
    then on their email and name are protected on the earlier report too."""
    reference, _ = reported_member
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        agent = make_user("agent")
        late = make_user(email="late.comer@mail.example", display_name="Late Comer")
        db.session.commit()
        reply = "We wrote to Late Comer yesterday."
        assert tickets.post_reply(agent, ticket, reply).body == reply
        db.session.rollback()
        late.marketplace_id = "QuickPay_Dev"
        db.session.commit()
        with pytest.raises(MailBlocked, match=r"the reported member \(Late Comer\)"):
            tickets.post_reply(agent, ticket, reply)


def test_the_reported_account_is_found_by_a_marketplace_id_that_is_the_reported_key(
    app, reported_member
):
    reference, member_id = reported_member
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        assert [u.id for u in outbox.reported_accounts(ticket)] == [member_id]
        staff = make_user("agent", email="agent.same.key@helpdesk.example")
        staff.marketplace_id = "@quickpay_dev"  # the same key, but staff
        linked = make_user(email="jd@mail.example", display_name="J D")
        linked.marketplace_id = "~QuickPay_Dev"  # as the profile link writes it
        db.session.flush()
        ids = sorted(u.id for u in outbox.reported_accounts(ticket))
        assert ids == sorted([member_id, linked.id])
        no_key = make_ticket(reported="")
        assert outbox.reported_accounts(no_key) == []


def test_a_canned_reply_that_discloses_an_outcome_is_refused_when_saved(app, client):
    with app.app_context():
        agent = make_user("agent")
        db.session.commit()
        email = agent.email
    log_in(client, email)
    body = "Hi {{ reporter_first_name }}, the member has been suspended. {{ agent_first_name }}"
    data = {"title": "Done", "body": body, "set_status": "", "set_priority": ""}
    response = submit(client, "/agent/canned-replies", data)
    assert response.status_code == 422
    assert "what happened or will happen to another member" in response.text
    assert "For privacy reasons we can" in response.text  # the neutral wording offered
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CannedReply)) == 0
    fine = {**data, "body": "Hi {{ reporter_first_name }}, we are reviewing your report."}
    assert submit(client, "/agent/canned-replies", fine).status_code == 302


def test_a_canned_reply_naming_the_member_after_editing_is_refused_when_sent(app, reported_member):
    reference, _ = reported_member
    with app.app_context():
        admin = make_user("admin")
        canned = canned_replies.save(
            admin, canned_replies.CannedReplyInput("Thanks", "Thanks {{ reporter_first_name }}.")
        )
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
        with pytest.raises(MailBlocked, match="the reported member"):
            canned_replies.apply(admin, ticket, canned, "Thanks Dana, about Quick Pay Dev: ok.")
