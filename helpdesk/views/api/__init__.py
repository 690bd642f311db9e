"""The JSON API under /api/v1, and its OpenAPI document at /api/openapi.json: the blueprint,
tokens and scopes, reading requests, writing responses, errors. The endpoints are in
reports.py (the marketplace's), tickets.py (the team's) and figures.py (the desk's figures).

Thin like every view: check the token and its scope, validate with the schema, call the domain,
commit once, answer. Refusals are problem details (RFC 9457) with the right status.
"""

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Response, current_app, g, request
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm.exc import StaleDataError

from ... import api_tokens, ticket_lookup
from ...categories import active_categories
from ...database import db
from ...errors import (
    DomainError,
    InvalidInput,
    MailBlocked,
    NotAllowed,
    StaleTicket,
    StorageFull,
    TicketClosed,
    TransitionRefused,
)
from ...extensions import csrf, limiter
from ...mail import outbox
from ...models import ApiToken, Message, Ticket, User
from ...signing import parse_reference
from ..error_pages import problem
from .schemas import AttachmentOut, Operation, openapi_document

bp = Blueprint("api", __name__, url_prefix="/api")
STORAGE_RETRY_AFTER_SECONDS = 300  # a full store takes a person to clear
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


class ApiProblem(Exception):
    def __init__(self, status: int, title: str, detail: str, errors=(), headers=None):
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.headers = list(errors), headers or {}


# --- tokens, scopes and the rate limit ---------------------------------------------------------


def current_token() -> ApiToken | None:
    """The request's valid token, looked up once per request."""
    if "api_token" not in g:
        scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
        g.api_token = api_tokens.verify(secret.strip()) if scheme.lower() == "bearer" else None
    return g.api_token


def _rate_limit_key() -> str:
    """One bucket per token; requests without a valid token share their address's bucket."""
    token = current_token()
    return f"api-token:{token.id}" if token else f"api-address:{request.remote_addr}"


limiter.limit(lambda: current_app.config["HELPDESK_API_RATE_LIMIT"], key_func=_rate_limit_key)(bp)


def _require_scope(scope: str | None) -> ApiToken:
    token = current_token()
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


def acting_agent() -> User:
    """The service user a tickets:* token acts as, so that the audit trail names it."""
    user = current_token().user
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


def validated(model: type[BaseModel], data: bytes | dict) -> BaseModel:
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


def json_body(model: type[BaseModel]) -> BaseModel:
    if request.mimetype != "application/json":
        raise ApiProblem(415, "Unsupported media type", "Send application/json.")
    return validated(model, request.get_data())


def query_args(model: type[BaseModel]) -> BaseModel:
    return validated(model, request.args.to_dict())


def if_match(required: bool) -> int | None:
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


def invalid_input(invalid: InvalidInput, names: dict[str, str]) -> ApiProblem:
    problems = [
        {"field": names.get(field, field), "detail": message}
        for field, messages in invalid.errors.items()
        for message in messages
    ]
    return ApiProblem(422, "Invalid input", invalid.messages, problems)


# --- writing responses ------------------------------------------------------------------------


def json_response(model: BaseModel, status: int = 200, headers: dict | None = None) -> Response:
    return Response(model.model_dump_json(), status, headers, mimetype="application/json")


def attachments_out(message: Message) -> list[AttachmentOut]:
    return [AttachmentOut.model_validate(file) for file in message.attachments]


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
    if isinstance(error, StorageFull):  # the request was fine: the same one can come again
        headers = {"Retry-After": str(STORAGE_RETRY_AFTER_SECONDS)}
        return problem(507, "Insufficient Storage", error.messages, headers)
    if isinstance(error, InvalidInput):
        return _api_problem(invalid_input(error, {}))
    if isinstance(error, MailBlocked):
        outbox.record_blocked(error, acting_agent())
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
    return openapi_document(
        OPERATIONS,
        server_url="/api",
        categories=active_categories(),
        max_files=current_app.config["HELPDESK_MAX_ATTACHMENTS"],
    )


# --- finding tickets ---------------------------------------------------------------------------


def reference_or_404(reference: str) -> str:
    canonical = parse_reference(reference)
    if canonical is None:
        raise ApiProblem(404, "Not found", "That is not a ticket reference.")
    return canonical


def ticket_or_404(reference: str) -> Ticket:
    reference = reference_or_404(reference)
    ticket = ticket_lookup.agent_ticket(reference)
    if ticket is None:
        raise ApiProblem(404, "Not found", f"There is no ticket {reference}.")
    return ticket


from . import figures, reports, tickets  # noqa: E402, F401  (their operations register on bp)
