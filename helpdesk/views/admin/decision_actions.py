"""The actions agents choose from when they record a decision, at /admin/decision-actions:
add, rename, reorder, deactivate, and delete one that no decision names. Admins only."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import decisions
from ...database import db
from ...models import DecisionAction
from ..access import admin_required
from ..transactions import act_and_flash, refusal_text, transaction
from . import bp


def _page(error: str | None = None, kept: dict | None = None, status: int = 200):
    return render_template(
        "admin/decision_actions.html",
        actions=decisions.actions(active_only=False),
        usage=decisions.usage_counts(),
        error=error,
        kept=kept or {},
    ), status


@bp.get("/decision-actions", endpoint="decision_actions")
@admin_required
def decision_actions_page():
    return _page()


@bp.post("/decision-actions", endpoint="decision_action_add")
@admin_required
def add():
    name = request.form.get("name", "")
    with transaction() as done:
        added = decisions.add_action(current_user, name)
    if not done.ok:
        return _page(refusal_text(done.refusal), {"new": name}, 422)
    flash(f"Added “{added.name}”: agents can choose it now.", "success")
    return redirect(url_for(".decision_actions"))


def _action(action_id: int) -> DecisionAction:
    return db.get_or_404(DecisionAction, action_id)


@bp.post("/decision-actions/<int:action_id>/rename", endpoint="decision_action_rename")
@admin_required
def rename(action_id: int):
    action, name = _action(action_id), request.form.get("name", "")
    with transaction() as done:
        decisions.rename_action(current_user, action, name)
    if not done.ok:
        return _page(refusal_text(done.refusal), {action_id: name}, 422)
    flash(f"Renamed to “{action.name}”; past decisions show the new name.", "success")
    return redirect(url_for(".decision_actions"))


@bp.post("/decision-actions/<int:action_id>/move", endpoint="decision_action_move")
@admin_required
def move(action_id: int):
    action = _action(action_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is None:
        abort(400)
    act_and_flash(lambda: decisions.move_action(current_user, action, step))
    return redirect(url_for(".decision_actions"))


@bp.post("/decision-actions/<int:action_id>/active", endpoint="decision_action_active")
@admin_required
def set_active(action_id: int):
    action = _action(action_id)
    active = request.form.get("active") == "1"
    done = (
        f"Reactivated “{action.name}”: agents can choose it again."
        if active
        else f"Deactivated “{action.name}”: it is off the decision form; past decisions keep it."
    )
    act_and_flash(lambda: decisions.set_action_active(current_user, action, active), done)
    return redirect(url_for(".decision_actions"))


@bp.post("/decision-actions/<int:action_id>/delete", endpoint="decision_action_delete")
@admin_required
def delete(action_id: int):
    action = _action(action_id)
    name = action.name
    act_and_flash(lambda: decisions.delete_action(current_user, action), f"Deleted “{name}”.")
    return redirect(url_for(".decision_actions"))
