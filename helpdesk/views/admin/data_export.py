"""A data-subject request: everything the desk holds about an address, as a ZIP."""

from flask import Response, render_template, request
from flask_login import current_user

from ... import member_data
from ..access import admin_required
from ..transactions import refusal_text, transaction
from . import bp


@bp.get("/people/data-export")
@admin_required
def data_export():
    email = request.args.get("email", "").strip()
    if not email:
        return render_template("admin/data_export.html", email="", error=None)
    with transaction() as done:
        archive = member_data.subject_export(current_user, email)
    if not done.ok:
        error = refusal_text(done.refusal)
        return render_template("admin/data_export.html", email=email, error=error), 422
    return Response(
        archive,
        mimetype="application/zip",
        headers={"Content-Disposition": 'attachment; filename="data-export.zip"'},
    )
