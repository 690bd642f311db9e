"""The JSON API under /api/v1, and its OpenAPI document at /api/openapi.json.

Thin like every view: check the token and its scope, validate with the schema, call the domain,
commit once, answer. Refusals are problem details (RFC 9457) with the right status.
"""

import hashlib
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Response, current_app, g, request
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from ... import accounts, api_tokens, inbox, tickets
from ...categories import active_categories, active_category_by_slug
from ...database import db
from ...errors import (
    DomainError,
    DuplicateSubmission,
    InvalidInput,
    MailBlocked,
    NotAllowed,
    StaleTicket,
    TicketClosed,
    TransitionRefused,
)
from ...extensions import csrf, limiter
from ...mail import outbox
from ...models import ApiToken, Message, MessageKind, Source, Ticket, User
from ...signing import parse_reference
from ...workflow import reporter_label
from ..error_pages import problem
from .schemas import (
    AttachmentOut,
    CategoryList,
    CategoryOut,
    MessageIn,
    Operation,
    Person,
    ReportIn,
    ReportMessage,
    ReportOut,
    ReportQuery,
    ReportUpload,
    TicketDetail,
    TicketListQuery,
    TicketMessage,
    TicketPage,
    TicketPatch,
    TicketSummary,
    openapi_document,
)

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)  # a bearer token, not a cookie, authenticates these requests
OPERATIONS: list[Operation] = []

IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "description": "The ticket's version, as its ETag gave it.",
    "schema": {"type": "string"},
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "A retried request with the same key returns the first result.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
# The domain's field names, as this API spells them.
REPORT_FIELDS = {
    "marketplace_id": "marketplace_member_id",
    "email": "member_email",
    "display_name": "member_name",
    "attachments": "evidence",
}


class ApiProblem(Exception):
    def __init__(self, status: int, title: str, detail: str, errors=(), headers=None):
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.headers = list(errors), headers or {}


# --- tokens, scopes and the rate limit ---------------------------------------------------------


def _current_token() -> ApiToken | None:
    """The request's valid token, looked up once per request."""
    if "api_token" not in g:
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        g.api_token = api_tokens.verify(secret.strip()) if scheme.lower() == "bearer" else None
    return g.api_token


def _rate_limit_key() -> str:
    """One bucket per token; requests without a valid token share their address's bucket."""
    token = _current_token()
    return f"api-token:{token.id}" if token else f"api-address:{request.remote_addr}"


limiter.limit(lambda: current_app.config["HELPDESK_API_RATE_LIMIT"], key_func=_rate_limit_key)(bp)


def _require_scope(scope: str | None) -> ApiToken:
    token = _current_token()
    if token is None:
        raise ApiProblem(
            401,
            "No valid API token",
            "Send an active token as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": 'Bearer realm="helpdesk"'},
        )
    if scope is not None and scope not in token.scopes:
        raise ApiProblem(403, "The token lacks the scope", f"This needs the {scope} scope.")
    return token


def _agent() -> User:
    """The service user a tickets:* token acts as, so that the audit trail names it."""
    user = _current_token().user
    if user is None or not user.active:
        raise ApiProblem(403, "The token acts for nobody", "This token has no active agent.")
    return user


def operation(method: str, rule: str, summary: str, *, scope: str | None, errors=(), **document):
    """Register a view under /api/v1 and describe it in the OpenAPI document."""
    errors = {*errors, 401, 403, 429} | ({422} if document.get("query") else set())
    path = "/v1" + rule.replace("<", "{").replace(">", "}")
    OPERATIONS.append(Operation(method, path, summary, scope, errors=tuple(errors), **document))

    def register(view: Callable) -> Callable:
        @wraps(view)
        def guarded(**kwargs):
            _require_scope(scope)
            return view(**kwargs)

        bp.add_url_rule("/v1" + rule, view_func=guarded, methods=[method])
        return guarded

    return register


# --- reading requests -------------------------------------------------------------------------


def _validated(model: type[BaseModel], data: bytes | dict) -> BaseModel:
    try:
        if isinstance(data, bytes):
            return model.model_validate_json(data)
        return model.model_validate(data)
    except ValidationError as invalid:
        problems = [
            {
                "field": ".".join(str(part) for part in error["loc"]) or "body",
                "detail": error["msg"],
            }
            for error in invalid.errors()
        ]
        # The body itself, not a field holding JSON (a multipart report's answers).
        if any(error["type"] == "json_invalid" and not error["loc"] for error in invalid.errors()):
            raise ApiProblem(400, "The body is not JSON", "Send a JSON object.", problems) from None
        raise ApiProblem(422, "Invalid input", "Some fields are invalid.", problems) from None


def _json_body(model: type[BaseModel]) -> BaseModel:
    if request.mimetype != "application/json":
        raise ApiProblem(415, "Unsupported media type", "Send application/json.")
    return _validated(model, request.get_data())


def _query(model: type[BaseModel]) -> BaseModel:
    return _validated(model, request.args.to_dict())


