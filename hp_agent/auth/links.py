"""Emailed single-use links: email verification (sign-up and address change) and password reset.

A link token is ``<user id hex>.<256 random bits>``; only its sha256 is stored
(``auth_email_tokens``), with an expiry, and it works once. The user id in front lets the service
look the row up *as that person* (row-level security's owner policy) before anyone is signed in,
without acting as the system actor; a forged id only finds nothing. A new link of a kind retires
the person's earlier unused ones of that kind. Refusals (unknown, used, expired) raise, so the unit
of work rolls back and nothing changes.

A password-reset request gets the same 202 whether or not the address has an account, and at most
``MAX_LINKS_PER_HOUR`` links of a kind are sent to one account per hour (the rest are dropped
silently, so nobody can flood a mailbox through the form).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import uuid

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth import emails
from hp_agent.auth import repository as sessions_repo
from hp_agent.auth.schemas import ClientInfo
from hp_agent.auth.security import hash_password, password_problems, token_digest, verify_password
from hp_agent.auth.security_models import AuthEmailToken
from hp_agent.compliance import audit
from hp_agent.compliance.models import AuditOutcome
from hp_agent.config import Settings
from hp_agent.db.session import ANONYMOUS, Principal, set_principal
from hp_agent.errors import Conflict, Forbidden, HPError
from hp_agent.users import repository as users_repo
from hp_agent.users.models import SessionRevokeReason, User, UserRole, UserStatus
from hp_agent.users.repository import acting_as, normalise_email

VERIFY, RESET = "verify_email", "reset_password"
MAX_LINKS_PER_HOUR = 3


class LinkInvalid(HPError):
    status_code = 400
    code = "link_invalid"


class LinkGone(HPError):
    """Used already, or expired: the person needs a new link."""

    status_code = 410
    code = "link_expired"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _as_owner(user_id: uuid.UUID) -> Principal:
    # The owner's id with no role: the owner policy applies, no role-based one does.
    return Principal(user_id, ANONYMOUS.role)


def _owner_of(token: str) -> uuid.UUID | None:
    head, sep, rest = token.partition(".")
    if not sep or not rest:
        return None
    try:
        return uuid.UUID(hex=head)
    except ValueError:
        return None


async def _issue(
    session: AsyncSession, user_id: uuid.UUID, purpose: str, email: str, ttl: dt.timedelta
) -> str | None:
    """A new link token, or None when this account already had its links for the hour."""
    now = utcnow()
    token = f"{user_id.hex}.{secrets.token_urlsafe(32)}"
    async with acting_as(session, _as_owner(user_id)):
        recent = (
            await session.execute(
                select(func.count())
                .select_from(AuthEmailToken)
                .where(
                    AuthEmailToken.user_id == user_id,
                    AuthEmailToken.purpose == purpose,
                    AuthEmailToken.created_at > now - dt.timedelta(hours=1),
                )
            )
        ).scalar_one()
        if recent >= MAX_LINKS_PER_HOUR:
            return None
        await _retire(session, user_id, purpose, now)
        session.add(
            AuthEmailToken(
                user_id=user_id,
                purpose=purpose,
                token_hash=token_digest(token),
                email=email,
                expires_at=now + ttl,
            )
        )
    return token


async def _retire(session: AsyncSession, user_id: uuid.UUID, purpose: str, now: dt.datetime) -> None:
    await session.execute(
        update(AuthEmailToken)
        .where(
            AuthEmailToken.user_id == user_id,
            AuthEmailToken.purpose == purpose,
            AuthEmailToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


async def _redeem(session: AsyncSession, token: str, purpose: str) -> tuple[AuthEmailToken, User]:
    """The token's row and its person, locked; raises unless it is unused and unexpired.

    Leaves the session acting as the token's owner (the caller writes as them)."""
    owner = _owner_of(token)
    if owner is None:
        raise LinkInvalid("This link is not valid. Please ask for a new one.")
    await session.flush()
    await set_principal(session, _as_owner(owner))
    row = (
        await session.execute(
            select(AuthEmailToken)
            .where(AuthEmailToken.token_hash == token_digest(token), AuthEmailToken.purpose == purpose)
            .with_for_update()
        )
    ).scalar_one_or_none()
    user = await users_repo.get_user(session, owner) if row is not None else None
    if row is None or user is None or row.user_id != owner:
        raise LinkInvalid("This link is not valid. Please ask for a new one.")
    if row.used_at is not None:
        raise LinkGone("This link has already been used. Please ask for a new one.", code="link_used")
    if row.expires_at <= utcnow():
        raise LinkGone("This link has expired. Please ask for a new one.")
    if user.status != UserStatus.active:
        raise LinkInvalid("This link is not valid. Please ask for a new one.")
    return row, user


# -- verification ---------------------------------------------------------------------------------


