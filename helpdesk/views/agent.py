"""The agents' side: the inbox, bulk actions, the ticket page and canned replies.
Members are refused with 403."""

from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from .. import audit, canned_replies, inbox, reported, ticket_lookup, tickets
from ..categories import active_categories, active_category
from ..database import db
from ..errors import DomainError, InvalidInput, MailBlocked, StaleTicket
from ..intake import inbound_log
from ..mail import outbox
from ..models import InboundMail, Priority, Status, Ticket
from ..reporter_view import label_for
from ..tickets import KEEP, Comment, TicketChanges
from ..workflow import TRANSITIONS
from .access import agent_required, safe_next
from .guard_view import guard_view
from .transactions import refusal_text, transaction

bp = Blueprint("agent", __name__, url_prefix="/agent")


def _form(name: str) -> str:
    return request.form.get(name, "")


def _form_int(name: str) -> int | None:
    value = request.values.get(name, "")
    return int(value) if value.isdigit() else None


def _enum_or_none(enum_class, value: str | None):
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


def _choice(enum_class, value: str | None, field: str):
    """The chosen value, or InvalidInput when the form sent one that is not on its list."""
    try:
        return enum_class(value)
    except ValueError:
        raise InvalidInput({field: ["Choose one of the values offered."]}) from None


# --- the inbox -----------------------------------------------------------------------------


@bp.get("/", endpoint="inbox")
@agent_required
def inbox_page():
    query = inbox.InboxQuery(
        view=request.args.get("view", "new_open"),
        category_id=_form_int("category"),
        priority=_enum_or_none(Priority, request.args.get("priority")),
        search=request.args.get("q", "")[:200],
        sort=request.args.get("sort", "waiting"),
        after=request.args.get("after"),
    )
    page = inbox.page(query, current_user)
    return render_template(
        "agent/inbox.html",
        query=query,
        page=page,
        counts=inbox.view_counts(current_user),
        count_cap=inbox.COUNT_CAP,
        views=inbox.VIEWS,
        sorts=inbox.SORTS,
        categories=inbox.categories_for_filter(),
        priorities=list(Priority),
        statuses=list(Status),
        agents=tickets.assignable_agents(),
        overdue=inbox.first_response_overdue,
    )


def _bulk_assignee(value: str) -> TicketChanges:
    if value == "nobody":
        return TicketChanges(assignee=None)
    if not value.isdigit():
        raise InvalidInput({"assign_value": ["Choose one of the people offered."]})
    return TicketChanges(assignee=tickets.assignee_by_id(int(value)))


# What each bulk action changes, from the value chosen for it.
BULK_CHANGES: dict[str, Callable[[str], TicketChanges]] = {
    "assign": _bulk_assignee,
    "status": lambda value: TicketChanges(status=_choice(Status, value, "status")),
    "priority": lambda value: TicketChanges(priority=_choice(Priority, value, "priority")),
}


@bp.post("/bulk")
@agent_required
def bulk():
    """Apply one action to the selected tickets; each goes through the same checks alone."""
    action = request.form.get("action", "")
    changes_for = BULK_CHANGES.get(action)
    value = request.form.get(f"{action}_value", "")
    references = request.form.getlist("ticket")
    back = safe_next(request.form.get("next")) or url_for(".inbox")
    if changes_for is None or not references:
        flash("Choose tickets and an action.", "error")
        return redirect(back)
    if not value:
        flash("Choose a value for the action beside its button.", "error")
        return redirect(back)
    changed, refused = 0, []
    with transaction():
        for ticket in ticket_lookup.by_references(references):
            try:
                with db.session.begin_nested():
                    tickets.update(current_user, ticket, changes_for(value), version=None)
                changed += 1
            except DomainError as error:
                refused.append(f"{ticket.reference}: {refusal_text(error)}")
    flash(
        f"{changed} ticket{'s' if changed != 1 else ''} changed.", "success" if changed else "info"
    )
    if refused:
        flash({"text": "Refused:", "items": refused}, "error")
    return redirect(back)


