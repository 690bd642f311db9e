"""Retention through the command line: a workload of tickets in several categories (closed long
ago, recently, open, on legal hold; with evidence, mail that came in raw, outbox mail, search
index entries and decisions), then `flask retention run`, then a search of every table, the
raw mail and the evidence store for each personal string of the purged tickets."""

import io
from collections import Counter
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from helpdesk import decisions, intake, password_reset, retention, search, storage
from helpdesk.accounts import ANONYMISED_EMAIL
from helpdesk.categories import active_category_by_slug
from helpdesk.database import db, utcnow
from helpdesk.intake import Channel
from helpdesk.models import (
    Attachment,
    AuditEvent,
    Category,
    Decision,
    InboundMail,
    MailStatus,
    OutboundMail,
    Status,
    Ticket,
    User,
)

from .conftest import seeded_desk, submit
from .factories import make_ticket, make_user
from .personal_data import dump, in_blobs, places, stored_blobs
from .test_storage import _s3_settings, s3_endpoint  # noqa: F401 (a fixture)

PNG = b"\x89PNG\r\n\x1a\n" + b"evidence-of-%s" + b"\x00" * 64

# Distinctive words each ticket holds; the purged ones must vanish from everywhere.
PURGED = {
    "web": ["Quenzwort", "Zyxwvutbank", "malvolio-reported", "evidence-of-web"],
    "mail": ["Frumiousword", "Snickersnack", "evidence-of-mail", "Vorpalhtml"],
    "short": ["Jabberwockish", "borogove-reported"],
    "ignored": ["Outofofficeword", "carol.away@example.com"],
}
KEPT = {
    "held": ["Heldwordia", "evidence-of-held"],
    "recent": ["Recentwordia"],
    "open": ["Openwordia"],
}
MAIL_SENDER = "bob.frumious@example.net"


@pytest.fixture(params=storage.BACKENDS)
def app(request, database_url, tmp_path):
    """The desk on each storage backend: what retention purges must go from each."""
    settings = {"HELPDESK_STORAGE": request.param}
    if request.param == "s3":
        settings |= _s3_settings(request.getfixturevalue("s3_endpoint"))
    with seeded_desk(database_url, tmp_path, **settings) as app:
        yield app


def _png(label: str):
    return _Upload(f"{label}.png", io.BytesIO(PNG.replace(b"%s", label.encode())))


class _Upload:
    def __init__(self, filename, stream):
        self.filename, self.stream = filename, stream


def _close(ticket: Ticket, days_ago: int) -> None:
    ticket.status, ticket.closed_at = Status.CLOSED, utcnow() - timedelta(days=days_ago)
    ticket.solved_at = ticket.closed_at


def _auto_reply() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Carol Away <carol.away@example.com>"
    mail["To"] = "support@helpdesk.example"
    mail["Subject"] = "Out of office"
    mail["Auto-Submitted"] = "auto-replied"
    mail["Message-ID"] = "<retention-2@example.com>"
    mail.set_content("I am away. Outofofficeword.")
    return mail.as_bytes()


def _raw_mail() -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Bob Frumious <{MAIL_SENDER}>"
    mail["To"] = "support@helpdesk.example"
    mail["Subject"] = "Snickersnack took my money"
    mail["Message-ID"] = "<retention-1@example.net>"
    mail["Date"] = "Mon, 02 Feb 2026 10:00:00 +0000"
    mail.set_content("He asked for Frumiousword outside the platform, éé.", charset="iso-8859-1")
    mail.add_alternative("<p>He asked for <b>Vorpalhtml</b> outside.</p>", subtype="html")
    mail.add_attachment(
        PNG.replace(b"%s", b"mail"), maintype="image", subtype="png", filename="proof.png"
    )
    return mail.as_bytes()


