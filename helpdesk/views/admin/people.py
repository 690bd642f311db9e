"""People: find them, change their role, deactivate them, invite agents and admins."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired

from ... import accounts, invites
from ...database import db
from ...models import MailStatus, OutboundMail, Role, User
from ..access import admin_required, safe_next
from ..transactions import act_and_flash, transaction
from . import bp


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


def _back_to_people():
    """Back to the list the admin acted from (its search, filter and page), else its start."""
    back = safe_next(request.form.get("back"))
    if back is None or not (back == "/admin/users" or back.startswith("/admin/users?")):
        back = url_for(".users")
    return redirect(back, code=303)


@bp.post("/users/<int:user_id>/role")
@admin_required
def user_role(user_id: int):
    user = db.get_or_404(User, user_id)
    role = request.form.get("role", "")
    act_and_flash(
        lambda: accounts.change_role(current_user, user, role),
        f"{user.display_name} is now {role}.",
    )
    return _back_to_people()


@bp.post("/users/<int:user_id>/active")
@admin_required
def user_active(user_id: int):
    user = db.get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    name = user.display_name
    done = (
        f"Reactivated {name}: they can log in again."
        if active
        else f"Deactivated {name}: they can no longer log in; their tickets stay."
    )
    act_and_flash(lambda: accounts.set_active(current_user, user, active), done)
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
        with transaction(form) as done:
            mail = invites.invite(
                current_user, form.email.data, form.display_name.data, form.role.data or ""
            )
        if done.ok:
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
