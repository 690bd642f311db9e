"""API tokens: create one (its secret shown once), list them, revoke one."""

from flask import Response, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.widgets import CheckboxInput, ListWidget

from ... import api_tokens
from ...database import db
from ...models import ApiToken
from ..access import admin_required
from ..transactions import act_and_flash, transaction
from . import bp


class TokenForm(FlaskForm):
    name = StringField("Name", description="Who or what uses it, e.g. “Marketplace”.")
    # Unknown scopes reach the domain, which names the allowed ones.
    scopes = SelectMultipleField(
        "Scopes",
        choices=list(api_tokens.SCOPES),
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def _tokens_page(form: TokenForm, created: tuple[ApiToken, str] | None = None, status=200):
    response = Response(
        render_template(
            "admin/api_tokens.html",
            form=form,
            tokens=api_tokens.all_tokens(),
            created=created,
        ),
        status=status,
    )
    response.headers["Cache-Control"] = "no-store"  # the page may carry a secret
    return response


@bp.get("/api-tokens")
@admin_required
def tokens():
    return _tokens_page(TokenForm(formdata=None))


@bp.post("/api-tokens")
@admin_required
def token_create():
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form, status=400)
    with transaction(form) as done:
        created = api_tokens.create_token(
            current_user, form.name.data or "", form.scopes.data or []
        )
    if not done.ok:
        return _tokens_page(form, status=422)
    # Shown here, in answer to the POST, and never again: only its sha256 is stored.
    return _tokens_page(TokenForm(formdata=None), created=created)


@bp.post("/api-tokens/<int:token_id>/revoke")
@admin_required
def token_revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    act_and_flash(
        lambda: api_tokens.revoke(current_user, token),
        f"Revoked “{token.name}”: it no longer works.",
    )
    return redirect(url_for(".tokens"))
