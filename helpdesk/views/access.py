"""Who may see what: the user loader, role checks, safe redirects and form error plumbing."""

from functools import wraps
from urllib.parse import urlsplit

from flask import abort
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from .. import accounts
from ..errors import InvalidInput
from ..extensions import login_manager
from ..models import User
from ..permissions import Permission, allows


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    return accounts.session_user(session_id)


def agent_required(view):
    """Agents and admins only; a member gets 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not allows(current_user, Permission.WORK_TICKETS):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not allows(current_user, Permission.ADMINISTER):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None) -> str | None:
    """The `next` target if it stays on this site (a path), otherwise None."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch in target for ch in "\\\r\n\t") or urlsplit(target).netloc:
        return None
    return target


def show_errors(form: FlaskForm, invalid: InvalidInput) -> None:
    """Put the domain's messages beside the fields they belong to."""
    for field_name, messages in invalid.errors.items():
        field = form._fields.get(field_name)
        target = field.errors if field is not None else form.form_errors
        if isinstance(target, tuple):  # WTForms leaves an empty tuple on unvalidated fields
            field.errors = target = list(target)
        target.extend(messages)
