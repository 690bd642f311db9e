"""The marketplace's endpoints: report for a member, read a report as its reporter, and the
categories a report may choose."""

import hashlib
import json

from flask import request

from ... import accounts, reporter_view, ticket_lookup, tickets
from ...categories import active_categories, active_category_by_slug
from ...database import db
from ...errors import (
    DuplicateSubmission,
    EmailTaken,
    InvalidInput,
    StorageFull,
    SubmissionKeyReused,
)
from ...models import Source, Ticket
from . import (
    IDEMPOTENCY_KEY,
    ApiProblem,
    current_token,
    invalid_input,
    json_body,
    json_response,
    operation,
    query_args,
    reference_or_404,
    ticket_or_404,
    validated,
)
from .schemas import (
    AttachmentOut,
    CategoryList,
    CategoryOut,
    ReportIn,
    ReportMessage,
    ReportOut,
    ReportQuery,
    ReportUpload,
)

# The domain's field names, as this API spells them.
REPORT_FIELDS = {
    "marketplace_id": "marketplace_member_id",
    "email": "member_email",
    "display_name": "member_name",
    "attachments": "evidence",
}


def _report_out(ticket: Ticket) -> ReportOut:
    """The reporter's view (P1, P2), as the member's own page shows it."""
    view = reporter_view.for_reporter(ticket)
    messages = [
        ReportMessage(
            author=message.author,
            body=message.body,
            created_at=message.created_at,
            attachments=[AttachmentOut.model_validate(file) for file in message.attachments],
        )
        for message in view.messages
    ]
    fields = ("reference", "status", "category", "category_name", "subject", "created_at")
    return ReportOut(messages=messages, **{name: getattr(view, name) for name in fields})


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
    errors=(400, 409, 413, 415, 422, 507),
    links={
        "read_it": {
            "operationId": "read_a_report_as_its_reporter",
            "parameters": {
                "reference": "$response.body#/reference",
                "member": "$request.body#/marketplace_member_id",
            },
        }
    },
)
def create_report():
    report, uploads = _report_input()
    submission_key = _submission_key()
    fingerprint = _fingerprint(report, uploads) if submission_key else None
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
            fingerprint=fingerprint,
        )
        db.session.commit()
        replayed = False
    except StorageFull:
        raise  # not a field's fault: 507 (the blueprint's handler)
    except InvalidInput as invalid:
        db.session.rollback()
        raise invalid_input(invalid, REPORT_FIELDS) from None
    except EmailTaken as taken:  # a conflict with an account, not a mistake in the request
        db.session.rollback()
        problems = [{"field": "member_email", "detail": str(taken)}]
        raise ApiProblem(409, "The address is another account's", str(taken), problems) from None
    except SubmissionKeyReused as reused:
        db.session.rollback()
        problems = [{"field": "Idempotency-Key", "detail": str(reused)}]
        raise ApiProblem(
            422, "The key was used for another report", str(reused), problems
        ) from None
    except DuplicateSubmission as duplicate:
        db.session.rollback()
        ticket, replayed = ticket_or_404(duplicate.reference), True
    headers = {"Location": f"/api/v1/reports/{ticket.reference}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return json_response(_report_out(ticket), 201, headers)


def _report_input() -> tuple[ReportIn, list]:
    """The report from a JSON body, or from a multipart form with its evidence files."""
    if request.mimetype == "multipart/form-data":
        fields = request.form.to_dict()
        return validated(ReportUpload, fields), request.files.getlist("evidence")
    return json_body(ReportIn), []


def _fingerprint(report: ReportIn, uploads: list) -> str:
    """What a submission holds, so that a retry is told from another report under the same
    key: the fields as validated (as JSON or as a form alike), and each evidence file's SHA-256."""
    files = []
    for upload in uploads:
        files.append(hashlib.file_digest(upload.stream, "sha256").hexdigest())
        upload.stream.seek(0)  # to be read again when stored
    content = report.model_dump(mode="json", exclude={"evidence"}) | {"evidence": files}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _submission_key() -> str | None:
    """The Idempotency-Key, made the token's own: the same key from another token is another."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= 255:
        problems = [{"field": "Idempotency-Key", "detail": "Use 1 to 255 characters."}]
        raise ApiProblem(422, "Invalid input", "The Idempotency-Key is invalid.", problems)
    return hashlib.sha256(f"{current_token().id}:{key}".encode()).hexdigest()


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
    query = query_args(ReportQuery)
    reporter = accounts.marketplace_member_or_none(query.member)
    reference = reference_or_404(reference)
    ticket = ticket_lookup.reporter_ticket(reporter, reference, thread=True) if reporter else None
    if ticket is None:  # someone else's report looks like no report at all
        raise ApiProblem(404, "Not found", f"{query.member} has no report {reference}.")
    return json_response(_report_out(ticket))


@operation("GET", "/categories", "List the categories", scope=None, response=(200, CategoryList))
def categories():
    return json_response(CategoryList([CategoryOut.model_validate(c) for c in active_categories()]))
