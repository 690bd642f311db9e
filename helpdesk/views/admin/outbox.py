"""The outbox: mail queued, refused by the mail server, or blocked by the privacy guard."""

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from ...database import db
from ...mail import admin as mail_admin
from ...models import MailStatus, OutboundMail
from ..access import admin_required
from ..transactions import act_and_flash
from . import bp


@bp.get("/outbox", endpoint="outbox")
@admin_required
def outbox_page():
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
    mail = db.get_or_404(OutboundMail, mail_id)
    act_and_flash(
        lambda: mail_admin.retry(current_user, mail), f"Mail to {mail.recipient} is queued again."
    )
    return redirect(url_for(".outbox"))
