"""SQL for the medication domain. RLS limits every query to rows the principal may see; the
queries also name the patient so a missing service check cannot widen them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.medication.models import (
    Medication,
    MedicationIntakeLog,
    MedicationSchedule,
    MedicationStatus,
    SideEffectReport,
    UserMedication,
)

MAX_CATALOGUE = 50


async def search_catalogue(session: AsyncSession, q: str | None, limit: int) -> Sequence[Medication]:
    m = Medication
    stmt = select(m).where(m.is_active.is_(True))
    if q:
        like = f"%{q.strip().lower()}%"
        brand = func.lower(func.array_to_string(m.brand_names, " "))
        stmt = stmt.where(or_(m.generic_name.like(like), brand.like(like)))
    return (await session.execute(stmt.order_by(m.generic_name).limit(limit))).scalars().all()


async def catalogue_entry(session: AsyncSession, medication_id: uuid.UUID) -> Medication | None:
    return await session.get(Medication, medication_id)


async def catalogue_names(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Medication]:
    if not ids:
        return {}
    rows = (await session.execute(select(Medication).where(Medication.id.in_(ids)))).scalars().all()
    return {r.id: r for r in rows}


async def patient_medications(
    session: AsyncSession,
    patient_id: uuid.UUID,
    *,
    active_only: bool = False,
    prescriber_id: uuid.UUID | None = None,
) -> Sequence[UserMedication]:
    um = UserMedication
    stmt = select(um).where(um.patient_id == patient_id)
    if active_only:
        stmt = stmt.where(um.status == MedicationStatus.ACTIVE)
    if prescriber_id is not None:
        stmt = stmt.where(um.prescriber_id == prescriber_id)
    return (await session.execute(stmt.order_by(um.created_at, um.id))).scalars().all()


async def own_medication(
    session: AsyncSession, patient_id: uuid.UUID, user_medication_id: uuid.UUID
) -> UserMedication | None:
    um = UserMedication
    return (
        await session.execute(select(um).where(um.id == user_medication_id, um.patient_id == patient_id))
    ).scalar_one_or_none()


async def schedules_for(
    session: AsyncSession, user_medication_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[MedicationSchedule]]:
    out: dict[uuid.UUID, list[MedicationSchedule]] = {i: [] for i in user_medication_ids}
    if not user_medication_ids:
        return out
    s = MedicationSchedule
    rows = (
        (
            await session.execute(
                select(s)
                .where(s.user_medication_id.in_(user_medication_ids), s.is_active.is_(True))
                .order_by(s.time_of_day)
            )
        )
        .scalars()
        .all()
    )
    for row in rows:
        out[row.user_medication_id].append(row)
    return out


async def logs_between(
    session: AsyncSession, patient_id: uuid.UUID, start: dt.datetime, end: dt.datetime
) -> Sequence[MedicationIntakeLog]:
    """Intake logs for doses due (or, unscheduled, taken) in ``[start, end)``."""
    log = MedicationIntakeLog
    when = func.coalesce(log.scheduled_for, log.taken_at, log.created_at)
    return (
        (
            await session.execute(
                select(log).where(log.patient_id == patient_id, when >= start, when < end).order_by(when)
            )
        )
        .scalars()
        .all()
    )


async def log_for_dose(
    session: AsyncSession, schedule_id: uuid.UUID, scheduled_for: dt.datetime
) -> MedicationIntakeLog | None:
    log = MedicationIntakeLog
    return (
        await session.execute(
            select(log).where(log.schedule_id == schedule_id, log.scheduled_for == scheduled_for)
        )
    ).scalar_one_or_none()


async def side_effects(
    session: AsyncSession, patient_id: uuid.UUID, user_medication_ids: Sequence[uuid.UUID] | None = None
) -> Sequence[SideEffectReport]:
    r = SideEffectReport
    stmt = select(r).where(r.patient_id == patient_id)
    if user_medication_ids is not None:
        stmt = stmt.where(r.user_medication_id.in_(user_medication_ids))
    return (await session.execute(stmt.order_by(r.created_at.desc()).limit(200))).scalars().all()
