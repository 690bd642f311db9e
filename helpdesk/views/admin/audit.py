"""The audit log: filtered pages, and the whole of it as CSV."""

from datetime import date

from flask import Response, render_template, request, stream_with_context

from ... import audit
from ..access import admin_required
from . import bp


def _filters() -> tuple[audit.AuditFilters, list[str]]:
    """The filters in the query string, and a message for each one that could not be read."""
    problems: list[str] = []
    actor: int | str | None = None
    raw_actor = request.args.get("actor", "")
    if raw_actor == audit.SYSTEM:
        actor = audit.SYSTEM
    elif raw_actor.isdigit():
        actor = int(raw_actor)
    elif raw_actor:
        problems.append("Choose the actor from the list.")
    since = _date("from", "From", problems)
    until = _date("to", "To", problems)
    if since and until and since > until:
        problems.append("The From date is after the To date.")
        since = until = None
    filters = audit.AuditFilters(
        actor=actor,
        actor_email=request.args.get("email", "")[:254].strip(),
        action=request.args.get("action", "")[:64].strip(),
        since=since,
        until=until,
    )
    return filters, problems


def _date(name: str, label: str, problems: list[str]) -> date | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        problems.append(f"The {label} date must be a date like 2026-03-31.")
        return None


@bp.get("/audit", endpoint="audit")
@admin_required
def audit_page():
    filters, problems = _filters()
    page = audit.page(filters, after=request.args.get("after"))
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    return render_template(
        "admin/audit.html",
        filters=filters,
        problems=problems,
        page=page,
        args=args,
        actors=audit.actors(),
        actions=audit.action_choices(),
        system=audit.SYSTEM,
        changes=audit.compact_changes,
        describe=audit.describer(page.events),
    ), 400 if problems else 200


@bp.get("/audit.csv")
@admin_required
def audit_csv():
    filters, problems = _filters()
    if problems:
        return Response(" ".join(problems) + "\n", status=400, mimetype="text/plain")
    return Response(
        stream_with_context(audit.csv_lines(filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )
