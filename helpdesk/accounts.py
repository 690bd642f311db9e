"""Accounts: members register themselves; agents and admins are created by an admin or the CLI."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import Select, bindparam, delete, func, or_, select, tuple_
from sqlalchemy.exc import IntegrityError

from . import audit
from .database import db, utcnow
from .errors import EmailTaken, InvalidInput, LoginThrottled, NotAllowed
from .inbox import decode_cursor, encode_cursor
from .models import LoginFailure, Role, User
from .permissions import Permission, require

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MAX_DISPLAY_NAME_LENGTH = 100  # users.display_name


@cache
def _hasher_for(time_cost: int, memory_kib: int) -> tuple[PasswordHasher, str]:
    """Argon2id with the configured cost, and a dummy hash made with the same cost: checked
    when no account matches, so that a miss takes as long as a wrong password."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    return hasher, hasher.hash("no account has this password")


def _hasher() -> tuple[PasswordHasher, str]:
    config = current_app.config
    return _hasher_for(config["HELPDESK_ARGON2_TIME_COST"], config["HELPDESK_ARGON2_MEMORY_KIB"])


def normalise_email(email: str) -> str:
    """The canonical form we store and look up: validated syntax, lower-cased."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidInput({"email": [str(error)]}) from None
    return checked.normalized.lower()


def check_password_rules(password: str, email: str) -> None:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Use at most {MAX_PASSWORD_LENGTH} characters.")
    if password.strip().lower() == email.lower():
        problems.append("Don't use your email address as your password.")
    if problems:
        raise InvalidInput({"password": problems})


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


def checked_display_name(display_name: str) -> str:
    """The name without surrounding spaces; InvalidInput when empty or too long to store."""
    display_name = display_name.strip()
    if not display_name:
        raise InvalidInput({"display_name": ["Enter a name."]})
    if len(display_name) > MAX_DISPLAY_NAME_LENGTH:
        problem = f"Use at most {MAX_DISPLAY_NAME_LENGTH} characters."
        raise InvalidInput({"display_name": [problem]})
    return display_name


def create_user(
    email: str, password: str | None, *, role: Role, display_name: str, actor: User | None
) -> User:
    """Create an account; the database's unique index decides whether the address is taken."""
    email = normalise_email(email)
    display_name = checked_display_name(display_name)
    if password is not None:
        check_password_rules(password, email)
    user = User(
        email=email,
        display_name=display_name,
        role=role,
        password_hash=hash_password(password) if password is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise EmailTaken(f"An account with {email} already exists.") from None
    audit.record(actor or user, "user.created", target=f"user:{user.id}", role=str(role))
    return user


ANONYMISED_EMAIL = "anonymised-reporter@helpdesk.invalid"  # never an address that gets mail
ANONYMISED_NAME = "Anonymised reporter"


def anonymised_reporter() -> User:
    """The one account that reports stand under once their reporter is erased (retention, a
    deleted account): inactive, without a password, holding nothing about anyone."""
    query = select(User).where(User.email == ANONYMISED_EMAIL)
    if (user := db.session.scalar(query)) is not None:
        return user
    user = User(email=ANONYMISED_EMAIL, display_name=ANONYMISED_NAME, active=False)
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:  # made by another process at the same moment
        return db.session.scalar(query)
    return user


def password_matches(user: User, password: str) -> bool:
    """Whether this is the account's password (a confirmation, not a log-in: nothing counted)."""
    return _password_matches(user, password)


def authenticate(email: str, password: str, address: str, settings: dict) -> User | None:
    """The account for these credentials, or None; a failure is recorded for throttling.

    Raises LoginThrottled without checking the password once an account or a client address
    has too many recent failures, so guessing stops working even with the right password.
    """
    email = email.strip().lower()
    since = utcnow() - timedelta(minutes=settings["HELPDESK_LOGIN_WINDOW_MINUTES"])
    if (
        _failures_since(LoginFailure.email == email, since)
        >= settings["HELPDESK_LOGIN_FAILURES_PER_ACCOUNT"]
        or _failures_since(LoginFailure.address == address, since)
        >= settings["HELPDESK_LOGIN_FAILURES_PER_ADDRESS"]
    ):
        log.warning("log-in throttled for %s from %s", email, address)
        raise LoginThrottled(
            "Too many failed log-ins. Wait "
            f"{settings['HELPDESK_LOGIN_WINDOW_MINUTES']} minutes, then try again."
        )
    user = with_email(email)
    if not _password_matches(user, password) or not user.active:
        db.session.add(LoginFailure(email=email[:254], address=address[:64]))
        return None
    if _hasher()[0].check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
    return user


def _failures_since(condition, since) -> int:
    query = select(func.count(LoginFailure.id)).where(condition, LoginFailure.created_at >= since)
    return db.session.scalar(query)


def _password_matches(user: User | None, password: str) -> bool:
    """Check the password; with no account (or none set) a dummy hash keeps the time the same."""
    stored = user.password_hash if user is not None else None
    hasher, dummy_hash = _hasher()
    try:
        return hasher.verify(stored or dummy_hash, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


MARKETPLACE_ID_LENGTH = 64


def marketplace_member(marketplace_id: str, email: str, display_name: str) -> User:
    """The member the marketplace reports for: found by their marketplace id, else by email
    (a member who registered here before; the id is then linked), else made without a
    password, as email intake does. Flushes; the caller commits.

    The address and the name are checked even for a member found by id, so that what is
    refused does not depend on who has reported before."""
    marketplace_id = marketplace_id.strip()
    if not marketplace_id or len(marketplace_id) > MARKETPLACE_ID_LENGTH:
        problem = f"Give the member's marketplace id (1 to {MARKETPLACE_ID_LENGTH} characters)."
        raise InvalidInput({"marketplace_id": [problem]})
    email, display_name = normalise_email(email), checked_display_name(display_name)
    user = marketplace_member_or_none(marketplace_id)
    if user is None:
        user = _link_marketplace_id(marketplace_id, email, display_name)
    if not user.active:
        raise NotAllowed("This member's help-desk account is disabled.")
    return user


def marketplace_member_or_none(marketplace_id: str) -> User | None:
    return db.session.scalar(select(User).where(User.marketplace_id == marketplace_id.strip()))


def _link_marketplace_id(marketplace_id: str, email: str, display_name: str) -> User:
    user = with_email(email)
    if user is None:
        user = create_user(email, None, role=Role.MEMBER, display_name=display_name, actor=None)
    elif user.role is not Role.MEMBER or user.marketplace_id is not None:
        raise EmailTaken("This address belongs to another account.")
    user.marketplace_id = marketplace_id
    audit.record(
        user, "user.marketplace_linked", target=f"user:{user.id}", marketplace_id=marketplace_id
    )
    db.session.flush()
    return user


# ---------- People: the admin's list, role changes, deactivation ----------

PEOPLE_PAGE_SIZE = 50  # read at call time, so tests can patch it
MAX_SEARCH_LENGTH = 254


@dataclass
class PeoplePage:
    users: list[User]
    next_cursor: str | None


def people_page(
    search: str = "", role: Role | None = None, after: str | None = None, size: int | None = None
) -> PeoplePage:
    """One page of accounts, newest first, matching a name or email fragment (any case) and a
    role; continues after a keyset cursor, so pages never shift as accounts are added."""
    size = size or PEOPLE_PAGE_SIZE
    query = select(User)
    term = search.strip().lower()[:MAX_SEARCH_LENGTH]
    if term:
        query = query.where(
            or_(
                func.lower(User.display_name).contains(term, autoescape=True),
                User.email.contains(term, autoescape=True),  # stored lower-cased
            )
        )
    if role is not None:
        query = query.where(User.role == role)
    cursor = decode_cursor(after, 2) if after else None
    if cursor is not None:
        query = query.where(tuple_(User.created_at, User.id) < tuple(cursor))
    query = query.order_by(User.created_at.desc(), User.id.desc()).limit(size + 1)
    users = list(db.session.scalars(query))
    last = users[size - 1] if len(users) > size else None
    next_cursor = encode_cursor([last.created_at, last.id]) if last is not None else None
    return PeoplePage(users=users[:size], next_cursor=next_cursor)


def count_by_role() -> dict[Role, int]:
    """How many accounts have each role, every role listed (the admin dashboard)."""
    counts = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    return {role: counts.get(role, 0) for role in Role}


def _other_active_admins(user: User) -> int:
    """Active admins besides this user; their rows are locked (on PostgreSQL) until commit, so
    two admins demoting each other at once cannot leave nobody in charge."""
    query = (
        select(User.id)
        .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        .with_for_update()
    )
    return len(db.session.scalars(query).all())


def change_role(actor: User, user: User, role: Role | str) -> None:
    """Make the account a member, agent or admin. Refuses to take away the actor's own admin
    role or the last active admin's. Flushes; the caller commits."""
    require(actor, Permission.ADMINISTER)
    try:
        role = Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise InvalidInput({"role": [f"Choose a role: {choices}."]}) from None
    if role is user.role:
        return
    if user.role is Role.ADMIN:
        if user.active and _other_active_admins(user) == 0:
            raise NotAllowed(
                f"{user.email} is the last active admin; make someone else admin first."
            )
        if user.id == actor.id:
            raise NotAllowed("You cannot remove your own admin role; ask another admin.")
    old = user.role
    user.role = role
    audit.record(actor, "user.role_changed", target=f"user:{user.id}", old=str(old), new=str(role))
    end_sessions(actor, user, "role changed")


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate an account (it can no longer log in, and its open sessions end at their next
    request; its tickets stay) or reactivate it. Refuses to deactivate the actor or the last
    active admin. Flushes; the caller commits."""
    require(actor, Permission.ADMINISTER)
    if user.active == active:
        return
    if not active:
        if user.role is Role.ADMIN and _other_active_admins(user) == 0:
            raise NotAllowed(f"{user.email} is the last active admin; it cannot be deactivated.")
        if user.id == actor.id:
            raise NotAllowed("You cannot deactivate your own account.")
    user.active = active
    action = "user.reactivated" if active else "user.deactivated"
    audit.record(actor, action, target=f"user:{user.id}")
    end_sessions(actor, user, action.removeprefix("user."))


def end_sessions(actor: User | None, user: User, why: str) -> None:
    """End every session of the account, on every device: their cookies carry the previous
    generation, which the user loader refuses. The account itself, an admin, or the system
    (actor None: a password reset by its emailed link) may. Flushes; the caller commits."""
    if actor is not None and actor.id != user.id:
        require(actor, Permission.ADMINISTER)
    user.session_generation += 1
    audit.record(actor, "user.sessions_ended", target=f"user:{user.id}", why=why)
    db.session.flush()


def set_evidence_blur(user: User, blur: bool) -> None:
    """An agent's own choice: evidence images blurred and grey until revealed (the default),
    or shown as they are. Flushes; the caller commits."""
    require(user, Permission.WORK_TICKETS)
    if user.blur_evidence == blur:
        return
    user.blur_evidence = blur
    audit.record(user, "user.evidence_blur_changed", target=f"user:{user.id}", new=blur)
    db.session.flush()


def with_email(email: str) -> User | None:
    """The account with this address (as normalise_email gives it), if there is one."""
    return db.session.scalar(_user_with_email(), {"email": email})


@cache
def _user_with_email() -> Select:
    """Built once: every log-in and every mail taken in asks."""
    return select(User).where(User.email == bindparam("email"))


@cache
def _user_with_id() -> Select:
    """Built once: every request asks. (Session.get would build its query each time, and its
    identity-map shortcut never helps: a request's session does not hold the user yet.)"""
    return select(User).where(User.id == bindparam("id"))


def session_user(session_id: str) -> User | None:
    """The active account a session cookie's user id ("<id>.<generation>") names, if that
    session has not been ended since."""
    user_id, _, generation = session_id.partition(".")
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    user = db.session.scalar(_user_with_id(), {"id": int(user_id)})
    if user is None or not user.active or user.session_generation != int(generation):
        return None
    return user
