"""Ticket actions shared by the web forms, the API, the CLI and mail intake.

Each function takes the acting user, checks the rules, changes the models, records the audit
event and flushes. The caller commits once.
"""

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from . import audit, workflow
from .attachments import StoredFile, Upload, current_store
from .categories import ANSWER_LENGTH, Question, QuestionKind
from .database import db, utcnow
from .errors import DuplicateSubmission, InvalidInput, NotAllowed, StaleTicket, TicketClosed
from .mail import outbox
from .models import (
    Attachment,
    AuditEvent,
    Category,
    MailKind,
    Message,
    MessageKind,
    Priority,
    Source,
    Status,
    Ticket,
    User,
)
from .reporter_view import public_thread  # noqa: F401  the API reads it here until merged
from .signing import new_reference, parse_reference

SUBJECT_LENGTH = (5, 200)
BODY_LENGTH = (10, 20_000)
FOLLOWUP_LENGTH = (1, 20_000)
URL_LENGTH = 500
USERNAME_PATTERN = re.compile(r"^@?[\w.\-]{2,64}$")


@dataclass(frozen=True)
class ReportedParty:
    member: str | None = None
    profile_url: str | None = None
    key: str | None = None  # the same for every way of naming the same member


def reported_key(name: str) -> str:
    """Case- and width-insensitive key for a marketplace username."""
    return unicodedata.normalize("NFKC", name.strip().lstrip("@~")).casefold()


def check_url(url: str) -> str | None:
    """Why a URL is unacceptable, or None when it is fine."""
    parts = urlsplit(url)
    if len(url) > URL_LENGTH:
        return f"Use at most {URL_LENGTH} characters."
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Enter a full web address starting with https://."
    if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in url):
        return "A web address cannot contain spaces."
    return None


# Path segments that come before a member's name in marketplace profile URLs.
PROFILE_PATH_PREFIXES = frozenset(
    {"freelancers", "freelancer", "clients", "client", "members", "member", "users", "u", "profile"}
)


def profile_username(url: str) -> str | None:
    """The member name in a profile URL (/freelancers/~jane_doe/portfolio, /@jane_doe), if any.

    A link to something else (a job posting, a contract) names no member: it gives no key.
    """
    segments = [segment for segment in urlsplit(url).path.split("/") if segment]
    for before, segment in zip([""] + segments, segments, strict=False):
        if before.lower() in PROFILE_PATH_PREFIXES or (segment.startswith("@") and not before):
            return segment
    return None


def parse_reported_party(text: str) -> ReportedParty:
    """A username or a profile URL, as the member typed it, plus the key linking the two."""
    text = text.strip()
    if not text:
        return ReportedParty()
    if text.lower().startswith(("http://", "https://")):
        if problem := check_url(text):
            raise InvalidInput({"reported": [problem]})
        username = profile_username(text)
        return ReportedParty(profile_url=text, key=reported_key(username) if username else None)
    if not USERNAME_PATTERN.match(text):
        raise InvalidInput(
            {"reported": ["Enter the member's username (letters, digits, . _ -) or profile URL."]}
        )
    return ReportedParty(member=text.lstrip("@"), key=reported_key(text))


def _length_problem(value: str, bounds: tuple[int, int], what: str) -> str | None:
    """Why a text is too short or too long; `what` is its name with "the" or "your"."""
    low, high = bounds
    if not value:
        return f"Enter {what.lower()}."
    if len(value) < low:
        return f"{what} needs at least {low} characters."
    if len(value) > high:
        return f"{what} can have at most {high:,} characters."
    return None


def _check_report(category, subject, description, reported, context_url) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if category is None or not category.active:
        errors["category"] = ["Choose what kind of violation you are reporting."]
    if problem := _length_problem(subject, SUBJECT_LENGTH, "The subject"):
        errors["subject"] = [problem]
    if problem := _length_problem(description, BODY_LENGTH, "The description"):
        errors["description"] = [problem]
    try:
        parse_reported_party(reported)
    except InvalidInput as invalid:
        errors.update(invalid.errors)
    if context_url and (problem := check_url(context_url)):
        errors["context_url"] = [problem]
    return errors


