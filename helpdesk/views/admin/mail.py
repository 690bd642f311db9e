"""Mail in: the inbound log with each message's raw source, and the mail addresses (aliases).
Admins only; the original of a mail in a ticket's thread is on the agent's side."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from ... import aliases, intake
from ...categories import all_categories
from ...database import db
from ...errors import InvalidInput
from ...intake import inbound_log
from ...models import Category, InboundMail, InboundOutcome, MailAlias
from ..access import admin_required, show_errors
from ..forms import optional_int
from ..transactions import act_and_flash, transaction
from . import bp

# The raw source shown on the page; the whole of it is always a download away.
SHOWN_SOURCE_BYTES = 200_000


# ---------- Inbound log ----------


@bp.get("/inbound")
@admin_required
def inbound():
    outcome = _outcome_filter(request.args.get("outcome", ""))
    page = inbound_log.inbound_page(outcome, after=request.args.get("after", type=int))
    args = {"outcome": outcome.value} if outcome else {}
    return render_template(
        "admin/inbound.html",
        page=page,
        outcome=outcome,
        outcomes=list(InboundOutcome),
        counts=inbound_log.outcome_counts(),
        args=args,
    )


def _outcome_filter(value: str) -> InboundOutcome | None:
    try:
        return InboundOutcome(value) if value else None
    except ValueError:
        abort(400, description="There is no such outcome.")


@bp.get("/inbound/<int:inbound_id>")
@admin_required
def inbound_detail(inbound_id: int):
    mail = db.get_or_404(InboundMail, inbound_id)
    source = mail.raw[:SHOWN_SOURCE_BYTES].decode("utf-8", errors="replace")
    return render_template(
        "admin/inbound_detail.html",
        mail=mail,
        source=source,
        shortened=mail.size > SHOWN_SOURCE_BYTES,
        reprocessable=mail.outcome not in (InboundOutcome.CREATED, InboundOutcome.APPENDED),
    )


@bp.post("/inbound/<int:inbound_id>/reprocess")
@admin_required
def inbound_reprocess(inbound_id: int):
    db.get_or_404(InboundMail, inbound_id)
    try:
        result = intake.reprocess(current_user, inbound_id)
    except intake.NotReprocessable as refused:
        flash(str(refused), "error")
    else:
        ticket = f" ({result.ticket})" if result.ticket else ""
        flash(f"Processed again: {result.outcome.value}{ticket}. {result.reason or ''}", "success")
    return redirect(url_for(".inbound_detail", inbound_id=inbound_id), code=303)


# ---------- Mail addresses ----------


class AliasForm(FlaskForm):
    address = StringField("Address", description="Mail to it opens reports in the category.")
    category = SelectField("Category", coerce=optional_int, validate_choice=False)


class AliasTestForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only question, asked with GET

    address = StringField("Recipient address")


@bp.route("/mail", methods=["GET", "POST"])
@admin_required
def mail_addresses():
    form = AliasForm(prefix="alias")
    form.category.choices = [("", "Choose a category")] + _category_choices()
    tester = AliasTestForm(request.args, prefix="test")
    if form.validate_on_submit():
        with transaction(form) as done:
            alias = aliases.add_alias(
                current_user, form.address.data or "", _category(form.category.data)
            )
        if done.ok:
            flash(f"Mail to {alias.address} now opens {alias.category.name} reports.", "success")
            return redirect(url_for(".mail_addresses"), code=303)
    return _mail_page(form, tester, status=400 if form.errors else 200)


def _mail_page(form: AliasForm, tester: AliasTestForm, status: int):
    config = current_app.config
    route = None
    if tester.address.data:
        try:
            route = aliases.test_address(tester.address.data)
        except InvalidInput as invalid:
            show_errors(tester, invalid)
    support = config["HELPDESK_SUPPORT_ADDRESS"]
    support_category, support_why = aliases.category_for([support])
    return render_template(
        "admin/mail.html",
        form=form,
        tester=tester,
        route=route,
        aliases=aliases.all_aliases(),
        categories=_category_choices(),
        support_address=support,
        support_category=support_category,
        support_why=support_why,
    ), status


@bp.post("/mail/<int:alias_id>/category")
@admin_required
def alias_category(alias_id: int):
    alias = db.get_or_404(MailAlias, alias_id)
    category = _category(optional_int(request.form.get("category")))
    if act_and_flash(lambda: aliases.change_category(current_user, alias, category)):
        flash(f"Mail to {alias.address} now opens {category.name} reports.", "success")
    return redirect(url_for(".mail_addresses"), code=303)


@bp.post("/mail/<int:alias_id>/delete")
@admin_required
def alias_delete(alias_id: int):
    alias = db.get_or_404(MailAlias, alias_id)
    address = alias.address
    act_and_flash(
        lambda: aliases.remove_alias(current_user, alias),
        f"{address} is no longer an alias; its mail now gets the default category.",
    )
    return redirect(url_for(".mail_addresses"), code=303)


def _category(category_id: int | None) -> Category | None:
    return db.session.get(Category, category_id) if category_id is not None else None


def _category_choices() -> list[tuple[int, str]]:
    return [
        (category.id, category.name + ("" if category.active else " (inactive)"))
        for category in all_categories()
    ]
