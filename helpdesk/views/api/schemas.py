"""The API's shapes, in one place: the same pydantic models validate requests and make the
OpenAPI 3.1 document (pydantic writes JSON Schema 2020-12, which OpenAPI 3.1 uses as is).

The models check shape and the longest text the domain takes; the rules (shortest texts,
usernames and web addresses, allowed status changes, who may be assigned) stay in the domain,
which names the field it refuses. The document declares those rules too, built from the same
constants (constraints.py), so that it says what the server enforces.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Json, RootModel
from pydantic.json_schema import models_json_schema

from ...accounts import MARKETPLACE_ID_LENGTH, MAX_DISPLAY_NAME_LENGTH
from ...api_tokens import SCOPES
from ...categories import SLUG_LENGTH, QuestionKind
from ...inbox import INBOX_CURSOR_PATTERN, SORTS, VIEWS
from ...models import Category, MessageKind, Priority, Source, Status
from ...reported import URL_LENGTH
from ...reporter_view import STATUS_LABELS
from ...signing import REFERENCE_PATTERN
from ...tickets import BODY_LENGTH, FOLLOWUP_LENGTH, SUBJECT_LENGTH
from .constraints import (
    CONTEXT_URL_PATTERN,
    REPORTED_PATTERN,
    category_enum,
    declared,
    report_rules,
    text,
)


def _without_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Text cannot contain NUL characters.")
    return value


# Strings with a NUL cannot be stored (PostgreSQL refuses them): refused as input instead.
Text = Annotated[str, AfterValidator(_without_nul)]
# Answers to a category's extra questions, by question key; the domain checks them.
Answers = Annotated[
    dict[Annotated[Text, Field(max_length=64)], Annotated[Text, Field(max_length=10_000)]],
    Field(max_length=50),
]
ReporterStatus = Literal[tuple(dict.fromkeys(STATUS_LABELS.values()))]  # type: ignore[valid-type]
ViewSlug = Literal[tuple(view.slug for view in VIEWS)]  # type: ignore[valid-type]
SortName = Literal[tuple(SORTS)]  # type: ignore[valid-type]


def _without_null_defaults(schema: dict[str, Any]) -> None:
    """A field that may be left out but not sent as null: no `default: null` in the document."""
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None:
            del prop["default"]


EMAIL_LENGTH = 254  # what an address may hold (RFC 5321), as users.email stores it


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_without_null_defaults)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- requests ---------------------------------------------------------------------------------


class ReportIn(Input):
    """A report on behalf of a marketplace member; as JSON, or as multipart with evidence."""

    marketplace_member_id: Text = text(
        (1, MARKETPLACE_ID_LENGTH), description="The member's id on the marketplace."
    )
    member_email: Text = Field(
        max_length=EMAIL_LENGTH,
        json_schema_extra={"format": "email"},
        description="The member's email address.",
    )
    member_name: Text = text((1, MAX_DISPLAY_NAME_LENGTH), description="The member's display name.")
    category: Text = Field(
        max_length=SLUG_LENGTH, description="A category slug from GET /categories."
    )
    subject: Text = text(SUBJECT_LENGTH)
    description: Text = text(BODY_LENGTH)
    reported: Text = declared(
        REPORTED_PATTERN,
        URL_LENGTH,
        default="",
        description="The reported member's username, or their profile's web address.",
    )
    context_url: Text = declared(
        CONTEXT_URL_PATTERN,
        URL_LENGTH,
        default="",
        description="Where it happened (a job posting, a workroom…): an http or https address.",
    )
    answers: Answers = Field(
        default_factory=dict,
        description="Answers to the category's questions (see GET /categories), by question "
        "key. Required questions must be answered; a choice's answer is one of its options.",
    )


class ReportUpload(ReportIn):
    # How the parts are sent: the answers as one JSON object (the document describes the
    # object); each file of a type attachments.sniff_content_type() knows by its content, or
    # UTF-8 text named *.txt.
    encoding: ClassVar[dict] = {
        "answers": {"contentType": "application/json"},
        "evidence": {
            "contentType": "image/png, image/jpeg, image/gif, image/webp, application/pdf, "
            "text/plain"
        },
    }

    evidence: list[bytes] = Field(
        default_factory=list,
        description="Evidence files: images (PNG, JPEG, GIF, WebP), PDF documents and plain "
        "text files.",
    )
    answers: Json[Answers] = Field(
        default_factory=dict,
        description="The answers, as in a JSON body, as one JSON object.",
    )


class ReportQuery(BaseModel):
    member: Text = text(
        (1, MARKETPLACE_ID_LENGTH),
        one_line=True,
        description="The marketplace member id of the reporter asking.",
    )


# gunicorn answers a request line over 4,094 bytes with 414, so this operation's longest one
# stays under it: "GET /api/v1/tickets?" (20) + view, category (an ASCII slug of 64 at most),
# priority, sort and limit at their longest with their names (149) + "&q=" and 200 characters
# of 4 UTF-8 bytes, each percent-encoded as 12 (2,403) + "&cursor=" and a cursor (digits and
# dots, 8 + 55) + " HTTP/1.1" (9) = 2,644 bytes.
CURSOR_LENGTH = 18 + 1 + 17 + 1 + 18


class TicketListQuery(Input):
    model_config = ConfigDict(extra="ignore", json_schema_extra=_without_null_defaults)

    view: ViewSlug = "new_open"
    category: Text = Field(None, max_length=SLUG_LENGTH, description="A category slug.")
    priority: Priority = None
    q: Text = text(
        (0, 200),
        one_line=True,
        default="",
        description=(
            "Words, a reference (with or without HD-), the reported member's username in any "
            "spelling, or the reporter's email address or name."
        ),
    )
    sort: SortName = "waiting"
    cursor: Text = declared(
        f"^(?:{INBOX_CURSOR_PATTERN})?$",
        CURSOR_LENGTH,
        default=None,
        description="next_cursor of the previous page, as it was; empty for the first.",
    )
    limit: int = Field(50, ge=1, le=100)


class TicketPatch(Input):
    """The changes to make; fields left out stay as they are. `assignee: null` unassigns."""

    status: Status = None
    priority: Priority = None
    category: Text = Field(None, max_length=64, description="A category slug.")
    assignee: int | None = Field(
        None, ge=1, le=2**31 - 1, description="An agent's user id, or null for nobody."
    )


class MessageIn(Input):
    body: Text = text(FOLLOWUP_LENGTH)


# --- responses --------------------------------------------------------------------------------


class QuestionOut(Output):
    """An extra question the category's report form asks."""

    key: str = Field(description="Answer it under this key, in a report's `answers`.")
    label: str
    kind: QuestionKind
    required: bool
    help: str
    options: list[str] = Field(description="A choice's options; empty for the other kinds.")


