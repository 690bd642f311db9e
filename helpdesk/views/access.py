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


def requires(permission: Permission):
    """A view for those the permission allows; anyone else logged in gets 403."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not allows(current_user, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


agent_required = requires(Permission.WORK_TICKETS)  # agents and admins
admin_required = requires(Permission.ADMINISTER)


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
