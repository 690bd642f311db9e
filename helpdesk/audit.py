"""The audit trail: who changed what, recorded in the caller's transaction; and reading it back
for the admins: filters, keyset pages, CSV.

Pages run newest first on (created_at, id), continuing after a cursor rather than skipping an
OFFSET, so page 500 costs what page 1 costs and rows added meanwhile never shift a page.
"""

import csv
import io
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import selectinload

from .database import db
from .inbox import decode_cursor, encode_cursor
from .models import (
    ApiToken,
    Article,
    AuditEvent,
    CannedReply,
    Category,
    DecisionAction,
    MailAlias,
    Ticket,
    User,
)

logger = logging.getLogger(__name__)


def record(
    actor: User | None,
    action: str,
    *,
    ticket: Ticket | None = None,
    target: str | None = None,
    **changes: Any,
) -> AuditEvent:
    recorded = event(actor, action, ticket=ticket, target=target, **changes)
    db.session.add(recorded)
    log(recorded)
    return recorded


def event(
    actor: User | None,
    action: str,
    *,
    ticket: Ticket | None = None,
    target: str | None = None,
    **changes: Any,
) -> AuditEvent:
    """An event not yet in the session, for one that enters with its ticket; log() it once
    it is in."""
    return AuditEvent(actor=actor, action=action, ticket=ticket, target=target, changes=changes)


def log(recorded: AuditEvent) -> None:
    logger.info(
        "%s by %s on %s %s",
        recorded.action,
        recorded.actor.id if recorded.actor else "system",
        recorded.ticket.reference if recorded.ticket else recorded.target,
        recorded.changes,
    )


# --- reading the trail ----------------------------------------------------------------------

PAGE_SIZE = 50  # read at call time, so tests can patch it
CSV_BATCH = 500  # rows the CSV export reads per query
SYSTEM = "system"  # the actor filter's value for events without an actor
PREFIX_SUFFIX = ".*"  # "ticket.*" chooses every ticket.… action
CSV_HEADER = (
    "time (UTC)",
    "actor email",
    "actor name",
    "action",
    "ticket",
    "ticket subject",
    "target",
    "changes",
    "what happened",
)
# A spreadsheet reads a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditFilters:
    actor: int | str | None = None  # a user id, or SYSTEM
    actor_email: str = ""
    action: str = ""  # an exact action, or a prefix such as "ticket.*"
    since: date | None = None  # inclusive, UTC
    until: date | None = None  # inclusive, UTC


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    next_cursor: str | None


def _query(filters: AuditFilters) -> Select:
    query = select(AuditEvent)
    if filters.actor == SYSTEM:
        query = query.where(AuditEvent.actor_id.is_(None))
    elif isinstance(filters.actor, int):
        query = query.where(AuditEvent.actor_id == filters.actor)
    if filters.actor_email:
        query = query.join(User, AuditEvent.actor_id == User.id).where(
            User.email == filters.actor_email.strip().lower()
        )
    if filters.action.endswith(PREFIX_SUFFIX):
        prefix = filters.action.removesuffix("*")
        query = query.where(func.substr(AuditEvent.action, 1, len(prefix)) == prefix)
    elif filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since is not None:
        query = query.where(AuditEvent.created_at >= _midnight(filters.since))
    if filters.until is not None:
        query = query.where(AuditEvent.created_at < _midnight(filters.until + timedelta(days=1)))
    return query


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _newest_first(query: Select, after: list | None, limit: int) -> list[AuditEvent]:
    if after is not None:
        query = query.where(tuple_(AuditEvent.created_at, AuditEvent.id) < tuple(after))
    query = (
        query.options(selectinload(AuditEvent.actor), selectinload(AuditEvent.ticket))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def ticket_trail(ticket: Ticket) -> list[AuditEvent]:
    """Everything that happened to the ticket, newest first, with who did it."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.ticket_id == ticket.id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc())
    )
    return list(db.session.scalars(query))


def page(filters: AuditFilters, after: str | None = None, size: int | None = None) -> AuditPage:
    """One page of events, newest first, and the cursor of the next page (None on the last)."""
    size = size or PAGE_SIZE
    cursor = decode_cursor(after, 2) if after else None
    rows = _newest_first(_query(filters), cursor, size + 1)
    next_cursor = _cursor(rows[size - 1]) if len(rows) > size else None
    return AuditPage(events=rows[:size], next_cursor=next_cursor)


def _cursor(event: AuditEvent) -> str:
    return encode_cursor([event.created_at, event.id])


def actors() -> list[User]:
    """Everyone who appears as an actor, for the filter's select."""
    with_events = select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None)).distinct()
    return list(
        db.session.scalars(select(User).where(User.id.in_(with_events)).order_by(User.email))
    )


