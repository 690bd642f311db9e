"""Encryption at rest: each blob sealed with AES-256-GCM under a data key of its own, and that
data key wrapped (RFC 3394 AES key wrap) by a master key from HELPDESK_ENCRYPTION_KEY.

A sealed blob is a small header, then the ciphertext with its 16-byte GCM tag:

    MAGIC (8 bytes, the last one the format version) | key id length (1) | key id (ASCII)
    | wrapped data key length (1) | wrapped data key | nonce (12) | ciphertext and tag

Rotating the master key rewrites the header only (the data key wrapped anew); the content is
not decrypted. The content's authentication covers the format version and the nonce, so a
changed byte anywhere fails with BlobCorrupt, and a master key that does not fit fails with
WrongKey: a reader gets the bytes that were written or a clear error, never garbage. A blob
written before encryption was turned on is read as it is, and sealed by `storage rotate-key`.
"""

import base64
import binascii
import io
import os
import re
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from . import BlobCorrupt, BlobStore, StorageError

MAGIC = b"\x89HDSEAL\x01"
# A blob stored unencrypted whose bytes happen to begin like a sealed one (or like this mark)
# is kept behind this mark, so that reading it never takes it for ciphertext.
PLAIN = b"\x89HDPLAIN"
_NONCE_BYTES = 12
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
DEFAULT_KEY_ID = "1"

Keyring = tuple[tuple[str, bytes], ...]  # (key id, 32-byte master key), newest first


class WrongKey(StorageError):
    """The blob was sealed under a master key the configuration does not hold."""


def parse_keyring(name: str, value: str) -> Keyring:
    """`id:base64key,id:base64key` (newest first), or one bare base64 key; each key 32 bytes."""
    from ..config import ConfigError

    keyring: list[tuple[str, bytes]] = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        key_id, _, encoded = entry.rpartition(":")
        key_id = key_id if ":" in entry else DEFAULT_KEY_ID
        if not _KEY_ID.fullmatch(key_id):
            raise ConfigError(f"{name}: key id {key_id!r} is not 1-64 letters, digits, _ . -")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ConfigError(f"{name}: the key of {key_id!r} is not base64") from None
        if len(key) != 32:
            raise ConfigError(f"{name}: the key of {key_id!r} is {len(key)} bytes, not 32")
        if any(key_id == known for known, _ in keyring):
            raise ConfigError(f"{name}: key id {key_id!r} appears twice")
        keyring.append((key_id, key))
    return tuple(keyring)


def is_sealed(blob: bytes) -> bool:
    return blob.startswith(MAGIC)


def _marked_if_ambiguous(data: bytes | BinaryIO) -> bytes | BinaryIO:
    """Plain data as it is stored: behind PLAIN when it begins like a sealed or marked blob."""
    if isinstance(data, bytes):
        return PLAIN + data if data.startswith((MAGIC, PLAIN)) else data
    head = data.read(len(PLAIN))
    return _Prefixed(PLAIN + head if head.startswith((MAGIC, PLAIN)) else head, data)


def _unmarked(blob: bytes) -> bytes:
    return blob[len(PLAIN) :] if blob.startswith(PLAIN) else blob


class _Prefixed(io.RawIOBase):
    """`head`, then the rest of `stream`: a stream written as it is read, its start looked at."""

    def __init__(self, head: bytes, stream: BinaryIO):
        self.head, self.stream = head, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self.head[: len(buffer)] if self.head else self.stream.read(len(buffer))
        self.head = self.head[len(chunk) :]
        buffer[: len(chunk)] = chunk
        return len(chunk)


def seal(plaintext: bytes, keyring: Keyring) -> bytes:
    key_id, master = keyring[0]
    data_key, nonce = AESGCM.generate_key(bit_length=256), os.urandom(_NONCE_BYTES)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, MAGIC + nonce)
    return _header(key_id, aes_key_wrap(master, data_key), nonce) + ciphertext