async def send_verification(
    session: AsyncSession, user: User, settings: Settings, *, to: str | None = None
) -> bool:
    """Email a verification link for ``to`` (default: the account's address). False if capped."""
    address = to or user.email
    ttl = dt.timedelta(hours=settings.email_verification_ttl_hours)
    token = await _issue(session, user.id, VERIFY, address, ttl)
    if token is None:
        return False
    await emails.verify_email(
        session, settings, to=address, user_id=user.id, token=token, change=to is not None
    )
    return True


async def verify(session: AsyncSession, token: str, client: ClientInfo) -> User:
    """Mark the address verified; for an address change, the new address becomes the account's."""
    row, user = await _redeem(session, token, VERIFY)
    now = utcnow()
    previous = user.email
    changed = row.email != user.email
    if changed:
        try:
            async with session.begin_nested():
                user.email = row.email
                await session.flush()
        except IntegrityError:
            raise Conflict("Another account uses this email address now.", code="email_taken") from None
    user.email_verified_at = now
    row.used_at = now
    await session.flush()
    await emails.account_security_event(
        session,
        "auth.email.changed" if changed else "auth.email.verified",
        user_id=user.id,
        actor=Principal(user.id, user.role.value),
        client=client,
        tell=emails.EMAIL_CHANGED if changed else None,
        to=previous,
    )
    return user


async def request_email_change(
    session: AsyncSession,
    principal: Principal,
    new_email: str,
    password: str,
    client: ClientInfo,
    settings: Settings,
) -> None:
    """Send a verification link to the new address; the account keeps its address until it is opened."""
    assert principal.user_id is not None
    user = await users_repo.get_user(session, principal.user_id)
    assert user is not None
    if not await asyncio.to_thread(verify_password, user.password_hash, password):
        await audit.record(
            session,
            "auth.email.change_refused",
            actor=principal,
            subject_type="user",
            subject_id=user.id,
            outcome=AuditOutcome.denied,
            ip=client.ip,
            user_agent=client.user_agent,
        )
        raise Forbidden("The password is not correct.", code="wrong_password")
    try:
        address = normalise_email(validate_email(new_email, check_deliverability=False).normalized)
    except EmailNotValidError:
        raise HPError("The email address is not valid.", 422, code="invalid_email") from None
    if address == user.email:
        raise HPError("This is already your email address.", 422, code="same_email")
    # Whether another account has the address is not said here: its owner gets the link and the
    # clash (if any) shows only when it is opened.
    sent = await send_verification(session, user, settings, to=address)
    await emails.account_security_event(
        session,
        "auth.email.change_requested",
        user_id=user.id,
        actor=principal,
        client=client,
        tell=emails.EMAIL_CHANGE_REQUESTED if sent else None,
        to=user.email,
    )


# -- password reset -------------------------------------------------------------------------------


async def request_reset(session: AsyncSession, email: str, client: ClientInfo, settings: Settings) -> None:
    """Email a reset link if the address has an active account; the caller's answer is the same."""
    # Found the way sign-in finds it: never as the system actor (hp_agent/users/repository.py).
    account = await users_repo.account_for_signin(session, normalise_email(email))
    async with acting_as(session, users_repo.signing_in(account)):
        user = await users_repo.get_user(session, account) if account is not None else None
    sent = False
    if user is not None and user.status == UserStatus.active and user.role != UserRole.system:
        ttl = dt.timedelta(minutes=settings.password_reset_ttl_minutes)
        token = await _issue(session, user.id, RESET, user.email, ttl)
        if token is not None:
            await emails.reset_password(session, settings, to=user.email, user_id=user.id, token=token)
            sent = True
    await audit.record(
        session,
        "auth.password_reset.requested",
        actor=None,
        subject_type="user" if user is not None else None,
        subject_id=user.id if user is not None else None,
        ip=client.ip,
        user_agent=client.user_agent,
        details={"sent": sent},
    )


async def confirm_reset(session: AsyncSession, token: str, new_password: str, client: ClientInfo) -> None:
    """Set the new password; every session of the account is signed out."""
    # Weak passwords are refused before the link is touched, so the link still works afterwards.
    row, user = await _redeem(session, token, RESET)
    problems = password_problems(new_password, user.email)
    if problems:
        raise HPError(
            "The password does not meet the password policy.",
            422,
            code="weak_password",
            details={"problems": problems},
        )
    now = utcnow()
    user.password_hash = await asyncio.to_thread(hash_password, new_password)
    user.failed_login_count = 0
    if row.email == user.email and user.email_verified_at is None:
        user.email_verified_at = now  # the link proved the address works
    await _retire(session, user.id, RESET, now)
    revoked = await sessions_repo.revoke_all_for_user(
        session, user.id, SessionRevokeReason.password_changed, now
    )
    await session.flush()
    await emails.account_security_event(
        session,
        "auth.password_reset.completed",
        user_id=user.id,
        actor=Principal(user.id, user.role.value),
        client=client,
        details={"sessions_revoked": revoked},
        tell=emails.PASSWORD_CHANGED,
        to=user.email,
    )
