"""The admin console's audit log, API tokens and people. Members and agents get 403."""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from ... import accounts, api_tokens, audit_log, invites
from ...database import db
from ...errors import DomainError, InvalidInput, NotAllowed
from ...models import ApiToken, MailStatus, OutboundMail, Role, User
from ..access import admin_required, safe_next, show_errors

bp = Blueprint("admin_console", __name__, url_prefix="/admin")


# ---------- Audit log ----------


def _filters() -> tuple[audit_log.AuditFilters, list[str]]:
    """The filters in the query string, and a message for each one that could not be read."""
    problems: list[str] = []
    actor: int | str | None = None
    raw_actor = request.args.get("actor", "")
    if raw_actor == audit_log.SYSTEM:
        actor = audit_log.SYSTEM
    elif raw_actor.isdigit():
        actor = int(raw_actor)
    elif raw_actor:
        problems.append("Choose the actor from the list.")
    since = _date("from", "From", problems)
    until = _date("to", "To", problems)
    if since and until and since > until:
        problems.append("The From date is after the To date.")
        since = until = None
    filters = audit_log.AuditFilters(
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


@bp.get("/audit")
@admin_required
def audit():
    filters, problems = _filters()
    page = audit_log.page(filters, after=request.args.get("after"))
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    return render_template(
        "admin/audit.html",
        filters=filters,
        problems=problems,
        page=page,
        args=args,
        actors=audit_log.actors(),
        actions=audit_log.action_choices(),
        system=audit_log.SYSTEM,
        changes=audit_log.compact_changes,
    ), 400 if problems else 200


@bp.get("/audit.csv")
@admin_required
def audit_csv():
    filters, problems = _filters()
    if problems:
        return Response(" ".join(problems) + "\n", status=400, mimetype="text/plain")
    return Response(
        stream_with_context(_csv_lines(audit_log.csv_rows(filters))),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )


def _csv_lines(rows: Iterable[list[str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


# ---------- API tokens ----------


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
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form, status=400)
    try:
        created = api_tokens.create_token(
            current_user, form.name.data or "", form.scopes.data or []
        )
        db.session.commit()
    except InvalidInput as invalid:
        db.session.rollback()
        show_errors(form, invalid)
        return _tokens_page(form, status=422)
    # Shown here, in answer to the POST, and never again: only its sha256 is stored.
    return _tokens_page(TokenForm(formdata=None), created=created)


@bp.post("/api-tokens/<int:token_id>/revoke")
@admin_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None:
        abort(404)
    api_tokens.revoke(current_user, token)
    db.session.commit()
    flash(f"Revoked “{token.name}”: it no longer works.", "success")
    return redirect(url_for(".tokens"))


# ---------- People ----------


def _people_filters() -> tuple[str, Role | None, list[str]]:
    """The search text and role in the query string, and a message if the role is not one."""
    search = request.args.get("q", "")[: accounts.MAX_SEARCH_LENGTH].strip()
    raw_role = request.args.get("role", "")
    try:
        return search, Role(raw_role) if raw_role else None, []
    except ValueError:
        return search, None, ["Choose the role from the list."]


@bp.get("/users")
@admin_required
def users():
    search, role, problems = _people_filters()
    page = accounts.people_page(search, role, after=request.args.get("after"))
    args = {k: v for k, v in request.args.items() if k != "after" and v}
    return render_template(
        "admin/users.html",
        search=search,
        role=role,
        roles=list(Role),
        problems=problems,
        page=page,
        args=args,
    ), 400 if problems else 200


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _back_to_people():
    """Back to the list the admin acted from (its search, filter and page), else its start."""
    back = safe_next(request.form.get("back"))
    if back is None or not (back == "/admin/users" or back.startswith("/admin/users?")):
        back = url_for(".users")
    return redirect(back, code=303)


def _refused(error: DomainError):
    db.session.rollback()
    flash(error.messages if isinstance(error, InvalidInput) else str(error), "error")
    return _back_to_people()


@bp.post("/users/<int:user_id>/role")
@admin_required
def change_role(user_id: int):
    user = _user_or_404(user_id)
    try:
        accounts.change_role(current_user, user, request.form.get("role", ""))
        db.session.commit()
    except (InvalidInput, NotAllowed) as error:
        return _refused(error)
    flash(f"{user.display_name} is now {user.role.value}.", "success")
    return _back_to_people()


@bp.post("/users/<int:user_id>/active")
@admin_required
def set_active(user_id: int):
    user = _user_or_404(user_id)
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(current_user, user, active)
        db.session.commit()
    except (InvalidInput, NotAllowed) as error:
        return _refused(error)
    if active:
        flash(f"Reactivated {user.display_name}: they can log in again.", "success")
    else:
        flash(
            f"Deactivated {user.display_name}: they can no longer log in; their tickets stay.",
            "success",
        )
    return _back_to_people()


class InviteForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[InputRequired("Enter their email address.")],
        description="Their own address: the invitation goes there, and they log in with it.",
    )
    display_name = StringField("Name", validators=[InputRequired("Enter their name.")])
    # Any other value reaches the domain, which names the roles an invitation can give.
    role = SelectField(
        "Role",
        choices=[
            SelectChoice(role.value, role.value.capitalize()) for role in invites.INVITED_ROLES
        ],
        validate_choice=False,
        description="Agents work tickets; admins also run the help desk.",
    )


@bp.route("/users/invite", methods=["GET", "POST"])
@admin_required
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            mail = invites.invite(
                current_user, form.email.data, form.display_name.data, form.role.data or ""
            )
            db.session.commit()
        except InvalidInput as invalid:
            db.session.rollback()
            show_errors(form, invalid)
        else:
            _flash_invited(mail)
            return redirect(url_for(".users", q=mail.user.email), code=303)
    status = 422 if form.errors else 200
    return render_template("admin/invite.html", form=form), status


def _flash_invited(mail: OutboundMail) -> None:
    user = mail.user
    if mail.status is MailStatus.QUEUED:
        days = current_app.config["HELPDESK_INVITE_DAYS"]
        flash(
            f"Invited {user.display_name} as {user.role}: a link to choose a password is on its "
            f"way to {user.email}. It works once, for {days} days.",
            "success",
        )
    else:
        flash(
            f"The account for {user.email} is ready, but the invitation was not sent: "
            f"{mail.reason} Correct the name, then invite again.",
            "error",
        )
