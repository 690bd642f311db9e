"""Ticket actions shared by the web forms, the API, the CLI and mail intake.

Each function takes the acting user, checks the rules, changes the models, records the audit
event and flushes. The caller commits once.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from sqlalchemy import select

from . import audit, direct_inserts, ticket_lookup, workflow
from .attachments import StoredFile, Upload, current_store
from .categories import checked_answers
from .database import db, utcnow
from .errors import (
    DuplicateSubmission,
    InvalidInput,
    NotAllowed,
    StaleTicket,
    StorageFull,
    SubmissionKeyReused,
    TicketClosed,
)
from .mail import outbox
from .models import (
    ApiToken,
    Attachment,
    AuditEvent,
    Category,
    MailKind,
    Message,
    MessageKind,
    Priority,
    Role,
    Source,
    Status,
    Ticket,
    User,
)
from .permissions import Permission, allows, require
from .reported import check_url, parse_reported_party
from .signing import new_reference

SUBJECT_LENGTH = (5, 200)
BODY_LENGTH = (10, 20_000)
FOLLOWUP_LENGTH = (1, 20_000)


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


def _store_uploads(uploads: Sequence[Upload], errors: dict[str, list[str]]):
    if not uploads:
        return []
    try:
        return current_store().store_all(list(uploads))
    except InvalidInput as invalid:
        if isinstance(invalid, StorageFull) and not errors:
            raise  # nothing wrong with the report itself: the same one can come again
        errors.update(invalid.errors)
        return []


def _new_message(ticket, author, kind, body, origin, stored_files) -> Message:
    """A message on `ticket`, not yet in the session: it enters with its ticket."""
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
    return message


def _add_message(ticket, author, kind, body, origin, stored_files) -> Message:
    message = _new_message(ticket, author, kind, body, origin, stored_files)
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
    fingerprint: str | None = None,
    follows_up: Ticket | None = None,
) -> Ticket:
    """A new report with its first message and evidence, or InvalidInput naming every problem.

    `uploads` are checked and stored here; `files` were stored already (mail intake keeps every
    attachment of a mail, whatever its type, as a download).

    `answers` answer the category's extra questions, by question key. None is for a channel
    that cannot ask them (mail): the ticket then records no answers, and nothing is required.

    A submission key seen before raises DuplicateSubmission with the first ticket's reference,
    so a double click or a retried request makes one ticket; with another `fingerprint` (what
    the submission held) than the first's, SubmissionKeyReused: that key names another report.
    """
    if submission_key:
        _check_resubmission(submission_key, fingerprint)
    subject, description, context_url = subject.strip(), description.strip(), context_url.strip()
    errors = _check_report(category, subject, description, reported, context_url)
    answered = checked_answers(category, answers, errors)
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
        reported_letters=party.letters,
        context_url=context_url or None,
        submission_key=submission_key,
        submission_fingerprint=fingerprint,
        linked_ticket=follows_up,
        answers=answered,
        messages=[],  # a loaded list: the report joins it, and the guard reads it without a query
    )
    report = _new_message(ticket, reporter, MessageKind.REPORTER, description, source, stored_files)
    report.email_message_id = outbox.new_message_id()  # the acknowledgment answers it: no UPDATE
    created = audit.event(
        reporter,
        "ticket.created",
        ticket=ticket,
        category=category.slug,
        source=source.value,
        attachments=len(stored_files),
        follows_up=follows_up.reference if follows_up else None,
    )
    _insert_with_fresh_reference(ticket, report, created)
    audit.log(created)
    outbox.enqueue(MailKind.REPORT_RECEIVED, ticket=ticket, actor=reporter)
    return ticket


def _insert_with_fresh_reference(
    ticket: Ticket, report: Message, created: AuditEvent, attempts: int = 5
) -> None:
    """Insert the ticket, its report with its evidence and its `created` event under a random
    reference, drawing again on the (rare) collision."""
    for _ in range(attempts):
        ticket.reference = new_reference()
        if direct_inserts.insert(ticket, report, *report.attachments, created, unless_taken=True):
            return
        if ticket.submission_key:  # the same key at the same moment
            _check_resubmission(ticket.submission_key, ticket.submission_fingerprint)
    raise RuntimeError("could not draw an unused ticket reference")


def _check_resubmission(submission_key: str, fingerprint: str | None) -> None:
    """Nothing when the key is new; else the first report again, or the refusal of a key
    reused for other content (a report made before fingerprints is taken as the same)."""
    first = ticket_lookup.submitted_before(submission_key)
    if first is None:
        return
    if fingerprint and first.submission_fingerprint not in (None, fingerprint):
        raise SubmissionKeyReused(
            f"This key was used for another report ({first.reference}): use a new key for "
            "a new report."
        )
    raise DuplicateSubmission(first.reference)


def add_followup(
    author: User,
    ticket: Ticket,
    body: str,
    uploads: Sequence[Upload] = (),
    origin=Source.WEB,
    files: Sequence[StoredFile] = (),
) -> Message:
    """The reporter adds information; a pending or solved ticket goes back to the team.

    `files` were stored already, as for open_ticket()."""
    if author.id != ticket.reporter_id:
        raise NotAllowed("Only the reporter can add information to their report.")
    if ticket.status is Status.CLOSED or ticket.merged_into_id is not None:
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
    message.email_message_id = outbox.new_message_id()  # the acknowledgment answers it: no UPDATE
    if ticket.status in workflow.REOPENED_BY_REPORTER:
        workflow.change_status(author, ticket, Status.OPEN)
    ticket.last_activity_at = utcnow()
    audit.record(author, "ticket.followup", ticket=ticket, attachments=len(stored_files))
    db.session.flush()
    outbox.enqueue(MailKind.FOLLOWUP_RECEIVED, ticket=ticket, message=message, actor=author)
    return message


def check_version(ticket: Ticket, version: int | None) -> None:
    """Refuse an action based on an older copy of the ticket, saying who changed what, when.

    None skips the check (the CLI and intake act on what they just read). Two requests that
    pass this check at once are still caught: the UPDATE carries the version too.
    """
    if version is None or version == ticket.version:
        return
    last = audit.last_ticket_event(ticket)
    change = audit.describe_change(last) if last else "changed it"
    raise StaleTicket(
        f"{ticket.reference} changed while you were working on it: {change}. "
        "Review the ticket and try again; your text is kept below."
    )


def _agent_may_change(actor: User, ticket: Ticket, version: int | None) -> None:
    require(actor, Permission.WORK_TICKETS)
    check_version(ticket, version)


def post_reply(
    actor: User,
    ticket: Ticket,
    body: str,
    *,
    version: int | None = None,
    origin: Source = Source.WEB,
) -> Message:
    """An agent's public reply: the reporter reads it in their thread."""
    _agent_may_change(actor, ticket, version)
    if ticket.status is Status.CLOSED:
        raise TicketClosed(f"{ticket.reference} is closed; it takes no more replies.")
    body = body.strip()
    if problem := _length_problem(body, FOLLOWUP_LENGTH, "The reply"):
        raise InvalidInput({"body": [problem]})
    message = _add_message(ticket, actor, MessageKind.REPLY, body, origin, [])
    now = utcnow()
    ticket.first_response_at = ticket.first_response_at or now
    ticket.last_activity_at = now
    audit.record(actor, "ticket.replied", ticket=ticket)
    db.session.flush()
    # Raises MailBlocked when the privacy guard refuses the mail: the caller rolls back, so the
    # reply is not posted, and keeps the refusal with outbox.record_blocked().
    outbox.enqueue(MailKind.AGENT_REPLY, ticket=ticket, message=message, actor=actor)
    return message


