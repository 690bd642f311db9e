"""Canned replies: shared (admins manage) and personal, rendered in a sandbox from a fixed
list of placeholders that holds no reported-party data (P4's first wall)."""

from dataclasses import dataclass

from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import or_, select

from . import audit, tickets, workflow
from .database import db
from .errors import InvalidInput, NotAllowed
from .mail import privacy
from .models import CannedReply, Message, Priority, Status, Ticket, User
from .permissions import Permission, allows, require
from .reporter_view import TEAM_NAME, first_name, public_facts

TITLE_LENGTH = 120
BODY_LENGTH = 10_000

# The only names a canned reply can use, with what each stands for.
PLACEHOLDERS = {
    "reporter_first_name": "the reporter's first name",
    "reference": "the ticket's reference, e.g. HD-7K3QX9MB",
    "category": "the ticket's category name",
    "agent_first_name": "your first name",
    "team_name": f"“{TEAM_NAME}”",
}
SAMPLE_CONTEXT = {
    "reporter_first_name": "Dana",
    "reference": "HD-7K3QX9MB",
    "category": "Harassment or abusive language",
    "agent_first_name": "Priya",
    "team_name": TEAM_NAME,
}

# What a template can raise while it runs: the sandbox's SecurityError is a TemplateError, its
# range limit an OverflowError; arithmetic and lookups on the placeholders' values do the rest.
RENDER_ERRORS = (TemplateError, ArithmeticError, LookupError, TypeError, ValueError)
# Autoescape off: the result is plain text, escaped wherever it is shown as HTML.
_sandbox = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


@dataclass(frozen=True)
class CannedReplyInput:
    title: str
    body: str
    set_status: Status | None = None
    set_priority: Priority | None = None
    shared: bool = False


def context_for(ticket: Ticket, agent: User) -> dict[str, str]:
    """The placeholders' values: the reporter's own name and the ticket's public facts only,
    as the reporter view gives them to mail."""
    facts = public_facts(ticket)
    return {
        "reporter_first_name": facts["first_name"],
        "reference": facts["reference"],
        "category": facts["category"],
        "agent_first_name": first_name(agent.display_name),
        "team_name": facts["team_name"],
    }


def render(body: str, *, ticket: Ticket, agent: User) -> str:
    return _render(body, context_for(ticket, agent))


def preview(body: str) -> str:
    """The body filled in with sample values, or InvalidInput explaining what is wrong."""
    check_body(body)
    return _render(body, SAMPLE_CONTEXT)


def _render(body: str, context: dict[str, str]) -> str:
    try:
        return _sandbox.from_string(body).render(context)
    except RENDER_ERRORS as error:
        raise InvalidInput({"body": [f"This reply cannot be filled in: {error}"]}) from None


def check_body(body: str) -> None:
    """Refuse unknown placeholders, anything the sandbox will not run, and an outcome
    statement in the text filled in with sample values, at save time."""
    try:
        names = meta.find_undeclared_variables(_sandbox.parse(body))
    except TemplateError as error:
        raise InvalidInput(
            {"body": [f"The placeholders are not written correctly: {error}"]}
        ) from None
    if unknown := sorted(names - PLACEHOLDERS.keys()):
        known = ", ".join("{{ " + name + " }}" for name in PLACEHOLDERS)
        raise InvalidInput(
            {"body": [f"Unknown placeholder {', '.join(unknown)}. Use only: {known}."]}
        )
    _check_wording(_render(body, SAMPLE_CONTEXT))


def _check_wording(sample: str) -> None:
    """A canned reply is sent again and again: refuse one that states an outcome for another
    member's account (P2) when it is saved, with the privacy guard's reason and a neutral
    wording. Names cannot be checked yet: no placeholder holds one, and the guard checks each
    reply made from it when it is sent."""
    refusal = privacy.check_wording(sample)
    if refusal is not None:
        said = refusal.spans[0].text
        message = f"“{said}”: {refusal.reason} For example: “{refusal.suggestion}”"
        raise InvalidInput({"body": [message]})


