"""Doses taken or skipped, side effects, adherence and today's doses.

Every note and side-effect description goes through the crisis layer (``crisis.screening``, the
same path as journal and mood text) in the unit of work that stores it, so "took the whole bottle"
in an intake note is a detection and an escalation like anywhere else.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import NotificationCategory, NotificationPriority
from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.gateway import safety_for, screen
from hp_agent.db.session import Principal
from hp_agent.errors import NotFound
from hp_agent.journal.common import InvalidInput, user_zone
from hp_agent.medication import repository as repo
from hp_agent.medication.models import (
    IntakeSource,
    IntakeStatus,
    MedicationIntakeLog,
    MedicationReminder,
    MedicationSchedule,
    ReminderStatus,
    SideEffectReport,
    SideEffectSeverity,
    UserMedication,
)
from hp_agent.medication.schemas import (
    Adherence,
    AdherenceReport,
    IntakeIn,
    IntakeOut,
    IntakeResult,
    SideEffectIn,
    SideEffectOut,
    SideEffectResult,
    TodayDose,
)
from hp_agent.medication.service import NOT_FOUND, patient_id_of, visible_medications
from hp_agent.medication.timing import occurrences, zone
from hp_agent.notifications import service as inbox

URGENT = frozenset({SideEffectSeverity.SEVERE, SideEffectSeverity.LIFE_THREATENING})
# A dose logged as taken more than this after it was due counts as late whatever the person chose.
_FUTURE_SLACK = dt.timedelta(minutes=5)


def intake_out(log: MedicationIntakeLog) -> IntakeOut:
    return IntakeOut(
        id=log.id,
        user_medication_id=log.user_medication_id,
        schedule_id=log.schedule_id,
        scheduled_for=log.scheduled_for,
        taken_at=log.taken_at,
        status=log.status,
        dose_amount=log.dose_amount,
        dose_unit=log.dose_unit,
        has_note=log.note is not None,
        created_at=log.created_at,
    )


def _bad(field: str, message: str, text: str) -> InvalidInput:
    return InvalidInput(text, details={"fields": [{"field": field, "message": message}]})


async def _dose_schedule(
    session: AsyncSession, med: UserMedication, scheduled_for: dt.datetime
) -> MedicationSchedule:
    """The schedule row of which ``scheduled_for`` is a due time (within a day either side)."""
    for s in (await repo.schedules_for(session, [med.id]))[med.id]:
        window = (scheduled_for - dt.timedelta(minutes=1), scheduled_for + dt.timedelta(minutes=1))
        if any(True for _ in occurrences(s, med, *window)):
            return s
    raise _bad(
        "scheduled_for", "not a due time of this medicine", "That is not a scheduled time for this medicine."
    )


async def log_intake(session: AsyncSession, user: Principal, body: IntakeIn) -> IntakeResult:
    me = patient_id_of(user)
    med = await repo.own_medication(session, me, body.user_medication_id)
    if med is None:
        raise NotFound(NOT_FOUND)
    now = dt.datetime.now(dt.UTC)
    taken_at = body.taken_at or (now if body.status != "skipped" else None)
    if taken_at is not None and taken_at > now + _FUTURE_SLACK:
        raise _bad("taken_at", "in the future", "A dose cannot be logged as taken in the future.")
    schedule: MedicationSchedule | None = None
    scheduled_for = body.scheduled_for.astimezone(dt.UTC) if body.scheduled_for else None
    if scheduled_for is not None:
        schedule = await _dose_schedule(session, med, scheduled_for)
    status = IntakeStatus(body.status)
    if (
        schedule is not None
        and scheduled_for is not None
        and status == IntakeStatus.TAKEN
        and taken_at is not None
        and taken_at > scheduled_for + dt.timedelta(minutes=schedule.grace_minutes)
    ):
        status = IntakeStatus.TAKEN_LATE
    log = await repo.log_for_dose(session, schedule.id, scheduled_for) if schedule and scheduled_for else None
    if log is None:
        log = MedicationIntakeLog(
            id=uuid.uuid4(),
            user_medication_id=med.id,
            patient_id=me,
            schedule_id=schedule.id if schedule else None,
            scheduled_for=scheduled_for,
            source=IntakeSource.MANUAL,
        )
        session.add(log)
    # Logging the same dose again corrects it (one outcome per scheduled dose).
    log.status = status
    log.taken_at = taken_at if status != IntakeStatus.SKIPPED else None
    log.dose_amount = body.dose_amount or med.dose_amount
    log.dose_unit = med.dose_unit
    log.note = body.note
    await session.flush()
    await session.refresh(log, ["created_at"])
    if schedule is not None and scheduled_for is not None:
        await _acknowledge_reminder(session, schedule.id, scheduled_for, log.id, now)
    screening = await screen(
        session, user_id=me, source=DetectionSource.MEDICATION, source_id=log.id, text=body.note or ""
    )
    return IntakeResult(intake=intake_out(log), safety=await safety_for(session, me, screening))


async def _acknowledge_reminder(
    session: AsyncSession, schedule_id: uuid.UUID, due: dt.datetime, log_id: uuid.UUID, now: dt.datetime
) -> None:
    r = MedicationReminder
    reminder = (
        await session.execute(select(r).where(r.schedule_id == schedule_id, r.remind_at == due))
    ).scalar_one_or_none()
    if reminder is not None and reminder.status != ReminderStatus.CANCELLED:
        reminder.status = ReminderStatus.ACKNOWLEDGED
        reminder.acknowledged_at = now
        reminder.snoozed_until = None
        reminder.intake_log_id = log_id


async def report_side_effect(session: AsyncSession, user: Principal, body: SideEffectIn) -> SideEffectResult:
    me = patient_id_of(user)
    med = await repo.own_medication(session, me, body.user_medication_id)
    if med is None:
        raise NotFound(NOT_FOUND)
    report = SideEffectReport(
        id=uuid.uuid4(),
        user_medication_id=med.id,
        patient_id=me,
        prescriber_id=med.prescriber_id,
        description=body.description,
        symptom_codes=[c.strip().lower() for c in body.symptom_codes if c.strip()],
        severity=body.severity,
        urgent=body.severity in URGENT,
        onset_date=body.onset_date,
    )
    session.add(report)
    await session.flush()
    await session.refresh(report, ["created_at"])
    screening = await screen(
        session, user_id=me, source=DetectionSource.MEDICATION, source_id=report.id, text=body.description
    )
    if med.prescriber_id is not None:
        await inbox.notify(
            session,
            med.prescriber_id,
            category=NotificationCategory.medication,
            title="A patient reported a side effect",
            body="Open their medicine list to review the report.",
            action_url=f"/#patients/{me}/medications",
            resource_type="side_effect_report",
            resource_id=report.id,
            dedupe_key=f"side-effect:{report.id}",
            priority=NotificationPriority.high if report.urgent else NotificationPriority.normal,
        )
    return SideEffectResult(report=side_effect_out(report), safety=await safety_for(session, me, screening))


def side_effect_out(r: SideEffectReport) -> SideEffectOut:
    return SideEffectOut(
        id=r.id,
        user_medication_id=r.user_medication_id,
        severity=r.severity,
        urgent=r.urgent,
        symptom_codes=list(r.symptom_codes),
        description=r.description,
        onset_date=r.onset_date,
        created_at=r.created_at,
    )


async def list_side_effects(
    session: AsyncSession, user: Principal, patient_id: uuid.UUID | None
) -> list[SideEffectOut]:
    owner, meds = await visible_medications(session, user, patient_id)
    rows = await repo.side_effects(session, owner, [m.id for m in meds])
    return [side_effect_out(r) for r in rows]


def _dose_status(log: MedicationIntakeLog | None, due: dt.datetime, grace: int, now: dt.datetime) -> str:
    if log is not None:
        return log.status.value
    if due > now:
        return "upcoming"
    return "missed" if now > due + dt.timedelta(minutes=grace) else "due"


async def _doses(
    session: AsyncSession,
    owner: uuid.UUID,
    meds: Sequence[UserMedication],
    start: dt.datetime,
    end: dt.datetime,
) -> list[tuple[UserMedication, MedicationSchedule, dt.datetime, MedicationIntakeLog | None]]:
    schedules = await repo.schedules_for(session, [m.id for m in meds if not m.as_needed])
    logs = {
        (log.schedule_id, log.scheduled_for): log
        for log in await repo.logs_between(session, owner, start, end)
        if log.schedule_id is not None
    }
    out = []
    for m in meds:
        for s in schedules.get(m.id, []):
            for due in occurrences(s, m, start, end):
                out.append((m, s, due, logs.get((s.id, due))))
    out.sort(key=lambda row: row[2])
    return out


async def today(session: AsyncSession, user: Principal, now: dt.datetime | None = None) -> list[TodayDose]:
    me = patient_id_of(user)
    now = now or dt.datetime.now(dt.UTC)
    meds = await repo.patient_medications(session, me, active_only=True)
    tz = await user_zone(session, me)
    day = now.astimezone(tz).date()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    return [
        TodayDose(
            user_medication_id=m.id,
            display_name=m.display_name,
            schedule_id=s.id,
            due_at=due,
            local_time=due.astimezone(zone(s.timezone)).time(),
            status=_dose_status(log, due, s.grace_minutes, now),
            intake_id=log.id if log else None,
        )
        for m, s, due, log in await _doses(session, me, meds, start, end)
    ]


async def adherence(
    session: AsyncSession,
    user: Principal,
    patient_id: uuid.UUID | None,
    days: int,
    now: dt.datetime | None = None,
) -> AdherenceReport:
    owner, meds = await visible_medications(session, user, patient_id)
    now = now or dt.datetime.now(dt.UTC)
    since = now - dt.timedelta(days=days)
    counts: dict[uuid.UUID, Counter[str]] = {m.id: Counter() for m in meds}
    for m, s, due, log in await _doses(session, owner, meds, since, now):
        counts[m.id][_dose_status(log, due, s.grace_minutes, now)] += 1
    report = []
    for m in meds:
        if m.as_needed:
            continue
        c = counts[m.id]
        known = c["taken"] + c["taken_late"] + c["skipped"] + c["missed"]
        report.append(
            Adherence(
                user_medication_id=m.id,
                display_name=m.display_name,
                scheduled=known + c["due"],
                taken=c["taken"],
                taken_late=c["taken_late"],
                skipped=c["skipped"],
                missed=c["missed"],
                rate=round((c["taken"] + c["taken_late"]) / known, 3) if known else None,
            )
        )
    return AdherenceReport(days=days, since=since, medications=report)