def add_note(actor: User, ticket: Ticket, body: str, origin: Source = Source.WEB) -> Message:
    """An internal note: agents only, never shown to the reporter nor mailed (P4)."""
    require(actor, Permission.WORK_TICKETS)
    body = body.strip()
    if problem := _length_problem(body, FOLLOWUP_LENGTH, "The note"):
        raise InvalidInput({"body": [problem]})
    # No last_activity_at: the reporter's list is sorted by it and must not hint at notes.
    message = _add_message(ticket, actor, MessageKind.NOTE, body, origin, [])
    audit.record(actor, "ticket.noted", ticket=ticket)
    db.session.flush()
    return message


def add_internal_mail(
    author: User, ticket: Ticket, body: str, files: Sequence[StoredFile] = ()
) -> Message:
    """Mail that belongs with a ticket whose reporter must not read it (the reporter of a
    ticket merged into this one, writing again): an internal note by its sender, for agents
    only, with no acknowledgment and no change the ticket's reporter could notice (P1, P2)."""
    message = _add_message(ticket, author, MessageKind.NOTE, body.strip(), Source.EMAIL, files)
    audit.record(author, "ticket.mail_noted", ticket=ticket)
    db.session.flush()
    return message


def record_event(ticket: Ticket, text: str) -> Message:
    """A line by the system on the thread, for agents only (what mail intake found)."""
    message = _add_message(ticket, None, MessageKind.EVENT, text, Source.EMAIL, [])
    db.session.flush()
    return message


