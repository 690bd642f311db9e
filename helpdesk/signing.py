"""Public identifiers that must not be guessable."""

import secrets

# Crockford's base32 alphabet: no I, L, O or U, so a reference read aloud or retyped survives.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PREFIX = "HD-"


def new_reference() -> str:
    """A ticket reference such as HD-7K3QX9MB: 40 random bits, never sequential."""
    return REFERENCE_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(8))


def new_submission_key() -> str:
    """A one-time key carried by a form, so that submitting it twice makes one ticket."""
    return secrets.token_urlsafe(24)