def action_choices() -> list[str]:
    """Each family ("ticket.*") followed by its actions, from the actions recorded so far."""
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    choices: list[str] = []
    for action in actions:
        family = action.split(".", 1)[0] + PREFIX_SUFFIX if "." in action else None
        if family and family not in choices:
            choices.append(family)
        choices.append(action)
    return choices


def compact_changes(changes: dict[str, Any] | None) -> str:
    """key=value pairs on one line: status=["new", "open"] assignee=12."""
    return " ".join(f"{key}={_plain(value)}" for key, value in (changes or {}).items())


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def neutralise(value: Any) -> str:
    """A cell a spreadsheet shows as text: a leading apostrophe before any formula start."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_rows(filters: AuditFilters) -> Iterator[list[str]]:
    """The header, then every matching event newest first, read in keyset batches."""
    yield list(CSV_HEADER)
    query, cursor = _query(filters), None
    while True:
        batch = _newest_first(query, cursor, CSV_BATCH)
        sentence = describer(batch)
        for event in batch:
            yield [neutralise(cell) for cell in [*_csv_cells(event), sentence(event)]]
        if len(batch) < CSV_BATCH:
            return
        cursor = [batch[-1].created_at, batch[-1].id]


def _csv_cells(event: AuditEvent) -> list[Any]:
    actor, ticket = event.actor, event.ticket
    return [
        event.created_at.isoformat(),
        actor.email if actor else "",
        actor.display_name if actor else "System",
        event.action,
        ticket.reference if ticket else "",
        ticket.subject if ticket else "",
        event.target or "",
        compact_changes(event.changes),
    ]


def csv_lines(filters: AuditFilters) -> Iterator[str]:
    """The export as lines of CSV text, streamed as they are read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in csv_rows(filters):
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def last_ticket_event(ticket: Ticket) -> AuditEvent | None:
    query = select(AuditEvent).where(AuditEvent.ticket_id == ticket.id)
    return db.session.scalar(query.order_by(AuditEvent.id.desc()).limit(1))


def describe_change(event: AuditEvent) -> str:
    """'Priya Raman changed the status from New to Open at 14:05 UTC', for people."""
    return f"{describe(event, names_for([event]))} at {event.created_at:%H:%M} UTC"


# --- events as sentences ------------------------------------------------------------------

# What a target's kind names, and the column that names one of them.
TARGET_NAMES = {
    "user": (User, "display_name"),
    "category": (Category, "name"),
    "api_token": (ApiToken, "name"),
    "article": (Article, "title"),
    "canned_reply": (CannedReply, "title"),
    "mail_alias": (MailAlias, "address"),
    "decision_action": (DecisionAction, "name"),
}
MAIL_KIND_WORDS = {
    "report_received": "an acknowledgment of a report",
    "followup_received": "an acknowledgment of a follow-up",
    "agent_reply": "a reply",
    "password_reset": "a password-reset mail",
    "account_invite": "an invitation",
    "registration": "a registration link",
    "registered_again": "a mail about a second registration",
}
SOURCE_WORDS = {"web": "through the web form", "email": "by mail", "api": "through the API"}