def _check(data: CannedReplyInput) -> None:
    errors: dict[str, list[str]] = {}
    if not data.title.strip():
        errors["title"] = ["Enter a title."]
    elif len(data.title) > TITLE_LENGTH:
        errors["title"] = [f"Use at most {TITLE_LENGTH} characters."]
    if not data.body.strip():
        errors["body"] = ["Enter the reply's text."]
    elif len(data.body) > BODY_LENGTH:
        errors["body"] = [f"Use at most {BODY_LENGTH:,} characters."]
    else:
        try:
            check_body(data.body)
        except InvalidInput as invalid:
            errors.update(invalid.errors)
    if errors:
        raise InvalidInput(errors)


def _may_edit(actor: User, canned: CannedReply) -> bool:
    if canned.owner_id:
        return canned.owner_id == actor.id
    return allows(actor, Permission.MANAGE_SHARED_REPLIES)


def save(actor: User, data: CannedReplyInput, canned: CannedReply | None = None) -> CannedReply:
    """Create (canned=None) or update a canned reply. Only admins write shared ones."""
    require(actor, Permission.WORK_TICKETS)
    if data.shared:
        require(actor, Permission.MANAGE_SHARED_REPLIES)
    if canned is not None and not _may_edit(actor, canned):
        raise NotAllowed("You can only change your own canned replies.")
    _check(data)
    if canned is None:
        canned = CannedReply()
        db.session.add(canned)
    canned.title = data.title.strip()
    canned.body = data.body.strip()
    canned.set_status = data.set_status
    canned.set_priority = data.set_priority
    canned.owner = None if data.shared else actor
    db.session.flush()
    audit.record(
        actor, "canned_reply.saved", target=f"canned_reply:{canned.id}", title=canned.title
    )
    return canned


def delete(actor: User, canned: CannedReply) -> None:
    require(actor, Permission.WORK_TICKETS)
    if not _may_edit(actor, canned):
        raise NotAllowed("You can only delete your own canned replies.")
    audit.record(
        actor, "canned_reply.deleted", target=f"canned_reply:{canned.id}", title=canned.title
    )
    db.session.delete(canned)
    db.session.flush()


def available_to(agent: User, search: str = "") -> list[CannedReply]:
    """Shared replies and the agent's own, most used first; `search` filters title and text."""
    query = select(CannedReply).where(
        or_(CannedReply.owner_id.is_(None), CannedReply.owner_id == agent.id)
    )
    if words := search.strip():
        pattern = f"%{words.replace('%', '').replace('_', '')}%"
        query = query.where(or_(CannedReply.title.ilike(pattern), CannedReply.body.ilike(pattern)))
    query = query.order_by(CannedReply.usage_count.desc(), CannedReply.title)
    return list(db.session.scalars(query))


def usable(agent: User, canned_id: int | None) -> CannedReply | None:
    """The canned reply if this agent may use it."""
    canned = db.session.get(CannedReply, canned_id) if canned_id else None
    if canned is None or (canned.owner_id and canned.owner_id != agent.id):
        return None
    return canned


def apply(
    agent: User,
    ticket: Ticket,
    canned: CannedReply,
    body: str | None = None,
    *,
    version: int | None = None,
) -> Message:
    """Reply with a canned reply (the agent may have edited its text) and carry out its actions."""
    text = body if body is not None else render(canned.body, ticket=ticket, agent=agent)
    message = tickets.post_reply(agent, ticket, text, version=version)
    if canned.set_status and canned.set_status is not ticket.status:
        workflow.change_status(agent, ticket, canned.set_status)
    if canned.set_priority:
        tickets.set_priority(agent, ticket, canned.set_priority)
    record_use(agent, ticket, canned)
    return message


def record_use(agent: User, ticket: Ticket, canned: CannedReply) -> None:
    """Count a canned reply the agent inserted and sent. Its actions are not run here: the
    ticket form shows them as field changes, and what the agent sends is what changes."""
    canned.usage_count += 1
    audit.record(agent, "ticket.canned_reply_applied", ticket=ticket, canned_reply=canned.title)
    db.session.flush()