@pytest.fixture
def workload(app):
    """References of each ticket by name; everything committed."""
    with app.app_context():
        agent = make_user("agent", display_name="Agnes Agent")
        short = db.session.scalar(select(Category).where(Category.slug == "fraud"))
        short.retention_days = 30
        web = make_ticket(
            make_user(display_name="Alicia Aldebrandt"),
            subject="Quenzwort keeps writing",
            description="He wants my Zyxwvutbank details.",
            reported="malvolio-reported",
            uploads=[_png("web")],
        )
        decisions.record(
            agent,
            web,
            policy=web.category,
            action=decisions.actions()[0],
            reason="Aldebrandt was right about malvolio-reported",
        )
        short_ticket = make_ticket(
            category="fraud",
            subject="Jabberwockish scheme",
            description="A scam with a fake invoice.",
            reported="borogove-reported",
        )
        held = make_ticket(subject="Heldwordia", uploads=[_png("held")])
        recent = make_ticket(subject="Recentwordia")
        opened = make_ticket(subject="Openwordia")
        make_user(email="resetme@example.org")
        db.session.commit()
        tickets = {
            "web": web.reference,
            "short": short_ticket.reference,
            "held": held.reference,
            "recent": recent.reference,
            "open": opened.reference,
        }
        agent_id = agent.id
    with app.app_context():
        tickets["mail"] = intake.receive(_raw_mail(), Channel.FILE, source="retention.eml").ticket
        ignored = intake.receive(_auto_reply(), Channel.FILE)
        assert ignored.ticket is None and ignored.outcome.value == "ignored"
        stray = db.session.get(InboundMail, ignored.inbound_id)
        stray.received_at = utcnow() - timedelta(days=400)
        reset = db.session.scalar(select(User).where(User.email == "resetme@example.org"))
        password_reset.request_reset(reset.email)
        for mail in db.session.scalars(
            select(OutboundMail).where(OutboundMail.user_id == reset.id)
        ):
            mail.status, mail.created_at = MailStatus.SENT, utcnow() - timedelta(days=400)
        db.session.commit()
    with app.app_context():
        by_name = {
            name: db.session.scalar(select(Ticket).where(Ticket.reference == reference))
            for name, reference in tickets.items()
        }
        for name, days in (("web", 400), ("mail", 400), ("short", 40), ("held", 900)):
            _close(by_name[name], days)
        _close(by_name["recent"], 10)
        retention.set_legal_hold(db.session.get(User, agent_id), by_name["held"], "Court order 12")
        db.session.commit()
    return tickets


def _counts() -> Counter:
    rows = db.session.execute(select(Ticket.category_id, Ticket.status, Ticket.created_at))
    return Counter((category, status, f"{created:%Y-%m}") for category, status, created in rows)


