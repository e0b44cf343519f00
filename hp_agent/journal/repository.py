"""SQL for journal entries, gratitude entries, thought records and prompts.

Row-level security scopes every query to what the principal may see; the explicit ``user_id``
filters say which person's rows the caller asked for.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import Select, SmallInteger, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.crisis.enums import RiskLevel
from hp_agent.crisis.models import CrisisDetection
from hp_agent.journal.models import (
    CBTTechnique,
    GratitudeEntry,
    GuidedSession,
    GuidedSessionStatus,
    JournalEntry,
    JournalPrompt,
    PrivacyLevel,
    PromptCategory,
    ThoughtRecord,
)
from hp_agent.mood.models import MoodEntry

_ELEVATED = (RiskLevel.MODERATE, RiskLevel.HIGH, RiskLevel.IMMINENT)


async def page(
    session: AsyncSession, stmt: Select[JournalEntry], limit: int, offset: int
) -> tuple[list[JournalEntry], int]:
    total = (
        await session.execute(select(func.count()).select_from(stmt.order_by(None).subquery()))
    ).scalar_one()
    rows = (await session.execute(stmt.limit(limit).offset(offset))).scalars().all()
    return list(rows), int(total)


def entries_query(
    user_id: uuid.UUID,
    *,
    date_from: dt.date | None,
    date_to: dt.date | None,
    technique: CBTTechnique | None,
    tag: str | None,
    shared_only: bool,
) -> Select[JournalEntry]:
    stmt = select(JournalEntry).where(JournalEntry.user_id == user_id)
    if date_from is not None:
        stmt = stmt.where(JournalEntry.entry_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(JournalEntry.entry_date <= date_to)
    if technique is not None:
        stmt = stmt.where(JournalEntry.cbt_technique == technique)
    if tag is not None:
        stmt = stmt.where(JournalEntry.tags.contains([tag]))
    if shared_only:
        stmt = stmt.where(JournalEntry.privacy_level == PrivacyLevel.SHARED_WITH_THERAPIST)
    return stmt.order_by(JournalEntry.entry_date.desc(), JournalEntry.created_at.desc(), JournalEntry.id)


async def get_entry(session: AsyncSession, entry_id: uuid.UUID) -> JournalEntry | None:
    return (
        await session.execute(select(JournalEntry).where(JournalEntry.id == entry_id))
    ).scalar_one_or_none()


async def get_gratitude(session: AsyncSession, entry_id: uuid.UUID) -> GratitudeEntry | None:
    stmt = select(GratitudeEntry).where(GratitudeEntry.id == entry_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def gratitude_page(
    session: AsyncSession,
    user_id: uuid.UUID,
    date_from: dt.date | None,
    date_to: dt.date | None,
    limit: int,
    offset: int,
) -> tuple[list[GratitudeEntry], int]:
    stmt = select(GratitudeEntry).where(GratitudeEntry.user_id == user_id)
    if date_from is not None:
        stmt = stmt.where(GratitudeEntry.entry_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(GratitudeEntry.entry_date <= date_to)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    stmt = stmt.order_by(GratitudeEntry.entry_date.desc(), GratitudeEntry.created_at.desc()).limit(limit)
    rows = (await session.execute(stmt.offset(offset))).scalars().all()
    return list(rows), int(total)


async def get_thought_record(
    session: AsyncSession, record_id: uuid.UUID, *, for_update: bool = False
) -> ThoughtRecord | None:
    stmt = select(ThoughtRecord).where(ThoughtRecord.id == record_id)
    if for_update:
        # Two devices answering the same step at once must not interleave.
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def thought_records_page(
    session: AsyncSession, user_id: uuid.UUID, status: str | None, limit: int, offset: int
) -> tuple[list[ThoughtRecord], int]:
    stmt = select(ThoughtRecord).where(ThoughtRecord.user_id == user_id)
    if status is not None:
        stmt = stmt.where(ThoughtRecord.status == status)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    stmt = stmt.order_by(ThoughtRecord.updated_at.desc(), ThoughtRecord.id).limit(limit).offset(offset)
    return list((await session.execute(stmt)).scalars().all()), int(total)


async def get_guided_session(
    session: AsyncSession, session_id: uuid.UUID, *, for_update: bool = False
) -> GuidedSession | None:
    stmt = select(GuidedSession).where(GuidedSession.id == session_id)
    if for_update:
        # Two devices (or a resent frame) answering the same session must not interleave.
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def guided_sessions(
    session: AsyncSession,
    user_id: uuid.UUID,
    statuses: Sequence[GuidedSessionStatus],
    now: dt.datetime,
    limit: int,
) -> list[GuidedSession]:
    """The person's sessions in ``statuses``, most recently touched first; unfinished sessions
    past their expiry are left out (they can no longer be resumed)."""
    g = GuidedSession
    stmt = select(g).where(g.user_id == user_id, g.status.in_(statuses))
    open_states = (GuidedSessionStatus.ACTIVE, GuidedSessionStatus.PAUSED)
    stmt = stmt.where(or_(g.status.not_in(open_states), g.expires_at > now))
    stmt = stmt.order_by(g.updated_at.desc(), g.id).limit(limit)
    return list((await session.execute(stmt)).scalars().all())


async def worst_detection(
    session: AsyncSession, user_id: uuid.UUID, source_id: uuid.UUID, sources: Sequence[str]
) -> uuid.UUID | None:
    """The most severe (then latest) detection recorded for ``source_id`` from ``sources``."""
    d = CrisisDetection
    stmt = (
        select(d.id)
        .where(d.user_id == user_id, d.source_id == source_id, d.source.in_(sources))
        .order_by(d.risk_level.desc(), d.detected_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def prompt_exists(session: AsyncSession, prompt_id: uuid.UUID) -> bool:
    stmt = select(JournalPrompt.id).where(JournalPrompt.id == prompt_id, JournalPrompt.is_active.is_(True))
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def recent_elevated_risk(session: AsyncSession, user_id: uuid.UUID, since: dt.datetime) -> bool:
    stmt = select(CrisisDetection.id).where(
        CrisisDetection.user_id == user_id,
        CrisisDetection.risk_level.in_(_ELEVATED),
        CrisisDetection.detected_at >= since,
    )
    return (await session.execute(stmt.limit(1))).scalar_one_or_none() is not None


async def latest_mood(session: AsyncSession, user_id: uuid.UUID, since: dt.date) -> int | None:
    stmt = (
        select(MoodEntry.mood)
        .where(MoodEntry.user_id == user_id, MoodEntry.entry_date >= since)
        .order_by(MoodEntry.entry_date.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def prompts(
    session: AsyncSession,
    *,
    locale: str,
    categories: Sequence[PromptCategory] | None,
    exclude: Sequence[PromptCategory],
    technique: CBTTechnique | None,
    mood: int | None,
    limit: int,
) -> list[JournalPrompt]:
    p = JournalPrompt
    stmt = select(p).where(p.is_active.is_(True), p.locale == locale)
    if categories is not None:
        stmt = stmt.where(p.category.in_(categories))
    if exclude:
        stmt = stmt.where(p.category.not_in(exclude))
    if technique is not None:
        stmt = stmt.where(p.technique == technique)
    if mood is not None:
        # The columns' type is the mood_scale DOMAIN; compare them as the smallints they are.
        lo, hi = type_coerce(p.mood_min, SmallInteger), type_coerce(p.mood_max, SmallInteger)
        stmt = stmt.where(or_(lo.is_(None), lo <= mood), or_(hi.is_(None), hi >= mood))
    # Variety from day to day; the filters above decide relevance.
    stmt = stmt.order_by(func.random()).limit(limit)
    return list((await session.execute(stmt)).scalars().all())
