"""Application-level AES-GCM encryption of sensitive text columns.

Stored layout (bytea): b"v1" | key-id length (1 byte) | key id | 12-byte nonce | ciphertext+tag.
The key id travels with the ciphertext so keys can rotate: new writes use the current key,
old rows stay readable while their key is still in the ring.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

_VERSION = b"v1"


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
        return None if value is None else keyring().encrypt(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else keyring().decrypt(bytes(value))


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value (compact ``json.dumps``) stored encrypted as ``bytea``, like ``EncryptedText``.

    For structured data that still quotes a person's words (crisis detection matches): the
    database cannot query inside it, which is the point."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> bytes | None:
        return None if value is None else keyring().encrypt(json.dumps(value, separators=(",", ":")))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(keyring().decrypt(bytes(value)))