def _retention(runner, *args):
    result = runner.invoke(args=["retention", "run", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_retention_purges_what_is_due_and_nothing_else(app, runner, workload):
    with app.app_context():
        counts, before = _counts(), dump()
        if db.engine.dialect.name == "sqlite":  # the search index's own tables are searched too
            assert ("messages_fts_data", "block") in before
            assert "messages_fts_data" in {t for t, _ in places("Zyxwvutbank", before)}
        for words in (*PURGED.values(), *KEPT.values()):
            for word in words:
                assert places(word, before) or in_blobs(word.encode()), word

    output = _retention(runner, "--batch-size", "2")

    assert "5 tickets and mails purged." in output
    assert "purged inbound mail" in output and "purged account mail" in output
    for name in ("web", "mail", "short"):
        assert workload[name] in output
    with app.app_context():
        after = dump()
        for words in PURGED.values():
            for word in words:
                assert places(word, after) == [], word
                assert in_blobs(word.encode()) == [], word
        for words in KEPT.values():
            for word in words:
                assert places(word, after) or in_blobs(word.encode()), word
        # The reporters' identities now live only in their own accounts.
        assert set(places("Aldebrandt", after)) == {
            ("users", "display_name"),
            ("users", "name_key"),
        }
        assert {table for table, _ in places(MAIL_SENDER, after)} == {"users"}
        assert {table for table, _ in places("resetme@", after)} == {"users"}
        assert _counts() == counts
        for name in ("web", "mail", "short"):
            ticket = db.session.scalar(select(Ticket).where(Ticket.reference == workload[name]))
            assert ticket.purged_at is not None
            assert ticket.reporter.email == ANONYMISED_EMAIL
            assert ticket.status is Status.CLOSED and ticket.category_id is not None
            assert not db.session.scalar(
                select(Ticket.id).where(search.matching_tickets("Quenzwort"))
            )
        purges = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.purged"))
        assert len(purges.all()) == 3
        decision = db.session.scalar(select(Decision))
        assert decision.reason == "" and decision.action_id is not None
        for inbound in db.session.scalars(select(InboundMail)):
            assert inbound.raw == b"" and inbound.sender is None and inbound.subject is None
        mails = db.session.scalars(select(OutboundMail).where(OutboundMail.recipient == ""))
        assert all(mail.status is not MailStatus.QUEUED for mail in mails)
        files = db.session.scalars(select(Attachment)).all()
        assert [file.filename for file in files] == ["held.png"]


def test_a_run_that_dies_midway_loses_nothing_and_the_next_one_continues(
    app, runner, workload, monkeypatch
):
    purge, calls = retention.purge_ticket, []

    def dies_on_the_second(ticket):
        calls.append(ticket.reference)
        if len(calls) == 2:
            raise RuntimeError("the machine went away")
        return purge(ticket)

    monkeypatch.setattr(retention, "purge_ticket", dies_on_the_second)
    crashed = runner.invoke(args=["retention", "run", "--batch-size", "1"])
    monkeypatch.undo()

    assert crashed.exit_code != 0 and f"purged {calls[0]}" in crashed.output
    with app.app_context():
        purged = db.session.scalars(select(Ticket.reference).where(Ticket.purged_at.is_not(None)))
        assert purged.all() == [calls[0]]
    rerun = _retention(runner)
    assert calls[0] not in rerun and calls[1] in rerun
    with app.app_context():
        after = dump()
        for word in (w for words in PURGED.values() for w in words):
            assert places(word, after) == [], word


def test_a_rerun_changes_nothing(app, runner, workload):
    _retention(runner)
    with app.app_context():
        first, files = dump(), stored_blobs()

    assert "0 tickets and mails purged." in _retention(runner)

    with app.app_context():
        assert dump() == first and stored_blobs() == files


def test_dry_run_prints_what_would_go_and_changes_nothing(app, runner, workload):
    with app.app_context():
        before, files = dump(), stored_blobs()

    output = _retention(runner, "--dry-run")

    assert "5 tickets and mails would be purged." in output
    assert f"would purge {workload['web']}" in output and "1 files" in output
    assert f"would purge {workload['mail']}" in output and "1 inbound mails" in output
    assert workload["held"] not in output and workload["recent"] not in output
    with app.app_context():
        assert dump() == before and stored_blobs() == files


def test_a_purged_ticket_still_shows_to_agents_as_a_skeleton(
    app, client, login_as, runner, workload
):
    _retention(runner)
    login_as("agent")

    page = client.get(f"/agent/tickets/{workload['web']}")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Anonymised reporter" in text and retention.PURGED_BODY in text
    assert "Quenzwort" not in text


def test_a_released_hold_lets_the_ticket_go(app, runner, workload):
    with app.app_context():
        held = db.session.scalar(select(Ticket).where(Ticket.reference == workload["held"]))
        agent = make_user("agent")
        retention.release_legal_hold(agent, held, "Case closed")
        db.session.commit()

    assert workload["held"] in _retention(runner)


def test_agents_set_and_release_a_hold_on_the_ticket_page(app, client, login_as, workload):
    login_as("agent")
    page = f"/agent/tickets/{workload['recent']}"
    url = f"{page}/legal-hold"

    refused = submit(client, url, {"hold": "1", "reason": "  "}, page=page)
    held = submit(client, url, {"hold": "1", "reason": "Litigation hold 7"}, page=page)

    assert refused.status_code == held.status_code == 303
    shown = client.get(page).get_data(as_text=True)
    assert "Litigation hold 7" in shown and "Release the hold" in shown
    assert "put the ticket on legal hold" in shown  # the audit trail
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == workload["recent"]))
        assert ticket.legal_hold_reason == "Litigation hold 7"
        assert ticket.legal_hold_by.is_agent
        events = [e.action for e in db.session.scalars(select(AuditEvent))]
        assert "ticket.legal_hold_set" in events
    submit(client, url, {"hold": "0", "reason": "Settled"}, page=page)
    with app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.reference == workload["recent"]))
        assert ticket.legal_hold_at is None


def test_members_cannot_hold_tickets(app, client, login_as, workload):
    login_as("member")
    with app.app_context():
        token_page = "/account"
    response = submit(
        client,
        f"/agent/tickets/{workload['recent']}/legal-hold",
        {"hold": "1", "reason": "x"},
        page=token_page,
    )
    assert response.status_code == 403


def test_a_category_period_is_edited_on_its_form(app, client, login_as):
    login_as("admin")
    with app.app_context():
        category = active_category_by_slug("other")
        url = f"/admin/categories/{category.id}/edit"
        fields = {
            "name": category.name,
            "slug": category.slug,
            "description": category.description,
            "default_priority": "normal",
            "first_response_hours": "24",
        }

    refused = submit(client, url, fields | {"retention_days": "0"})
    saved = submit(client, url, fields | {"retention_days": "90"})

    assert refused.status_code == 422 and "days from 1" in refused.get_data(as_text=True)
    assert saved.status_code == 302
    with app.app_context():
        assert active_category_by_slug("other").retention_days == 90


def test_the_desk_wide_period_is_checked_when_the_app_starts():
    from helpdesk.config import ConfigError, parse_retention_days

    assert parse_retention_days("HELPDESK_RETENTION_DAYS", "30") == 30
    with pytest.raises(ConfigError):
        parse_retention_days("HELPDESK_RETENTION_DAYS", "0")
