"""Register, log in, log out, reset a forgotten password, accept an invitation."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import EqualTo, InputRequired

from .. import accounts, invites, password_reset, registration
from ..errors import LoginThrottled, ResetLinkInvalid
from .access import safe_next
from .forms import LoginForm, RegisterForm
from .transactions import transaction

bp = Blueprint("auth", __name__)


def _home_for(user) -> str:
    return url_for("agent.inbox") if user.is_agent else url_for("member.my_tickets")


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = RegisterForm()
    if form.validate_on_submit():
        with transaction(form) as done:
            registration.request_registration(form.email.data, form.display_name.data)
        if done.ok:  # the same answer whether or not the address has an account
            return render_template("auth/register_sent.html", email=form.email.data.strip())
    status = 422 if form.errors else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        # Commits the failure count, or the successful log-in time.
        with transaction() as done:
            user = accounts.authenticate(
                form.email.data, form.password.data, request.remote_addr or "", current_app.config
            )
        if isinstance(done.refusal, LoginThrottled):
            form.form_errors.append(str(done.refusal))
            return render_template("auth/login.html", form=form), 429
        if user is not None:
            login_user(user)
            return redirect(safe_next(form.next.data) or _home_for(user))
        form.form_errors.append("That email address and password do not match an account.")
    status = 422 if form.errors or form.form_errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")  # a POST, so a link or an image on another site cannot log anyone out
@login_required
def logout():
    """Ends the session on the server too: a copy of its cookie opens nothing afterwards."""
    _end_sessions("logged out")
    flash("You are logged out.", "info")
    return redirect(url_for("public.index"))


@bp.get("/account")
@login_required
def account():
    return render_template("auth/account.html")


@bp.post("/account/evidence")
@login_required
def evidence_preference():
    blur = request.form.get("blur_evidence") == "1"
    with transaction() as done:
        accounts.set_evidence_blur(current_user, blur)
    if not done.ok:
        abort(403)
    shown = "blurred until you reveal them" if blur else "shown as they are"
    flash(f"Saved: evidence images are {shown}.", "success")
    return redirect(url_for(".account"))


@bp.post("/account/sessions/end")
@login_required
def end_all_sessions():
    _end_sessions("logged out everywhere")
    flash("You are logged out on every device and browser.", "info")
    return redirect(url_for(".login"))


def _end_sessions(why: str) -> None:
    user = current_user._get_current_object()
    with transaction():
        accounts.end_sessions(user, user, why)
    logout_user()


class ResetRequestForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[InputRequired("Enter your email address.")],
        description="The address you log in with.",
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[InputRequired("Choose a password.")],
        description="At least 10 characters.",
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[EqualTo("password", "The two passwords are not the same.")],
    )


@bp.route("/password/reset", methods=["GET", "POST"])
def request_password_reset():
    """The same answer whether or not the address has an account."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        with transaction(form) as done:
            password_reset.request_reset(form.email.data)
        if done.ok:
            minutes = current_app.config["HELPDESK_PASSWORD_RESET_MINUTES"]
            return render_template(
                "auth/password_reset_sent.html", email=form.email.data.strip(), minutes=minutes
            )
    status = 422 if form.errors else 200
    return render_template("auth/password_reset.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Showing the form uses nothing up; only setting the password spends the link."""
    if password_reset.account_for_token(token) is None:
        return render_template("auth/password_reset_invalid.html"), 410
    form = NewPasswordForm()
    if form.validate_on_submit():
        with transaction(form) as done:
            password_reset.reset_password(token, form.password.data)
        if isinstance(done.refusal, ResetLinkInvalid):
            return render_template("auth/password_reset_invalid.html"), 410
        if done.ok:
            logout_user()
            flash("Your new password is set. Log in with it.", "success")
            return redirect(url_for(".login"))
    status = 422 if form.errors else 200
    return render_template("auth/password_reset_new.html", form=form), status


@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invite(token: str):
    """The invitee chooses a password and is logged in; setting it spends the link."""
    invitee = invites.account_for_invite(token)
    if invitee is None:
        return _invite_invalid()
    form = NewPasswordForm()
    if form.validate_on_submit():
        with transaction(form) as done:
            user = invites.accept(token, form.password.data)
        if isinstance(done.refusal, ResetLinkInvalid):
            return _invite_invalid()
        if done.ok:
            login_user(user)
            if user.is_agent:
                flash("Welcome! Your password is set and you are logged in.", "success")
                return redirect(_home_for(user))
            flash("Welcome! Your account is ready.", "success")
            return redirect(url_for("member.new_ticket"))
    status = 422 if form.errors else 200
    return render_template("auth/invite.html", form=form, invitee=invitee), status


def _invite_invalid():
    days = current_app.config["HELPDESK_INVITE_DAYS"]
    return render_template("auth/invite_invalid.html", days=days), 410