def _checked_answers(category, answers, errors) -> list[dict[str, str]]:
    """The answers to the category's questions as the ticket records them, with each question's
    label and kind as asked today; each problem goes into `errors` as "answers.<key>"."""
    if answers is None or category is None or not category.active:
        return []
    asked = {question["key"] for question in category.questions}
    for key in sorted(answers.keys() - asked):
        errors[f"answers.{key}"] = ["This category asks no such question."]
    recorded = []
    for question in category.questions:
        answer = answers.get(question["key"], "").strip()
        if problem := _answer_problem(question, answer):
            errors[f"answers.{question['key']}"] = [problem]
        elif answer:
            recorded.append(
                {
                    "key": question["key"],
                    "label": question["label"],
                    "kind": question["kind"],
                    "answer": answer,
                }
            )
    return recorded


def _answer_problem(question: Question, answer: str) -> str | None:
    if not answer:
        return "Answer this question." if question["required"] else None
    if question["kind"] == QuestionKind.URL:
        return check_url(answer)
    if question["kind"] == QuestionKind.CHOICE:
        return None if answer in question["options"] else "Choose one of the options."
    limit = ANSWER_LENGTH[question["kind"]]
    return f"Use at most {limit:,} characters." if len(answer) > limit else None


def _store_uploads(uploads: Sequence[Upload], errors: dict[str, list[str]]):
    if not uploads:
        return []
    try:
        return current_store().store_all(list(uploads))
    except InvalidInput as invalid:
        errors.update(invalid.errors)
        return []


def _add_message(ticket, author, kind, body, origin, stored_files) -> Message:
    message = Message(ticket=ticket, author=author, kind=kind, body=body, origin=origin)
    message.attachments = [
        Attachment(
            filename=file.filename,
            content_type=file.content_type,
            size=file.size,
            sha256=file.sha256,
        )
        for file in stored_files
    ]
    db.session.add(message)
    return message


def open_ticket(
    reporter: User,
    *,
    category: Category | None,
    subject: str,
    description: str,
    reported: str = "",
    context_url: str = "",
    uploads: Sequence[Upload] = (),
    files: Sequence[StoredFile] = (),
    answers: Mapping[str, str] | None = None,
    source: Source = Source.WEB,
    submission_key: str | None = None,
    follows_up: Ticket | None = None,
) -> Ticket:
    """A new report with its first message and evidence, or InvalidInput naming every problem.

    `uploads` are checked and stored here; `files` were stored already (mail intake keeps every
    attachment of a mail, whatever its type, as a download).

    `answers` answer the category's extra questions, by question key. None is for a channel
    that cannot ask them (mail): the ticket then records no answers, and nothing is required.

    A submission key seen before from the same reporter raises DuplicateSubmission with the
    first ticket's reference, so a double click or a retried request makes one ticket.
    """
    subject, description, context_url = subject.strip(), description.strip(), context_url.strip()
    errors = _check_report(category, subject, description, reported, context_url)
    answered = _checked_answers(category, answers, errors)
    stored_files = _store_uploads(uploads, errors) + list(files)
    if errors:
        raise InvalidInput(errors)
    party = parse_reported_party(reported)
    ticket = Ticket(
        reporter=reporter,
        category=category,
        subject=subject,
        priority=category.default_priority,
        source=source,
        reported_member=party.member,
        reported_profile_url=party.profile_url,
        reported_key=party.key,
        context_url=context_url or None,
        submission_key=submission_key,
        linked_ticket=follows_up,
        answers=answered,
    )
    _insert_with_fresh_reference(ticket)
    _add_message(ticket, reporter, MessageKind.REPORTER, description, source, stored_files)
    audit.record(
        reporter,
        "ticket.created",
        ticket=ticket,
        category=category.slug,
        source=source.value,
        attachments=len(stored_files),
        follows_up=follows_up.reference if follows_up else None,
    )
    db.session.flush()
    outbox.enqueue(MailKind.REPORT_RECEIVED, ticket=ticket, actor=reporter)
    return ticket