# --- who works the ticket -----------------------------------------------------------------


def _service_users():
    """The users API tokens act as: they work tickets through the API but are never assigned."""
    return select(ApiToken.user_id).where(ApiToken.user_id.is_not(None))


def assignable_agents() -> list[User]:
    """People a ticket can be assigned to: active agents and admins, not API tokens' users."""
    query = select(User).where(
        User.role.in_((Role.AGENT, Role.ADMIN)), User.active, User.id.not_in(_service_users())
    )
    return list(db.session.scalars(query.order_by(User.display_name)))


def _may_be_assigned(user: User) -> bool:
    if not allows(user, Permission.WORK_TICKETS):
        return False
    return db.session.scalar(_service_users().where(ApiToken.user_id == user.id)) is None


def assignee_by_id(user_id: int | None) -> User | None:
    """The person an id names, for assign(); None (back to the queue) for no id."""
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None:
        raise InvalidInput({"assignee": ["There is no user with that id."]})
    return user


def assign(
    actor: User, ticket: Ticket, assignee: User | None, *, version: int | None = None
) -> None:
    """Give the ticket to an active agent, or back to the queue with None."""
    _agent_may_change(actor, ticket, version)
    if assignee is not None and not _may_be_assigned(assignee):
        raise InvalidInput({"assignee": [f"{assignee.display_name} cannot be assigned tickets."]})
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


def claim(actor: User, ticket: Ticket, *, version: int | None = None) -> None:
    """The agent takes the ticket; a new one becomes open, since someone is now on it."""
    assign(actor, ticket, actor, version=version)
    if ticket.status is Status.NEW:
        workflow.change_status(actor, ticket, Status.OPEN)


# --- the fields agents change ---------------------------------------------------------------


def set_priority(
    actor: User, ticket: Ticket, priority: Priority, *, version: int | None = None
) -> None:
    _agent_may_change(actor, ticket, version)
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


def set_status(actor: User, ticket: Ticket, to: Status, *, version: int | None = None) -> None:
    """An agent moves the ticket through the workflow."""
    _agent_may_change(actor, ticket, version)
    workflow.change_status(actor, ticket, to)


def set_category(
    actor: User, ticket: Ticket, category: Category | None, *, version: int | None = None
) -> None:
    _agent_may_change(actor, ticket, version)
    if category is None or not category.active:
        raise InvalidInput({"category": ["Choose an active category."]})
    if category is ticket.category:
        return
    audit.record(
        actor, "ticket.category_changed", ticket=ticket, old=ticket.category.slug, new=category.slug
    )
    ticket.category = category
    db.session.flush()


class Keep(Enum):
    KEEP = "keep"  # a field left as it is: None means something (no assignee)


KEEP = Keep.KEEP


@dataclass(frozen=True)
class TicketChanges:
    """The fields one request changes on a ticket; the rest stay KEEP."""

    category: Category | None | Keep = KEEP
    priority: Priority | Keep = KEEP
    assignee: User | None | Keep = KEEP
    status: Status | Keep = KEEP


def update(actor: User, ticket: Ticket, changes: TicketChanges, *, version: int | None) -> None:
    """Change several fields at once against one version: all of them, or (on a refusal, which
    the caller rolls back) none. Each field goes through its own function's rules."""
    _agent_may_change(actor, ticket, version)
    if changes.category is not KEEP:
        set_category(actor, ticket, changes.category)
    if changes.priority is not KEEP:
        set_priority(actor, ticket, changes.priority)
    if changes.assignee is not KEEP:
        assign(actor, ticket, changes.assignee)
    if changes.status is not KEEP:
        set_status(actor, ticket, changes.status)


@dataclass(frozen=True)
class Comment:
    """What an agent wrote on the ticket form: a public reply or an internal note."""

    body: str
    public: bool


def work(
    actor: User,
    ticket: Ticket,
    comment: Comment | None,
    changes: TicketChanges,
    *,
    version: int | None,
) -> Message | None:
    """The ticket form: a reply or a note, and field changes, against one version; all of it
    or (on a refusal, which the caller rolls back) none. The reply goes first, so a form that
    also closes a solved ticket still posts it; the fields then change through update()."""
    _agent_may_change(actor, ticket, version)
    if comment is None and changes == TicketChanges():
        raise InvalidInput({"body": ["Write a reply or a note, or change a field."]})
    message = None
    if comment is not None and comment.public:
        message = post_reply(actor, ticket, comment.body)
    elif comment is not None:
        message = add_note(actor, ticket, comment.body)
    update(actor, ticket, changes, version=None)
    return message


