"""The admin console. Members and agents are refused with 403."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ...database import db
from ...errors import NotAllowed
from ...mail import admin as mail_admin
from ...models import Category, MailStatus, OutboundMail, Role, Status, Ticket, User
from ..access import admin_required

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


@bp.get("/outbox")
@admin_required
def outbox_list():
    """Queued, failed and blocked mail with the reasons (?status=sent|suppressed|… for others)."""
    wanted = request.args.get("status")
    known = {status.value for status in MailStatus}
    statuses = (MailStatus(wanted),) if wanted in known else mail_admin.SHOWN_BY_DEFAULT
    summary = mail_admin.overview(statuses)
    return render_template(
        "admin/outbox.html", summary=summary, statuses=statuses, all_statuses=list(MailStatus)
    )


@bp.post("/outbox/<int:mail_id>/retry")
@admin_required
def outbox_retry(mail_id: int):
    mail = db.session.get(OutboundMail, mail_id)
    if mail is None:
        abort(404)
    try:
        mail_admin.retry(current_user, mail)
        db.session.commit()
    except NotAllowed as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        flash(f"Mail to {mail.recipient} is queued again.", "success")
    return redirect(url_for(".outbox_list"))
