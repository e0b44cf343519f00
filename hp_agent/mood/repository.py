"""SQL for mood entries, goals, patterns and insights (upserts keep the one-row-per-key rules)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.db import data_keys
from hp_agent.mood.models import GoalStatus, MoodEntry, MoodGoal, MoodInsight, MoodPattern


async def upsert_entry(session: AsyncSession, values: dict[str, Any]) -> MoodEntry:
    """The daily rule in one statement: insert the day's entry or update it (no race between
    two devices checking in at once). Fields not given keep their earlier value that day."""
    if values.get("note") is not None:  # a Core statement: the flush hook does not see it
        values = {**values, "note": await data_keys.seal(session, values["user_id"], values["note"])}
    changed = {k: v for k, v in values.items() if k not in ("user_id", "entry_date") and v is not None}
    stmt = (
        insert(MoodEntry)
        .values(**values)
        .on_conflict_do_update(
            index_elements=[MoodEntry.user_id, MoodEntry.entry_date],
            set_={
                **changed,
                "checkin_count": MoodEntry.checkin_count + 1,
                "recorded_at": func.now(),
                "updated_at": func.now(),
            },
        )
        .returning(MoodEntry)
    )
    result = await session.execute(
        select(MoodEntry).from_statement(stmt), execution_options={"populate_existing": True}
    )
    row: MoodEntry = result.scalar_one()
    return row


async def get_entry(session: AsyncSession, entry_id: uuid.UUID) -> MoodEntry | None:
    return (await session.execute(select(MoodEntry).where(MoodEntry.id == entry_id))).scalar_one_or_none()


async def entries(
    session: AsyncSession,
    user_id: uuid.UUID,
    date_from: dt.date | None,
    date_to: dt.date | None,
    *,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = True,
) -> tuple[list[MoodEntry], int]:
    stmt = select(MoodEntry).where(MoodEntry.user_id == user_id)
    if date_from is not None:
        stmt = stmt.where(MoodEntry.entry_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(MoodEntry.entry_date <= date_to)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    stmt = stmt.order_by(MoodEntry.entry_date.desc() if newest_first else MoodEntry.entry_date)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return list((await session.execute(stmt)).scalars().all()), int(total)


async def entry_dates(session: AsyncSession, user_id: uuid.UUID, until: dt.date) -> list[dt.date]:
    stmt = select(MoodEntry.entry_date).where(MoodEntry.user_id == user_id, MoodEntry.entry_date <= until)
    return list((await session.execute(stmt.order_by(MoodEntry.entry_date))).scalars().all())


async def set_detection(session: AsyncSession, entry_id: uuid.UUID, detection_id: uuid.UUID) -> None:
    await session.execute(
        update(MoodEntry)
        .where(MoodEntry.id == entry_id)
        .values(crisis_detection_id=detection_id)
        .execution_options(synchronize_session=False)
    )


async def goals(session: AsyncSession, user_id: uuid.UUID, status: GoalStatus | None) -> list[MoodGoal]:
    stmt = select(MoodGoal).where(MoodGoal.user_id == user_id)
    if status is not None:
        stmt = stmt.where(MoodGoal.status == status)
    return list((await session.execute(stmt.order_by(MoodGoal.created_at.desc()))).scalars().all())


async def get_goal(session: AsyncSession, goal_id: uuid.UUID) -> MoodGoal | None:
    return (await session.execute(select(MoodGoal).where(MoodGoal.id == goal_id))).scalar_one_or_none()


async def upsert_pattern(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    pattern_type: str,
    period_start: dt.date,
    period_end: dt.date,
    metrics: dict[str, Any],
    confidence: float,
    sample_size: int,
    algorithm_version: str,
) -> MoodPattern:
    values = {
        "metrics": metrics,
        "confidence": confidence,
        "sample_size": sample_size,
        "algorithm_version": algorithm_version,
    }
    stmt = (
        insert(MoodPattern)
        .values(
            user_id=user_id,
            pattern_type=pattern_type,
            period_start=period_start,
            period_end=period_end,
            **values,
        )
        .on_conflict_do_update(
            index_elements=[
                MoodPattern.user_id,
                MoodPattern.pattern_type,
                MoodPattern.period_start,
                MoodPattern.period_end,
            ],
            set_={**values, "computed_at": func.now(), "updated_at": func.now()},
        )
        .returning(MoodPattern)
    )
    result = await session.execute(
        select(MoodPattern).from_statement(stmt), execution_options={"populate_existing": True}
    )
    row: MoodPattern = result.scalar_one()
    return row


async def upsert_insight(session: AsyncSession, values: dict[str, Any]) -> MoodInsight:
    # Same key and period: refresh the wording and numbers, keep shown/dismissed state.
    refresh = {
        k: values[k] for k in ("pattern_id", "kind", "title", "body", "data", "period_end", "priority")
    }
    stmt = (
        insert(MoodInsight)
        .values(**values)
        .on_conflict_do_update(
            index_elements=[MoodInsight.user_id, MoodInsight.insight_key, MoodInsight.period_start],
            set_={**refresh, "generated_at": func.now(), "updated_at": func.now()},
        )
        .returning(MoodInsight)
    )
    result = await session.execute(
        select(MoodInsight).from_statement(stmt), execution_options={"populate_existing": True}
    )
    row: MoodInsight = result.scalar_one()
    return row


async def patterns(session: AsyncSession, user_id: uuid.UUID, limit: int) -> list[MoodPattern]:
    stmt = (
        select(MoodPattern)
        .where(MoodPattern.user_id == user_id)
        .order_by(MoodPattern.computed_at.desc(), MoodPattern.pattern_type)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars().all())


async def insights_feed(
    session: AsyncSession, user_id: uuid.UUID, include_dismissed: bool, limit: int
) -> list[MoodInsight]:
    stmt = select(MoodInsight).where(MoodInsight.user_id == user_id)
    if not include_dismissed:
        stmt = stmt.where(MoodInsight.dismissed_at.is_(None))
    stmt = stmt.order_by(MoodInsight.priority.desc(), MoodInsight.generated_at.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars().all())


async def get_insight(session: AsyncSession, insight_id: uuid.UUID) -> MoodInsight | None:
    return (
        await session.execute(select(MoodInsight).where(MoodInsight.id == insight_id))
    ).scalar_one_or_none()
