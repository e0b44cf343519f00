"""SQL for the inbox. RLS shows each person only their own rows; the queries say so too."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import Notification, NotificationCategory

n = Notification


def _visible(user_id: uuid.UUID, now: dt.datetime) -> list[ColumnElement[bool]]:
    return [
        n.user_id == user_id,
        n.dismissed_at.is_(None),
        n.expires_at.is_(None) | (n.expires_at > now),
    ]


async def page(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    unread_only: bool,
    limit: int,
    offset: int,
    category: NotificationCategory | None = None,
) -> tuple[Sequence[Notification], int, int]:
    """(rows unread first then newest first, total matching, unread count)."""
    now = dt.datetime.now(dt.UTC)
    where = _visible(user_id, now)
    if unread_only:
        where.append(n.read_at.is_(None))
    if category is not None:
        where.append(n.category == category)
    rows = (
        (
            await session.execute(
                select(n)
                .where(*where)
                .order_by(n.read_at.is_not(None), n.created_at.desc(), n.id)
                .limit(limit)
                .offset(offset)
            )
        )
        .scalars()
        .all()
    )
    total = (await session.execute(select(func.count()).select_from(n).where(*where))).scalar_one()
    unread = (
        await session.execute(
            select(func.count()).select_from(n).where(*_visible(user_id, now), n.read_at.is_(None))
        )
    ).scalar_one()
    return rows, int(total), int(unread)


async def mark_read(session: AsyncSession, user_id: uuid.UUID, notification_id: uuid.UUID) -> bool:
    result = await session.execute(
        update(n)
        .where(n.id == notification_id, n.user_id == user_id)
        .values(read_at=func.coalesce(n.read_at, func.now()))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_all_read(session: AsyncSession, user_id: uuid.UUID) -> int:
    result = await session.execute(
        update(n).where(n.user_id == user_id, n.read_at.is_(None)).values(read_at=func.now())
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
