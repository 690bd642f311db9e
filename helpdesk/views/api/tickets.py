"""The team's endpoints: list, read and change tickets, reply to reporters, add notes. Each
acts as the token's service user, so that the audit trail names it."""

from flask import Response

from ... import decisions, inbox, tickets
from ...categories import active_category_by_slug
from ...database import db
from ...models import Decision, Message, Source, Ticket
from ...tickets import TicketChanges
from . import (
    IF_MATCH,
    ApiProblem,
    acting_agent,
    attachments_out,
    if_match,
    json_body,
    json_response,
    operation,
    query_args,
    ticket_or_404,
)
from .schemas import (
    DecisionOut,
    MessageIn,
    Person,
    TicketDetail,
    TicketListQuery,
    TicketMessage,
    TicketPage,
    TicketPatch,
    TicketSummary,
)

# Where a response leads (OpenAPI links): the ticket it names, and the changes that take its
# ETag as If-Match.
WORK_ON_IT = {
    "read_it": {
        "operationId": "read_a_ticket",
        "parameters": {"reference": "$response.body#/reference"},
    },
    "change_it": {
        "operationId": "change_a_ticket",
        "parameters": {
            "reference": "$response.body#/reference",
            "If-Match": "$response.header.ETag",
        },
    },
    "reply": {
        "operationId": "reply_to_the_reporter",
        "parameters": {
            "reference": "$response.body#/reference",
            "If-Match": "$response.header.ETag",
        },
    },
    "add_a_note": {
        "operationId": "add_an_internal_note",
        "parameters": {"reference": "$response.body#/reference"},
    },
}

SUMMARY_COLUMNS = (
    "reference",
    "subject",
    "status",
    "priority",
    "source",
    "reported_member",
    "reported_profile_url",
    "context_url",
    "created_at",
    "last_activity_at",
    "first_response_at",
    "solved_at",
    "closed_at",
    "version",
)


def _summary_fields(ticket: Ticket) -> dict:
    return {name: getattr(ticket, name) for name in SUMMARY_COLUMNS} | {
        "category": ticket.category.slug,
        "reporter": ticket.reporter,
        "assignee": ticket.assignee,
    }


def _message_out(message: Message) -> TicketMessage:
    return TicketMessage(
        id=message.id,
        kind=message.kind,
        origin=message.origin,
        author=Person.model_validate(message.author) if message.author else None,
        body=message.body,
        created_at=message.created_at,
        attachments=attachments_out(message),
    )


def _decision_out(decision: Decision) -> DecisionOut:
    return DecisionOut(
        id=decision.id,
        policy=decision.policy.slug if decision.policy else None,
        action=decision.action.slug,
        action_name=decision.action.name,
        reason=decision.reason,
        agent=Person.model_validate(decision.agent),
        created_at=decision.created_at,
    )


def _ticket_response(ticket: Ticket, status: int = 200) -> Response:
    detail = TicketDetail.model_validate(
        _summary_fields(ticket)
        | {
            "linked_ticket": ticket.linked_ticket.reference if ticket.linked_ticket else None,
            "merged_into": ticket.merged_into.reference if ticket.merged_into else None,
            "answers": ticket.answers,
            "messages": [_message_out(message) for message in ticket.messages],
            "decisions": [_decision_out(decision) for decision in decisions.for_ticket(ticket)],
        }
    )
    return json_response(detail, status, {"ETag": f'"{ticket.version}"'})


@operation(
    "GET",
    "/tickets",
    "List tickets",
    scope="tickets:read",
    query=TicketListQuery,
    response=(200, TicketPage),
    links={
        "read_the_first": {
            "operationId": "read_a_ticket",
            "parameters": {"reference": "$response.body#/tickets/0/reference"},
        }
    },
)
def list_tickets():
    query = query_args(TicketListQuery)
    if query.cursor and not inbox.readable_cursor(query.cursor):
        problems = [{"field": "cursor", "detail": "Send next_cursor as a page gave it."}]
        raise ApiProblem(422, "Invalid input", "That is not a cursor of this list.", problems)
    category = active_category_by_slug(query.category) if query.category else None
    if query.category and category is None:
        problems = [{"field": "category", "detail": "There is no active category by that slug."}]
        raise ApiProblem(422, "Invalid input", "Unknown category.", problems)
    inbox_query = inbox.InboxQuery(
        view=query.view,
        category_id=category.id if category else None,
        priority=query.priority,
        search=query.q,
        sort=query.sort,
        after=query.cursor,
    )
    page = inbox.page(inbox_query, acting_agent(), size=query.limit)
    summaries = [TicketSummary.model_validate(_summary_fields(t)) for t in page.tickets]
    return json_response(TicketPage(tickets=summaries, next_cursor=page.next_cursor))


@operation(
    "GET",
    "/tickets/<reference>",
    "Read a ticket",
    scope="tickets:read",
    response=(200, TicketDetail),
    response_headers=("ETag",),
    errors=(404,),
    links=WORK_ON_IT,
)
def read_ticket(reference: str):
    acting_agent()
    return _ticket_response(ticket_or_404(reference))


@operation(
    "PATCH",
    "/tickets/<reference>",
    "Change a ticket",
    scope="tickets:write",
    body=TicketPatch,
    headers=[{**IF_MATCH, "required": True}],
    response=(200, TicketDetail),
    response_headers=("ETag",),
    errors=(400, 404, 409, 412, 415, 422, 428),
    links=WORK_ON_IT,
)
def change_ticket(reference: str):
    ticket = ticket_or_404(reference)
    patch = json_body(TicketPatch)  # a request without its body is that first, then stale
    version = if_match(required=True)
    tickets.update(acting_agent(), ticket, _changes(patch), version=version)
    db.session.commit()
    return _ticket_response(ticket)


def _changes(patch: TicketPatch) -> TicketChanges:
    """The fields the request sent, as the domain names them; the others are kept."""
    sent = patch.model_fields_set
    fields = {}
    if "category" in sent:
        fields["category"] = active_category_by_slug(patch.category)
    if "priority" in sent:
        fields["priority"] = patch.priority
    if "assignee" in sent:
        fields["assignee"] = tickets.assignee_by_id(patch.assignee)
    if "status" in sent:
        fields["status"] = patch.status
    return TicketChanges(**fields)


@operation(
    "POST",
    "/tickets/<reference>/replies",
    "Reply to the reporter",
    scope="tickets:write",
    body=MessageIn,
    headers=[{**IF_MATCH, "required": False}],
    response=(201, TicketDetail),
    response_headers=("ETag",),
    errors=(400, 404, 409, 412, 415, 422),
    links=WORK_ON_IT,
)
def reply(reference: str):
    ticket = ticket_or_404(reference)
    message = json_body(MessageIn)
    version = if_match(required=False)
    tickets.post_reply(acting_agent(), ticket, message.body, version=version, origin=Source.API)
    db.session.commit()
    return _ticket_response(ticket, 201)


@operation(
    "POST",
    "/tickets/<reference>/notes",
    "Add an internal note",
    scope="tickets:write",
    body=MessageIn,
    response=(201, TicketDetail),
    response_headers=("ETag",),
    errors=(400, 404, 415, 422),
    links=WORK_ON_IT,
)
def note(reference: str):
    ticket = ticket_or_404(reference)
    message = json_body(MessageIn)
    tickets.add_note(acting_agent(), ticket, message.body, origin=Source.API)
    db.session.commit()
    return _ticket_response(ticket, 201)
