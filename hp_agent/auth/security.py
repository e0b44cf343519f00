"""Credentials: argon2id password hashes, the password policy, refresh tokens and access JWTs.

Nothing here touches the database; nothing here logs a password or a token.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from hp_agent.config import Settings

# argon2id, RFC 9106 "second recommended" profile (64 MiB, 3 passes, 4 lanes): about 50 ms here.
# Changing these makes check_needs_rehash() true, and login rehashes transparently.
_hasher = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4, hash_len=32, salt_len=16)

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256  # hashing cost grows with length; nobody types more

# A small built-in deny list (lower-case); long enough to pass the length rule yet guessed first.
COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "password12345",
        "password123456",
        "passwordpassword",
        "123456789012",
        "1234567890123",
        "qwertyuiop12",
        "qwerty123456",
        "qwertyuiopasdf",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "welcome123456",
        "administrator",
        "abc123456789",
        "trustno1trustno1",
        "monkey123456",
        "football1234",
        "baseball1234",
        "sunshine1234",
        "princess1234",
        "happypath123",
        "happypath1234",
        "changeme1234",
        "correcthorsebatterystaple",
        "1q2w3e4r5t6y",
        "zaq12wsxcde3",
        "p@ssw0rd1234",
        "passw0rd1234",
    }
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def burn_verification_time(password: str) -> None:
    """Spend what a real verification costs, so unknown emails are not faster to reject."""
    verify_password(_dummy_hash(), password)


def password_problems(password: str, email: str | None = None) -> list[str]:
    """Human-readable reasons the password is refused (empty when acceptable). Never echoes it."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(f"Password must be at most {MAX_PASSWORD_LENGTH} characters long.")
    classes = {
        "lower": any(c.islower() for c in password),
        "upper": any(c.isupper() for c in password),
        "digit": any(c.isdigit() for c in password),
        "other": any(not c.isalnum() for c in password),
    }
    if sum(classes.values()) < 2:
        problems.append(
            "Password must mix at least two kinds of characters (lower case, upper case, digits, symbols)."
        )
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        problems.append("Password is too common or too easy to guess.")
    if email:
        local = email.split("@", 1)[0].lower()
        if len(local) >= 3 and local in lowered:
            problems.append("Password must not contain your email address.")
    return problems


# -- refresh tokens -------------------------------------------------------------------------------


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def successor_refresh_token(settings: Settings, token: str) -> str:
    """The refresh token that replaces ``token`` on rotation: HMAC-SHA256 of it under a key derived
    from the server secret, so nothing but its digest needs storing.

    Presenting the old token again within the grace window yields this same token (parallel
    refreshes in two tabs agree instead of looking like a replay); without the server secret
    it cannot be computed from the old token, and it is as unguessable as a random one.
    """
    key = hmac.new(
        settings.jwt_secret.get_secret_value().encode("utf-8"), b"hp-refresh-rotation-v1", hashlib.sha256
    ).digest()
    mac = hmac.new(key, token.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def token_digest(token: str) -> str:
    """sha256 hex: refresh tokens are 256-bit random, so a fast hash is enough (no salt needed)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- access tokens --------------------------------------------------------------------------------

ACCESS_TOKEN_TYPE = "access"
_REQUIRED_CLAIMS = ["exp", "iat", "sub", "sid", "jti", "typ", "role"]


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    role: str
    session_id: uuid.UUID
    expires_at: dt.datetime


class InvalidToken(Exception):
    """The token is expired, forged, malformed or of the wrong type (the reason is not shown)."""


def issue_access_token(
    settings: Settings, *, user_id: uuid.UUID, role: str, session_id: uuid.UUID, now: dt.datetime
) -> tuple[str, int]:
    ttl = settings.access_token_ttl_seconds
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "role": role,
        "sid": str(session_id),
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + ttl,
        "jti": uuid.uuid4().hex,
        "typ": ACCESS_TOKEN_TYPE,
    }
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=settings.jwt_algorithm)
    return token, ttl


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    try:
        # algorithms is pinned: never let the token's header choose (alg=none, RS/HS confusion).
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[settings.jwt_algorithm],
            options={"require": _REQUIRED_CLAIMS},
        )
        if claims["typ"] != ACCESS_TOKEN_TYPE:
            raise InvalidToken("wrong token type")
        return AccessClaims(
            user_id=uuid.UUID(str(claims["sub"])),
            role=str(claims["role"]),
            session_id=uuid.UUID(str(claims["sid"])),
            expires_at=dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise InvalidToken(type(exc).__name__) from None
