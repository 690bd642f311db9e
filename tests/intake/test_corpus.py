"""The corpus through `flask --app wsgi mail ingest`: as a directory, an mbox, a Maildir and
standard input, every message must end with the outcome (and ticket, category, link) it should."""

import json
from collections.abc import Iterable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpdesk.database import db
from helpdesk.models import (
    InboundMail,
    MailKind,
    MailStatus,
    Message,
    MessageKind,
    OutboundMail,
    Status,
    Ticket,
)

from .conftest import INTAKE_SETTINGS
from .corpus import (
    ACK_TEXT,
    DECODED_NAMES,
    DECODED_SUBJECTS,
    DECODED_TEXTS,
    Expected,
    World,
    build_corpus,
    write_corpus,
    write_maildir,
    write_mbox,
)


@pytest.fixture
def app(app):
    app.config.update(INTAKE_SETTINGS)
    return app


def _ingest(runner, *arguments: str, **options) -> list[dict]:
    result = runner.invoke(args=["mail", "ingest", *arguments], **options)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def _check(app, expected: dict[str, Expected], lines: list[dict], world: World) -> None:
    """Each JSON line (in corpus order) against its message's expected outcome; every
    difference in one failure."""
    assert len(lines) == len(expected), [line["source"] for line in lines]
    problems, ticket_of = [], {}
    with app.app_context():
        for (name, wanted), line in zip(expected.items(), lines, strict=True):
            ticket_of[name] = line["ticket"]
            if problem := _problem(wanted, line, ticket_of):
                problems.append(f"{name}: {problem} (reason: {line['reason']})")
        problems += _bounce_problems(expected.values(), world)
    created = [line["ticket"] for line in lines if line["outcome"] == "created"]
    assert len(set(created)) == len(created), "two messages created the same ticket"
    assert not problems, "\n".join(problems)


def _problem(expected: Expected, line: dict, ticket_of: dict) -> str | None:
    outcome, reason, reference = line["outcome"], (line["reason"] or "").lower(), line["ticket"]
    if outcome != expected.outcome:
        return f"expected {expected.outcome}, got {outcome}"
    if expected.reason and not any(word in reason for word in expected.reason):
        return f"the reason names none of {expected.reason}"
    if expected.same_ticket_as is not None:
        wanted = ticket_of[expected.same_ticket_as]
        return None if reference == wanted else f"expected ticket {wanted}, got {reference}"
    if outcome == "appended" and reference != expected.ticket:
        return f"expected ticket {expected.ticket}, got {reference}"
    if outcome == "created":
        return _created_problem(expected, reference)
    if outcome in ("ignored", "quarantined") and reference is not None:
        return f"{outcome}, yet tied to {reference}"
    return None


def _created_problem(expected: Expected, reference: str) -> str | None:
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
    if ticket.category.slug != expected.category:
        return f"expected category {expected.category}, got {ticket.category.slug}"
    linked = ticket.linked_ticket.reference if ticket.linked_ticket else None
    if linked != expected.linked_to:
        return f"expected a link to {expected.linked_to}, got {linked}"
    return None


def _bounce_problems(expected: Iterable[Expected], world: World) -> list[str]:
    """Exactly the acknowledgments that a failure report returned are marked bounced."""
    bounced = {wanted.bounces for wanted in expected if wanted.bounces}
    problems = []
    for ticket in world.sent:
        status = db.session.scalar(
            select(OutboundMail.status).where(
                OutboundMail.email_message_id == ticket.ack_message_id
            )
        )
        wanted = MailStatus.BOUNCED if ticket.ack_message_id in bounced else MailStatus.SENT
        if status is not wanted:
            problems.append(f"the mail we sent to {ticket.reporter}: {status}, not {wanted}")
    return problems


def _only_reporters_in_threads(app) -> None:
    """P7 across the whole database: a thread holds its reporter's words and no one else's."""
    with app.app_context():
        strangers = db.session.scalars(
            select(Message)
            .join(Ticket, Message.ticket_id == Ticket.id)
            .where(Message.kind == MessageKind.REPORTER, Message.author_id != Ticket.reporter_id)
        ).all()
        assert strangers == []


