"""The agents' side: the inbox, bulk actions, the ticket page and canned replies.
Members are refused with 403."""

from collections.abc import Callable

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import audit, canned_replies, inbox, reported, ticket_lookup, tickets
from ..categories import active_categories, active_category
from ..database import db
from ..errors import DomainError, InvalidInput, MailBlocked, StaleTicket
from ..intake import inbound_log
from ..mail import outbox
from ..models import InboundMail, Priority, Status, Ticket
from ..reporter_view import label_for
from ..tickets import TicketChanges
from ..workflow import TRANSITIONS
from .access import agent_required, safe_next
from .guard_view import guard_view
from .transactions import transaction

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


# What each bulk action changes, from the value chosen for it.
BULK_CHANGES: dict[str, Callable[[str], TicketChanges]] = {
    "assign": lambda value: TicketChanges(
        assignee=tickets.assignee_by_id(int(value) if value.isdigit() else None)
    ),
    "status": lambda value: TicketChanges(status=_choice(Status, value, "status")),
    "priority": lambda value: TicketChanges(priority=_choice(Priority, value, "priority")),
}


@bp.post("/bulk")
@agent_required
def bulk():
    """Apply one action to the selected tickets; each goes through the same checks alone."""
    changes_for = BULK_CHANGES.get(request.form.get("action", ""))
    value = request.form.get(f"{request.form.get('action')}_value", "")
    references = request.form.getlist("ticket")
    back = safe_next(request.form.get("next")) or url_for(".inbox")
    if changes_for is None or not references:
        flash("Choose tickets and an action.", "error")
        return redirect(back)
    changed, refused = 0, []
    with transaction():
        for ticket in ticket_lookup.by_references(references):
            try:
                with db.session.begin_nested():
                    tickets.update(current_user, ticket, changes_for(value), version=None)
                changed += 1
            except DomainError as error:
                refused.append(f"{ticket.reference}: {error}")
    flash(
        f"{changed} ticket{'s' if changed != 1 else ''} changed.", "success" if changed else "info"
    )
    if refused:
        flash("Refused — " + "; ".join(refused), "error")
    return redirect(back)


# --- one ticket ----------------------------------------------------------------------------


def _ticket_or_404(reference: str) -> Ticket:
    ticket = ticket_lookup.agent_ticket(reference)
    if ticket is None:
        abort(404)
    return ticket


@bp.get("/tickets/<reference>")
@agent_required
def ticket(reference: str):
    ticket = _ticket_or_404(reference)
    drafts = {}
    canned = canned_replies.usable(current_user, _form_int("canned"))
    if canned is not None:
        try:
            drafts = {
                "reply": canned_replies.render(canned.body, ticket=ticket, agent=current_user),
                "canned_id": canned.id,
            }
        except InvalidInput as invalid:
            flash(" ".join(invalid.errors["body"]), "error")
    return _render_ticket(ticket, drafts)


def _render_ticket(
    ticket: Ticket, drafts: dict, error: str | None = None, status: int = 200, guard=None
):
    trail = audit.ticket_trail(ticket)
    return render_template(
        "agent/ticket.html",
        ticket=ticket,
        reporter_label=label_for(ticket),
        next_statuses=sorted(TRANSITIONS[ticket.status], key=list(Status).index),
        priorities=list(Priority),
        categories=active_categories(),
        agents=tickets.assignable_agents(),
        other_reports=reported.other_reports(ticket),
        trail=trail,
        canned=canned_replies.available_to(current_user, request.args.get("canned_q", "")),
        drafts=drafts,
        error=error,
        guard=guard,
        describe=audit.describer(trail, with_time=True),
        mail_origins=inbound_log.mail_origins([message.id for message in ticket.messages]),
    ), status


def _reply(ticket: Ticket, version: int | None) -> None:
    text = request.form.get("body", "")
    canned = canned_replies.usable(current_user, _form_int("canned_id"))
    if canned is not None:
        canned_replies.apply(current_user, ticket, canned, text, version=version)
    else:
        tickets.post_reply(current_user, ticket, text, version=version)


def _change(changes_from_form: Callable[[], TicketChanges]):
    """A ticket page action that changes one field, through the same rules as the API's."""
    return lambda t, v: tickets.update(current_user, t, changes_from_form(), version=v)


TICKET_ACTIONS: dict[str, Callable[[Ticket, int | None], object]] = {
    "claim": lambda t, v: tickets.claim(current_user, t, version=v),
    "assign": _change(
        lambda: TicketChanges(assignee=tickets.assignee_by_id(_form_int("assignee")))
    ),
    "status": _change(lambda: TicketChanges(status=_choice(Status, _form("status"), "status"))),
    "priority": _change(
        lambda: TicketChanges(priority=_choice(Priority, _form("priority"), "priority"))
    ),
    "category": _change(lambda: TicketChanges(category=active_category(_form_int("category")))),
    "reply": _reply,
    "note": lambda t, v: tickets.add_note(current_user, t, request.form.get("body", "")),
}
DONE = {
    "claim": "You took the ticket.",
    "assign": "Assignee changed.",
    "status": "Status changed.",
    "priority": "Priority changed.",
    "category": "Category changed.",
    "reply": "Reply sent to the reporter.",
    "note": "Internal note added.",
}


@bp.post("/tickets/<reference>/<action>")
@agent_required
def act(reference: str, action: str):
    """Every action on the ticket page: one domain call, checked against the version the
    agent saw; on refusal the page comes back with the reason and the agent's text."""
    handler = TICKET_ACTIONS.get(action)
    if handler is None:
        abort(404)
    ticket = _ticket_or_404(reference)
    with transaction() as done:
        handler(ticket, _seen_version())
    if isinstance(done.refusal, MailBlocked):  # the reply is not posted; the refusal is kept (P4)
        with transaction():
            outbox.record_blocked(done.refusal, current_user)
        message = f"Not sent: the privacy guard refused this reply. {done.refusal.reason}"
        guard = guard_view(done.refusal, request.form.get("body", ""))
        return _render_ticket(_ticket_or_404(reference), _kept_text(), message, 422, guard)
    if not done.ok:
        status = 409 if isinstance(done.refusal, StaleTicket) else 422
        message = done.refusal.messages if isinstance(done.refusal, InvalidInput) else done.refusal
        return _render_ticket(_ticket_or_404(reference), _kept_text(), str(message), status)
    flash(DONE.get(action, "Saved."), "success")
    return redirect(url_for(".ticket", reference=ticket.reference))


def _seen_version() -> int:
    """The ticket's version the agent's page showed: an action without it could overwrite a
    change the agent never saw, so it is refused."""
    version = _form_int("version")
    if version is None:
        raise StaleTicket("This action came without the ticket's version. Reload the ticket.")
    return version


def _kept_text() -> dict:
    """What the agent typed, so a refused action loses none of it."""
    action = request.view_args["action"]
    kept = {"canned_id": _form_int("canned_id")}
    if action in ("reply", "note"):
        kept[action] = request.form.get("body", "")
    return kept


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
