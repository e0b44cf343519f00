"""Mood check-ins, patterns and insights (goals: ``goals.py``; summaries and charts: ``summaries.py``).

Notes are screened by the crisis layer like every other text; therapists with an active
relationship read mood data (RLS allows it, checked here too so refusals are explicit).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance import audit
from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.gateway import safety_for, screen
from hp_agent.db.session import Principal
from hp_agent.errors import NotFound
from hp_agent.journal.access import own_id, readable_subject
from hp_agent.journal.common import Page, local_today, not_in_future
from hp_agent.mood import insights
from hp_agent.mood import repository as repo
from hp_agent.mood.models import MoodEntry
from hp_agent.mood.schemas import (
    ComputeOut,
    InsightOut,
    MoodCheckIn,
    MoodEntryOut,
    MoodEntryResult,
    PatternOut,
)

_NOT_FOUND = "Mood entry not found."


async def read_subject(session: AsyncSession, principal: Principal, user_id: uuid.UUID | None) -> uuid.UUID:
    """Whose mood data the caller reads (a therapist's read of a patient's is audited)."""
    subject = await readable_subject(session, principal, user_id, share="mood")
    if subject != principal.user_id:
        await audit.record(session, "mood.read", actor=principal, subject_type="user", subject_id=subject)
    return subject


# ----------------------------------------------------------------------------- entries


async def check_in(session: AsyncSession, principal: Principal, body: MoodCheckIn) -> MoodEntryResult:
    me = own_id(principal)
    today = await local_today(session, me)
    entry_date = body.entry_date or today
    not_in_future(entry_date, today)
    values: dict[str, Any] = {
        "user_id": me,
        "entry_date": entry_date,
        "mood": body.mood,
        "energy": body.energy,
        "anxiety": body.anxiety,
        "sleep_quality": body.sleep_quality,
        "sleep_hours": body.sleep_hours,
        "emotions": list(dict.fromkeys(body.emotions)) if body.emotions is not None else None,
        "activities": list(dict.fromkeys(body.activities)) if body.activities is not None else None,
        "note": body.note if body.note and body.note.strip() else None,
        "source": body.source,
    }
    # Columns with defaults must not be sent as NULL on insert.
    insert_values = {k: v for k, v in values.items() if v is not None}
    entry = await repo.upsert_entry(session, insert_values)
    screening = None
    if values["note"]:
        screening = await screen(
            session, user_id=me, source=DetectionSource.MOOD_NOTE, source_id=entry.id, text=values["note"]
        )
        if screening.detection_id is not None:
            await repo.set_detection(session, entry.id, screening.detection_id)
    out = MoodEntryResult.model_validate(entry, from_attributes=True)
    if screening is not None:
        out = out.model_copy(update={"safety": await safety_for(session, me, screening)})
    return out


async def list_entries(
    session: AsyncSession,
    principal: Principal,
    *,
    user_id: uuid.UUID | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    limit: int,
    offset: int,
) -> Page[MoodEntryOut]:
    subject = await read_subject(session, principal, user_id)
    rows, total = await repo.entries(session, subject, date_from, date_to, limit=limit, offset=offset)
    items = [MoodEntryOut.model_validate(r, from_attributes=True) for r in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)


async def get_entry(session: AsyncSession, principal: Principal, entry_id: uuid.UUID) -> MoodEntryOut:
    entry = await repo.get_entry(session, entry_id)
    if entry is None:
        raise NotFound(_NOT_FOUND)
    if entry.user_id != principal.user_id:
        await read_subject(session, principal, entry.user_id)
    return MoodEntryOut.model_validate(entry, from_attributes=True)


async def delete_entry(session: AsyncSession, principal: Principal, entry_id: uuid.UUID) -> None:
    entry = await repo.get_entry(session, entry_id)
    if entry is None or entry.user_id != own_id(principal):
        raise NotFound(_NOT_FOUND)
    await session.delete(entry)
    await session.flush()


# ----------------------------------------------------------------------------- patterns and insights


def points_of(rows: list[MoodEntry]) -> list[insights.DayPoint]:
    return [
        insights.DayPoint(
            r.entry_date,
            float(r.mood),
            float(r.sleep_hours) if r.sleep_hours is not None else None,
            float(r.sleep_quality) if r.sleep_quality is not None else None,
        )
        for r in rows
    ]


async def compute_insights(session: AsyncSession, principal: Principal, days: int) -> ComputeOut:
    """Recompute patterns over the last ``days`` days and store them with the insights they support."""
    me = own_id(principal)
    today = await local_today(session, me)
    start = today - dt.timedelta(days=days - 1)
    rows, _ = await repo.entries(session, me, start, today, newest_first=False)
    found = insights.all_patterns(points_of(rows), today)
    stored = {}
    for p in found:
        stored[p.kind] = await repo.upsert_pattern(
            session,
            user_id=me,
            pattern_type=p.kind,
            period_start=start,
            period_end=today,
            metrics=p.metrics,
            confidence=p.confidence,
            sample_size=p.sample_size,
            algorithm_version=insights.ALGORITHM_VERSION,
        )
    made = []
    for i in insights.insights_from(found):
        made.append(
            await repo.upsert_insight(
                session,
                {
                    "user_id": me,
                    "pattern_id": stored[i.pattern_kind].id,
                    "kind": i.kind,
                    "insight_key": i.key,
                    "title": i.title,
                    "body": i.body,
                    "data": i.data,
                    "period_start": start,
                    "period_end": today,
                    "priority": i.priority,
                },
            )
        )
    return ComputeOut(
        period_start=start,
        period_end=today,
        days_logged=len(rows),
        patterns=[PatternOut.model_validate(p, from_attributes=True) for p in stored.values()],
        insights=[InsightOut.model_validate(i, from_attributes=True) for i in made],
    )


async def list_patterns(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID | None, limit: int
) -> list[PatternOut]:
    subject = await read_subject(session, principal, user_id)
    return [
        PatternOut.model_validate(p, from_attributes=True)
        for p in await repo.patterns(session, subject, limit)
    ]


async def list_insights(
    session: AsyncSession,
    principal: Principal,
    user_id: uuid.UUID | None,
    include_dismissed: bool,
    limit: int,
) -> list[InsightOut]:
    subject = await read_subject(session, principal, user_id)
    rows = await repo.insights_feed(session, subject, include_dismissed, limit)
    return [InsightOut.model_validate(r, from_attributes=True) for r in rows]


async def dismiss_insight(session: AsyncSession, principal: Principal, insight_id: uuid.UUID) -> InsightOut:
    row = await repo.get_insight(session, insight_id)
    if row is None or row.user_id != own_id(principal):
        raise NotFound("Insight not found.")
    row.dismissed_at = row.dismissed_at or dt.datetime.now(dt.UTC)
    await session.flush()
    return InsightOut.model_validate(row, from_attributes=True)