@pytest.mark.p6
@pytest.mark.p7
def test_every_message_of_the_corpus_gets_its_outcome(app, runner, world, tmp_path):
    expected = write_corpus(tmp_path / "corpus", world)
    assert len(expected) >= 200

    before = _outbox_by_kind(app)
    lines = _ingest(runner, str(tmp_path / "corpus"))

    assert [Path(line["source"]).name for line in lines] == sorted(expected)
    _check(app, expected, lines, world)
    _only_reporters_in_threads(app)
    outcomes = [line["outcome"] for line in lines]
    # Automated mail, duplicates, loops and quarantine never get an acknowledgment.
    assert _outbox_by_kind(app) == {
        MailKind.REPORT_RECEIVED: before[MailKind.REPORT_RECEIVED] + outcomes.count("created"),
        MailKind.FOLLOWUP_RECEIVED: outcomes.count("appended"),
    }
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(InboundMail))
        assert stored == len(expected)  # every message kept, whatever became of it
        solved = db.session.scalar(select(Ticket).where(Ticket.reference == world.solved.reference))
        assert solved.status is Status.OPEN  # the reporter's answer reopened it


@pytest.mark.p6
@pytest.mark.p7
def test_several_processes_give_every_message_the_same_outcome(app, runner, world, tmp_path):
    expected = write_corpus(tmp_path / "corpus", world)

    lines = _ingest(runner, "--jobs", "3", str(tmp_path / "corpus"))

    in_corpus_order = sorted(lines, key=lambda line: Path(line["source"]).name)
    assert [Path(line["source"]).name for line in in_corpus_order] == sorted(expected)
    _check(app, {name: expected[name] for name in sorted(expected)}, in_corpus_order, world)
    _only_reporters_in_threads(app)
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(InboundMail))
        assert stored == len(expected)


def _outbox_by_kind(app) -> dict[MailKind, int]:
    with app.app_context():
        query = select(OutboundMail.kind, func.count()).group_by(OutboundMail.kind)
        return dict(db.session.execute(query).all())


def test_an_mbox_gets_the_same_outcomes(app, runner, world, tmp_path):
    mails = [mail for mail in build_corpus(world) if not mail.exact_size]
    write_mbox(tmp_path / "corpus.mbox", mails)

    lines = _ingest(runner, str(tmp_path / "corpus.mbox"))

    assert [line["source"] for line in lines] == [
        f"{tmp_path / 'corpus.mbox'}#{number}" for number in range(1, len(mails) + 1)
    ]
    _check(app, {mail.name: mail.expected for mail in mails}, lines, world)


def test_a_maildir_gets_the_same_outcomes(app, runner, world, tmp_path):
    mails = build_corpus(world)
    write_maildir(tmp_path / "Maildir", mails)

    lines = _ingest(runner, str(tmp_path / "Maildir"))

    assert all(line["source"].startswith(str(tmp_path / "Maildir")) for line in lines)
    _check(app, {mail.name: mail.expected for mail in mails}, lines, world)


def test_standard_input_takes_one_message_at_a_time(app, runner, world):
    mails = {mail.name.split("-", 1)[1]: mail for mail in build_corpus(world)}
    piped = [mails[name] for name in ("gmail.eml", "reply-token-gmail.eml", "precedence-bulk.eml")]

    lines = [_ingest(runner, "-", input=mail.raw)[0] for mail in piped]
    again = _ingest(runner, "-", input=piped[0].raw)[0]

    assert [line["source"] for line in lines] == ["-", "-", "-"]
    assert [line["outcome"] for line in lines] == ["created", "appended", "ignored"]
    assert lines[1]["ticket"] == world.open.reference
    assert again["outcome"] == "duplicate" and again["ticket"] == lines[0]["ticket"]


# --- what the tickets then show ----------------------------------------------------------------


