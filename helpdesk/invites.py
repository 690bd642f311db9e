"""Invitations: an admin brings an agent or admin on board by mail.

The invitee's account is made at once, without a password, and an account_invite mail carries a
signed link to their own address, where they choose a password. Like a reset link, the token
names the account and a fingerprint of its password hash, so the link stops working once a
password is set; it also expires after HELPDESK_INVITE_DAYS. Inviting again someone who has
not set a password yet sends a fresh link; anyone else with an account is refused here (a
member is made staff with a role change instead).
"""

from flask import current_app

from . import accounts, audit, signing
from .database import db, utcnow
from .errors import EmailTaken, InvalidInput, ResetLinkInvalid
from .mail import outbox
from .mail.addresses import external_url
from .models import MailKind, OutboundMail, Role, User
from .password_reset import password_fingerprint, signed_account
from .permissions import Permission, require

INVITED_ROLES = (Role.AGENT, Role.ADMIN)


def invite(actor: User, email: str, display_name: str, role: Role | str) -> OutboundMail:
    """Make the invitee's account (or take the pending one invited before), give it the name
    and role asked for, and queue the invitation to its own address. Returns the mail, which
    the privacy guard may have blocked. Flushes; the caller commits."""
    require(actor, Permission.ADMINISTER)
    email, display_name, role = _checked(email, display_name, role)
    user = accounts.with_email(email)
    resent = user is not None
    if user is None:
        user = _new_account(email, display_name, role, actor)
    else:
        _refuse_unless_pending(user)
        accounts.change_role(actor, user, role)
        user.display_name = display_name
    token = signing.invite_token(user.id, password_fingerprint(user), _secret())
    invite_url = external_url("auth.accept_invite", token=token)
    mail = outbox.enqueue(MailKind.ACCOUNT_INVITE, user=user, actor=actor, invite_url=invite_url)
    audit.record(
        actor,
        "user.invited",
        target=f"user:{user.id}",
        role=str(role),
        display_name=display_name,
        resent=resent,
    )
    db.session.flush()
    return mail


def _checked(email: str, display_name: str, role: Role | str) -> tuple[str, str, Role]:
    """The address, name and role, or InvalidInput naming every field that is wrong."""
    problems: dict[str, list[str]] = {}
    try:
        email = accounts.normalise_email(email)
    except InvalidInput as invalid:
        problems.update(invalid.errors)
    try:
        display_name = accounts.checked_display_name(display_name)
    except InvalidInput as invalid:
        problems.update(invalid.errors)
    try:
        role = Role(role)
    except ValueError:
        role = None
    if role not in INVITED_ROLES:
        problems["role"] = ["Choose agent or admin; members register themselves."]
    if problems:
        raise InvalidInput(problems)
    return email, display_name, role


def _new_account(email: str, display_name: str, role: Role, actor: User) -> User:
    try:
        return accounts.create_user(email, None, role=role, display_name=display_name, actor=actor)
    except EmailTaken:  # made by someone else a moment ago
        raise InvalidInput({"email": ["An account with this address already exists."]}) from None


def _refuse_unless_pending(user: User) -> None:
    """Only an invitee who has not set a password yet may be invited again."""
    if user.role not in INVITED_ROLES:
        problem = "This address belongs to a member. Make them an agent with “Change role”."
    elif user.password_hash is not None:
        problem = f"This address already has an {user.role} account; they can log in with it."
    elif not user.active:
        problem = "This account is deactivated. Reactivate it first, then invite again."
    else:
        return
    raise InvalidInput({"email": [problem]})


def account_for_invite(token: str) -> User | None:
    """The active account an invitation was made for, while it is fresh and no password is set."""
    max_age = current_app.config["HELPDESK_INVITE_DAYS"] * 24 * 60 * 60
    return signed_account(signing.read_invite_token(token, _secret(), max_age))


def accept(token: str, password: str) -> User:
    """Set the invitee's first password, which spends the link; the caller logs them in.
    Flushes; the caller commits."""
    user = account_for_invite(token)
    if user is None:
        raise ResetLinkInvalid("This invitation has expired or was already used.")
    accounts.check_password_rules(password, user.email)
    user.password_hash = accounts.hash_password(password)
    user.last_login_at = utcnow()
    audit.record(user, "user.invite_accepted", target=f"user:{user.id}")
    db.session.flush()
    return user


def _secret() -> str:
    return current_app.config["SECRET_KEY"]