def _if_match(required: bool) -> int | None:
    """The version in If-Match; None for '*' or, when allowed, no header."""
    value = request.headers.get("If-Match")
    if value is None:
        if required:
            raise ApiProblem(428, "If-Match is required", "Send the ticket's ETag in If-Match.")
        return None
    value = value.strip().removeprefix("W/").strip('"')
    if value == "*":
        return None
    if not value.isdigit() or len(value) > 9:
        raise ApiProblem(412, "Precondition failed", "If-Match holds no version of this ticket.")
    return int(value)


def _invalid_input(invalid: InvalidInput, names: dict[str, str]) -> ApiProblem:
    problems = [
        {"field": names.get(field, field), "detail": message}
        for field, messages in invalid.errors.items()
        for message in messages
    ]
    return ApiProblem(422, "Invalid input", invalid.messages, problems)


# --- writing responses ------------------------------------------------------------------------


def _json(model: BaseModel, status: int = 200, headers: dict | None = None) -> Response:
    return Response(model.model_dump_json(), status, headers, mimetype="application/json")


def _attachments(message: Message) -> list[AttachmentOut]:
    return [AttachmentOut.model_validate(file) for file in message.attachments]


def _report_out(ticket: Ticket) -> ReportOut:
    """The reporter's view (P1, P2): coarse status and public thread, nothing about others."""
    return ReportOut(
        reference=ticket.reference,
        status=reporter_label(ticket.status),
        category=ticket.category.slug,
        category_name=ticket.category.name,
        subject=ticket.subject,
        created_at=ticket.created_at,
        messages=[
            ReportMessage(
                author="you" if message.kind is MessageKind.REPORTER else "team",
                body=message.body,
                created_at=message.created_at,
                attachments=_attachments(message),
            )
            for message in tickets.public_thread(ticket)
        ],
    )


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
        attachments=_attachments(message),
    )


def _ticket_response(ticket: Ticket, status: int = 200) -> Response:
    detail = TicketDetail.model_validate(
        _summary_fields(ticket)
        | {
            "linked_ticket": ticket.linked_ticket.reference if ticket.linked_ticket else None,
            "merged_into": ticket.merged_into.reference if ticket.merged_into else None,
            "answers": ticket.answers,
            "messages": [_message_out(message) for message in ticket.messages],
        }
    )
    return _json(detail, status, {"ETag": f'"{ticket.version}"'})


# --- errors -----------------------------------------------------------------------------------


@bp.errorhandler(ApiProblem)
def _api_problem(error: ApiProblem):
    return problem(error.status, error.title, error.detail, error.headers, errors=error.errors)


DOMAIN_STATUSES: list[tuple[type[DomainError], int, str]] = [
    (StaleTicket, 412, "The ticket changed since that version"),
    (TransitionRefused, 409, "The workflow refuses that change"),
    (TicketClosed, 409, "The ticket is closed"),
    (NotAllowed, 403, "Not allowed"),
    (DomainError, 422, "Refused"),
]


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    """Nothing of a refused request stays; a reply the privacy guard held is kept as blocked."""
    db.session.rollback()
    if isinstance(error, InvalidInput):
        return _api_problem(_invalid_input(error, {}))
    if isinstance(error, MailBlocked):
        outbox.record_blocked(error, _agent())
        db.session.commit()
        return problem(422, "The privacy guard refused the reply", error.reason)
    status, title = next((s, t) for kind, s, t in DOMAIN_STATUSES if isinstance(error, kind))
    return problem(status, title, str(error))


@bp.errorhandler(StaleDataError)
def _changed_meanwhile(error: StaleDataError):
    db.session.rollback()
    detail = "Another change to this ticket landed at the same moment. Read it and try again."
    return problem(409, "Changed at the same moment", detail)


# --- the document -----------------------------------------------------------------------------


@bp.get("/openapi.json")
@limiter.exempt
def openapi():
    return openapi_document(OPERATIONS, server_url="/api")


# --- reports: the marketplace, for its members --------------------------------------------------


@operation(
    "POST",
    "/reports",
    "Create a report",
    scope="reports:create",
    body=ReportIn,
    multipart=ReportUpload,
    headers=[IDEMPOTENCY_KEY],
    response=(201, ReportOut),
    response_headers=("Location",),
    errors=(400, 413, 415, 422),
)
def create_report():
    report, uploads = _report_input()
    submission_key = _submission_key()
    try:
        reporter = accounts.marketplace_member(
            report.marketplace_member_id, report.member_email, report.member_name
        )
        ticket = tickets.open_ticket(
            reporter,
            category=active_category_by_slug(report.category),
            subject=report.subject,
            description=report.description,
            reported=report.reported,
            context_url=report.context_url,
            uploads=uploads,
            answers=report.answers,
            source=Source.API,
            submission_key=submission_key,
        )
        db.session.commit()
        replayed = False
    except InvalidInput as invalid:
        db.session.rollback()
        raise _invalid_input(invalid, REPORT_FIELDS) from None
    except DuplicateSubmission as duplicate:
        db.session.rollback()
        ticket, replayed = _ticket_or_404(duplicate.reference), True
    headers = {"Location": f"/api/v1/reports/{ticket.reference}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return _json(_report_out(ticket), 201, headers)


def _report_input() -> tuple[ReportIn, list]:
    """The report from a JSON body, or from a multipart form with its evidence files."""
    if request.mimetype == "multipart/form-data":
        fields = request.form.to_dict()
        return _validated(ReportUpload, fields), request.files.getlist("evidence")
    return _json_body(ReportIn), []


def _submission_key() -> str | None:
    """The Idempotency-Key, made the token's own: the same key from another token is another."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= 255:
        problems = [{"field": "Idempotency-Key", "detail": "Use 1 to 255 characters."}]
        raise ApiProblem(422, "Invalid input", "The Idempotency-Key is invalid.", problems)
    return hashlib.sha256(f"{_current_token().id}:{key}".encode()).hexdigest()


@operation(
    "GET",
    "/reports/<reference>",
    "Read a report as its reporter",
    scope="reports:read",
    query=ReportQuery,
    response=(200, ReportOut),
    errors=(404,),
)
def read_report(reference: str):
    query = _query(ReportQuery)
    reporter = accounts.marketplace_member_or_none(query.member)
    reference = _reference_or_404(reference)
    ticket = tickets.reporter_ticket(reporter, reference) if reporter else None
    if ticket is None:  # someone else's report looks like no report at all
        raise ApiProblem(404, "Not found", f"{query.member} has no report {reference}.")
    return _json(_report_out(ticket))


@operation("GET", "/categories", "List the categories", scope=None, response=(200, CategoryList))
def categories():
    return _json(CategoryList([CategoryOut.model_validate(c) for c in active_categories()]))


# --- tickets: the team's tools ------------------------------------------------------------------


def _reference_or_404(reference: str) -> str:
    canonical = parse_reference(reference)
    if canonical is None:
        raise ApiProblem(404, "Not found", "That is not a ticket reference.")
    return canonical


def _ticket_or_404(reference: str) -> Ticket:
    reference = _reference_or_404(reference)
    query = (
        select(Ticket)
        .where(Ticket.reference == reference)
        .options(selectinload(Ticket.messages).selectinload(Message.attachments))
    )
    ticket = db.session.scalar(query)
    if ticket is None:
        raise ApiProblem(404, "Not found", f"There is no ticket {reference}.")
    return ticket


@operation(
    "GET",
    "/tickets",
    "List tickets",
    scope="tickets:read",
    query=TicketListQuery,
    response=(200, TicketPage),
)
def list_tickets():
    query = _query(TicketListQuery)
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
    page = inbox.page(inbox_query, _agent(), size=query.limit)
    summaries = [TicketSummary.model_validate(_summary_fields(t)) for t in page.tickets]
    return _json(TicketPage(tickets=summaries, next_cursor=page.next_cursor))


@operation(
    "GET",
    "/tickets/<reference>",
    "Read a ticket",
    scope="tickets:read",
    response=(200, TicketDetail),
    response_headers=("ETag",),
    errors=(404,),
)
def read_ticket(reference: str):
    _agent()
    return _ticket_response(_ticket_or_404(reference))


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
)
def change_ticket(reference: str):
    ticket = _ticket_or_404(reference)
    version = _if_match(required=True)
    patch = _json_body(TicketPatch)
    agent = _agent()
    tickets.check_version(ticket, version)
    _apply(ticket, patch, agent)
    db.session.commit()
    return _ticket_response(ticket)


def _apply(ticket: Ticket, patch: TicketPatch, agent: User) -> None:
    """Each change through its own domain function; the version was checked once, before."""
    changed = patch.model_fields_set
    if "category" in changed:
        tickets.set_category(ticket, active_category_by_slug(patch.category), agent)
    if "priority" in changed:
        tickets.set_priority(ticket, patch.priority, agent)
    if "assignee" in changed:
        _assign(ticket, patch.assignee, agent)
    if "status" in changed:
        tickets.set_status(ticket, patch.status, agent)


def _assign(ticket: Ticket, assignee_id: int | None, agent: User) -> None:
    assignee = db.session.get(User, assignee_id) if assignee_id is not None else None
    if assignee_id is not None and assignee is None:
        raise InvalidInput({"assignee": ["There is no user with that id."]})
    try:
        tickets.assign(ticket, assignee, agent)
    except NotAllowed as refused:
        raise InvalidInput({"assignee": [str(refused)]}) from None


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
)
def reply(reference: str):
    ticket = _ticket_or_404(reference)
    version = _if_match(required=False)
    message = _json_body(MessageIn)
    tickets.post_reply(ticket, _agent(), message.body, version=version, origin=Source.API)
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
)
def note(reference: str):
    ticket = _ticket_or_404(reference)
    message = _json_body(MessageIn)
    tickets.add_note(ticket, _agent(), message.body, origin=Source.API)
    db.session.commit()
    return _ticket_response(ticket, 201)
