"""Clinical therapy over REST.

Clinicians: ``/v1/therapist/caseload`` and a patient's record under ``/v1/patients/{id}/...``
(sessions, notes, treatment plans, homework, diagnoses, outcomes), plus actions on one row
(``/v1/notes/{id}/sign``, ``/v1/treatment-goals/{id}``, ...). Patients: their own homework
(``/v1/homework``) and, read-only, their record through the same patient paths with their own id.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser, require_role
from hp_agent.db.session import Principal
from hp_agent.therapy import homework, plans, service
from hp_agent.therapy.access import me
from hp_agent.therapy.caseload import CaseloadOut, caseload
from hp_agent.therapy.outcomes import OutcomesOut, outcomes
from hp_agent.therapy.schemas import (
    AddendumIn,
    DiagnosisIn,
    DiagnosisOut,
    GoalIn,
    GoalOut,
    GoalPatch,
    HomeworkComplete,
    HomeworkFeedback,
    HomeworkIn,
    HomeworkOut,
    HomeworkResult,
    NoteIn,
    NoteOut,
    NotePatch,
    PlanIn,
    PlanOut,
    PlanPatch,
    TherapySessionIn,
    TherapySessionOut,
)

Therapist = Annotated[Principal, Depends(require_role("therapist"))]
Patient = Annotated[Principal, Depends(require_role("patient"))]

router = APIRouter(tags=["therapy"])
P = "/v1/patients/{patient_id}"


@router.get("/v1/therapist/caseload", response_model=CaseloadOut)
async def get_caseload(user: Therapist, db: DbSession) -> CaseloadOut:
    """Every actively treated patient: risk, open escalations, activity, PHQ-9, next appointment,
    homework. Ordered by who needs attention first."""
    return await caseload(db, user)


# ----------------------------------------------------------------------------- sessions


@router.post(P + "/therapy-sessions", response_model=TherapySessionOut, status_code=201)
async def create_session(
    patient_id: uuid.UUID, body: TherapySessionIn, user: Therapist, db: DbSession
) -> TherapySessionOut:
    return TherapySessionOut.model_validate(await service.create_session(db, user, patient_id, body))


@router.get(P + "/therapy-sessions", response_model=list[TherapySessionOut])
async def list_sessions(patient_id: uuid.UUID, user: CurrentUser, db: DbSession) -> list[TherapySessionOut]:
    return [TherapySessionOut.model_validate(s) for s in await service.list_sessions(db, user, patient_id)]


# ----------------------------------------------------------------------------- notes


@router.post(P + "/notes", response_model=NoteOut, status_code=201)
async def create_note(patient_id: uuid.UUID, body: NoteIn, user: Therapist, db: DbSession) -> NoteOut:
    return service.note_out(await service.create_note(db, user, patient_id, body))


@router.get(P + "/notes", response_model=list[NoteOut])
async def list_notes(patient_id: uuid.UUID, user: CurrentUser, db: DbSession) -> list[NoteOut]:
    return [service.note_out(n) for n in await service.list_notes(db, user, patient_id)]


@router.patch("/v1/notes/{note_id}", response_model=NoteOut)
async def update_note(note_id: uuid.UUID, body: NotePatch, user: Therapist, db: DbSession) -> NoteOut:
    return service.note_out(await service.update_note(db, user, note_id, body))


@router.post("/v1/notes/{note_id}/sign", response_model=NoteOut)
async def sign_note(note_id: uuid.UUID, user: Therapist, db: DbSession) -> NoteOut:
    return service.note_out(await service.sign_note(db, user, note_id))


@router.post("/v1/notes/{note_id}/addenda", response_model=NoteOut, status_code=201)
async def add_addendum(note_id: uuid.UUID, body: AddendumIn, user: Therapist, db: DbSession) -> NoteOut:
    return service.note_out(await service.add_addendum(db, user, note_id, body))


# ----------------------------------------------------------------------------- plans and goals


@router.post(P + "/treatment-plans", response_model=PlanOut, status_code=201)
async def create_plan(patient_id: uuid.UUID, body: PlanIn, user: Therapist, db: DbSession) -> PlanOut:
    return PlanOut.model_validate(await plans.create_plan(db, user, patient_id, body))


@router.get(P + "/treatment-plans", response_model=list[PlanOut])
async def list_plans(patient_id: uuid.UUID, user: CurrentUser, db: DbSession) -> list[PlanOut]:
    return [PlanOut.model_validate(p) for p in await plans.list_plans(db, user, patient_id)]


@router.patch("/v1/treatment-plans/{plan_id}", response_model=PlanOut)
async def update_plan(plan_id: uuid.UUID, body: PlanPatch, user: Therapist, db: DbSession) -> PlanOut:
    return PlanOut.model_validate(await plans.update_plan(db, user, plan_id, body))


@router.post("/v1/treatment-plans/{plan_id}/goals", response_model=GoalOut, status_code=201)
async def add_goal(plan_id: uuid.UUID, body: GoalIn, user: Therapist, db: DbSession) -> GoalOut:
    return GoalOut.model_validate(await plans.add_goal(db, user, plan_id, body))


@router.patch("/v1/treatment-goals/{goal_id}", response_model=GoalOut)
async def update_goal(goal_id: uuid.UUID, body: GoalPatch, user: Therapist, db: DbSession) -> GoalOut:
    return GoalOut.model_validate(await plans.update_goal(db, user, goal_id, body))


# ----------------------------------------------------------------------------- diagnoses and outcomes


@router.post(P + "/diagnoses", response_model=DiagnosisOut, status_code=201)
async def add_diagnosis(
    patient_id: uuid.UUID, body: DiagnosisIn, user: Therapist, db: DbSession
) -> DiagnosisOut:
    return DiagnosisOut.model_validate(await plans.add_diagnosis(db, user, patient_id, body))


@router.get(P + "/diagnoses", response_model=list[DiagnosisOut])
async def list_diagnoses(patient_id: uuid.UUID, user: CurrentUser, db: DbSession) -> list[DiagnosisOut]:
    return [DiagnosisOut.model_validate(d) for d in await plans.list_diagnoses(db, user, patient_id)]


@router.get(P + "/outcomes", response_model=OutcomesOut)
async def get_outcomes(patient_id: uuid.UUID, user: CurrentUser, db: DbSession) -> OutcomesOut:
    """PHQ-9 and GAD-7 trajectories with Jacobson–Truax reliable and clinically significant change."""
    return await outcomes(db, user, patient_id)


# ----------------------------------------------------------------------------- homework


@router.post(P + "/homework", response_model=HomeworkOut, status_code=201)
async def assign_homework(
    patient_id: uuid.UUID, body: HomeworkIn, user: Therapist, db: DbSession
) -> HomeworkOut:
    return homework.homework_out(await homework.assign(db, user, patient_id, body))


@router.get(P + "/homework", response_model=list[HomeworkOut])
async def patient_homework(patient_id: uuid.UUID, user: CurrentUser, db: DbSession) -> list[HomeworkOut]:
    return [homework.homework_out(h) for h in await homework.list_for(db, user, patient_id)]


@router.post("/v1/homework/{homework_id}/feedback", response_model=HomeworkOut)
async def homework_feedback(
    homework_id: uuid.UUID, body: HomeworkFeedback, user: Therapist, db: DbSession
) -> HomeworkOut:
    return homework.homework_out(await homework.feedback(db, user, homework_id, body))


@router.get("/v1/homework", response_model=list[HomeworkOut])
async def my_homework(user: Patient, db: DbSession) -> list[HomeworkOut]:
    return [homework.homework_out(h) for h in await homework.list_for(db, user, me(user))]


@router.post("/v1/homework/{homework_id}/complete", response_model=HomeworkResult)
async def complete_homework(
    homework_id: uuid.UUID, body: HomeworkComplete, user: Patient, db: DbSession
) -> HomeworkResult:
    """The response is screened by the crisis engine; ``safety`` is present at MODERATE and above."""
    return await homework.complete(db, user, homework_id, body)
