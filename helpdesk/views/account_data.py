"""A member's own data on /account: download it, or delete the account."""

from flask import Response, flash, redirect, request, url_for
from flask_login import current_user, login_required, logout_user

from .. import member_data
from .auth import bp
from .transactions import refusal_text, transaction


@bp.get("/account/data.zip")
@login_required
def download_my_data():
    user = current_user._get_current_object()
    with transaction():
        archive = member_data.member_export(user)
    return Response(
        archive,
        mimetype="application/zip",
        headers={"Content-Disposition": 'attachment; filename="my-helpdesk-data.zip"'},
    )


@bp.post("/account/delete")
@login_required
def delete_account():
    user = current_user._get_current_object()
    if request.form.get("confirm") != "1":
        flash("Tick the box to confirm that you want your account deleted.", "error")
        return redirect(url_for(".account"), code=303)
    with transaction() as done:
        member_data.delete_account(user, request.form.get("password", ""))
    if not done.ok:
        flash(refusal_text(done.refusal), "error")
        return redirect(url_for(".account"), code=303)
    logout_user()
    flash("Your account is deleted. We sent a confirmation to its address.", "info")
    return redirect(url_for("public.index"), code=303)
