"""SQL for refresh-token sessions (``user_sessions``)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance.audit import clean_ip
from hp_agent.users.models import SessionRevokeReason, User, UserSession


async def account_for_refresh(session: AsyncSession, digest: str) -> uuid.UUID | None:
    """Whose session a refresh token's digest is (SECURITY DEFINER function, hp_agent/db/security.py)."""
    stmt = select(func.app_account_for_refresh(digest))
    found: uuid.UUID | None = (await session.execute(stmt)).scalar_one()
    return found


async def get_by_digest_for_update(session: AsyncSession, digest: str) -> UserSession | None:
    # FOR UPDATE serialises concurrent refreshes of one token: the second sees it rotated.
    stmt = select(UserSession).where(UserSession.token_hash == digest).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_with_user(
    session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[UserSession, User] | None:
    stmt = (
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.id == session_id, UserSession.user_id == user_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    return None if row is None else (row[0], row[1])


async def signed_in_from(
    session: AsyncSession, user_id: uuid.UUID, ip: str | None, since: dt.datetime
) -> bool:
    """Whether the account signed in from ``ip`` since ``since`` (any session row of it)."""
    address = clean_ip(ip)  # the column is INET; test clients and proxies send odd things
    if address is None:
        return False
    stmt = (
        select(UserSession.id)
        .where(UserSession.user_id == user_id, UserSession.ip == address, UserSession.created_at >= since)
        .limit(1)
    )
    return (await session.execute(stmt)).first() is not None


async def revoke_family(
    session: AsyncSession,
    family_id: uuid.UUID,
    reason: SessionRevokeReason,
    now: dt.datetime,
    *,
    user_id: uuid.UUID | None = None,
) -> int:
    """Revoke every live token of one login; ``user_id`` also checks ownership (besides RLS)."""
    conditions = [UserSession.family_id == family_id, UserSession.revoked_at.is_(None)]
    if user_id is not None:
        conditions.append(UserSession.user_id == user_id)
    stmt = (
        update(UserSession)
        .where(*conditions)
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(stmt)).rowcount  # type: ignore[attr-defined,no-any-return]


async def revoke_all_for_user(
    session: AsyncSession, user_id: uuid.UUID, reason: SessionRevokeReason, now: dt.datetime
) -> int:
    stmt = (
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(stmt)).rowcount  # type: ignore[attr-defined,no-any-return]


async def list_live_heads(
    session: AsyncSession, user_id: uuid.UUID, now: dt.datetime
) -> list[tuple[UserSession, dt.datetime]]:
    """The current (unrotated, unrevoked, unexpired) token of each family, with its first sign-in."""
    started = (
        select(UserSession.family_id, func.min(UserSession.created_at).label("signed_in_at"))
        .where(UserSession.user_id == user_id)
        .group_by(UserSession.family_id)
        .subquery()
    )
    stmt = (
        select(UserSession, started.c.signed_in_at)
        .join(started, started.c.family_id == UserSession.family_id)
        .where(
            UserSession.user_id == user_id,
            UserSession.rotated_at.is_(None),
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
        )
        .order_by(started.c.signed_in_at.desc())
    )
    return [(row[0], row[1]) for row in (await session.execute(stmt)).all()]