@dataclass(frozen=True)
class Names:
    """What the ids and slugs in a page of events name, read in one query per kind."""

    targets: dict[tuple[str, int], str]
    categories: dict[str, str]  # slug -> name

    def target(self, event: AuditEvent) -> str | None:
        kind, _, number = (event.target or "").partition(":")
        return self.targets.get((kind, int(number))) if number.isdigit() else None

    def user(self, user_id: Any) -> str | None:
        return self.targets.get(("user", user_id)) if isinstance(user_id, int) else None

    def category(self, slug: Any) -> str:
        return self.categories.get(slug, str(slug)) if slug else "none"


def names_for(events: list[AuditEvent]) -> Names:
    """The names of the users, categories and other targets the events mention."""
    wanted: dict[str, set[int]] = {}
    slugs: set[str] = set()
    for event in events:
        kind, _, number = (event.target or "").partition(":")
        if kind in TARGET_NAMES and number.isdigit():
            wanted.setdefault(kind, set()).add(int(number))
        changes = event.changes or {}
        if isinstance(changes.get("assignee_id"), int):
            wanted.setdefault("user", set()).add(changes["assignee_id"])
        for key in ("category", "slug", "old", "new", "policy"):
            if isinstance(changes.get(key), str):
                slugs.add(changes[key])
    targets = {}
    for kind, ids in wanted.items():
        model, column = TARGET_NAMES[kind]
        rows = db.session.execute(select(model.id, getattr(model, column)).where(model.id.in_(ids)))
        targets.update({(kind, id_): name for id_, name in rows})
    categories = {}
    if slugs:
        rows = db.session.execute(
            select(Category.slug, Category.name).where(Category.slug.in_(slugs))
        )
        categories = dict(rows.all())
    return Names(targets, categories)


def describer(events: list[AuditEvent], *, with_time: bool = False) -> Callable[[AuditEvent], str]:
    """describe() for a page of events, their names read once for the page."""
    names = names_for(events)
    if with_time:
        return lambda event: f"{describe(event, names)}, {event.created_at:%-d %b %Y, %H:%M} UTC"
    return lambda event: describe(event, names)


@dataclass(frozen=True)
class _Event:
    """What a sentence is made of: who acted, on whom or what, and the recorded changes."""

    who: str
    target: str
    changes: dict[str, Any]
    names: Names
    actor_id: int | None

    def get(self, key: str, default: Any = "") -> Any:
        value = self.changes.get(key)
        return default if value is None else value


def describe(event: AuditEvent, names: Names | None = None) -> str:
    """The event as a sentence with names: "Priya Raman assigned the ticket to Tomás Ortega",
    "The privacy guard blocked a reply to the reporter: …". `names` from names_for()."""
    names = names or names_for([event])
    who = event.actor.display_name if event.actor else "The system"
    target = names.target(event) or _target_words(event.target)
    facts = _Event(who, target, event.changes or {}, names, event.actor_id)
    sentence = SENTENCES.get(event.action)
    return sentence(facts) if sentence else f"{who}: {event.action.replace('_', ' ')}"


def _target_words(target: str | None) -> str:
    kind, _, number = (target or "").partition(":")
    return f"{kind.replace('_', ' ')} #{number}" if number else "someone"


def _label(value: Any) -> str:
    """A stored value (a status, a priority, a role) as people write it: on_hold -> On hold."""
    return str(value).replace("_", " ").capitalize() if value else "none"


def _quoted(value: Any) -> str:
    return f"“{value}”"


def _created(e: _Event) -> str:
    how = SOURCE_WORDS.get(e.get("source"), "")
    files = e.get("attachments", 0)
    evidence = f" with {files} file{'s' if files != 1 else ''}" if files else ""
    follows = f", following up {e.get('follows_up')}" if e.get("follows_up") else ""
    return f"{e.who} reported it {how}{evidence}{follows}".replace("  ", " ")


