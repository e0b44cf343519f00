"""Treatment plans with measurable goals, and diagnoses (ICD-10-CM codes)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, NotFound
from hp_agent.therapy import repository as repo
from hp_agent.therapy.access import readable_patient, require_treating
from hp_agent.therapy.models import (
    Diagnosis,
    DiagnosisStatus,
    TherapySession,
    TreatmentGoal,
    TreatmentGoalStatus,
    TreatmentPlan,
    TreatmentPlanStatus,
)
from hp_agent.therapy.schemas import DiagnosisIn, GoalIn, GoalPatch, PlanIn, PlanPatch
from hp_agent.therapy.service import field_error

# ICD-10-CM: a letter, a digit, a letter or digit (the category), then optionally a dot and one
# to four more characters (etiology, anatomic site, severity, extension). E.g. F32.1, F43.10,
# Z63.0. The table has the same CHECK. Whether a well-formed code exists is not checked here.
ICD10 = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")
_OPEN_DIAGNOSIS = (DiagnosisStatus.provisional, DiagnosisStatus.confirmed)


async def _audit(
    session: AsyncSession, principal: Principal, action: str, kind: str, row_id: uuid.UUID, **details: object
) -> None:
    await audit.record(
        session, action, actor=principal, subject_type=kind, subject_id=row_id, details=details
    )


# ----------------------------------------------------------------------------- goals


def _check_goal(body: GoalIn, index: int | None = None) -> None:
    field = "goals" if index is None else f"goals[{index}]"
    measured = (body.measure_instrument, body.baseline_value, body.target_value)
    if any(v is not None for v in measured) and not all(v is not None for v in measured):
        raise field_error(
            field,
            "measure_instrument, baseline_value and target_value go together",
            "Incomplete goal measure.",
        )
    if body.baseline_value is not None and body.baseline_value == body.target_value:
        raise field_error(field, "target equals baseline", "A goal's target must differ from its baseline.")


def _goal(plan: TreatmentPlan, body: GoalIn, position: int) -> TreatmentGoal:
    return TreatmentGoal(
        id=uuid.uuid4(),
        treatment_plan_id=plan.id,
        patient_id=plan.patient_id,
        therapist_id=plan.therapist_id,
        position=position,
        description=body.description,
        interventions=body.interventions,
        measure_instrument=body.measure_instrument,
        baseline_value=body.baseline_value,
        target_value=body.target_value,
        target_date=body.target_date,
    )


def measured_progress(baseline: Decimal, target: Decimal, current: Decimal) -> float:
    """Share of the way from baseline to target (either direction: PHQ-9 goals go down), 0 to 1."""
    share = (current - baseline) / (target - baseline)
    return float(min(Decimal(1), max(Decimal(0), share)))


# ----------------------------------------------------------------------------- plans


async def create_plan(
    session: AsyncSession, principal: Principal, patient_id: uuid.UUID, body: PlanIn
) -> TreatmentPlan:
    clinician = await require_treating(session, principal, patient_id)
    for i, g in enumerate(body.goals):
        _check_goal(g, i)
    if body.start_date and body.target_end_date and body.target_end_date < body.start_date:
        raise field_error("target_end_date", "before start_date", "The plan cannot end before it starts.")
    if body.status == TreatmentPlanStatus.active:
        await _no_other_active(session, patient_id, clinician)
    plan = TreatmentPlan(
        id=uuid.uuid4(),
        patient_id=patient_id,
        therapist_id=clinician,
        title=body.title,
        presenting_problem=body.presenting_problem,
        approach=body.approach,
        status=body.status,
        start_date=body.start_date or dt.date.today(),
        target_end_date=body.target_end_date,
        next_review_date=body.next_review_date,
        session_frequency=body.session_frequency,
    )
    session.add(plan)
    await session.flush()
    for i, g in enumerate(body.goals):
        session.add(_goal(plan, g, i))
    await session.flush()
    await _audit(
        session,
        principal,
        "therapy.plan.created",
        "treatment_plan",
        plan.id,
        patient_id=patient_id,
        goals=len(body.goals),
    )
    return await _reloaded(session, plan.id)


async def _reloaded(session: AsyncSession, plan_id: uuid.UUID) -> TreatmentPlan:
    session.expire_all()
    plan = await repo.get_plan(session, plan_id)
    assert plan is not None
    return plan


async def _no_other_active(
    session: AsyncSession, patient_id: uuid.UUID, clinician: uuid.UUID, except_id: uuid.UUID | None = None
) -> None:
    p = TreatmentPlan
    stmt = select(p.id).where(
        p.patient_id == patient_id, p.therapist_id == clinician, p.status == TreatmentPlanStatus.active
    )
    if except_id is not None:
        stmt = stmt.where(p.id != except_id)
    if (await session.execute(stmt.limit(1))).first() is not None:
        raise Conflict(
            "This patient already has an active plan with you; complete or revise that one.",
            code="active_plan_exists",
        )


async def _own_plan(session: AsyncSession, principal: Principal, plan_id: uuid.UUID) -> TreatmentPlan:
    plan = await repo.get_plan(session, plan_id, lock=True)
    if plan is None:
        raise NotFound("No such treatment plan.")
    clinician = await require_treating(session, principal, plan.patient_id)
    if plan.therapist_id != clinician:
        raise NotFound("No such treatment plan.")
    return plan


async def update_plan(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, body: PlanPatch
) -> TreatmentPlan:
    plan = await _own_plan(session, principal, plan_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if changes.get("status") == TreatmentPlanStatus.active and plan.status != TreatmentPlanStatus.active:
        assert plan.therapist_id is not None
        await _no_other_active(session, plan.patient_id, plan.therapist_id, except_id=plan.id)
    for name, value in changes.items():
        setattr(plan, name, value)
    if changes.get("status") in (TreatmentPlanStatus.completed, TreatmentPlanStatus.discontinued):
        plan.ended_on = dt.date.today()
    if changes:
        plan.version += 1
    await session.flush()
    await _audit(
        session, principal, "therapy.plan.updated", "treatment_plan", plan.id, fields=sorted(changes)
    )
    return await _reloaded(session, plan.id)


async def list_plans(
    session: AsyncSession, principal: Principal, patient_id: uuid.UUID
) -> list[TreatmentPlan]:
    await readable_patient(session, principal, patient_id)
    return await repo.plans_of(session, patient_id)


async def add_goal(
    session: AsyncSession, principal: Principal, plan_id: uuid.UUID, body: GoalIn
) -> TreatmentGoal:
    plan = await _own_plan(session, principal, plan_id)
    _check_goal(body)
    goal = _goal(plan, body, len(plan.goals))
    session.add(goal)
    await session.flush()
    await _audit(session, principal, "therapy.goal.created", "treatment_goal", goal.id, plan_id=plan.id)
    return goal


async def update_goal(
    session: AsyncSession, principal: Principal, goal_id: uuid.UUID, body: GoalPatch
) -> TreatmentGoal:
    goal = await repo.get_goal(session, goal_id)
    if goal is None:
        raise NotFound("No such goal.")
    clinician = await require_treating(session, principal, goal.patient_id)
    if goal.therapist_id != clinician:
        raise NotFound("No such goal.")
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "current_value" in changes:
        goal.current_value = body.current_value
        if (
            goal.baseline_value is not None
            and goal.target_value is not None
            and body.current_value is not None
        ):
            goal.progress = measured_progress(goal.baseline_value, goal.target_value, body.current_value)
    if body.progress is not None:
        goal.progress = body.progress
    if body.target_date is not None:
        goal.target_date = body.target_date
    status = body.status
    if status is None and goal.progress is not None:
        # Measured progress moves the status along unless the clinician set one.
        if goal.progress >= 1:
            status = TreatmentGoalStatus.achieved
        elif goal.progress > 0 and goal.status == TreatmentGoalStatus.not_started:
            status = TreatmentGoalStatus.in_progress
    if status is not None:
        goal.status = status
        goal.achieved_at = dt.datetime.now(dt.UTC) if status == TreatmentGoalStatus.achieved else None
    await session.flush()
    await session.refresh(goal)
    await _audit(
        session,
        principal,
        "therapy.goal.updated",
        "treatment_goal",
        goal.id,
        fields=sorted(changes),
        status=goal.status.value,
    )
    return goal


# ----------------------------------------------------------------------------- diagnoses


async def add_diagnosis(
    session: AsyncSession, principal: Principal, patient_id: uuid.UUID, body: DiagnosisIn
) -> Diagnosis:
    clinician = await require_treating(session, principal, patient_id)
    if not ICD10.fullmatch(body.icd10_code):
        raise field_error(
            "icd10_code",
            "expected an ICD-10-CM code such as F32.1",
            "The ICD-10 code is not well formed.",
            code="invalid_icd10_code",
        )
    if body.therapy_session_id is not None:
        ts = await session.get(TherapySession, body.therapy_session_id)
        if ts is None or ts.patient_id != patient_id:
            raise field_error("therapy_session_id", "not this patient's session", "Unknown therapy session.")
    d = Diagnosis
    open_now = body.status in _OPEN_DIAGNOSIS
    if open_now:
        dup = await session.execute(
            select(d.id).where(
                d.patient_id == patient_id, d.icd10_code == body.icd10_code, d.status.in_(_OPEN_DIAGNOSIS)
            )
        )
        if dup.first() is not None:
            raise Conflict("This diagnosis is already open on the record.", code="diagnosis_exists")
    if body.is_primary and open_now:
        # One primary diagnosis among the open ones: the new one takes over.
        await session.execute(
            update(d)
            .where(
                d.patient_id == patient_id,
                d.is_primary,
                d.status.in_(_OPEN_DIAGNOSIS),
                d.therapist_id == clinician,
            )
            .values(is_primary=False)
        )
        other = await session.execute(
            select(d.id).where(d.patient_id == patient_id, d.is_primary, d.status.in_(_OPEN_DIAGNOSIS))
        )
        if other.first() is not None:
            raise Conflict(
                "Another clinician's diagnosis is the primary one.", code="primary_diagnosis_exists"
            )
    row = Diagnosis(
        id=uuid.uuid4(),
        patient_id=patient_id,
        therapist_id=clinician,
        therapy_session_id=body.therapy_session_id,
        icd10_code=body.icd10_code,
        code_description=body.code_description,
        status=body.status,
        severity=body.severity,
        is_primary=body.is_primary and open_now,
        onset_date=body.onset_date,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    await _audit(
        session,
        principal,
        "therapy.diagnosis.added",
        "diagnosis",
        row.id,
        patient_id=patient_id,
        code=row.icd10_code,
    )
    return row


async def list_diagnoses(
    session: AsyncSession, principal: Principal, patient_id: uuid.UUID
) -> list[Diagnosis]:
    await readable_patient(session, principal, patient_id)
    return await repo.diagnoses_of(session, patient_id)