# --- one ticket ----------------------------------------------------------------------------


def _ticket_or_404(reference: str) -> Ticket:
    ticket = ticket_lookup.agent_ticket(reference)
    if ticket is None:
        abort(404)
    return ticket


@dataclass
class TicketForm:
    """What the ticket form shows: the ticket's fields, or what the agent posted, kept."""

    kind: str  # "reply" or "note"
    body: str
    status: str
    priority: str
    assignee_id: int | None
    category_id: int | None
    version: int | None  # the one the agent's page showed, kept while the page comes back
    canned_id: int | None = None
    canned_effect: str = ""

    def fields(self) -> tuple:
        return self.status, self.priority, self.assignee_id, self.category_id

    @classmethod
    def of(cls, ticket: Ticket) -> "TicketForm":
        return cls(
            "reply",
            "",
            ticket.status.value,
            ticket.priority.value,
            ticket.assignee_id,
            ticket.category_id,
            ticket.version,
        )

    @classmethod
    def posted(cls, ticket: Ticket) -> "TicketForm":
        """The form as posted; a field it leaves out stays as the ticket has it."""
        shown = cls.of(ticket)
        posted = request.form
        return cls(
            "note" if posted.get("kind") == "note" else "reply",
            posted.get("body", ""),
            posted.get("status", shown.status),
            posted.get("priority", shown.priority),
            _form_int("assignee") if "assignee" in posted else shown.assignee_id,
            _form_int("category") if "category" in posted else shown.category_id,
            _form_int("version"),
            _form_int("canned_id"),
        )


def status_name(value: str) -> str:
    return value.replace("_", " ").capitalize()


def submit_label(form: TicketForm, ticket: Ticket) -> str:
    """What the form's one button does (static/app.js keeps it true as the fields change)."""
    status_changes = form.status != ticket.status.value
    if not form.body.strip() and form.fields() != TicketForm.of(ticket).fields():
        return "Save changes"
    verb = "Send" if form.kind == "reply" else "Add note"
    if not status_changes:
        return "Send reply" if form.kind == "reply" else verb
    then = {"solved": "solve", "closed": "close"}.get(form.status)
    return f"{verb} and {then or 'set ' + status_name(form.status)}"


@bp.get("/tickets/<reference>")
@agent_required
def ticket(reference: str):
    ticket = _ticket_or_404(reference)
    search = request.args.get("canned_q", "")[:200]
    return _render_ticket(ticket, TicketForm.of(ticket), search=search)


def _canned_choices(ticket: Ticket, search: str = "") -> list[dict]:
    """The canned replies the agent may use, filled in for this ticket, for the picker."""
    choices = []
    for canned in canned_replies.available_to(current_user, search):
        try:
            body, error = canned_replies.render(canned.body, ticket=ticket, agent=current_user), ""
        except InvalidInput as invalid:
            body, error = "", " ".join(invalid.errors["body"])
        status = canned.set_status.value if canned.set_status else ""
        choices.append(
            {
                "id": canned.id,
                "title": canned.title,
                "label": canned.title + (f" (sets {status.replace('_', ' ')})" if status else ""),
                "body": body,
                "error": error,
                "status": status,
                "priority": canned.set_priority.value if canned.set_priority else "",
            }
        )
    return choices


def _render_ticket(
    ticket: Ticket,
    form: TicketForm,
    error: str | None = None,
    status: int = 200,
    guard=None,
    search: str = "",
    decision: dict | None = None,
):
    """The ticket page; `decision` keeps what a refused decision form held."""
    trail = audit.ticket_trail(ticket)
    return render_template(
        "agent/ticket.html",
        ticket=ticket,
        form=form,
        decision=decision or {},
        submit_label=submit_label(form, ticket),
        reporter_label=label_for(ticket),
        statuses=[ticket.status, *sorted(TRANSITIONS[ticket.status], key=list(Status).index)],
        status_name=status_name,
        priorities=list(Priority),
        categories=active_categories(),
        agents=tickets.assignable_agents(),
        other_reports=reported.other_reports(ticket),
        trail=trail,
        canned=_canned_choices(ticket, search),
        canned_search=search,
        draft_sent=session.pop("draft_sent", None) == ticket.reference,
        error=error,
        guard=guard,
        describe=audit.describer(trail, with_time=True),
        mail_origins=inbound_log.mail_origins([message.id for message in ticket.messages]),
    ), status