def _assigned(e: _Event) -> str:
    assignee_id = e.changes.get("assignee_id")
    if assignee_id is None:
        return f"{e.who} put the ticket back in the queue"
    if assignee_id == e.actor_id:
        return f"{e.who} took the ticket"
    name = e.names.user(assignee_id) or e.get("new", "someone")
    return f"{e.who} assigned the ticket to {name}"


def _changed(what: str, label=_label) -> Callable[[_Event], str]:
    return lambda e: (
        f"{e.who} changed the {what} from {label(e.get('old'))} to {label(e.get('new'))}"
    )


def _merge_received(e: _Event) -> str:
    carried = e.get("messages", 0)
    sentence = f"{e.who} merged {e.get('duplicate')} into this ticket"
    if carried:
        plural = "s" if carried != 1 else ""
        kept = " as internal notes" if e.changes.get("internal") else ""
        sentence += f", carrying over its {carried} message{plural}{kept}"
    return sentence


def _blocked(e: _Event) -> str:
    kind = MAIL_KIND_WORDS.get(e.get("kind"), "a mail")
    to = f"to {e.target}" if e.target != "someone" else "to the reporter"
    reason = f": {e.get('reason')}" if e.get("reason") else ""
    return f"The privacy guard blocked {kind} {to}{reason}"


def _user_created(e: _Event) -> str:
    if e.who == e.target:
        return f"{e.who} registered as a {_label(e.get('role')).lower()}"
    return f"{e.who} created the account of {e.target} as a {_label(e.get('role')).lower()}"


def _category_updated(e: _Event) -> str:
    fields = ", ".join(key.replace("_", " ") for key in e.changes) or "nothing"
    return f"{e.who} changed the category {e.target}: {fields}"


def _category_moved(e: _Event) -> str:
    old, new = (list(e.get("position", [])) + ["?", "?"])[:2]
    return f"{e.who} moved the category {e.target} from place {old} to place {new}"


def _decided(e: _Event) -> str:
    policy = e.changes.get("policy")
    found = f"a breach of {e.names.category(policy)}" if policy else "no violation"
    return f"{e.who} recorded a decision: {found}, action {_label(e.get('action_taken')).lower()}"


