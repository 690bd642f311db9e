"""Merging a duplicate report into another ticket: a page that shows both side by side and
what the merge will do, and the confirmation that performs it (tickets.merge)."""

from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import ticket_lookup, tickets
from ..errors import StaleTicket
from ..models import MessageKind, Ticket
from .access import agent_required
from .agent import bp
from .transactions import refusal_text, transaction

EXCERPT_LENGTH = 300
NO_SUCH_TICKET = "There is no ticket with that reference."


@dataclass(frozen=True)
class MergePlan:
    duplicate: Ticket
    survivor: Ticket | None
    problem: str | None

    @property
    def same_reporter(self) -> bool:
        return self.survivor is not None and self.survivor.reporter_id == self.duplicate.reporter_id


def excerpt(ticket: Ticket) -> str:
    """The start of the reporter's first message."""
    first = next((m for m in ticket.messages if m.kind is MessageKind.REPORTER), None)
    if first is None:
        return ""
    body = " ".join(first.body.split())
    return body if len(body) <= EXCERPT_LENGTH else body[:EXCERPT_LENGTH].rstrip() + "…"


def _plan(reference: str, into: str) -> MergePlan:
    duplicate = ticket_lookup.by_reference(reference) or abort(404)
    if not into.strip():
        return MergePlan(duplicate, None, None)
    survivor = ticket_lookup.by_reference(into)
    if survivor is None:
        return MergePlan(duplicate, None, NO_SUCH_TICKET)
    return MergePlan(duplicate, survivor, tickets.merge_problem(duplicate, survivor))


def _render(plan: MergePlan, into: str, error: str | None = None, status: int = 200):
    return render_template(
        "agent/merge.html", plan=plan, into=into, error=error, excerpt=excerpt
    ), status


@bp.get("/tickets/<reference>/merge", endpoint="merge")
@agent_required
def confirm_merge(reference: str):
    into = request.args.get("into", "")[:40]
    plan = _plan(reference, into)
    return _render(plan, into, status=200 if plan.problem is None else 422)


@bp.post("/tickets/<reference>/merge", endpoint="perform_merge")
@agent_required
def perform_merge(reference: str):
    """Merge as confirmed on the page; a form that did not come from it (the ticket page's
    "Merge into") is shown the page first."""
    into = request.form.get("into", request.form.get("survivor", ""))[:40]
    if "into_version" not in request.form:
        return redirect(url_for(".merge", reference=reference, into=into), 303)
    plan = _plan(reference, into)
    if plan.survivor is None:
        return _render(plan, into, plan.problem or NO_SUCH_TICKET, 422)
    with transaction() as done:
        merged = tickets.merge(
            current_user,
            plan.duplicate,
            plan.survivor,
            version=_version("version"),
            survivor_version=_version("into_version"),
        )
    if not done.ok:
        status = 409 if isinstance(done.refusal, StaleTicket) else 422
        return _render(_plan(reference, into), into, refusal_text(done.refusal), status)
    survivor = plan.survivor.reference
    if merged:
        flash(f"{plan.duplicate.reference} was merged into {survivor}.", "success")
    else:
        flash(f"{plan.duplicate.reference} was already merged into {survivor}.", "info")
    return redirect(url_for(".ticket", reference=survivor))


def _version(name: str) -> int:
    """A version the confirmation page showed; without it the merge could undo a change the
    agent never saw, so it is refused."""
    value = request.form.get(name, "")
    if not value.isdigit():
        raise StaleTicket("This merge came without the tickets' versions. Reload the page.")
    return int(value)
