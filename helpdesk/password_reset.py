"""Password reset by mail: a signed, expiring, single-use link to the account's own address.

The token names the account and a fingerprint of its current password hash, so setting a
password (through the link or otherwise) makes every earlier link useless: single use without a
table of used tokens. Asking for a link answers the same whether or not the address has an
account; only an active account gets mail.
"""

import hashlib

from flask import current_app

from . import accounts, audit, signing
from .database import db
from .errors import ResetLinkInvalid
from .mail import outbox
from .mail.addresses import external_url
from .models import MailKind, User


def request_reset(email: str) -> None:
    """Queue a reset link for the account with this address, if there is an active one.

    Raises InvalidInput only for an address that is not an address at all, which says nothing
    about accounts. Flushes; the caller commits.
    """
    email = accounts.normalise_email(email)
    user = accounts.with_email(email)
    if user is None or not user.active:
        return
    token = signing.password_reset_token(user.id, password_fingerprint(user), _secret())
    reset_url = external_url("auth.reset_password", token=token)
    outbox.enqueue(MailKind.PASSWORD_RESET, user=user, actor=None, reset_url=reset_url)
    audit.record(None, "user.password_reset_requested", target=f"user:{user.id}")


def account_for_token(token: str) -> User | None:
    """The active account a link was made for, while the link is fresh and unused."""
    max_age = current_app.config["HELPDESK_PASSWORD_RESET_MINUTES"] * 60
    return signed_account(signing.read_password_reset_token(token, _secret(), max_age))


def signed_account(signed: tuple[int, str] | None) -> User | None:
    """The active account a checked token names, while its password is still the one the
    token was made for (unset, for an invitation): a used link stops working."""
    if signed is None:
        return None
    user_id, fingerprint = signed
    user = db.session.get(User, user_id)
    if user is None or not user.active or fingerprint != password_fingerprint(user):
        return None
    return user


def reset_password(token: str, password: str) -> User:
    """Set the account's new password; the link stops working. Flushes; the caller commits."""
    user = account_for_token(token)
    if user is None:
        raise ResetLinkInvalid("This link has expired or was already used. Ask for a new one.")
    accounts.check_password_rules(password, user.email)
    user.password_hash = accounts.hash_password(password)
    audit.record(user, "user.password_reset", target=f"user:{user.id}")
    accounts.end_sessions(user, user, "password reset")
    return user


def password_fingerprint(user: User) -> str:
    """Changes whenever the password does; reveals nothing about the hash."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:20]


def _secret() -> str:
    return current_app.config["SECRET_KEY"]