# Attachment names as they must be stored, by the slug of the (first) file that carries them.
FILENAMES = {
    "rfc2231-filename": ["Vertrag März 2024 – final.pdf"],
    "rfc2231-continuations": ["契約書_最終版.pdf"],
    "rfc2231-language": ["résumé des faits.pdf"],
    "rfc2047-filename": ["Übersicht Zahlungen.xls"],
    "path-in-filename": ["evidence.png"],
    "same-name-twice": ["chat.txt", "chat.txt"],
    "winmail-dat": ["winmail.dat"],
    "apple-mail": ["Screenshot 2024-11-05 at 09.12.44.png"],  # named unquoted, with spaces
    "inline-image-related": ["image001.png"],
    "attachment-at-limit": ["attachment-at-limit.pdf"],
    "oversized-attachment": [],
}
EXAMINED = {
    "html-only",
    "forwarded-eml",
    "reply-trimmed-outlook",
    "reply-with-attachment",
    *DECODED_SUBJECTS,
    *DECODED_TEXTS,
    *DECODED_NAMES,
    *FILENAMES,
}


@pytest.fixture
def ingested(app, runner, world, tmp_path):
    """The first message of each examined slug, ingested: the JSON line by slug."""
    slugs = {}
    for mail in build_corpus(world):
        slugs.setdefault(mail.name[4:].removesuffix(".eml"), mail)
    for slug in EXAMINED:
        (tmp_path / slugs[slug].name).write_bytes(slugs[slug].raw)
    lines = _ingest(runner, str(tmp_path))
    return {Path(line["source"]).name[4:].removesuffix(".eml"): line for line in lines}


def _first_message(reference: str) -> Message:
    ticket = db.session.scalar(select(Ticket).where(Ticket.reference == reference))
    return ticket.messages[0]


def _thread_message(line: dict) -> Message:
    inbound = db.session.get(InboundMail, line["inbound_id"])
    return db.session.get(Message, inbound.thread_message_id)


def _ticket(line: dict) -> Ticket:
    return db.session.scalar(select(Ticket).where(Ticket.reference == line["ticket"]))


def test_text_subjects_and_names_arrive_readable(app, ingested):
    with app.app_context():
        html = _first_message(ingested["html-only"]["ticket"]).body
        assert "The freelancer kept messaging me at night" in html and "night_owl_dev" in html
        assert not any(tag in html for tag in ("<p>", "<td", "color:", "document.write"))
        for slug, subject in DECODED_SUBJECTS.items():
            assert _ticket(ingested[slug]).subject == subject, slug
        for slug, text in DECODED_TEXTS.items():
            assert text in _first_message(ingested[slug]["ticket"]).body, slug
        for slug, name in DECODED_NAMES.items():
            assert _ticket(ingested[slug]).reporter.display_name == name, slug


def _filenames(line: dict) -> list[str]:
    return sorted(file.filename for file in _first_message(line["ticket"]).attachments)


def test_attachments_are_kept_under_their_decoded_names(app, ingested):
    with app.app_context():
        assert {slug: _filenames(ingested[slug]) for slug in FILENAMES} == FILENAMES
        [forwarded] = _filenames(ingested["forwarded-eml"])
        assert forwarded.endswith(".eml")  # the evidence mail, whole
        oversized = _first_message(ingested["oversized-attachment"]["ticket"]).body
        assert "oversized-attachment.pdf" in oversized  # the note says what was left out


def test_a_reply_shows_without_the_history_it_quotes(app, ingested):
    with app.app_context():
        line = ingested["reply-trimmed-outlook"]
        body = _thread_message(line).body
        assert body.startswith("I found two more messages from him this morning.")
        assert ACK_TEXT not in body and "-----Original Message-----" not in body
        raw = db.session.get(InboundMail, line["inbound_id"]).raw
        assert b"-----Original Message-----" in raw  # agents can still open the original
        assert ACK_TEXT.encode() in raw

        files = _thread_message(ingested["reply-with-attachment"]).attachments
        assert [attachment.filename for attachment in files] == ["new-threat.png"]
