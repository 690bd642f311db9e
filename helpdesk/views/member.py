"""The member's side: report a violation, follow one's own tickets, add information."""

import io

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user, login_required

from .. import articles, attachments, reporter_view, storage, ticket_lookup, tickets
from ..attachments import INLINE_TYPES
from ..categories import active_categories, active_category, active_category_by_slug
from ..errors import DuplicateSubmission, InvalidInput, TicketClosed
from ..models import Category, Ticket
from ..signing import new_submission_key
from .access import show_errors
from .forms import FollowupForm, ReportForm, answer_field
from .transactions import transaction

bp = Blueprint("member", __name__)


def _own_ticket_or_404(reference: str) -> Ticket:
    """Someone else's ticket and a missing one look the same: 404."""
    ticket = ticket_lookup.reporter_ticket(current_user, reference, thread=True)
    if ticket is None:
        abort(404)
    return ticket


def _prefill(form: ReportForm) -> None:
    """Fill the form from a marketplace 'Report violation' link or a closed ticket."""
    args = request.args
    follows_up = ticket_lookup.reporter_ticket(current_user, args.get("follows_up", ""))
    category = active_category_by_slug(args.get("category"))
    if follows_up is not None:
        form.follows_up.data = follows_up.reference
        category = category or (follows_up.category if follows_up.category.active else None)
        form.subject.data = f"Follow-up to {follows_up.reference}: {follows_up.subject}"[:200]
    form.category.data = category.id if category else None
    form.reported.data = args.get("reported", "")[:500]
    form.context_url.data = args.get("context_url", "")[:500]
    form.submission_key.data = new_submission_key()


def _answers(category: Category | None) -> dict[str, str]:
    """The answers to the chosen category's questions, by question key."""
    if category is None:
        return {}
    return {
        question["key"]: request.form.get(answer_field(category.id, question["key"]), "")
        for question in category.questions
    }


def _show_report_errors(form: ReportForm, invalid: InvalidInput) -> dict[str, list[str]]:
    """Messages beside the form's fields; the answers' are returned by question key."""
    prefix = "answers."
    answer_errors = {
        name.removeprefix(prefix): messages
        for name, messages in invalid.errors.items()
        if name.startswith(prefix)
    }
    fields = {name: msgs for name, msgs in invalid.errors.items() if not name.startswith(prefix)}
    show_errors(form, InvalidInput(fields))
    if answer_errors:
        form.form_errors.append("Please correct the fields marked below.")
    return answer_errors


@bp.route("/tickets/new", methods=["GET", "POST"])
@login_required
def new_ticket():
    form = ReportForm()
    answer_errors: dict[str, list[str]] = {}
    if request.method == "GET":
        _prefill(form)
    elif form.validate_on_submit():
        category = active_category(form.category.data)
        with transaction() as done:
            ticket = tickets.open_ticket(
                current_user,
                category=category,
                subject=form.subject.data or "",
                description=form.description.data or "",
                reported=form.reported.data or "",
                context_url=form.context_url.data or "",
                uploads=form.attachments.data or [],
                answers=_answers(category),
                submission_key=form.submission_key.data or None,
                follows_up=ticket_lookup.reporter_ticket(current_user, form.follows_up.data or ""),
            )
            reference = ticket.reference  # read after the commit, it would be a query
            # Suggested articles opened in this session did not answer the question after all.
            articles.record_report(session.get(articles.SESSION_KEY))
        if done.ok:
            return _received(reference)
        if isinstance(done.refusal, DuplicateSubmission):  # a double click, or a retry
            return _received(done.refusal.reference)
        if isinstance(done.refusal, InvalidInput):
            answer_errors = _show_report_errors(form, done.refusal)
        else:
            form.form_errors.append(str(done.refusal))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "member/new_ticket.html",
        form=form,
        categories=active_categories(),
        answer_field=answer_field,
        answer_errors=answer_errors,
    ), status


def _received(reference: str):
    flash(f"Report {reference} received. Thank you for telling us.", "success")
    return redirect(url_for(".ticket", reference=reference))


@bp.get("/tickets")
@login_required
def my_tickets():
    return render_template(
        "member/tickets.html", tickets=ticket_lookup.reporter_tickets(current_user)
    )


@bp.route("/tickets/<reference>", methods=["GET", "POST"])
@login_required
def ticket(reference: str):
    ticket = _own_ticket_or_404(reference)
    form = FollowupForm()
    if form.validate_on_submit():
        with transaction(form) as done:
            tickets.add_followup(
                current_user, ticket, form.body.data or "", form.attachments.data or []
            )
        if done.ok:
            flash("Thank you. We added your information to the report.", "success")
            return redirect(url_for(".ticket", reference=ticket.reference))
        if isinstance(done.refusal, TicketClosed):
            flash(str(done.refusal), "error")
            return redirect(url_for(".ticket", reference=ticket.reference))
    status = 422 if form.errors else 200
    return render_template(
        "member/ticket.html", report=reporter_view.for_reporter(ticket), form=form
    ), status


@bp.get("/tickets/<reference>/attachments/<int:attachment_id>")
@login_required
def attachment(reference: str, attachment_id: int):
    """Evidence for the reporter (their public thread only) and agents, sent as a download."""
    file = attachments.downloadable(current_user, reference, attachment_id)
    if file is None:
        abort(404)
    if file.redacted_at is not None:
        abort(410)  # an agent redacted it: gone for good
    inline = request.args.get("inline") == "1" and file.content_type in INLINE_TYPES
    try:
        content = attachments.read(file)
    except storage.BlobMissing:
        abort(404)
    response = send_file(
        io.BytesIO(content),
        mimetype=file.content_type,
        as_attachment=not inline,
        download_name=file.filename,
        max_age=0,
        etag=file.sha256,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
