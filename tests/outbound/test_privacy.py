"""P4: the privacy guard. What a reporter's mailbox receives names nobody else, carries no
internal note, and goes to the reporter alone; the guard sees through case, spacing and
Unicode disguises."""

import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from helpdesk import canned_replies, password_reset, reporter_view, seed, tickets
from helpdesk.database import db
from helpdesk.errors import MailBlocked
from helpdesk.mail import addresses, outbox, sender
from helpdesk.mail.privacy import Draft, Protected, check_outbound, normalise
from helpdesk.models import (
    AuditEvent,
    MailKind,
    MailStatus,
    Message,
    MessageKind,
    OutboundMail,
    Ticket,
    User,
)

from ..factories import make_ticket, make_user
from .mailserver import MailServer, everything_in, folded

pytestmark = pytest.mark.p4  # every test here guards the privacy guard

USERNAME = "QuickPay_Dev"
PROFILE_URL = "https://marketplace.example/freelancers/~jane.doe-design"
CONTEXT_URL = "https://marketplace.example/workrooms/48213"
NOTE = "Linked to three earlier reports; account suspended pending the payments review."
REPORTER = "dana@example.org"

# A reported party who also has an account here: every way of naming them.
KNOWN = Protected(
    owner=REPORTER,
    identifiers=(USERNAME, PROFILE_URL, "zoe.mueller@mail.example", "Zoë Strauß-Müller"),
    member_ids=(4242,),
    notes=(NOTE,),
    own_domains=frozenset({"helpdesk.example"}),
)
SAFE_TEXT = (
    "thank you for your report we reviewed it and will look into what happened "
    "please add screenshots if you have them the team answers within 24 hours"
)
SAFE_WORDS = SAFE_TEXT.split()


def _check(text: str, *, to: str = REPORTER, html: str | None = None) -> str | None:
    """The guard's reason for refusing `text`, or None."""
    refusal = check_outbound(Draft(to, "About your report HD-7K3QX9MB", text, html), KNOWN)
    return str(refusal) if refusal else None


# --- the guard, as a pure function ---------------------------------------------------------


def test_normalise_folds_case_width_accents_spacing_and_invisible_characters():
    assert (
        normalise("  ＱｕｉｃｋＰａｙ\u200b_Dev\u00a0\u00a0and\n\tZoe\u0308 ")
        == "quickpay_dev and\nzoe"
    )


@pytest.mark.parametrize(
    "text",
    [
        "We looked at quickpay_dev's profile.",
        "See marketplace.example/freelancers/~jane.doe-design for details.",
        f"See {PROFILE_URL}",
        "Write to Zoë Strauß-Müller directly.",
        "Her address is ZOE.MUELLER@MAIL.EXAMPLE.",
        "The account (member #4242) is under review.",
        "Profile: https://marketplace.example/users/4242",
        "Account suspended pending the payments review.",
        "We saw: linked to three earlier reports; account suspended.",
        "Contact billing@payments.example about it.",
    ],
)
@pytest.mark.p2
def test_the_guard_refuses_what_names_the_reported_party_or_leaks(text):
    assert _check(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Thank you. We answer within 4242 minutes at most, and 24 hours usually.",
        "Your address dana@example.org is the one we write to.",
        "Write to support@helpdesk.example if the form does not work.",
        "Your account is fine; we are reviewing the report.",
        "quickpay_devs is another name entirely.",
    ],
)
def test_the_guard_lets_ordinary_replies_through(text):
    assert _check(text) is None


def test_the_guard_reads_the_html_part_too():
    assert _check("Thank you.", html="<p>About quick&#112;ay_dev&#39;s profile</p>") is not None


def test_the_guard_refuses_any_recipient_but_the_owner():
    assert _check("Thank you.", to="DANA@Example.org") is None
    for stranger in ("zoe.mueller@mail.example", "someone@example.org"):
        assert "who is not the ticket's reporter" in _check("Thank you.", to=stranger)