def unseal(blob: bytes, keyring: Keyring, key: str = "") -> bytes:
    """The plaintext of a sealed blob (`key` only names it in errors)."""
    key_id, data_key, nonce, ciphertext = _opened(blob, keyring, key)
    try:
        return AESGCM(data_key).decrypt(nonce, ciphertext, MAGIC + nonce)
    except InvalidTag:
        raise BlobCorrupt(f"{key or 'a blob'} failed its authentication check") from None


def rewrap(blob: bytes, keyring: Keyring, key: str = "") -> bytes | None:
    """The blob with its data key wrapped by the newest master key (a plain blob sealed), or
    None when it already is."""
    if not is_sealed(blob):
        return seal(_unmarked(blob), keyring)
    key_id, data_key, nonce, ciphertext = _opened(blob, keyring, key)
    newest_id, newest = keyring[0]
    if key_id == newest_id:
        return None
    return _header(newest_id, aes_key_wrap(newest, data_key), nonce) + ciphertext


def _header(key_id: str, wrapped: bytes, nonce: bytes) -> bytes:
    name = key_id.encode("ascii")
    return MAGIC + bytes([len(name)]) + name + bytes([len(wrapped)]) + wrapped + nonce


def _opened(blob: bytes, keyring: Keyring, key: str) -> tuple[str, bytes, bytes, bytes]:
    """The key id, the unwrapped data key, the nonce and the ciphertext of a sealed blob."""
    what = key or "a blob"
    if not keyring:
        raise WrongKey(f"{what} is encrypted and HELPDESK_ENCRYPTION_KEY is not set")
    try:
        at = len(MAGIC)
        key_id = blob[at + 1 : at + 1 + blob[at]].decode("ascii")
        at += 1 + blob[at]
        wrapped = blob[at + 1 : at + 1 + blob[at]]
        at += 1 + blob[at]
        nonce, ciphertext = blob[at : at + _NONCE_BYTES], blob[at + _NONCE_BYTES :]
    except (IndexError, UnicodeDecodeError):
        raise BlobCorrupt(f"{what} has a damaged encryption header") from None
    if len(nonce) != _NONCE_BYTES or len(ciphertext) < 16:
        raise BlobCorrupt(f"{what} has a damaged encryption header")
    master = dict(keyring).get(key_id)
    if master is None:
        raise WrongKey(f"{what} was sealed with key {key_id!r}, which is not configured")
    try:
        return key_id, aes_key_unwrap(master, wrapped), nonce, ciphertext
    except (InvalidUnwrap, ValueError):
        raise WrongKey(f"{what}: key {key_id!r} is not the key it was sealed with") from None


class SealedStore:
    """A store whose blobs are sealed on the way in and opened on the way out."""

    def __init__(self, inner: BlobStore, keyring: Keyring):
        self.inner, self.keyring = inner, keyring
        self.transactional = inner.transactional

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        if not self.keyring:  # a stream stays a stream, written as it is read
            self.inner.put(key, _marked_if_ambiguous(data))
            return
        plaintext = data if isinstance(data, bytes) else data.read()
        self.inner.put(key, seal(plaintext, self.keyring))

    def get(self, key: str) -> bytes:
        blob = self.inner.get(key)
        return unseal(blob, self.keyring, key) if is_sealed(blob) else _unmarked(blob)

    def open(self, key: str) -> BinaryIO:
        return io.BytesIO(self.get(key))

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def keys(self, prefix: str = "") -> Iterator[str]:
        return self.inner.keys(prefix)

    def rename(self, source: str, target: str) -> None:
        self.inner.rename(source, target)

    def rotate(self, key: str) -> bool:
        """Wrap this blob's data key by the newest master key; True when it was rewritten."""
        rewritten = rewrap(self.inner.get(key), self.keyring, key)
        if rewritten is not None:
            self.inner.put(key, rewritten)
        return rewritten is not None
