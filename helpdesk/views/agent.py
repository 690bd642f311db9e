"""The agents' side. Members are refused with 403."""

from flask import Blueprint, abort, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..database import db
from ..models import Message, Ticket
from ..workflow import reporter_label
from .access import agent_required

bp = Blueprint("agent", __name__, url_prefix="/agent")

RECENT_LIMIT = 100


@bp.get("/")
@agent_required
def inbox():
    """The most recently active tickets (the full inbox with views and search comes next)."""
    query = (
        select(Ticket)
        .options(
            selectinload(Ticket.category),
            selectinload(Ticket.reporter),
            selectinload(Ticket.assignee),
        )
        .order_by(Ticket.last_activity_at.desc(), Ticket.id.desc())
        .limit(RECENT_LIMIT)
    )
    return render_template("agent/inbox.html", tickets=db.session.scalars(query).all())


@bp.get("/tickets/<reference>")
@agent_required
def ticket(reference: str):
    query = (
        select(Ticket)
        .where(Ticket.reference == reference)
        .options(selectinload(Ticket.messages).selectinload(Message.attachments))
    )
    ticket = db.session.scalar(query)
    if ticket is None:
        abort(404)
    return render_template(
        "agent/ticket.html", ticket=ticket, reporter_label=reporter_label(ticket.status)
    )
