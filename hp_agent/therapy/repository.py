"""SQL for the clinical record (the caseload's one query lives in ``caseload.py``)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from hp_agent.therapy.models import (
    Diagnosis,
    HomeworkAssignment,
    HomeworkStatus,
    NoteStatus,
    SessionNote,
    TherapySession,
    TreatmentGoal,
    TreatmentPlan,
)

OPEN_HOMEWORK = (HomeworkStatus.assigned, HomeworkStatus.in_progress)
_LIMIT = 200


async def sessions_of(session: AsyncSession, patient_id: uuid.UUID) -> list[TherapySession]:
    t = TherapySession
    stmt = (
        select(t)
        .where(t.patient_id == patient_id)
        .order_by(t.scheduled_start.desc().nulls_last(), t.created_at.desc())
        .limit(_LIMIT)
    )
    return list((await session.execute(stmt)).scalars().all())


async def get_note(session: AsyncSession, note_id: uuid.UUID, *, lock: bool = False) -> SessionNote | None:
    stmt = select(SessionNote).where(SessionNote.id == note_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def notes_of(session: AsyncSession, patient_id: uuid.UUID, *, patient_view: bool) -> list[SessionNote]:
    n = SessionNote
    stmt = select(n).where(n.patient_id == patient_id)
    if patient_view:
        # The patient reads signed notes their clinician shares, never drafts.
        stmt = stmt.where(n.visible_to_patient, n.status != NoteStatus.draft)
    stmt = stmt.order_by(n.created_at.desc()).limit(_LIMIT)
    return list((await session.execute(stmt)).scalars().all())


async def plans_of(session: AsyncSession, patient_id: uuid.UUID) -> list[TreatmentPlan]:
    p = TreatmentPlan
    stmt = (
        select(p)
        .where(p.patient_id == patient_id)
        .options(selectinload(p.goals))
        .order_by(p.created_at.desc())
        .limit(50)
    )
    return list((await session.execute(stmt)).scalars().all())


async def get_plan(session: AsyncSession, plan_id: uuid.UUID, *, lock: bool = False) -> TreatmentPlan | None:
    stmt = select(TreatmentPlan).where(TreatmentPlan.id == plan_id).options(selectinload(TreatmentPlan.goals))
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_goal(session: AsyncSession, goal_id: uuid.UUID) -> TreatmentGoal | None:
    return (
        await session.execute(select(TreatmentGoal).where(TreatmentGoal.id == goal_id).with_for_update())
    ).scalar_one_or_none()


async def homework_of(session: AsyncSession, patient_id: uuid.UUID) -> list[HomeworkAssignment]:
    h = HomeworkAssignment
    stmt = (
        select(h)
        .where(h.patient_id == patient_id, h.status != HomeworkStatus.cancelled)
        .order_by(h.status.in_(OPEN_HOMEWORK).desc(), h.due_at.asc().nulls_last(), h.assigned_at.desc())
        .limit(_LIMIT)
    )
    return list((await session.execute(stmt)).scalars().all())


async def get_homework(session: AsyncSession, homework_id: uuid.UUID) -> HomeworkAssignment | None:
    stmt = select(HomeworkAssignment).where(HomeworkAssignment.id == homework_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def diagnoses_of(session: AsyncSession, patient_id: uuid.UUID) -> list[Diagnosis]:
    d = Diagnosis
    stmt = select(d).where(d.patient_id == patient_id).order_by(d.is_primary.desc(), d.diagnosed_on.desc())
    return list((await session.execute(stmt)).scalars().all())