def _use_canned(ticket: Ticket, form: TicketForm) -> TicketForm:
    """Without JavaScript, "Use" posts the form: the reply goes after what the agent typed and
    its actions are set on the form's fields, where the agent sees them before sending."""
    chosen = next((c for c in _canned_choices(ticket) if c["id"] == _form_int("canned")), None)
    if chosen is None:
        return replace(form, canned_effect="Choose a canned reply.")
    if chosen["error"]:
        return replace(form, canned_effect=chosen["error"])
    allowed = {ticket.status.value} | {s.value for s in TRANSITIONS[ticket.status]}
    effect = f"Inserted “{chosen['title']}”."
    form = replace(
        form,
        kind="reply",
        body="\n\n".join(part for part in (form.body.rstrip(), chosen["body"]) if part),
        canned_id=chosen["id"],
        priority=chosen["priority"] or form.priority,
    )
    if chosen["status"] in allowed:
        form = replace(form, status=chosen["status"])
        effect += f" Status set to {status_name(chosen['status'])}: check it before sending."
    elif chosen["status"]:
        effect += f" It would set {status_name(chosen['status'])}, which this ticket cannot become."
    return replace(form, canned_effect=effect)


def _changes(ticket: Ticket, form: TicketForm) -> TicketChanges:
    """The fields the agent changed: those posted that differ from the ticket's."""
    status = _choice(Status, form.status, "status")
    priority = _choice(Priority, form.priority, "priority")
    return TicketChanges(
        status=status if status is not ticket.status else KEEP,
        priority=priority if priority is not ticket.priority else KEEP,
        assignee=(
            tickets.assignee_by_id(form.assignee_id)
            if form.assignee_id != ticket.assignee_id
            else KEEP
        ),
        category=(
            active_category(form.category_id) if form.category_id != ticket.category_id else KEEP
        ),
    )


def _comment(form: TicketForm) -> Comment | None:
    return Comment(form.body, public=form.kind == "reply") if form.body.strip() else None


@bp.post("/tickets/<reference>")
@agent_required
def save(reference: str):
    """The ticket form: a reply or a note with field changes, in one transaction against the
    version the agent saw. "Find" and "Use" (the canned-reply picker without JavaScript)
    come back to the page with everything typed kept."""
    ticket = _ticket_or_404(reference)
    form = TicketForm.posted(ticket)
    if "find_canned" in request.form:
        return _render_ticket(ticket, form, search=_form("canned_q")[:200])
    if "use_canned" in request.form:
        return _render_ticket(ticket, _use_canned(ticket, form))
    comment = _comment(form)
    with transaction() as done:
        changes = _changes(ticket, form)
        tickets.work(current_user, ticket, comment, changes, version=_seen_version())
        canned = canned_replies.usable(current_user, form.canned_id)
        if canned is not None and comment is not None and comment.public:
            canned_replies.record_use(current_user, ticket, canned)
    if not done.ok:
        return _refused(reference, form, done.refusal)
    session["draft_sent"] = reference
    flash(_saved_message(comment), "success")
    return redirect(url_for(".ticket", reference=ticket.reference))


def _saved_message(comment: Comment | None) -> str:
    if comment is None:
        return "Changes saved."
    return "Reply sent to the reporter." if comment.public else "Internal note added."


def _refused(reference: str, form: TicketForm, refusal: DomainError):
    """The page again, with the reason and everything the agent typed and chose, now against
    the ticket's current version: the agent has been told what changed."""
    ticket = _ticket_or_404(reference)
    form = replace(form, version=ticket.version)
    if isinstance(refusal, MailBlocked):  # the reply is not posted; the refusal is kept (P4)
        with transaction():
            outbox.record_blocked(refusal, current_user)
        message = f"Not sent: the privacy guard refused this reply. {refusal.reason}"
        return _render_ticket(ticket, form, message, 422, guard_view(refusal, form.body))
    status = 409 if isinstance(refusal, StaleTicket) else 422
    return _render_ticket(ticket, form, refusal_text(refusal), status)


