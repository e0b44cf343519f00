"""Application-level AES-GCM encryption of sensitive text columns.

Two stored layouts (bytea), told apart by their first two bytes:

- ``v1``: b"v1" | key-id length (1 byte) | key id | 12-byte nonce | ciphertext+tag, under a
  service key. The key id travels with the ciphertext so keys can rotate: new writes use the
  current key, old rows stay readable while their key is still in the ring.
- ``v2``: b"v2" | 16-byte data-key id | 12-byte nonce | ciphertext+tag, under one person's data
  key (``hp_agent/db/data_keys.py``; the first 18 bytes are the AAD). Destroying that key at
  erasure makes every copy of the ciphertext, backups included, unreadable (docs/privacy.md).

Which layout a write gets: a value that carries a data key (:class:`Keyed`, :class:`KeyedJSON`,
attached by the session's flush hook or :func:`hp_agent.db.data_keys.seal`) is written as ``v2``,
anything else as ``v1``. Reads accept both.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

_VERSION = b"v1"
_V2 = b"v2"
_V2_HEAD = 18  # b"v2" + 16-byte key id


class KeyRing:
    def __init__(self, keys: dict[str, bytes], current: str) -> None:
        if current not in keys:
            raise ValueError("current key id is not in the key ring")
        for kid, key in keys.items():
            if len(key) not in (16, 24, 32):
                raise ValueError(f"encryption key {kid!r} must be 16, 24 or 32 bytes")
            if not kid or len(kid.encode()) > 255:
                raise ValueError("encryption key ids must be 1-255 bytes")
        self._aead = {kid: AESGCM(key) for kid, key in keys.items()}
        self.current = current

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        """Parse ``"kid:base64key,kid2:base64key"``; the first entry is the current key."""
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for part in filter(None, (p.strip() for p in spec.split(","))):
            kid, sep, b64 = part.partition(":")
            if not sep:
                raise ValueError("encryption keys must look like 'kid:base64key'")
            keys[kid] = base64.urlsafe_b64decode(b64.encode())
            order.append(kid)
        if not order:
            raise ValueError("no encryption key configured")
        return cls(keys, order[0])

    def encrypt(self, plaintext: str, aad: bytes = b"") -> bytes:
        kid = self.current.encode()
        nonce = os.urandom(12)
        ct = self._aead[self.current].encrypt(nonce, plaintext.encode("utf-8"), aad or None)
        return _VERSION + bytes([len(kid)]) + kid + nonce + ct

    def decrypt(self, blob: bytes, aad: bytes = b"") -> str:
        if blob[:2] != _VERSION:
            raise ValueError("unknown ciphertext version")
        klen = blob[2]
        kid = blob[3 : 3 + klen].decode()
        nonce = blob[3 + klen : 15 + klen]
        aead = self._aead.get(kid)
        if aead is None:
            raise ValueError(f"ciphertext key id {kid!r} is not in the key ring")
        return aead.decrypt(nonce, blob[15 + klen :], aad or None).decode("utf-8")

    def wrap(self, secret: bytes, aad: bytes) -> tuple[str, bytes]:
        """``secret`` (a data key) sealed under the current service key: (key id, nonce | ct)."""
        nonce = os.urandom(12)
        return self.current, nonce + self._aead[self.current].encrypt(nonce, secret, aad)

    def unwrap(self, kid: str, wrapped: bytes, aad: bytes) -> bytes:
        aead = self._aead.get(kid)
        if aead is None:
            raise ValueError(f"wrapping key id {kid!r} is not in the key ring")
        return aead.decrypt(wrapped[:12], wrapped[12:], aad)


class DataKeyUnavailable(ValueError):
    """The data key a ``v2`` ciphertext names is gone (the person was erased) or unknown."""


class DataKey:
    """One person's unwrapped 256-bit data key and its id (the row in ``person_data_keys``)."""

    __slots__ = ("_aead", "id", "subject")

    def __init__(self, key_id: uuid.UUID, subject: uuid.UUID, secret: bytes) -> None:
        if len(secret) != 32:
            raise ValueError("a data key is 32 bytes")
        self.id = key_id
        self.subject = subject
        self._aead = AESGCM(secret)

    def encrypt(self, plaintext: str) -> bytes:
        head = _V2 + self.id.bytes
        nonce = os.urandom(12)
        return head + nonce + self._aead.encrypt(nonce, plaintext.encode("utf-8"), head)

    def decrypt(self, blob: bytes) -> str:
        head = blob[:_V2_HEAD]
        nonce = blob[_V2_HEAD : _V2_HEAD + 12]
        return self._aead.decrypt(nonce, blob[_V2_HEAD + 12 :], head).decode("utf-8")


def data_key_id(blob: bytes) -> uuid.UUID | None:
    """The data key a ``v2`` ciphertext was written under; None for ``v1``."""
    return uuid.UUID(bytes=bytes(blob[2:_V2_HEAD])) if blob[:2] == _V2 else None


# Installed by hp_agent.db.data_keys: finds a data key by its id's 16 bytes (its cache, then the
# database). Raw bytes, not a UUID: building one per read was half the cost of a cached read.
_resolve_data_key: Callable[[bytes], DataKey | None] | None = None


def set_data_key_resolver(resolve: Callable[[bytes], DataKey | None]) -> None:
    global _resolve_data_key
    _resolve_data_key = resolve


def decrypt_any(blob: bytes) -> str:
    """Plaintext of a ``v1`` or ``v2`` ciphertext."""
    if blob[:2] != _V2:
        return keyring().decrypt(blob)
    key = _resolve_data_key(bytes(blob[2:_V2_HEAD])) if _resolve_data_key is not None else None
    if key is None:
        raise DataKeyUnavailable("the data key of this ciphertext has been destroyed or is not available")
    return key.decrypt(blob)


class Keyed(str):
    """A ``str`` to be written under ``data_key`` (``v2``); compares and prints as the text."""

    __slots__ = ("data_key",)
    data_key: DataKey

    def __new__(cls, value: str, data_key: DataKey) -> Keyed:
        self = super().__new__(cls, value)
        self.data_key = data_key
        return self


class KeyedJSON:
    """A JSON value to be written under ``data_key``; lives in an attribute only during a flush."""

    __slots__ = ("data_key", "value")

    def __init__(self, value: Any, data_key: DataKey) -> None:
        self.value = value
        self.data_key = data_key


_ring: KeyRing | None = None


def configure(ring: KeyRing) -> None:
    global _ring
    _ring = ring


def keyring() -> KeyRing:
    if _ring is None:
        from hp_agent.config import get_settings

        configure(KeyRing.parse(get_settings().encryption_keys.get_secret_value()))
    assert _ring is not None
    return _ring


class EncryptedText(TypeDecorator[str]):
    """A ``str`` attribute stored encrypted as ``bytea``; the database never sees plaintext."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, Keyed):
            return value.data_key.encrypt(str.__str__(value))
        return keyring().encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else decrypt_any(bytes(value))


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value (compact ``json.dumps``) stored encrypted as ``bytea``, like ``EncryptedText``.

    For structured data that still quotes a person's words (crisis detection matches): the
    database cannot query inside it, which is the point."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        if isinstance(value, KeyedJSON):
            return value.data_key.encrypt(json.dumps(value.value, separators=(",", ":")))
        return None if value is None else keyring().encrypt(json.dumps(value, separators=(",", ":")))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(decrypt_any(bytes(value)))
