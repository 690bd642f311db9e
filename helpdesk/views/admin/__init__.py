"""The admin console: one blueprint under /admin, a module per page group. Members are refused
with 403, and agents too except on the help-center articles."""

from flask import Blueprint, render_template

from ... import accounts, inbox
from ...categories import all_categories
from ..access import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/", endpoint="dashboard")
@admin_required
def dashboard():
    return render_template(
        "admin/index.html",
        tickets_by_status=inbox.count_by_status(),
        people_by_role=accounts.count_by_role(),
        categories=all_categories(),
    )


# Each module adds its pages to `bp` when imported.
from . import (  # noqa: E402, F401
    articles,
    audit,
    categories,
    data_export,
    decision_actions,
    mail,
    outbox,
    people,
    tokens,
)
