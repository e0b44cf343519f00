"""A person's medicine list: adding (catalogue or free text), the interaction check, and the
prescriber's view.

Authorisation is checked here as well as by RLS: a patient manages their own list; a clinician
sees the medicines they prescribe for a patient they have an active care relationship with.
Interactions found when a medicine is added are returned to the person and announced to the
prescriber(s) of both medicines through the inbox (titles never name a medicine).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import NotificationCategory, NotificationPriority
from hp_agent.care.repository import has_active_relationship
from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import Forbidden, HPError, NotFound
from hp_agent.journal.common import InvalidInput, user_zone
from hp_agent.medication import interactions
from hp_agent.medication import repository as repo
from hp_agent.medication.models import (
    Medication,
    MedicationSchedule,
    MedicationSource,
    UserMedication,
)
from hp_agent.medication.schemas import (
    InteractionOut,
    MedicationAdded,
    MedicationIn,
    MedicationList,
    MedicationOut,
    ScheduleOut,
)
from hp_agent.notifications import service as inbox

NOT_FOUND = "Medicine not found."


class UnknownMedicine(HPError):
    status_code = 422
    code = "unknown_medication"


def patient_id_of(user: Principal) -> uuid.UUID:
    if user.user_id is None:
        raise Forbidden("Sign in first.")
    return user.user_id


async def subject(session: AsyncSession, user: Principal, patient_id: uuid.UUID | None) -> uuid.UUID | None:
    """Whose list is read: the caller's own (returns None as 'no prescriber filter'), or for a
    clinician a patient they treat (returns the clinician id, the prescriber filter)."""
    me = patient_id_of(user)
    if patient_id is None or patient_id == me:
        return None
    if user.role != "therapist" or not await has_active_relationship(session, me, patient_id):
        raise NotFound(NOT_FOUND)
    await audit.record(
        session, "medication.patient_read", actor=user, subject_type="user", subject_id=patient_id
    )
    return me


def out(
    med: UserMedication, schedules: Sequence[MedicationSchedule], catalogue: Medication | None
) -> MedicationOut:
    return MedicationOut(
        id=med.id,
        medication_id=med.medication_id,
        display_name=med.display_name,
        drug_class=catalogue.drug_class if catalogue else None,
        dose_amount=med.dose_amount,
        dose_unit=med.dose_unit,
        as_needed=med.as_needed,
        status=med.status,
        prescriber_id=med.prescriber_id,
        prescriber_name=med.external_prescriber_name,
        start_date=med.start_date,
        end_date=med.end_date,
        schedules=[
            ScheduleOut(
                id=s.id,
                time_of_day=s.time_of_day,
                days_of_week=list(s.days_of_week),
                timezone=s.timezone,
                grace_minutes=s.grace_minutes,
            )
            for s in schedules
        ],
        created_at=med.created_at,
    )


async def _interactions_with(
    session: AsyncSession, med: UserMedication, others: Sequence[UserMedication]
) -> list[InteractionOut]:
    if med.medication_id is None:
        return []
    by_catalogue = {o.medication_id: o for o in others if o.medication_id and o.id != med.id}
    found = await interactions.between(session, med.medication_id, list(by_catalogue))
    return [
        InteractionOut(
            with_user_medication_id=by_catalogue[f.other_medication_id].id,
            with_name=by_catalogue[f.other_medication_id].display_name,
            severity=f.severity,
            severe=f.severe,
            effect=f.effect,
            description=f.description,
            management=f.management,
            reference=f.reference,
        )
        for f in found
    ]


async def add(session: AsyncSession, user: Principal, body: MedicationIn) -> MedicationAdded:
    me = patient_id_of(user)
    catalogue: Medication | None = None
    if body.medication_id is not None:
        catalogue = await repo.catalogue_entry(session, body.medication_id)
        if catalogue is None or not catalogue.is_active:
            raise UnknownMedicine(
                "No such medicine in the catalogue.",
                details={"fields": [{"field": "medication_id", "message": "unknown medicine"}]},
            )
    if body.prescriber_id is not None and not await has_active_relationship(session, body.prescriber_id, me):
        raise InvalidInput(
            "The prescriber must be a clinician on your care team.",
            details={"fields": [{"field": "prescriber_id", "message": "not on your care team"}]},
        )
    today = dt.datetime.now(dt.UTC).date()
    if body.end_date is not None and body.end_date < (body.start_date or today):
        raise InvalidInput(
            "The end date is before the start date.",
            details={"fields": [{"field": "end_date", "message": "before the start date"}]},
        )
    tz_name = (body.schedule.timezone if body.schedule else None) or (await user_zone(session, me)).key
    med = UserMedication(
        id=uuid.uuid4(),
        patient_id=me,
        prescriber_id=body.prescriber_id,
        medication_id=catalogue.id if catalogue else None,
        display_name=catalogue.generic_name if catalogue else (body.name or "").strip(),
        source=MedicationSource.SELF_REPORTED,
        dose_amount=body.dose_amount,
        dose_unit=body.dose_unit or (catalogue.dose_unit if catalogue else "mg"),
        as_needed=body.as_needed,
        instructions=body.instructions,
        external_prescriber_name=body.prescriber_name,
        start_date=body.start_date or today,
        end_date=body.end_date,
    )
    session.add(med)
    await session.flush()
    sched = body.schedule
    schedules = (
        []
        if sched is None
        else [
            MedicationSchedule(
                id=uuid.uuid4(),
                user_medication_id=med.id,
                patient_id=me,
                time_of_day=t,
                days_of_week=sched.days_of_week,
                timezone=tz_name,
                dose_amount=med.dose_amount,
                dose_unit=med.dose_unit,
                grace_minutes=sched.grace_minutes,
            )
            for t in sched.times
        ]
    )
    session.add_all(schedules)
    await session.flush()
    await session.refresh(med, ["created_at"])
    others = await repo.patient_medications(session, me, active_only=True)
    found = await _interactions_with(session, med, others)
    if found:
        await _tell_prescribers(session, med, others, found)
    await audit.record(
        session, "medication.added", actor=user, subject_type="user_medication", subject_id=med.id
    )
    return MedicationAdded(
        medication=out(med, schedules, catalogue),
        interactions=found,
        interactions_checked=catalogue is not None,
    )


async def _tell_prescribers(
    session: AsyncSession, med: UserMedication, others: Sequence[UserMedication], found: list[InteractionOut]
) -> None:
    involved = {med.id, *(f.with_user_medication_id for f in found)}
    prescribers = {o.prescriber_id for o in [med, *others] if o.id in involved and o.prescriber_id}
    severe = any(f.severe for f in found)
    for clinician in prescribers:
        await inbox.notify(
            session,
            clinician,
            category=NotificationCategory.medication,
            title="Possible interaction on a patient's medicine list",
            body="A patient added a medicine that may interact with one you prescribe. Review their list.",
            action_url=f"/#patients/{med.patient_id}/medications",
            resource_type="user_medication",
            resource_id=med.id,
            dedupe_key=f"medication-interaction:{med.id}",
            priority=NotificationPriority.high if severe else NotificationPriority.normal,
        )


async def listing(session: AsyncSession, user: Principal, patient_id: uuid.UUID | None) -> MedicationList:
    prescriber = await subject(session, user, patient_id)
    owner = patient_id or patient_id_of(user)
    meds = await repo.patient_medications(session, owner, prescriber_id=prescriber)
    schedules = await repo.schedules_for(session, [m.id for m in meds])
    catalogue = await repo.catalogue_names(session, [m.medication_id for m in meds if m.medication_id])
    # Interactions on the whole active list (a prescriber sees those touching their medicines).
    active = await repo.patient_medications(session, owner, active_only=True)
    seen: set[frozenset[uuid.UUID]] = set()
    pairs: list[InteractionOut] = []
    for m in meds:
        for f in await _interactions_with(session, m, active):
            key = frozenset({m.id, f.with_user_medication_id})
            if key not in seen:
                seen.add(key)
                pairs.append(f.model_copy(update={"with_name": f"{m.display_name} + {f.with_name}"}))
    return MedicationList(
        items=[
            out(m, schedules[m.id], catalogue.get(m.medication_id) if m.medication_id else None) for m in meds
        ],
        interactions=pairs,
    )


async def visible_medications(
    session: AsyncSession, user: Principal, patient_id: uuid.UUID | None
) -> tuple[uuid.UUID, list[UserMedication]]:
    """(patient, medicines the caller may see on their list) for adherence and side effects."""
    prescriber = await subject(session, user, patient_id)
    owner = patient_id or patient_id_of(user)
    return owner, list(await repo.patient_medications(session, owner, prescriber_id=prescriber))
