"""``/v1/medications``: the catalogue, a person's medicines, doses, side effects, reminders.

Clinicians pass ``patient_id`` to read the medicines they prescribe for a patient they treat
(with adherence and side effects); everything else is the signed-in person's own list.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser
from hp_agent.errors import Conflict, NotFound
from hp_agent.medication import intake, service
from hp_agent.medication import repository as repo
from hp_agent.medication.models import MedicationReminder, ReminderStatus
from hp_agent.medication.schemas import (
    AdherenceReport,
    CatalogueEntry,
    IntakeIn,
    IntakeResult,
    MedicationAdded,
    MedicationIn,
    MedicationList,
    ReminderOut,
    SideEffectIn,
    SideEffectOut,
    SideEffectResult,
    SnoozeIn,
    TodayDose,
)

router = APIRouter(prefix="/v1/medications", tags=["medications"])
PatientId = Annotated[
    uuid.UUID | None, Query(description="A patient's id (their prescriber); default: yourself.")
]


@router.get("/catalogue", response_model=list[CatalogueEntry])
async def catalogue(
    user: CurrentUser,
    db: DbSession,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=repo.MAX_CATALOGUE)] = 20,
) -> list[CatalogueEntry]:
    return [CatalogueEntry.model_validate(m) for m in await repo.search_catalogue(db, q, limit)]


@router.post("", response_model=MedicationAdded, status_code=201)
async def add(body: MedicationIn, user: CurrentUser, db: DbSession) -> MedicationAdded:
    return await service.add(db, user, body)


@router.get("", response_model=MedicationList)
async def listing(user: CurrentUser, db: DbSession, patient_id: PatientId = None) -> MedicationList:
    return await service.listing(db, user, patient_id)


@router.get("/today", response_model=list[TodayDose])
async def today(user: CurrentUser, db: DbSession) -> list[TodayDose]:
    return await intake.today(db, user)


@router.post("/intakes", response_model=IntakeResult, status_code=201)
async def log_intake(body: IntakeIn, user: CurrentUser, db: DbSession) -> IntakeResult:
    return await intake.log_intake(db, user, body)


@router.get("/adherence", response_model=AdherenceReport)
async def adherence(
    user: CurrentUser,
    db: DbSession,
    patient_id: PatientId = None,
    days: Annotated[int, Query(ge=1, le=90)] = 7,
) -> AdherenceReport:
    return await intake.adherence(db, user, patient_id, days)


@router.post("/side-effects", response_model=SideEffectResult, status_code=201)
async def report_side_effect(body: SideEffectIn, user: CurrentUser, db: DbSession) -> SideEffectResult:
    return await intake.report_side_effect(db, user, body)


@router.get("/side-effects", response_model=list[SideEffectOut])
async def side_effects(user: CurrentUser, db: DbSession, patient_id: PatientId = None) -> list[SideEffectOut]:
    return await intake.list_side_effects(db, user, patient_id)


@router.post("/reminders/{reminder_id}/snooze", response_model=ReminderOut)
async def snooze(reminder_id: uuid.UUID, body: SnoozeIn, user: CurrentUser, db: DbSession) -> ReminderOut:
    me = service.patient_id_of(user)
    r = MedicationReminder
    reminder = (
        await db.execute(select(r).where(r.id == reminder_id, r.patient_id == me).with_for_update())
    ).scalar_one_or_none()
    if reminder is None:
        raise NotFound("Reminder not found.")
    if reminder.status not in (ReminderStatus.SENT, ReminderStatus.SNOOZED):
        raise Conflict("Only a reminder that has gone out can be snoozed.", code="reminder_not_snoozable")
    reminder.status = ReminderStatus.SNOOZED
    reminder.snoozed_until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=body.minutes)
    await db.flush()
    return ReminderOut(
        id=reminder.id,
        status=reminder.status.value,
        remind_at=reminder.remind_at,
        snoozed_until=reminder.snoozed_until,
    )