TICKET_ACTIONS: dict[str, Callable[[Ticket, int | None], object]] = {
    "claim": lambda t, v: tickets.claim(current_user, t, version=v),
}
DONE = {"claim": "You took the ticket."}


@bp.post("/tickets/<reference>/<action>")
@agent_required
def act(reference: str, action: str):
    """The ticket page's one-button forms beside the main one: take it, merge it."""
    handler = TICKET_ACTIONS.get(action)
    if handler is None:
        abort(404)
    ticket = _ticket_or_404(reference)
    with transaction() as done:
        handler(ticket, _seen_version())
    if not done.ok:
        return _refused(reference, TicketForm.of(ticket), done.refusal)
    flash(DONE[action], "success")
    return redirect(url_for(".ticket", reference=ticket.reference))


def _seen_version() -> int:
    """The ticket's version the agent's page showed: an action without it could overwrite a
    change the agent never saw, so it is refused."""
    version = _form_int("version")
    if version is None:
        raise StaleTicket("This action came without the ticket's version. Reload the ticket.")
    return version


# --- canned replies ------------------------------------------------------------------------


def _canned_input() -> canned_replies.CannedReplyInput:
    form = request.form
    return canned_replies.CannedReplyInput(
        title=form.get("title", ""),
        body=form.get("body", ""),
        set_status=_enum_or_none(Status, form.get("set_status")),
        set_priority=_enum_or_none(Priority, form.get("set_priority")),
        shared=form.get("shared") == "1",
    )


@bp.route("/canned-replies", methods=["GET", "POST"], defaults={"canned_id": None})
@bp.route("/canned-replies/<int:canned_id>", methods=["GET", "POST"])
@agent_required
def canned_reply_editor(canned_id: int | None):
    # Another agent's personal reply looks like no reply at all.
    canned = canned_replies.usable(current_user, canned_id)
    if canned_id and canned is None:
        abort(404)
    data, errors, preview, status = None, {}, None, 200
    if request.method == "POST":
        data = _canned_input()
        with transaction() as done:
            if "preview" in request.form:
                preview = canned_replies.preview(data.body)
            else:
                canned_replies.save(current_user, data, canned)
        if isinstance(done.refusal, InvalidInput):
            errors, status = done.refusal.errors, 422
        elif not done.ok:
            errors, status = {"form": [str(done.refusal)]}, 403
        elif preview is None:
            flash(f"Saved “{data.title.strip()}”.", "success")
            return redirect(url_for(".canned_reply_editor"))
    return render_template(
        "agent/canned_replies.html",
        replies=canned_replies.available_to(current_user),
        editing=canned,
        data=data,
        errors=errors,
        preview=preview,
        placeholders=canned_replies.PLACEHOLDERS,
        statuses=list(Status),
        priorities=list(Priority),
    ), status


@bp.post("/canned-replies/<int:canned_id>/delete")
@agent_required
def delete_canned_reply(canned_id: int):
    canned = canned_replies.usable(current_user, canned_id) or abort(404)
    with transaction() as done:
        canned_replies.delete(current_user, canned)
    if done.ok:
        flash(f"Deleted “{canned.title}”.", "success")
    else:
        flash(str(done.refusal), "error")
    return redirect(url_for(".canned_reply_editor"))


# --- mail as it arrived ------------------------------------------------------------------------


@bp.get("/mail/<int:inbound_id>/original.eml")
@agent_required
def original_mail(inbound_id: int):
    """The mail exactly as it arrived, as a download (never rendered by the browser)."""
    mail = db.get_or_404(InboundMail, inbound_id)
    return Response(
        mail.raw,
        mimetype="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="inbound-{mail.id}.eml"'},
    )
