"""``data_access_logs``: every read of a person's records by someone else.

Written in the reader's unit of work (a read that fails rolls its log row back with it) as a Core
insert without RETURNING; the subject reads the rows back through ``GET /v1/me/access-log``.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.models import ClinicianProfile
from hp_agent.compliance.models import DataAccessLog
from hp_agent.db.session import Principal


async def record(
    session: AsyncSession,
    reader: Principal,
    subject: uuid.UUID,
    *,
    resource: str,
    reason: str,
    resource_id: uuid.UUID | None = None,
) -> None:
    """Log ``reader``'s read of ``subject``'s ``resource``; the person's own reads are not logged."""
    if reader.user_id == subject:
        return
    await session.execute(
        insert(DataAccessLog).values(
            user_id=subject,
            accessor_id=reader.user_id,
            accessor_role=reader.role,
            resource=resource[:64],
            resource_id=resource_id,
            reason=reason[:64],
        )
    )


async def page_for(
    session: AsyncSession, subject: uuid.UUID, limit: int, offset: int
) -> tuple[list[tuple[DataAccessLog, str | None]], int]:
    """The subject's log, newest first, with the reader's directory name where they have one."""
    base = select(DataAccessLog).where(DataAccessLog.user_id == subject)
    total = int((await session.execute(select(func.count()).select_from(base.subquery()))).scalar_one())
    stmt = (
        select(DataAccessLog, ClinicianProfile.display_name)
        .outerjoin(ClinicianProfile, ClinicianProfile.user_id == DataAccessLog.accessor_id)
        .where(DataAccessLog.user_id == subject)
        .order_by(DataAccessLog.occurred_at.desc(), DataAccessLog.id)
        .limit(limit)
        .offset(offset)
    )
    rows: list[tuple[DataAccessLog, str | None]] = [
        (log, name) for log, name in (await session.execute(stmt)).all()
    ]
    return rows, total
