"""Members register themselves, without the page telling anyone which addresses have accounts.

Registering asks for a name and an address only, and always answers "check your mail". A new
address gets a passwordless member account and a `registration` mail whose link (an invitation
token: it names the account and its unset password, so it works once) lets the owner of the
address choose a password. An address that has an account already gets a `registered_again`
mail instead, to that owner only, with a password-reset link. Whoever typed the address learns
nothing either way; only the address's owner reads the answer.
"""

from flask import current_app

from . import accounts, audit, signing
from .errors import EmailTaken
from .mail import outbox
from .mail.addresses import external_url
from .models import MailKind, Role, User
from .password_reset import password_fingerprint


def request_registration(email: str, display_name: str) -> None:
    """Queue the mail that answers a registration for this address. Raises InvalidInput only
    for an address or a name that is not one, which says nothing about accounts. Flushes; the
    caller commits."""
    email = accounts.normalise_email(email)
    display_name = accounts.checked_display_name(display_name)
    user = accounts.with_email(email)
    if user is None:
        _new_member(email, display_name)
    elif user.active:
        _tell_the_owner(user)


def _new_member(email: str, display_name: str) -> None:
    try:
        user = accounts.create_user(
            email, None, role=Role.MEMBER, display_name=display_name, actor=None
        )
    except EmailTaken:  # registered by another request a moment ago: that one mails them
        return
    token = signing.invite_token(user.id, password_fingerprint(user), _secret())
    link = external_url("auth.accept_invite", token=token)
    outbox.enqueue(MailKind.REGISTRATION, user=user, actor=None, invite_url=link)
    audit.record(None, "user.registration_requested", target=f"user:{user.id}")


def _tell_the_owner(user: User) -> None:
    token = signing.password_reset_token(user.id, password_fingerprint(user), _secret())
    link = external_url("auth.reset_password", token=token)
    outbox.enqueue(MailKind.REGISTERED_AGAIN, user=user, actor=None, reset_url=link)
    audit.record(None, "user.registered_again", target=f"user:{user.id}")


def _secret() -> str:
    return current_app.config["SECRET_KEY"]
