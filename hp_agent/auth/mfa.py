"""Two-step sign-in: a TOTP authenticator (RFC 6238, ``pyotp``) and single-use recovery codes.

- **Enrol**: ``start_enrollment`` stores a new secret (encrypted, ``hp_agent/db/crypto.py``) and
  returns it with its ``otpauth://`` URI; ``confirm_enrollment`` turns it on once a code from the
  authenticator matches, and returns ten recovery codes, shown once (only keyed digests are kept).
- **Sign in**: a password that is right for an account with a factor gets an ``mfa_token`` (a
  signed, five-minute challenge bound to the current password) instead of tokens;
  ``complete_login`` exchanges it with a current code or an unused recovery code. A code is
  accepted once (its 30-second step is remembered) and within one step of the clock either way.
- **Required roles** (``HP_MFA_REQUIRED_ROLES``, clinicians and admins by default): such an
  account without a confirmed factor signs in to a *restricted* session that can only enrol one
  (``enrollment_required``; enforced in ``hp_agent/auth/dependencies.py`` on every request and
  socket), so turning the factor off puts the account back there.
- **Wrong codes** are throttled like passwords (``hp_agent/auth/throttle.py``), under keys made
  from the account id instead of the address.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
import uuid
from typing import Any

import jwt
import pyotp
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth import emails, throttle
from hp_agent.auth.schemas import ClientInfo, MfaChallengeOut, TokenOut
from hp_agent.auth.security import verify_password
from hp_agent.auth.security_models import MfaFactor, MfaRecoveryCode
from hp_agent.auth.security_schemas import MfaEnrollOut, MfaStatusOut
from hp_agent.auth.sign_in import open_session
from hp_agent.compliance import audit
from hp_agent.compliance.models import AuditOutcome
from hp_agent.config import Settings
from hp_agent.db.session import ANONYMOUS, Principal, set_principal
from hp_agent.errors import Conflict, HPError, NotFound, TooManyRequests, Unauthorized
from hp_agent.users import repository as users_repo
from hp_agent.users.models import User, UserRole, UserStatus

ISSUER = "Happy Path"
STEP_SECONDS = 30
RECOVERY_CODES = 10
CHALLENGE_SECONDS = 300
CHALLENGE_TYPE = "mfa"
_CODE = re.compile(r"\d{6}")
BAD_CODE = "The code is not correct, or it was used already. Please try the next code."
BAD_CHALLENGE = "This sign-in has expired. Please sign in again."


class Rejected:
    """A refusal whose writes (throttle counters, audit) must commit: returned, not raised."""

    def __init__(self, error: HPError, retry_after: int | None = None) -> None:
        self.error = error
        self.retry_after = retry_after


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- factors and codes ----------------------------------------------------------------------------


async def factor_of(session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False) -> MfaFactor | None:
    stmt = select(MfaFactor).where(MfaFactor.user_id == user_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def has_factor(session: AsyncSession, user_id: uuid.UUID) -> bool:
    stmt = select(MfaFactor.id).where(MfaFactor.user_id == user_id, MfaFactor.confirmed_at.is_not(None))
    return (await session.execute(stmt)).first() is not None


def required_for(role: str, settings: Settings) -> bool:
    return role in settings.mfa_roles


async def enrollment_required(session: AsyncSession, user: User, settings: Settings) -> bool:
    """True when the account's role needs a second factor and it has none (restricted session)."""
    return required_for(user.role.value, settings) and not await has_factor(session, user.id)


def matching_step(secret: str, code: str, now: dt.datetime, last_used_step: int | None) -> int | None:
    """The step ``code`` belongs to (this one or either neighbour), if not used already."""
    code = re.sub(r"\s", "", code)
    if not _CODE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step if last_used_step is None or step > last_used_step else None
    return None


def _recovery_key(settings: Settings) -> bytes:
    return hmac.new(
        settings.jwt_secret.get_secret_value().encode("utf-8"), b"hp-recovery-codes-v1", hashlib.sha256
    ).digest()


def normalise_recovery_code(code: str) -> str:
    return re.sub(r"[^a-z0-9]", "", code.lower())


