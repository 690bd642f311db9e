"""Public identifiers that must not be guessable, and the signed tokens mail carries."""

import base64
import hashlib
import hmac
import re
import secrets

from itsdangerous import BadData, Signer, URLSafeTimedSerializer

# Crockford's base32 alphabet: no I, L, O or U, so a reference read aloud or retyped survives.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PREFIX = "HD-"


def new_reference() -> str:
    """A ticket reference such as HD-7K3QX9MB: 40 random bits, never sequential."""
    return REFERENCE_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(8))


# What people type for a reference: any case, and, as Crockford decodes, the letters that are
# misread digits (O for 0, I and L for 1). Every letter but U, then: A-T and V-Z. The pattern
# string is for the API's schema (JSON Schema regexes take no flags, hence both cases).
REFERENCE_PATTERN = r"^[Hh][Dd]-[0-9A-TV-Za-tv-z]{8}$"
REFERENCE_IN_TEXT = re.compile(r"\bHD-[0-9A-TV-Z]{8}\b", re.IGNORECASE)
_MISREAD_DIGITS = str.maketrans("OIL", "011")


def parse_reference(text: str | None) -> str | None:
    """The canonical reference that `text` names (' hd-7k3qx9mb ' -> 'HD-7K3QX9MB'), or None."""
    typed = (text or "").strip()
    if not re.fullmatch(REFERENCE_PATTERN, typed):
        return None
    return REFERENCE_PREFIX + typed[len(REFERENCE_PREFIX) :].upper().translate(_MISREAD_DIGITS)


def new_submission_key() -> str:
    """A one-time key carried by a form, so that submitting it twice makes one ticket."""
    return secrets.token_urlsafe(24)


def new_message_id(domain: str) -> str:
    """A fresh Message-ID on our own domain, such as <hd.1f3a…@helpdesk.example>."""
    return f"<hd.{secrets.token_hex(16)}@{domain}>"


# Reply addresses: support+hd-7k3qx9mb.<signature>@domain. Mail systems may change the case
# of a local part, so the token is lower-case base32, and the reference is read back upper-case.
REPLY_SIGNATURE_LENGTH = 16  # base32 characters: 80 bits
_REPLY_SALT = "helpdesk.reply-address"


def _reply_signature(reference: str, secret: str) -> str:
    signer = Signer(secret, salt=_REPLY_SALT, digest_method=hashlib.sha256)
    digest = signer.algorithm.get_signature(signer.derive_key(), reference.upper().encode())
    return base64.b32encode(digest).decode()[:REPLY_SIGNATURE_LENGTH].lower()


def reply_token(reference: str, secret: str) -> str:
    """The signed token for a ticket's reply address: hd-7k3qx9mb.<signature>."""
    return f"{reference.lower()}.{_reply_signature(reference, secret)}"


def reference_from_reply_token(token: str, secret: str) -> str | None:
    """The ticket reference a reply token was made for, or None when it is not ours."""
    reference, _, signature = token.strip().lower().rpartition(".")
    if not reference.startswith(REFERENCE_PREFIX.lower()):
        return None
    expected = _reply_signature(reference, secret)
    return reference.upper() if hmac.compare_digest(signature, expected) else None


def reply_address(support_address: str, domain: str, reference: str, secret: str) -> str:
    """The ticket's own reply address: the support mailbox, plus-addressed with a reply token."""
    local = support_address.rsplit("@", 1)[0]
    return f"{local}+{reply_token(reference, secret)}@{domain}"


def reference_from_reply_address(address: str, domain: str, secret: str) -> str | None:
    """The reference in a reply address on `domain`, or None for any other address."""
    local, _, address_domain = address.strip().rpartition("@")
    if address_domain.lower() != domain.lower() or "+" not in local:
        return None
    return reference_from_reply_token(local.split("+", 1)[1], secret)


_RESET_SALT = "helpdesk.password-reset"
_INVITE_SALT = "helpdesk.account-invite"  # its own salt: an invitation is never a reset link


def password_reset_token(user_id: int, fingerprint: str, secret: str) -> str:
    """A signed, timestamped token naming the account and the password it may replace."""
    return URLSafeTimedSerializer(secret, salt=_RESET_SALT).dumps([user_id, fingerprint])


def read_password_reset_token(token: str, secret: str, max_age: int) -> tuple[int, str] | None:
    """(user id, fingerprint) from a token we signed less than max_age seconds ago, else None."""
    return _read_account_token(_RESET_SALT, token, secret, max_age)


def invite_token(user_id: int, fingerprint: str, secret: str) -> str:
    """An invitation's token: like a reset token, naming the account and its (unset) password."""
    return URLSafeTimedSerializer(secret, salt=_INVITE_SALT).dumps([user_id, fingerprint])


def read_invite_token(token: str, secret: str, max_age: int) -> tuple[int, str] | None:
    """(user id, fingerprint) from an invitation we signed less than max_age seconds ago."""
    return _read_account_token(_INVITE_SALT, token, secret, max_age)


def _read_account_token(salt: str, token: str, secret: str, max_age: int) -> tuple[int, str] | None:
    try:
        user_id, fingerprint = URLSafeTimedSerializer(secret, salt=salt).loads(
            token, max_age=max_age
        )
    except (BadData, TypeError, ValueError):
        return None
    if not isinstance(user_id, int) or not isinstance(fingerprint, str):
        return None
    return user_id, fingerprint


# The inbound-mail webhook: X-Helpdesk-Signature: sha256=<hex> is the HMAC-SHA256, keyed with
# the shared secret, of the X-Helpdesk-Timestamp header's text, a dot, and the raw body.
_WEBHOOK_SIGNATURE = re.compile(r"sha256=([0-9a-f]{64})")
_WEBHOOK_TIMESTAMP = re.compile(r"[0-9]{1,15}")


def sign_webhook(secret: str, timestamp: int | str, body: bytes) -> str:
    """The X-Helpdesk-Signature value for `body` sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify_webhook(
    secret: str,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    now: float,
    max_age: int,
) -> str | None:
    """Why a webhook request is refused, or None when it is signed with `secret` and fresh.

    The signature is checked before the age, so that only a holder of the secret learns about
    the clock; a fresh window of `max_age` seconds either side of `now` limits replays.
    """
    if not timestamp_header or not signature_header:
        return "The request needs both the timestamp and the signature header."
    if not _WEBHOOK_TIMESTAMP.fullmatch(timestamp_header):
        return "The timestamp is not a whole number of seconds since 1970."
    given = _WEBHOOK_SIGNATURE.fullmatch(signature_header.strip().lower())
    if given is None:
        return "The signature is not of the form sha256=<64 hexadecimal digits>."
    expected = sign_webhook(secret, timestamp_header, body).removeprefix("sha256=")
    if not hmac.compare_digest(given.group(1), expected):
        return "The signature does not match the body and timestamp."
    age = now - int(timestamp_header)
    if age > max_age:
        return f"The timestamp is more than {max_age} seconds old."
    if -age > max_age:
        return f"The timestamp is more than {max_age} seconds in the future."
    return None
