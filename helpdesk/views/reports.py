"""The reports pages for agents and admins: the figures of a period, each chart as CSV, and
the printable transparency report. Members are refused with 403, like every agent page."""

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from .. import reports
from ..errors import InvalidInput
from ..models import Source
from ..reports.charts import render
from ..reports.period import PRESETS
from ..reports.tickets import categories
from .access import agent_required

bp = Blueprint("reports", __name__, url_prefix="/agent/reports")


def _filters() -> reports.Filters:
    return reports.parse_filters(request.args.to_dict(), current_app.config["HELPDESK_TIME_ZONE"])


def _refused(template: str, invalid: InvalidInput):
    """The form again with what is wrong, and no figures (400)."""
    return render_template(template, problems=invalid.errors, **_choices()), 400


def _choices() -> dict:
    return {
        "categories": categories(),
        "channels": list(Source),
        "presets": PRESETS,
        "args": request.args,
        "zone": current_app.config["HELPDESK_TIME_ZONE"],
        "render": render,
    }


@bp.get("", endpoint="page")
@agent_required
def reports_page():
    try:
        figures = reports.summary(current_user, _filters())
    except InvalidInput as invalid:
        return _refused("agent/reports.html", invalid)
    return render_template("agent/reports.html", figures=figures, **_choices())


@bp.get("/<key>.csv", endpoint="chart_csv")
@agent_required
def chart_csv(key: str):
    try:
        figures = reports.summary(current_user, _filters())
    except InvalidInput as invalid:
        return Response(invalid.messages + "\n", 400, mimetype="text/plain")
    chart = figures.chart(key)
    if chart is None:
        abort(404)
    return _csv(reports.chart_csv(chart), f"{key}-{_span(figures.filters)}.csv")


@bp.get("/transparency", endpoint="transparency")
@agent_required
def transparency_page():
    try:
        report = reports.transparency(current_user, _filters())
    except InvalidInput as invalid:
        return _refused("agent/transparency.html", invalid)
    return render_template("agent/transparency.html", report=report, **_choices())


@bp.get("/transparency.csv", endpoint="transparency_csv")
@agent_required
def transparency_csv():
    try:
        report = reports.transparency(current_user, _filters())
    except InvalidInput as invalid:
        return Response(invalid.messages + "\n", 400, mimetype="text/plain")
    return _csv(reports.transparency_csv(report), f"transparency-{_span(report.filters)}.csv")


def _span(filters: reports.Filters) -> str:
    return f"{filters.period.first.isoformat()}-to-{filters.period.last.isoformat()}"


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