SENTENCES: dict[str, Callable[[_Event], str]] = {
    "ticket.created": _created,
    "ticket.followup": lambda e: f"{e.who} added information",
    "ticket.replied": lambda e: f"{e.who} replied to the reporter",
    "ticket.noted": lambda e: f"{e.who} added an internal note",
    "ticket.mail_noted": lambda e: f"{e.who} wrote by mail; it was kept as an internal note",
    "ticket.canned_reply_applied": (
        lambda e: f"{e.who} applied the canned reply {_quoted(e.get('canned_reply'))}"
    ),
    "ticket.status_changed": _changed("status"),
    "ticket.priority_changed": _changed("priority"),
    "ticket.category_changed": lambda e: (
        f"{e.who} changed the category from {e.names.category(e.get('old'))} "
        f"to {e.names.category(e.get('new'))}"
    ),
    "ticket.assigned": _assigned,
    "ticket.merged": lambda e: f"{e.who} merged the ticket into {e.get('into')}",
    "ticket.merge_received": _merge_received,
    "mail.blocked": _blocked,
    "mail.retried": lambda e: f"{e.who} released a held mail to be sent again",
    "user.created": _user_created,
    "user.invited": lambda e: (
        f"{e.who} {'invited again' if e.changes.get('resent') else 'invited'} "
        f"{e.get('display_name', e.target)} as {_label(e.get('role')).lower()}"
    ),
    "user.invite_accepted": lambda e: f"{e.who} accepted the invitation",
    "user.marketplace_linked": lambda e: (
        f"The marketplace linked {e.target}'s account to its member {e.get('marketplace_id')}"
    ),
    "user.role_changed": lambda e: (
        f"{e.who} changed {e.target}'s role from {_label(e.get('old')).lower()} "
        f"to {_label(e.get('new')).lower()}"
    ),
    "user.deactivated": lambda e: f"{e.who} deactivated {e.target}'s account",
    "user.reactivated": lambda e: f"{e.who} reactivated {e.target}'s account",
    "user.sessions_ended": lambda e: (
        f"{e.who} ended every session of {e.target} ({e.get('why', 'no reason given')})"
    ),
    "user.registration_requested": (
        lambda e: f"Someone asked to register with {e.target}'s address; a link was sent"
    ),
    "user.registered_again": lambda e: (
        f"Someone tried to register again with {e.target}'s address; its owner was told"
    ),
    "user.password_reset_requested": lambda e: f"A password reset was asked for {e.target}",
    "user.password_reset": lambda e: f"{e.who} chose a new password with a reset link",
    "api_token.created": lambda e: (
        f"{e.who} created the API token {_quoted(e.target)} "
        f"({', '.join(e.get('scopes', [])) or 'no scopes'})"
    ),
    "api_token.revoked": lambda e: f"{e.who} revoked the API token {_quoted(e.target)}",
    "article.created": lambda e: f"{e.who} wrote the article {_quoted(e.target)}",
    "article.edited": lambda e: f"{e.who} edited the article {_quoted(e.target)}",
    "article.published": lambda e: f"{e.who} published the article {_quoted(e.target)}",
    "article.unpublished": lambda e: f"{e.who} unpublished the article {_quoted(e.target)}",
    "canned_reply.saved": lambda e: f"{e.who} saved the canned reply {_quoted(e.get('title'))}",
    "canned_reply.deleted": (
        lambda e: f"{e.who} deleted the canned reply {_quoted(e.get('title'))}"
    ),
    "category.created": lambda e: f"{e.who} created the category {e.target}",
    "category.updated": _category_updated,
    "category.moved": _category_moved,
    "category.deactivated": lambda e: f"{e.who} deactivated the category {e.target}",
    "category.reactivated": lambda e: f"{e.who} reactivated the category {e.target}",
    "mail_alias.created": lambda e: (
        f"{e.who} made {e.get('address')} an address for {e.names.category(e.get('category'))}"
    ),
    "mail_alias.updated": lambda e: (
        f"{e.who} moved {e.get('address')} from {e.names.category(e.get('old'))} "
        f"to {e.names.category(e.get('new'))}"
    ),
    "mail_alias.deleted": lambda e: (
        f"{e.who} removed the address {e.get('address')} "
        f"(it was for {e.names.category(e.get('category'))})"
    ),
    "decision.recorded": _decided,
    "decision_action.created": lambda e: f"{e.who} added the decision action {e.target}",
    "decision_action.renamed": lambda e: f"{e.who} renamed the decision action {e.target}",
    "decision_action.moved": lambda e: f"{e.who} moved the decision action {e.target}",
    "decision_action.deactivated": (
        lambda e: f"{e.who} took the decision action {e.target} off the form"
    ),
    "decision_action.reactivated": (
        lambda e: f"{e.who} offered the decision action {e.target} again"
    ),
    "decision_action.deleted": (
        lambda e: f"{e.who} deleted the unused decision action {_label(e.get('slug'))}"
    ),
    "ticket.legal_hold_set": lambda e: f"{e.who} put the ticket on legal hold",
    "ticket.legal_hold_released": lambda e: f"{e.who} released the ticket's legal hold",
    "ticket.message_redacted": lambda e: f"{e.who} redacted text in a message",
    "ticket.attachment_redacted": lambda e: f"{e.who} redacted a file",
    "ticket.purged": lambda e: "The retention job purged what the ticket held about people",
    "mail.purged": lambda e: "The retention job purged an inbound mail past its period",
    "user.evidence_blur_changed": lambda e: (
        f"{e.who} chose to see evidence images {'blurred' if e.get('new') else 'unblurred'}"
    ),
    "user.data_downloaded": lambda e: f"{e.who} downloaded their own data",
    "user.deleted": lambda e: f"{e.who} deleted their account",
    "person.data_exported": (
        lambda e: f"{e.who} exported everything the desk holds about {e.target}"
    ),
}