def merge_problem(duplicate: Ticket, survivor: Ticket) -> str | None:
    """Why the duplicate cannot be merged into the survivor, or None when it can."""
    if survivor.id == duplicate.id:
        return "A ticket cannot be merged into itself."
    if duplicate.merged_into is not None:
        return f"{duplicate.reference} was already merged into {duplicate.merged_into.reference}."
    if survivor.merged_into is not None:
        return (
            f"{survivor.reference} was itself merged into {survivor.merged_into.reference}: "
            "merge into that ticket instead."
        )
    for ticket in (duplicate, survivor):
        if ticket.status is Status.CLOSED:
            return f"{ticket.reference} is closed, and closed tickets cannot be merged."
    return None


def merge(
    actor: User,
    duplicate: Ticket,
    survivor: Ticket,
    *,
    version: int | None = None,
    survivor_version: int | None = None,
) -> bool:
    """Fold a duplicate report into another ticket: the duplicate is solved (its reporter sees
    it closed, reporter_view.MERGED_NOTE), with an event pointing at the survivor on both
    threads, and its messages and evidence are carried into the survivor, marked merged_from.
    Nothing is deleted. Another reporter's words become internal notes there: the survivor's
    reporter never reads them (P1). False when the duplicate was merged into the survivor
    already (the same form sent twice), changing nothing."""
    require(actor, Permission.WORK_TICKETS)
    if duplicate.merged_into_id is not None and duplicate.merged_into_id == survivor.id:
        return False
    if problem := merge_problem(duplicate, survivor):
        raise InvalidInput({"survivor": [problem]})
    check_version(duplicate, version)
    check_version(survivor, survivor_version)
    _touch(survivor)
    carried = _carry_messages(duplicate, survivor)
    if duplicate.status is not Status.SOLVED:
        workflow.change_status(actor, duplicate, Status.SOLVED)
    duplicate.merged_into = survivor
    _add_message(
        duplicate, actor, MessageKind.EVENT, f"Merged into {survivor.reference}.", Source.WEB, []
    )
    _add_message(
        survivor,
        actor,
        MessageKind.EVENT,
        f"{duplicate.reference} was merged into this ticket.",
        Source.WEB,
        [],
    )
    audit.record(actor, "ticket.merged", ticket=duplicate, into=survivor.reference)
    audit.record(
        actor,
        "ticket.merge_received",
        ticket=survivor,
        duplicate=duplicate.reference,
        messages=len(carried),
        internal=duplicate.reporter_id != survivor.reporter_id,
    )
    db.session.flush()
    return True


def _touch(ticket: Ticket) -> None:
    """Raise the ticket's version without changing what its reporter can see: a merge into
    it then conflicts with any change made to it meanwhile, and pages showing it go stale."""
    table = Ticket.__table__
    statement = (
        table.update()
        .where(table.c.id == ticket.id, table.c.version == ticket.version)
        .values(version=table.c.version + 1)
    )
    if db.session.execute(statement).rowcount != 1:
        raise StaleTicket(
            f"{ticket.reference} changed at the same moment. Review it and try again."
        )
    db.session.expire(ticket, ["version"])


def _carry_messages(duplicate: Ticket, survivor: Ticket) -> list[Message]:
    """A copy of each of the duplicate's messages (with its files) on the survivor, marked
    merged_from; what the survivor's reporter must not read (another reporter's words, replies
    to them) as internal notes. The duplicate keeps its own thread for its own reporter."""
    same_reporter = duplicate.reporter_id == survivor.reporter_id
    copies = []
    for message in list(duplicate.messages):
        kind = message.kind
        if message.is_public and not same_reporter:
            kind = MessageKind.NOTE
        copy = _add_message(
            survivor, message.author, kind, message.body, message.origin, message.attachments
        )
        copy.created_at = message.created_at
        copy.merged_from = duplicate
        copies.append(copy)
    return copies


def autoclose(older_than_days: int) -> list[str]:
    """Close solved tickets untouched for the given number of days; returns their references."""
    if older_than_days < 0:
        raise InvalidInput({"days": ["Give a number of days of 0 or more."]})
    cutoff = utcnow() - timedelta(days=older_than_days)
    query = select(Ticket).where(Ticket.status == Status.SOLVED, Ticket.solved_at <= cutoff)
    closed = []
    for ticket in db.session.scalars(query.order_by(Ticket.id)):
        workflow.change_status(None, ticket, Status.CLOSED)
        closed.append(ticket.reference)
    return closed