class CategoryOut(Output):
    slug: str
    name: str
    description: str
    is_interaction: bool
    interaction_notice: str | None
    questions: list[QuestionOut]


class AnswerOut(Output):
    """An answer with its question's label and kind as they were when the report was made."""

    key: str
    label: str
    kind: QuestionKind
    answer: str


class CategoryList(RootModel[list[CategoryOut]]):
    pass


class AttachmentOut(Output):
    filename: str
    content_type: str
    size: int


class ReportMessage(Output):
    """A message of the public thread; the team speaks as one (no agent names, P1)."""

    author: Literal["you", "team"]
    body: str
    created_at: datetime
    attachments: list[AttachmentOut]


class ReportOut(Output):
    """What a reporter may know about their report (P1, P2)."""

    reference: str
    status: ReporterStatus
    category: str
    category_name: str
    subject: str
    created_at: datetime
    messages: list[ReportMessage]


class Person(Output):
    id: int
    display_name: str


class ReporterOut(Person):
    email: str
    marketplace_id: str | None


class TicketMessage(Output):
    id: int
    kind: MessageKind
    origin: Source
    author: Person | None
    body: str
    created_at: datetime
    attachments: list[AttachmentOut]


class TicketSummary(Output):
    reference: str
    subject: str
    status: Status
    priority: Priority
    category: str
    source: Source
    reporter: ReporterOut
    assignee: Person | None
    reported_member: str | None
    reported_profile_url: str | None
    context_url: str | None
    created_at: datetime
    last_activity_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None
    version: int


class DecisionOut(Output):
    """A decision recorded on the ticket. Internal: never shown to the reporter (P2)."""

    id: int
    policy: str | None = Field(
        description="The slug of the category found violated; null when none was."
    )
    action: str = Field(description="The slug of the action taken, from the admins' list.")
    action_name: str
    reason: str = Field(description="Why, for agents only.")
    agent: Person
    created_at: datetime


class TicketDetail(TicketSummary):
    linked_ticket: str | None
    merged_into: str | None
    answers: list[AnswerOut]
    messages: list[TicketMessage]
    decisions: list[DecisionOut] = Field(description="Newest first: the first is the current one.")


class TicketPage(Output):
    tickets: list[TicketSummary]
    next_cursor: str | None


class FieldProblem(BaseModel):
    field: str
    detail: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] = Field(
        default_factory=list, description="What is wrong with which field (400 and 422)."
    )


# --- the OpenAPI document ---------------------------------------------------------------------


@dataclass
class Operation:
    """One endpoint as the document describes it; the view registers it (helpdesk.views.api)."""

    method: str
    path: str  # OpenAPI style: /v1/tickets/{reference}
    summary: str
    scope: str | None
    response: tuple[int, type[BaseModel] | None]
    body: type[BaseModel] | None = None
    multipart: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: list[dict] = field(default_factory=list)
    errors: tuple[int, ...] = ()
    response_headers: tuple[str, ...] = ()
    links: dict[str, dict] = field(default_factory=dict)  # OpenAPI links from the success