def _insert_with_fresh_reference(ticket: Ticket, attempts: int = 5) -> None:
    """Insert under a random reference, drawing again on the (rare) collision."""
    for _ in range(attempts):
        ticket.reference = new_reference()
        try:
            with db.session.begin_nested():
                db.session.add(ticket)
            return
        except IntegrityError:  # the savepoint's rollback has expunged the ticket again
            if ticket.submission_key and (first := _submitted_before(ticket)):
                raise DuplicateSubmission(first.reference) from None
            if not _reference_taken(ticket.reference):
                raise
    raise RuntimeError("could not draw an unused ticket reference")


def _reference_taken(reference: str) -> bool:
    return db.session.scalar(select(Ticket.id).where(Ticket.reference == reference)) is not None


def _submitted_before(ticket: Ticket) -> Ticket | None:
    query = select(Ticket).where(
        Ticket.reporter_id == ticket.reporter.id, Ticket.submission_key == ticket.submission_key
    )
    return db.session.scalar(query)


def add_followup(
    ticket: Ticket,
    author: User,
    body: str,
    uploads: Sequence[Upload] = (),
    origin=Source.WEB,
    files: Sequence[StoredFile] = (),
) -> Message:
    """The reporter adds information; a pending or solved ticket goes back to the team.

    `files` were stored already, as for open_ticket()."""
    if author.id != ticket.reporter_id:
        raise NotAllowed("Only the reporter can add information to their report.")
    if ticket.status is Status.CLOSED:
        raise TicketClosed(
            f"{ticket.reference} is closed. Send a new report that refers to it instead."
        )
    body = body.strip()
    errors: dict[str, list[str]] = {}
    if problem := _length_problem(body, FOLLOWUP_LENGTH, "Your message"):
        errors["body"] = [problem]
    stored_files = _store_uploads(uploads, errors) + list(files)
    if errors:
        raise InvalidInput(errors)
    message = _add_message(ticket, author, MessageKind.REPORTER, body, origin, stored_files)
    if ticket.status in workflow.REOPENED_BY_REPORTER:
        workflow.change_status(ticket, Status.OPEN, author)
    ticket.last_activity_at = utcnow()
    audit.record(author, "ticket.followup", ticket=ticket, attachments=len(stored_files))
    db.session.flush()
    outbox.enqueue(MailKind.FOLLOWUP_RECEIVED, ticket=ticket, message=message, actor=author)
    return message


def _require_agent(actor: User) -> None:
    if not actor.is_agent:
        raise NotAllowed("Only agents can do this.")


def check_version(ticket: Ticket, version: int | None) -> None:
    """Refuse an action based on an older copy of the ticket, saying who changed what, when.

    None skips the check (the CLI and intake act on what they just read). Two requests that
    pass this check at once are still caught: the UPDATE carries the version too.
    """
    if version is None or version == ticket.version:
        return
    last = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.ticket_id == ticket.id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    change = describe_change(last) if last else "changed it"
    raise StaleTicket(
        f"{ticket.reference} changed while you were working on it: {change}. "
        "Review the ticket and try again; your text is kept below."
    )


def describe_change(event: AuditEvent) -> str:
    """'Priya Raman changed the status from new to open at 14:05 UTC', for people."""
    who = event.actor.display_name if event.actor else "The system"
    what = ACTION_DESCRIPTIONS.get(
        event.action, event.action.replace("ticket.", "").replace("_", " ")
    )
    old, new = event.changes.get("old"), event.changes.get("new")
    detail = f" from {old} to {new}" if old is not None or new is not None else ""
    return f"{who} {what}{detail} at {event.created_at:%H:%M} UTC"


