"""Decisions on a ticket and the member under investigation: agents' pages on the `agent`
blueprint. A member, the reported member included, gets 404 here, never a hint (P1)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import decisions
from ..categories import active_categories, active_category
from ..database import db
from ..errors import InvalidInput, StaleTicket
from ..investigation import member_file
from ..models import DecisionAction, Ticket
from ..permissions import Permission, allows
from .access import agent_required
from .agent import TicketForm, _render_ticket, _seen_version, _ticket_or_404, bp
from .transactions import transaction


@bp.app_template_global()
def decision_panel(ticket: Ticket) -> dict:
    """What the ticket page's decision form needs (templates/agent/_decision.html)."""
    return {
        "decisions": decisions.for_ticket(ticket),
        "actions": decisions.actions(),
        "policies": active_categories(),
    }


@bp.app_template_global()
def evidence_blurred() -> bool:
    """Whether evidence images are shown blurred to the viewer: agents who keep the default.
    A member sees their own uploads as they sent them."""
    return allows(current_user, Permission.WORK_TICKETS) and current_user.blur_evidence


def _chosen_action() -> DecisionAction | None:
    action_id = request.form.get("action", "")
    return db.session.get(DecisionAction, int(action_id)) if action_id.isdigit() else None


def _chosen_policy():
    """The category found violated; None for "No violation". One that is not on offer any more
    is refused rather than read as no violation."""
    policy_id = request.form.get("policy", "")
    if not policy_id:
        return None
    policy = active_category(int(policy_id)) if policy_id.isdigit() else None
    if policy is None:
        raise InvalidInput({"policy": ["Choose a policy from the list, or “No violation”."]})
    return policy


@bp.post("/tickets/<reference>/decisions", endpoint="record_decision")
@agent_required
def record_decision(reference: str):
    ticket = _ticket_or_404(reference)
    with transaction() as done:
        decisions.record(
            current_user,
            ticket,
            policy=_chosen_policy(),
            action=_chosen_action(),
            reason=request.form.get("reason", ""),
            version=_seen_version(),
        )
    if done.ok:
        flash("Decision recorded. It stays internal: the reporter is never told.", "success")
        return redirect(url_for(".ticket", reference=ticket.reference, _anchor="decision"))
    status = 409 if isinstance(done.refusal, StaleTicket) else 422
    message = done.refusal.messages if isinstance(done.refusal, InvalidInput) else done.refusal
    kept = {key: request.form.get(key, "") for key in ("policy", "action", "reason")}
    ticket = _ticket_or_404(reference)
    return _render_ticket(ticket, TicketForm.of(ticket), str(message), status, decision=kept)


@bp.get("/members/<key>", endpoint="member_page")
@login_required
def member_page(key: str):
    if not allows(current_user, Permission.WORK_TICKETS):
        abort(404)  # not 403: a member learns nothing, not even that the page exists (P1)
    file = member_file(current_user, key)
    if file is None:
        return render_template("agent/member_unknown.html", key=key), 404
    return render_template("agent/member.html", file=file)