ERROR_TITLES = {
    400: "The request body could not be read",
    401: "No valid API token",
    403: "The token lacks the scope",
    404: "Not found, or not visible to this token",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflicts with the ticket's state",
    412: "The ticket changed since that version",
    413: "The request is too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "If-Match is required",
    429: "Too many requests",
    507: "No room to store the evidence now: nothing was saved, send it again later",
}
RESPONSE_HEADERS = {
    "ETag": {"description": "The ticket's version, for If-Match.", "schema": {"type": "string"}},
    "Location": {"description": "Where the new resource is.", "schema": {"type": "string"}},
    "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "string"}},
}


def openapi_document(
    operations: list[Operation], server_url: str, categories: list[Category], max_files: int
) -> dict:
    """The document as configured, with today's active categories: a report or a filter names
    one of them, and a report takes up to `max_files` evidence files."""
    definitions = _schema_definitions(operations)
    report_in, upload = definitions["ReportIn"], definitions["ReportUpload"]
    upload["properties"]["evidence"]["maxItems"] = max_files
    upload["properties"]["answers"] = {  # the object its JSON part holds
        **report_in["properties"]["answers"],
        "description": upload["properties"]["answers"]["description"],
    }
    for schema in (report_in, upload):
        report_rules(schema, categories)
    category_enum(definitions["TicketPatch"]["properties"]["category"], categories)
    paths: dict[str, dict] = {}
    for operation in operations:
        spec = _operation(operation)
        for parameter in spec["parameters"]:
            if parameter["name"] == "category":
                category_enum(parameter["schema"], categories)
        paths.setdefault(operation.path, {})[operation.method.lower()] = spec
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Helpdesk API",
            "version": "1.0.0",
            "description": "Reports for the marketplace, tickets for the team's tools.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": definitions,
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": f"An API token; scopes: {', '.join(SCOPES)}.",
                }
            },
        },
    }


def _schema_definitions(operations: list[Operation]) -> dict:
    inputs = {model for op in operations for model in (op.body, op.multipart) if model}
    outputs = {op.response[1] for op in operations if op.response[1]} | {Problem}
    models = [(model, "validation") for model in inputs] + [
        (model, "serialization") for model in outputs
    ]
    _, schema = models_json_schema(
        sorted(models, key=lambda pair: pair[0].__name__),
        ref_template="#/components/schemas/{model}",
    )
    return schema.get("$defs", {})


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(operation: Operation) -> dict:
    status, model = operation.response
    success: dict[str, Any] = {"description": "Done."}
    if model is not None:
        success["content"] = {"application/json": {"schema": _ref(model)}}
    if operation.response_headers:
        success["headers"] = {name: RESPONSE_HEADERS[name] for name in operation.response_headers}
    if operation.links:
        success["links"] = operation.links
    responses = {str(status): success}
    for code in sorted(operation.errors):
        responses[str(code)] = _problem_response(code)
    spec: dict[str, Any] = {
        "summary": operation.summary,
        "operationId": operation.summary.lower().replace(" ", "_").replace("'", ""),
        "parameters": _path_parameters(operation.path)
        + _query_parameters(operation.query)
        + operation.headers,
        "responses": responses,
    }
    spec["security"] = [{"token": []}]  # every operation needs a token, some a scope too
    if operation.scope:
        spec["description"] = f"Needs a token with the `{operation.scope}` scope."
    if operation.body:
        content = {"application/json": {"schema": _ref(operation.body)}}
        if operation.multipart:
            content["multipart/form-data"] = {
                "schema": _ref(operation.multipart),
                "encoding": operation.multipart.encoding,
            }
        spec["requestBody"] = {"required": True, "content": content}
    return spec


def _problem_response(code: int) -> dict:
    response: dict[str, Any] = {
        "description": ERROR_TITLES[code],
        "content": {"application/problem+json": {"schema": _ref(Problem)}},
    }
    if code == 429:
        response["headers"] = {"Retry-After": RESPONSE_HEADERS["Retry-After"]}
    return response


def _path_parameters(path: str) -> list[dict]:
    if "{reference}" not in path:
        return []
    schema = {"type": "string", "pattern": REFERENCE_PATTERN, "examples": ["HD-7K3QX9MB"]}
    return [{"name": "reference", "in": "path", "required": True, "schema": schema}]


def _query_parameters(model: type[BaseModel] | None) -> list[dict]:
    if model is None:
        return []
    _, definitions = models_json_schema(
        [(model, "validation")], ref_template="#/components/schemas/{model}"
    )
    schema = definitions["$defs"][model.__name__]
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": _inline_refs(prop, definitions["$defs"]),
        }
        for name, prop in schema["properties"].items()
    ]


def _inline_refs(prop: dict, definitions: dict) -> dict:
    """A query parameter's schema with its enum written out, so it stands alone."""
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[1]
        return {**definitions[name], **{k: v for k, v in prop.items() if k != "$ref"}}
    return prop