ACTION_DESCRIPTIONS = {
    "ticket.created": "sent the report",
    "ticket.noted": "added an internal note",
    "ticket.merge_received": "merged a duplicate into it",
    "ticket.canned_reply_applied": "applied a canned reply",
    "ticket.status_changed": "changed the status",
    "ticket.priority_changed": "changed the priority",
    "ticket.category_changed": "changed the category",
    "ticket.assigned": "changed the assignee",
    "ticket.replied": "replied",
    "ticket.followup": "added information",
    "ticket.merged": "merged it",
}


def post_reply(
    ticket: Ticket,
    agent: User,
    body: str,
    *,
    version: int | None = None,
    origin: Source = Source.WEB,
) -> Message:
    """An agent's public reply: the reporter reads it in their thread."""
    _agent_may_change(ticket, agent, version)
    if ticket.status is Status.CLOSED:
        raise TicketClosed(f"{ticket.reference} is closed; it takes no more replies.")
    body = body.strip()
    if problem := _length_problem(body, FOLLOWUP_LENGTH, "The reply"):
        raise InvalidInput({"body": [problem]})
    message = _add_message(ticket, agent, MessageKind.REPLY, body, origin, [])
    now = utcnow()
    ticket.first_response_at = ticket.first_response_at or now
    ticket.last_activity_at = now
    audit.record(agent, "ticket.replied", ticket=ticket)
    db.session.flush()
    # Raises MailBlocked when the privacy guard refuses the mail: the caller rolls back, so the
    # reply is not posted, and keeps the refusal with outbox.record_blocked().
    outbox.enqueue(MailKind.AGENT_REPLY, ticket=ticket, message=message, actor=agent)
    return message


def add_note(ticket: Ticket, agent: User, body: str, origin: Source = Source.WEB) -> Message:
    """An internal note: agents only, never shown to the reporter nor mailed (P4)."""
    _require_agent(agent)
    body = body.strip()
    if problem := _length_problem(body, FOLLOWUP_LENGTH, "The note"):
        raise InvalidInput({"body": [problem]})
    # No last_activity_at: the reporter's list is sorted by it and must not hint at notes.
    message = _add_message(ticket, agent, MessageKind.NOTE, body, origin, [])
    audit.record(agent, "ticket.noted", ticket=ticket)
    db.session.flush()
    return message


def assign(
    ticket: Ticket, assignee: User | None, actor: User, *, version: int | None = None
) -> None:
    """Give the ticket to an agent, or back to the queue with None."""
    _agent_may_change(ticket, actor, version)
    if assignee is not None and not assignee.is_agent:
        raise NotAllowed(f"{assignee.display_name} is not an agent.")
    if assignee is ticket.assignee:
        return
    previous = ticket.assignee
    ticket.assignee = assignee
    audit.record(
        actor,
        "ticket.assigned",
        ticket=ticket,
        old=previous.display_name if previous else "nobody",
        new=assignee.display_name if assignee else "nobody",
        assignee_id=assignee.id if assignee else None,
    )
    db.session.flush()


def set_priority(
    ticket: Ticket, priority: Priority, actor: User, *, version: int | None = None
) -> None:
    _agent_may_change(ticket, actor, version)
    if priority is ticket.priority:
        return
    audit.record(
        actor,
        "ticket.priority_changed",
        ticket=ticket,
        old=ticket.priority.value,
        new=priority.value,
    )
    ticket.priority = priority
    db.session.flush()


def reporter_tickets(reporter: User) -> list[Ticket]:
    """The member's own tickets, latest activity first."""
    query = (
        select(Ticket)
        .where(Ticket.reporter_id == reporter.id)
        .options(selectinload(Ticket.category))
        .order_by(Ticket.last_activity_at.desc(), Ticket.id.desc())
    )
    return list(db.session.scalars(query))


