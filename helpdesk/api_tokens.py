"""API tokens: create (the secret is shown once), verify, list and revoke.

A token's secret is 256 random bits, so a plain sha256 of it is enough to store: there is
nothing to guess, and a lookup by hash needs no slow hash nor a constant-time comparison.
"""

import hashlib
import re
import secrets
from collections.abc import Iterable

from flask import current_app
from sqlalchemy import select

from . import accounts, audit
from .database import db, utcnow
from .errors import InvalidInput
from .models import ApiToken, Role, User
from .permissions import Permission, require

# reports:* are the marketplace's member reports; stats:read is the desk's figures (GET
# /api/v1/reports/summary), for the team's own tools.
SCOPES = ("reports:create", "reports:read", "tickets:read", "tickets:write", "stats:read")
# Scopes that act as an agent: the token gets a service user to act as.
AGENT_SCOPES = frozenset({"tickets:read", "tickets:write", "stats:read"})
SECRET_PREFIX = "hdk_"
NAME_LENGTH = 100


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check(name: str, scopes: set[str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name or len(name) > NAME_LENGTH:
        errors["name"] = [f"Name the token (1 to {NAME_LENGTH} characters)."]
    unknown = sorted(scopes - set(SCOPES))
    if unknown or not scopes:
        errors["scopes"] = [f"Choose one or more of {', '.join(SCOPES)}; not {unknown or 'none'}."]
    return errors


def create_token(actor: User | None, name: str, scopes: Iterable[str]) -> tuple[ApiToken, str]:
    """A new token and its secret, which is not stored and cannot be shown again. An admin
    makes it, or the system (None: the CLI)."""
    require(actor, Permission.ADMINISTER, system_may=True)
    name, scopes = name.strip(), set(scopes)
    if errors := _check(name, scopes):
        raise InvalidInput(errors)
    scopes = sorted(scopes, key=SCOPES.index)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_hash=_digest(secret),
        prefix=secret[: len(SECRET_PREFIX) + 6],
        scopes=scopes,
        user=_service_user(name) if AGENT_SCOPES & set(scopes) else None,
    )
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token.created", target=f"api_token:{token.id}", scopes=scopes)
    return token, secret


def _service_user(name: str) -> User:
    """The agent a ticket-working token acts as: no password, so it can never log in."""
    domain = current_app.config["HELPDESK_SUPPORT_ADDRESS"].rsplit("@", 1)[1]
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "token"
    return accounts.create_user(
        f"api-{slug}-{secrets.token_hex(4)}@{domain}",
        None,
        role=Role.AGENT,
        display_name=f"API: {name}"[:100],
        actor=None,
    )


def verify(secret: str) -> ApiToken | None:
    """The active token with this secret, or None."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    return token if token is not None and token.is_active else None


def all_tokens() -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).order_by(ApiToken.id)))


def revoke(actor: User | None, token: ApiToken) -> None:
    """Stop the token working; its service user stays, for the audit trail, but inactive. An
    admin revokes it, or the system (None: the CLI)."""
    require(actor, Permission.ADMINISTER, system_may=True)
    if not token.is_active:
        return
    token.revoked_at = utcnow()
    if token.user is not None:
        token.user.active = False
    audit.record(actor, "api_token.revoked", target=f"api_token:{token.id}")
    db.session.flush()
