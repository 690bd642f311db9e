"""The ticket page's record keeping, on the agents' blueprint: legal hold, and redacting a
message's text or an attachment. Each is one domain call in one transaction."""

from flask import abort, redirect, request, url_for
from flask_login import current_user

from .. import redaction, retention, ticket_lookup
from ..database import db
from ..models import Attachment, Message, Ticket
from .access import agent_required
from .agent import bp
from .transactions import act_and_flash


def _ticket_or_404(reference: str) -> Ticket:
    ticket = ticket_lookup.agent_ticket(reference)
    if ticket is None:
        abort(404)
    return ticket


def _back(ticket: Ticket):
    return redirect(url_for("agent.ticket", reference=ticket.reference), code=303)


@bp.post("/tickets/<reference>/legal-hold")
@agent_required
def legal_hold(reference: str):
    ticket = _ticket_or_404(reference)
    reason = request.form.get("reason", "")
    if request.form.get("hold") == "1":
        act_and_flash(
            lambda: retention.set_legal_hold(current_user, ticket, reason),
            "Legal hold set: retention keeps this ticket whole until the hold is released.",
        )
    else:
        act_and_flash(
            lambda: retention.release_legal_hold(current_user, ticket, reason),
            "Legal hold released.",
        )
    return _back(ticket)


@bp.post("/tickets/<reference>/messages/<int:message_id>/redact")
@agent_required
def redact_message(reference: str, message_id: int):
    ticket = _ticket_or_404(reference)
    message = db.get_or_404(Message, message_id)
    if message.ticket_id != ticket.id:
        abort(404)
    text = request.form.get("text", "")
    act_and_flash(
        lambda: redaction.redact_message(current_user, message, text),
        "Redacted everywhere the desk keeps this message.",
    )
    return _back(ticket)


@bp.post("/tickets/<reference>/attachments/<int:attachment_id>/redact")
@agent_required
def redact_attachment(reference: str, attachment_id: int):
    ticket = _ticket_or_404(reference)
    file = db.get_or_404(Attachment, attachment_id)
    if file.message.ticket_id != ticket.id:
        abort(404)
    act_and_flash(
        lambda: redaction.redact_attachment(current_user, file),
        "The file is deleted; its place in the thread says “[redacted]”.",
    )
    return _back(ticket)