def reporter_ticket(reporter: User, reference: str) -> Ticket | None:
    """The ticket if this member reported it; None both when it is someone else's and missing."""
    reference = parse_reference(reference)
    if reference is None:
        return None
    query = select(Ticket).where(Ticket.reference == reference, Ticket.reporter_id == reporter.id)
    return db.session.scalar(query)


def _agent_may_change(ticket: Ticket, actor: User, version: int | None) -> None:
    _require_agent(actor)
    check_version(ticket, version)


def claim(ticket: Ticket, agent: User, *, version: int | None = None) -> None:
    """The agent takes the ticket; a new one becomes open, since someone is now on it."""
    assign(ticket, agent, agent, version=version)
    if ticket.status is Status.NEW:
        workflow.change_status(ticket, Status.OPEN, agent)


def set_status(ticket: Ticket, to: Status, agent: User, *, version: int | None = None) -> None:
    """An agent moves the ticket through the workflow."""
    _agent_may_change(ticket, agent, version)
    workflow.change_status(ticket, to, agent)


def set_category(
    ticket: Ticket, category: Category | None, agent: User, *, version: int | None = None
) -> None:
    _agent_may_change(ticket, agent, version)
    if category is None or not category.active:
        raise InvalidInput({"category": ["Choose an active category."]})
    if category is ticket.category:
        return
    audit.record(
        agent, "ticket.category_changed", ticket=ticket, old=ticket.category.slug, new=category.slug
    )
    ticket.category = category
    db.session.flush()


def merge(duplicate: Ticket, survivor: Ticket, agent: User, *, version: int | None = None) -> None:
    """Fold a duplicate report into another ticket: the duplicate is solved, with an event
    pointing at the survivor on both threads. Nothing is deleted."""
    _agent_may_change(duplicate, agent, version)
    if survivor.id == duplicate.id:
        raise InvalidInput({"survivor": ["A ticket cannot be merged into itself."]})
    if survivor.merged_into_id is not None:
        raise InvalidInput({"survivor": [f"{survivor.reference} was itself merged away."]})
    if Status.CLOSED in (duplicate.status, survivor.status):
        raise TicketClosed("Closed tickets cannot be merged.")
    if duplicate.status is not Status.SOLVED:
        workflow.change_status(duplicate, Status.SOLVED, agent)
    duplicate.merged_into = survivor
    _add_message(
        duplicate, agent, MessageKind.EVENT, f"Merged into {survivor.reference}.", Source.WEB, []
    )
    _add_message(
        survivor,
        agent,
        MessageKind.EVENT,
        f"{duplicate.reference} was merged into this ticket.",
        Source.WEB,
        [],
    )
    audit.record(agent, "ticket.merged", ticket=duplicate, into=survivor.reference)
    audit.record(agent, "ticket.merge_received", ticket=survivor, duplicate=duplicate.reference)
    db.session.flush()


def autoclose(older_than_days: int) -> list[str]:
    """Close solved tickets untouched for the given number of days; returns their references."""
    if older_than_days < 0:
        raise InvalidInput({"days": ["Give a number of days of 0 or more."]})
    cutoff = utcnow() - timedelta(days=older_than_days)
    query = select(Ticket).where(Ticket.status == Status.SOLVED, Ticket.solved_at <= cutoff)
    closed = []
    for ticket in db.session.scalars(query.order_by(Ticket.id)):
        workflow.change_status(ticket, Status.CLOSED, None)
        closed.append(ticket.reference)
    return closed


def other_reports(ticket: Ticket, limit: int = 20) -> list[Ticket]:
    """Other tickets about the same reported member, newest first: patterns for agents."""
    if not ticket.reported_key:
        return []
    query = (
        select(Ticket)
        .where(Ticket.reported_key == ticket.reported_key, Ticket.id != ticket.id)
        .options(selectinload(Ticket.category), selectinload(Ticket.reporter))
        .order_by(Ticket.created_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