def recovery_digest(settings: Settings, code: str) -> str:
    return hmac.new(
        _recovery_key(settings), normalise_recovery_code(code).encode(), hashlib.sha256
    ).hexdigest()


def new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()  # 80 bits, 16 characters
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


async def _replace_recovery_codes(session: AsyncSession, user_id: uuid.UUID, settings: Settings) -> list[str]:
    await session.execute(
        delete(MfaRecoveryCode)
        .where(MfaRecoveryCode.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all([MfaRecoveryCode(user_id=user_id, code_hash=recovery_digest(settings, c)) for c in codes])
    await session.flush()
    return codes


async def _use_recovery_code(
    session: AsyncSession, user_id: uuid.UUID, code: str, settings: Settings, now: dt.datetime
) -> bool:
    row = (
        await session.execute(
            select(MfaRecoveryCode)
            .where(
                MfaRecoveryCode.user_id == user_id,
                MfaRecoveryCode.code_hash == recovery_digest(settings, code),
                MfaRecoveryCode.used_at.is_(None),
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        return False
    row.used_at = now
    return True


async def codes_left(session: AsyncSession, user_id: uuid.UUID) -> int:
    stmt = (
        select(func.count())
        .select_from(MfaRecoveryCode)
        .where(MfaRecoveryCode.user_id == user_id, MfaRecoveryCode.used_at.is_(None))
    )
    return int((await session.execute(stmt)).scalar_one())


async def _second_factor_ok(
    session: AsyncSession,
    user_id: uuid.UUID,
    code: str | None,
    recovery_code: str | None,
    settings: Settings,
    now: dt.datetime,
) -> str | None:
    """Which factor passed (``totp`` or ``recovery_code``), recording its use; None if neither."""
    if code:
        factor = await factor_of(session, user_id, lock=True)
        if factor is not None and factor.confirmed_at is not None:
            step = matching_step(factor.secret, code, now, factor.last_used_step)
            if step is not None:
                factor.last_used_step = step
                return "totp"
        return None
    if recovery_code and await _use_recovery_code(session, user_id, recovery_code, settings, now):
        return "recovery_code"
    return None


# -- throttling -----------------------------------------------------------------------------------


def _keys(settings: Settings, user_id: uuid.UUID, ip: str | None) -> throttle.Keys:
    return throttle.keys(settings, f"mfa:{user_id}", ip)


def _refused(until: dt.datetime, now: dt.datetime) -> Rejected:
    return Rejected(
        TooManyRequests("Too many wrong codes. Please wait before trying again.", code="too_many_attempts"),
        retry_after=throttle.retry_after(until, now),
    )


async def _blocked(session: AsyncSession, keys: throttle.Keys, now: dt.datetime) -> dt.datetime | None:
    blocks = await throttle.blocked(session, keys, now)
    return max(blocks.values()) if blocks else None


async def _failed(
    session: AsyncSession, keys: throttle.Keys, settings: Settings, now: dt.datetime
) -> dt.datetime | None:
    blocks = await throttle.record_failure(session, keys, settings, now)
    return max(blocks.values()) if blocks else None


# -- enrolment ------------------------------------------------------------------------------------


async def status(session: AsyncSession, principal: Principal, settings: Settings) -> MfaStatusOut:
    assert principal.user_id is not None
    factor = await factor_of(session, principal.user_id)
    enabled = factor is not None and factor.confirmed_at is not None
    return MfaStatusOut(
        enabled=enabled,
        required=required_for(principal.role, settings),
        confirmed_at=factor.confirmed_at if enabled and factor is not None else None,
        recovery_codes_left=await codes_left(session, principal.user_id) if enabled else 0,
    )


async def start_enrollment(session: AsyncSession, principal: Principal, email: str) -> MfaEnrollOut:
    """A new secret for the person's authenticator app (replacing an unconfirmed one)."""
    assert principal.user_id is not None
    factor = await factor_of(session, principal.user_id, lock=True)
    if factor is not None and factor.confirmed_at is not None:
        raise Conflict("Two-step sign-in is already on. Turn it off first to set up a new authenticator.")
    secret = pyotp.random_base32()  # 160 bits
    if factor is None:
        session.add(MfaFactor(user_id=principal.user_id, secret=secret))
    else:
        factor.secret, factor.last_used_step = secret, None
    await session.flush()
    uri = pyotp.TOTP(secret, interval=STEP_SECONDS).provisioning_uri(name=email, issuer_name=ISSUER)
    return MfaEnrollOut(secret=secret, otpauth_uri=uri, digits=6, period=STEP_SECONDS)


async def confirm_enrollment(
    session: AsyncSession, principal: Principal, code: str, client: ClientInfo, settings: Settings
) -> list[str]:
    """Turn the factor on with a first code; the recovery codes returned are never shown again."""
    assert principal.user_id is not None
    now = utcnow()
    factor = await factor_of(session, principal.user_id, lock=True)
    if factor is None:
        raise NotFound("Start setting up two-step sign-in first.", code="mfa_not_started")
    if factor.confirmed_at is not None:
        raise Conflict("Two-step sign-in is already on.")
    step = matching_step(factor.secret, code, now, None)
    if step is None:
        raise HPError(
            "The code does not match. Check the authenticator's clock and try the current code.",
            422,
            code="mfa_code_invalid",
        )
    factor.confirmed_at, factor.last_used_step = now, step
    codes = await _replace_recovery_codes(session, principal.user_id, settings)
    user = await users_repo.get_user(session, principal.user_id)
    assert user is not None
    await emails.account_security_event(
        session,
        "auth.mfa.enabled",
        user_id=user.id,
        actor=principal,
        client=client,
        tell=emails.MFA_ENABLED,
        to=user.email,
    )
    return codes


async def regenerate_recovery_codes(
    session: AsyncSession, principal: Principal, code: str, client: ClientInfo, settings: Settings
) -> list[str] | Rejected:
    """New recovery codes (the old ones stop working), with a current authenticator code."""
    assert principal.user_id is not None
    now = utcnow()
    keys = _keys(settings, principal.user_id, client.ip)
    until = await _blocked(session, keys, now)
    if until is not None:
        return _refused(until, now)
    if not await has_factor(session, principal.user_id):
        raise NotFound("Two-step sign-in is not on.", code="mfa_not_enabled")
    if await _second_factor_ok(session, principal.user_id, code, None, settings, now) is None:
        until = await _failed(session, keys, settings, now)
        return _refused(until, now) if until else Rejected(Unauthorized(BAD_CODE, code="mfa_code_invalid"))
    codes = await _replace_recovery_codes(session, principal.user_id, settings)
    await audit.record(
        session,
        "auth.mfa.recovery_codes_replaced",
        actor=principal,
        subject_type="user",
        subject_id=principal.user_id,
        ip=client.ip,
        user_agent=client.user_agent,
    )
    return codes


async def disable(
    session: AsyncSession,
    principal: Principal,
    password: str,
    code: str | None,
    recovery_code: str | None,
    client: ClientInfo,
    settings: Settings,
) -> Rejected | None:
    """Turn the factor off with the password and a code (or a recovery code)."""
    assert principal.user_id is not None
    now = utcnow()
    keys = _keys(settings, principal.user_id, client.ip)
    until = await _blocked(session, keys, now)
    if until is not None:
        return _refused(until, now)
    user = await users_repo.get_user(session, principal.user_id)
    assert user is not None
    if not await has_factor(session, user.id):
        raise NotFound("Two-step sign-in is not on.", code="mfa_not_enabled")
    password_ok = await asyncio.to_thread(verify_password, user.password_hash, password)
    method = (
        await _second_factor_ok(session, user.id, code, recovery_code, settings, now) if password_ok else None
    )
    if method is None:
        until = await _failed(session, keys, settings, now)
        await audit.record(
            session,
            "auth.mfa.disable_refused",
            actor=principal,
            subject_type="user",
            subject_id=user.id,
            outcome=AuditOutcome.denied,
            ip=client.ip,
            user_agent=client.user_agent,
            details={"reason": "bad_code" if password_ok else "bad_password"},
        )
        if until is not None:
            return _refused(until, now)
        message = BAD_CODE if password_ok else "The password is not correct."
        return Rejected(Unauthorized(message, code="mfa_code_invalid" if password_ok else "wrong_password"))
    await session.execute(
        delete(MfaRecoveryCode)
        .where(MfaRecoveryCode.user_id == user.id)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(MfaFactor).where(MfaFactor.user_id == user.id).execution_options(synchronize_session=False)
    )
    await throttle.record_success(session, keys)
    await emails.account_security_event(
        session,
        "auth.mfa.disabled",
        user_id=user.id,
        actor=principal,
        client=client,
        details={"with": method},
        tell=emails.MFA_DISABLED,
        to=user.email,
    )
    return None


# -- sign-in --------------------------------------------------------------------------------------


def _password_mark(user: User) -> str:
    # Binds a challenge to the password it followed: a reset in between makes it worthless.
    return hashlib.sha256(user.password_hash.encode("utf-8")).hexdigest()[:24]


def challenge(settings: Settings, user: User, now: dt.datetime) -> MfaChallengeOut:
    claims: dict[str, Any] = {
        "sub": str(user.id),
        "typ": CHALLENGE_TYPE,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + CHALLENGE_SECONDS,
        "jti": uuid.uuid4().hex,
        "pwd": _password_mark(user),
    }
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=settings.jwt_algorithm)
    return MfaChallengeOut(mfa_token=token, expires_in=CHALLENGE_SECONDS)


def _challenge_claims(settings: Settings, token: str) -> tuple[uuid.UUID, str] | None:
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=[settings.jwt_algorithm],
            options={"require": ["sub", "typ", "exp", "pwd"]},
        )
        if claims["typ"] != CHALLENGE_TYPE:
            return None
        return uuid.UUID(str(claims["sub"])), str(claims["pwd"])
    except (jwt.PyJWTError, ValueError, TypeError, KeyError):
        return None


async def complete_login(
    session: AsyncSession,
    mfa_token: str,
    code: str | None,
    recovery_code: str | None,
    client: ClientInfo,
    settings: Settings,
) -> TokenOut | Rejected:
    now = utcnow()
    found = _challenge_claims(settings, mfa_token)
    if found is None:
        return Rejected(Unauthorized(BAD_CHALLENGE, code="mfa_challenge_invalid"))
    user_id, mark = found
    # The challenge's signature is checked: read the person's own rows as them (owner policy).
    await set_principal(session, Principal(user_id, ANONYMOUS.role))
    user = await users_repo.get_user(session, user_id)
    if (
        user is None
        or user.status != UserStatus.active
        or user.role == UserRole.system
        or (user.locked_until is not None and user.locked_until > now)  # an operator's lock since
        or not hmac.compare_digest(_password_mark(user), mark)
    ):
        return Rejected(Unauthorized(BAD_CHALLENGE, code="mfa_challenge_invalid"))
    keys = _keys(settings, user.id, client.ip)

    async def failed(reason: str) -> None:
        await audit.record(
            session,
            "auth.mfa.failed",
            actor=None,
            subject_type="user",
            subject_id=user.id,
            outcome=AuditOutcome.failure,
            ip=client.ip,
            user_agent=client.user_agent,
            details={"reason": reason},
        )

    until = await _blocked(session, keys, now)
    if until is not None:
        await failed("throttled")
        return _refused(until, now)
    method = await _second_factor_ok(session, user.id, code, recovery_code, settings, now)
    if method is None:
        await failed("bad_code" if code else "bad_recovery_code")
        until = await _failed(session, keys, settings, now)
        if until is not None:
            return _refused(until, now)
        return Rejected(Unauthorized(BAD_CODE, code="mfa_code_invalid"))

    await throttle.record_success(session, keys)
    principal = Principal(user.id, user.role.value)
    await set_principal(session, principal)
    await users_repo.record_login(session, user.id, now, None)
    row, tokens = await open_session(session, principal, uuid.uuid4(), client, settings, now)
    left = await codes_left(session, user.id)
    await audit.record(
        session,
        "auth.login.succeeded",
        actor=principal,
        subject_type="user_session",
        subject_id=row.id,
        ip=client.ip,
        user_agent=client.user_agent,
        details={"second_factor": method, "recovery_codes_left": left},
    )
    tokens.recovery_codes_left = left
    return tokens
