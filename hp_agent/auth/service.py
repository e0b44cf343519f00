"""Registration, login with lockout, refresh-token rotation with reuse detection, logout.

Some refusals must still commit their bookkeeping (the failed-login counter, the lockout, the
revoked token family, the audit row). Those flows *return* a :class:`Rejected` instead of raising:
a raised error rolls the unit of work back, so the endpoint turns it into a response instead.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth import links, mfa, throttle
from hp_agent.auth import repository as sessions_repo
from hp_agent.auth.schemas import (
    ClientInfo,
    MfaChallengeOut,
    RegisteredOut,
    RegisterIn,
    SessionOut,
    TokenOut,
)
from hp_agent.auth.security import (
    burn_verification_time,
    hash_password,
    issue_access_token,
    needs_rehash,
    password_problems,
    successor_refresh_token,
    token_digest,
    verify_password,
)
from hp_agent.auth.sign_in import open_session
from hp_agent.compliance import audit
from hp_agent.compliance.models import AuditOutcome, PrivacySettings
from hp_agent.config import Settings
from hp_agent.db.session import Principal, set_principal
from hp_agent.errors import Conflict, Forbidden, HPError, NotFound, TooManyRequests, Unauthorized
from hp_agent.events.models import EmailOutbox
from hp_agent.users import repository as users_repo
from hp_agent.users.models import (
    ConsentType,
    SessionRevokeReason,
    User,
    UserPreferences,
    UserProfile,
    UserRole,
    UserSession,
    UserStatus,
)
from hp_agent.users.repository import acting_as, normalise_email
from hp_agent.users.service import CURRENT_POLICY_VERSION, REQUIRED_CONSENTS, set_consent

BAD_CREDENTIALS = "Incorrect email or password."
BAD_REFRESH = "The session has expired or was signed out. Please sign in again."


@dataclass(frozen=True, slots=True)
class Rejected:
    """A refusal whose database writes must commit; ``retry_after`` becomes a header."""

    error: HPError
    retry_after: int | None = None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WeakPassword(HPError):
    status_code = 422
    code = "weak_password"


class ConsentRequired(HPError):
    status_code = 422
    code = "consent_required"


# -- accounts -------------------------------------------------------------------------------------


async def create_user(
    session: AsyncSession,
    email: str,
    password: str,
    role: UserRole = UserRole.patient,
    *,
    display_name: str | None = None,
    locale: str | None = None,
    timezone: str | None = None,
    country_code: str | None = None,
    consents: Iterable[ConsentType] = (),
    client: ClientInfo | None = None,
    actor: Principal | None = None,
    audit_action: str = "user.created",
) -> User:
    """Create an account with its profile, preferences, privacy settings and consents.

    Used by registration (patients) and by ``hp-agent create-user`` / admins (any role). The rows
    are written as the new user (RLS owner), then the caller's principal is restored.
    Raises WeakPassword (422) or Conflict (409, email taken, nothing more revealed).
    """
    role = UserRole(role)
    consents = tuple(dict.fromkeys(consents))
    try:
        # Registration already validated it; the CLI and admin paths have not.
        email = normalise_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError:
        raise HPError("The email address is not valid.", 422, code="invalid_email") from None
    problems = password_problems(password, email)
    if problems:
        raise WeakPassword("The password does not meet the password policy.", details={"problems": problems})
    client = client or ClientInfo()
    now = utcnow()
    password_hash = await asyncio.to_thread(hash_password, password)
    user = User(
        id=uuid.uuid4(),
        email=email,
        password_hash=password_hash,
        role=role,
        status=UserStatus.active,
        locale=locale or "en",
        timezone=timezone or "UTC",
        country_code=country_code,
    )
    async with acting_as(session, Principal(user.id, role.value)):
        try:
            # Savepoint: a duplicate email fails only this insert, not the caller's transaction.
            async with session.begin_nested():
                session.add(user)
                await session.flush()
        except IntegrityError as exc:
            if "uq_users_email_lower" not in str(exc.orig):
                raise
            raise Conflict("An account cannot be created with this email address.") from None
        session.add_all(
            [
                UserProfile(user_id=user.id, display_name=display_name),
                UserPreferences(user_id=user.id),
                PrivacySettings(user_id=user.id),
            ]
        )
        for consent_type in consents:
            await set_consent(
                session, user.id, consent_type, True, now=now, ip=client.ip, user_agent=client.user_agent
            )
        await session.flush()
    await audit.record(
        session,
        audit_action,
        actor=actor or Principal(user.id, role.value),
        subject_type="user",
        subject_id=user.id,
        ip=client.ip,
        user_agent=client.user_agent,
        details={"role": role.value, "consents": sorted(c.value for c in consents)},
    )
    return user


async def register(
    session: AsyncSession, data: RegisterIn, client: ClientInfo, settings: Settings | None = None
) -> RegisteredOut:
    """Self-service sign-up: always a patient; terms and privacy must be accepted.

    The answer does not say whether the address already had an account: a taken address gets
    the same 201 and body shape (an id that names no account), after the same password hashing,
    and the address's owner is emailed that someone tried to sign up with it. A new address gets
    its account at once and can sign in with it.
    """
    missing = [c.value for c in REQUIRED_CONSENTS if c not in data.consents]
    if missing:
        raise ConsentRequired(
            "You must accept the terms of service and the privacy policy to create an account.",
            details={"missing": missing, "policy_version": CURRENT_POLICY_VERSION},
        )
    try:
        user = await create_user(
            session,
            data.email,
            data.password,
            UserRole.patient,
            display_name=data.display_name,
            locale=data.locale,
            timezone=data.timezone,
            country_code=data.country_code,
            consents=data.consents,
            client=client,
            audit_action="auth.register",
        )
    except Conflict:
        address = normalise_email(validate_email(data.email, check_deliverability=False).normalized)
        await _tell_owner_of_signup_attempt(session, address, data.locale)
        await audit.record(
            session,
            "auth.register.address_taken",
            actor=None,
            outcome=AuditOutcome.denied,
            ip=client.ip,
            user_agent=client.user_agent,
        )
        return RegisteredOut(id=uuid.uuid4(), email=address, role=UserRole.patient, created_at=utcnow())
    if settings is not None:
        # Sign-in works at once; the emailed link marks the address verified (hp_agent/auth/links.py).
        await links.send_verification(session, user, settings)
    return RegisteredOut(id=user.id, email=user.email, role=user.role, created_at=user.created_at)


async def _tell_owner_of_signup_attempt(session: AsyncSession, address: str, locale: str | None) -> None:
    # Core insert without RETURNING: email rows are readable only by the sender (system).
    await session.execute(
        insert(EmailOutbox).values(
            id=uuid.uuid4(),
            to_address=address,
            template="signup_address_taken",
            locale=locale,
            subject="Someone tried to create a Happy Path account with your address",
            body_text=(
                "Someone (perhaps you) tried to create a Happy Path account with this email address.\n"
                "You already have an account: sign in with it, or reset your password if you have "
                "forgotten it. If this was not you, you can ignore this message."
            ),
        )
    )


# -- tokens ---------------------------------------------------------------------------------------


async def login(
    session: AsyncSession, email: str, password: str, client: ClientInfo, settings: Settings
) -> TokenOut | MfaChallengeOut | Rejected:
    now = utcnow()
    address = normalise_email(email)
    keys = throttle.keys(settings, address, client.ip)

    async def failed(reason: str, subject: uuid.UUID | None = None, **extra: object) -> None:
        await audit.record(
            session,
            "auth.login.failed",
            actor=None,
            subject_type="user" if subject else None,
            subject_id=subject,
            outcome=AuditOutcome.failure,
            ip=client.ip,
            user_agent=client.user_agent,
            details={"reason": reason, **extra},
        )

    def refused(until: dt.datetime) -> Rejected:
        # One answer for every refusal, account or not (see hp_agent/auth/throttle.py).
        return Rejected(_throttled_error(), retry_after=throttle.retry_after(until, now))

    blocks = await throttle.blocked(session, keys, now)
    if throttle.PAIR in blocks or throttle.IP in blocks:
        await failed("throttled")
        return refused(max(blocks.values()))

    account = await users_repo.account_for_signin(session, address)
    async with acting_as(session, users_repo.signing_in(account)):
        user = await users_repo.get_user(session, account) if account is not None else None
        if user is not None and user.status == UserStatus.deleted:
            user = None
        # While the address is under a distributed attack, only IPs it signed in from lately pass.
        if throttle.ADDRESS in blocks and (
            user is None
            or not await sessions_repo.signed_in_from(
                session, user.id, client.ip, now - dt.timedelta(days=throttle.KNOWN_IP_DAYS)
            )
        ):
            user = None
            address_refusal: dt.datetime | None = blocks[throttle.ADDRESS]
        else:
            address_refusal = None

    if address_refusal is not None:
        await asyncio.to_thread(burn_verification_time, password)
        await failed("throttled")
        return refused(address_refusal)

    if user is None or not await asyncio.to_thread(verify_password, user.password_hash, password):
        if user is None:
            await asyncio.to_thread(burn_verification_time, password)
            await failed("unknown_account")
        else:
            async with acting_as(session, users_repo.signing_in(user.id)):
                failures = await users_repo.increment_failed_logins(session, user.id)
            await failed("bad_password", user.id, failures=failures)
        now_blocked = await throttle.record_failure(session, keys, settings, now)
        if throttle.PAIR in now_blocked or throttle.IP in now_blocked:
            # The failure that reaches a limit is answered like the ones after it.
            return refused(max(now_blocked.values()))
        return Rejected(Unauthorized(BAD_CREDENTIALS))

    if user.locked_until is not None and user.locked_until > now:
        # An operator's lock (not set by failed sign-ins): only shown to whoever knows the password.
        await failed("locked_out", user.id)
        return refused(user.locked_until)

    if user.status != UserStatus.active or user.role == UserRole.system:
        # Only revealed to someone who knows the password. System accounts (service actors that
        # bypass RLS) never get user tokens.
        await failed(
            f"account_{user.status.value}" if user.role != UserRole.system else "system_account", user.id
        )
        return Rejected(
            Forbidden("This account is not active. Please contact support.", code="account_inactive")
        )

    await throttle.record_success(session, keys)
    # Two-step sign-in (hp_agent/auth/mfa.py): with a factor, the password alone opens no session.
    async with acting_as(session, Principal(user.id, "anonymous")):
        second_factor = await mfa.has_factor(session, user.id)
    if second_factor:
        await audit.record(
            session,
            "auth.login.second_factor_requested",
            actor=None,
            subject_type="user",
            subject_id=user.id,
            ip=client.ip,
            user_agent=client.user_agent,
        )
        return mfa.challenge(settings, user, now)
    principal = Principal(user.id, user.role.value)
    await set_principal(session, principal)
    new_hash = await asyncio.to_thread(hash_password, password) if needs_rehash(user.password_hash) else None
    await users_repo.record_login(session, user.id, now, new_hash)
    row, tokens = await open_session(session, principal, uuid.uuid4(), client, settings, now)
    # A role that must use a second factor and has none: this session can only enrol one.
    tokens.mfa_enrollment_required = mfa.required_for(user.role.value, settings)
    await audit.record(
        session,
        "auth.login.succeeded",
        actor=principal,
        subject_type="user_session",
        subject_id=row.id,
        ip=client.ip,
        user_agent=client.user_agent,
        details={"rehashed": new_hash is not None},
    )
    return tokens


def _throttled_error() -> TooManyRequests:
    return TooManyRequests(
        "Too many failed sign-in attempts. Please wait before trying again.", code="too_many_attempts"
    )


async def refresh(
    session: AsyncSession, refresh_token: str, client: ClientInfo, settings: Settings
) -> TokenOut | Rejected:
    now = utcnow()
    digest = token_digest(refresh_token)
    account = await sessions_repo.account_for_refresh(session, digest)
    async with acting_as(session, users_repo.signing_in(account)):
        row = await sessions_repo.get_by_digest_for_update(session, digest) if account is not None else None
        user = await users_repo.get_user(session, row.user_id) if row is not None else None

    async def refused(
        action: str, reason: str, actor: Principal | None, outcome: AuditOutcome = AuditOutcome.failure
    ) -> Rejected:
        await audit.record(
            session,
            action,
            actor=actor,
            subject_type="user_session" if row is not None else None,
            subject_id=row.id if row is not None else None,
            outcome=outcome,
            ip=client.ip,
            user_agent=client.user_agent,
            details={"reason": reason},
        )
        return Rejected(Unauthorized(BAD_REFRESH))

    if row is None or user is None:
        return await refused("auth.refresh", "unknown_token", None)

    principal = Principal(user.id, user.role.value)
    await set_principal(session, principal)
    if row.revoked_at is not None:
        return await refused("auth.refresh", "revoked", principal)
    if row.rotated_at is not None:
        again = await _within_grace(session, principal, row, refresh_token, settings, now)
        if again is not None:
            await audit.record(
                session,
                "auth.refresh",
                actor=principal,
                subject_type="user_session",
                subject_id=row.replaced_by,
                ip=client.ip,
                user_agent=client.user_agent,
                details={"previous_session_id": str(row.id), "parallel": True},
            )
            return again
        # A rotated token came back: the client or a thief holds a copy. Kill the whole family.
        await sessions_repo.revoke_family(session, row.family_id, SessionRevokeReason.reuse_detected, now)
        return await refused(
            "auth.refresh_reuse_detected", "rotated_token_reused", principal, AuditOutcome.denied
        )
    if row.expires_at <= now:
        return await refused("auth.refresh", "expired", principal)
    if user.status != UserStatus.active:
        await sessions_repo.revoke_family(session, row.family_id, SessionRevokeReason.admin, now)
        return await refused("auth.refresh", f"account_{user.status.value}", principal)

    new_row, tokens = await open_session(
        session,
        principal,
        row.family_id,
        client,
        settings,
        now,
        refresh_token=successor_refresh_token(settings, refresh_token),
    )
    tokens.mfa_enrollment_required = await mfa.enrollment_required(session, user, settings)
    # After the new row is flushed: replaced_by references it.
    row.rotated_at = now
    row.last_used_at = now
    row.replaced_by = new_row.id
    await session.flush()
    await audit.record(
        session,
        "auth.refresh",
        actor=principal,
        subject_type="user_session",
        subject_id=new_row.id,
        ip=client.ip,
        user_agent=client.user_agent,
        details={"previous_session_id": str(row.id)},
    )
    return tokens


async def _within_grace(
    session: AsyncSession,
    principal: Principal,
    row: UserSession,
    refresh_token: str,
    settings: Settings,
    now: dt.datetime,
) -> TokenOut | None:
    """The pair a parallel refresh already got, if ``row`` was rotated moments ago.

    Two tabs sharing one refresh token both refresh: the second (serialised behind the first by
    the row lock) presents a token rotated a moment ago. Within the grace window it gets the same
    successor refresh token (derived, see ``successor_refresh_token``) and an access token for
    that session, provided the successor is still the family's live head. Otherwise: None, and
    the caller treats it as a replay.
    """
    assert row.rotated_at is not None
    if row.replaced_by is None or now - row.rotated_at > dt.timedelta(
        seconds=settings.refresh_reuse_grace_seconds
    ):
        return None
    successor = await session.get(UserSession, row.replaced_by)
    token = successor_refresh_token(settings, refresh_token)
    if (
        successor is None
        or successor.token_hash != token_digest(token)
        or successor.rotated_at is not None
        or successor.revoked_at is not None
        or successor.expires_at <= now
    ):
        return None
    assert principal.user_id is not None
    access, ttl = issue_access_token(
        settings, user_id=principal.user_id, role=principal.role, session_id=successor.id, now=now
    )
    left = int((successor.expires_at - now).total_seconds())
    return TokenOut(
        access_token=access,
        expires_in=ttl,
        refresh_token=token,
        refresh_expires_in=left,
        user_id=principal.user_id,
        role=UserRole(principal.role),
    )


# -- signed-in sessions ---------------------------------------------------------------------------


async def logout(
    session: AsyncSession, principal: Principal, session_row: UserSession, client: ClientInfo
) -> None:
    """Sign this device out: every token of the current family stops working."""
    await sessions_repo.revoke_family(session, session_row.family_id, SessionRevokeReason.logout, utcnow())
    await audit.record(
        session,
        "auth.logout",
        actor=principal,
        subject_type="user_session",
        subject_id=session_row.id,
        ip=client.ip,
        user_agent=client.user_agent,
    )


async def revoke_one(
    session: AsyncSession, principal: Principal, family_id: uuid.UUID, client: ClientInfo
) -> None:
    """Sign one of the user's devices out (an id from the sessions list)."""
    assert principal.user_id is not None
    revoked = await sessions_repo.revoke_family(
        session, family_id, SessionRevokeReason.logout, utcnow(), user_id=principal.user_id
    )
    if not revoked:
        raise NotFound("No such active session.")
    await audit.record(
        session,
        "auth.session.revoked",
        actor=principal,
        subject_type="user_session_family",
        subject_id=family_id,
        ip=client.ip,
        user_agent=client.user_agent,
        details={"revoked": revoked},
    )


async def revoke_all(session: AsyncSession, principal: Principal, client: ClientInfo) -> int:
    assert principal.user_id is not None
    count = await sessions_repo.revoke_all_for_user(
        session, principal.user_id, SessionRevokeReason.revoke_all, utcnow()
    )
    await audit.record(
        session,
        "auth.sessions.revoked_all",
        actor=principal,
        subject_type="user",
        subject_id=principal.user_id,
        ip=client.ip,
        user_agent=client.user_agent,
        details={"revoked": count},
    )
    return count


async def list_sessions(
    session: AsyncSession, principal: Principal, current: UserSession
) -> list[SessionOut]:
    assert principal.user_id is not None
    heads = await sessions_repo.list_live_heads(session, principal.user_id, utcnow())
    return [
        SessionOut(
            id=row.family_id,
            signed_in_at=signed_in_at,
            last_used_at=row.last_used_at or row.created_at,
            expires_at=row.expires_at,
            user_agent=row.user_agent,
            ip=str(row.ip) if row.ip is not None else None,
            current=row.family_id == current.family_id,
        )
        for row, signed_in_at in heads
    ]