def test_a_short_note_is_only_matched_when_it_says_something():
    protected = Protected(owner=REPORTER, notes=("ok", "Escalated to legal"))
    draft = Draft(REPORTER, "s", "OK, thanks. We escalated to legal.")
    assert check_outbound(draft, protected).rule == "note"
    assert check_outbound(Draft(REPORTER, "s", "OK, thanks."), protected) is None


# --- disguises (hypothesis) -----------------------------------------------------------------

INVISIBLE = ["", "", "", "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"]
WHITESPACE = [" ", "  ", "\t", "\n", " \n ", "\u00a0", "\u2003", "\u3000"]
SEPARATORS = [" ", "\n", " (", ") ", ", ", ": ", " '", "' ", ' "', " @", " <", "> "]


def _restyle(ch: str, style: str) -> str:
    """One character in another Unicode form that NFKC maps back to it."""
    if style == "fullwidth" and "!" <= ch <= "~":
        return chr(ord(ch) + 0xFEE0)
    if style == "bold" and ch.isascii() and ch.isalpha():
        start = 0x1D400 if ch.isupper() else 0x1D41A
        return chr(start + ord(ch.lower()) - ord("a"))
    if style == "bold" and ch.isascii() and ch.isdigit():
        return chr(0x1D7CE + int(ch))
    if style == "decomposed":
        return unicodedata.normalize("NFD", ch)
    return ch


@st.composite
def disguised(draw, identifier: str) -> str:
    """The identifier in mixed case, other spacing and other Unicode forms."""
    out = []
    for ch in identifier:
        if ch.isspace():
            out.append(draw(st.sampled_from(WHITESPACE)))
            continue
        ch = draw(st.sampled_from([ch, ch.upper(), ch.lower()]))
        style = draw(st.sampled_from(["plain", "plain", "fullwidth", "bold", "decomposed"]))
        out.append("".join(_restyle(c, style) for c in ch) + draw(st.sampled_from(INVISIBLE)))
    return "".join(out)


@st.composite
def reply_hiding(draw, identifier: str) -> str:
    """An agent's reply with the disguised identifier somewhere among ordinary words."""
    before = draw(st.lists(st.sampled_from(SAFE_WORDS), max_size=12))
    after = draw(st.lists(st.sampled_from(SAFE_WORDS), max_size=12))
    return (
        " ".join(before)
        + draw(st.sampled_from(SEPARATORS))
        + draw(disguised(identifier))
        + draw(st.sampled_from(SEPARATORS))
        + " ".join(after)
    )


MEMBER_ID_FORMS = ["member #4242", "ID: 4242", "user/4242", "account 4242"]
ALL_IDENTIFIERS = st.sampled_from(KNOWN.identifiers + tuple(MEMBER_ID_FORMS))
QUIET = {"deadline": None, "database": None}


@settings(max_examples=200, **QUIET)
@given(st.data())
def test_every_disguise_of_a_known_identifier_is_refused(data):
    text = data.draw(reply_hiding(data.draw(ALL_IDENTIFIERS)))
    assert "the reported member" in _check(text)


@settings(max_examples=100, **QUIET)
@given(st.lists(st.sampled_from(SAFE_WORDS), min_size=1, max_size=40))
def test_replies_made_of_ordinary_words_pass(words):
    assert _check(" ".join(words)) is None


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
        # Invitations go to new staff, never to a reporter; one is written to the reporter's
        # account here so that every kind is rendered with the reported party in the database.
        reporter = db.session.scalar(select(User).where(User.email == REPORTER))
        invite_url = addresses.external_url("auth.accept_invite", token="token")
        outbox.enqueue(MailKind.ACCOUNT_INVITE, user=reporter, actor=None, invite_url=invite_url)
        db.session.commit()
        kinds = db.session.scalars(select(OutboundMail.kind)).all()
        assert set(kinds) == set(MailKind)
        assert sender.send_due().sent == len(kinds) == 8
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
