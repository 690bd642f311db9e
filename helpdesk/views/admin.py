"""The admin console. Members and agents are refused with 403."""

from flask import Blueprint, render_template
from sqlalchemy import func, select

from ..database import db
from ..models import Category, Role, Status, Ticket, User
from .access import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@admin_required
def index():
    tickets_by_status = dict(
        db.session.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all()
    )
    people_by_role = dict(
        db.session.execute(select(User.role, func.count()).group_by(User.role)).all()
    )
    categories = db.session.scalars(select(Category).order_by(Category.sort_order)).all()
    return render_template(
        "admin/index.html",
        tickets_by_status={status: tickets_by_status.get(status, 0) for status in Status},
        people_by_role={role: people_by_role.get(role, 0) for role in Role},
        categories=categories,
    )
