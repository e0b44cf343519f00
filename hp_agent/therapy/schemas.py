"""Request and response bodies for clinical therapy: sessions, notes, plans, homework, diagnoses."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hp_agent.journal.common import WithSafety
from hp_agent.therapy.models import (
    DiagnosisSeverity,
    DiagnosisStatus,
    HomeworkStatus,
    HomeworkType,
    NoteFormat,
    NoteStatus,
    NoteType,
    SessionModality,
    SessionStatus,
    SessionType,
    TreatmentGoalStatus,
    TreatmentPlanStatus,
)

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ClinicalText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Section = Annotated[str, StringConstraints(max_length=20_000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ----------------------------------------------------------------------------- sessions


class TherapySessionIn(_In):
    session_type: SessionType = SessionType.individual
    modality: SessionModality
    # Linked when given; otherwise the service links the pair's appointment at that time, if any.
    appointment_id: uuid.UUID | None = None
    treatment_plan_id: uuid.UUID | None = None
    status: SessionStatus = SessionStatus.scheduled
    scheduled_start: dt.datetime | None = None
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    cpt_code: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}[0-9A-Z]$")] | None = None


class TherapySessionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    patient_id: uuid.UUID
    therapist_id: uuid.UUID | None
    appointment_id: uuid.UUID | None
    treatment_plan_id: uuid.UUID | None
    session_type: SessionType
    modality: SessionModality
    status: SessionStatus
    scheduled_start: dt.datetime | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    duration_minutes: int | None
    cpt_code: str | None
    created_at: dt.datetime


# ----------------------------------------------------------------------------- notes


class NoteIn(_In):
    format: NoteFormat
    note_type: NoteType = NoteType.progress
    therapy_session_id: uuid.UUID | None = None
    # The format's sections, e.g. {"subjective": ..., "objective": ..., "assessment": ..., "plan": ...}.
    content: dict[str, Section]
    visible_to_patient: bool | None = Field(
        default=None, description="Defaults to true, except for psychotherapy notes."
    )


class NotePatch(_In):
    content: dict[str, Section] | None = None
    visible_to_patient: bool | None = None


class AddendumIn(_In):
    content: dict[str, Section]


class NoteOut(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    therapy_session_id: uuid.UUID | None
    author_id: uuid.UUID | None
    note_type: NoteType
    format: NoteFormat
    status: NoteStatus
    content: dict[str, str]
    visible_to_patient: bool
    signed_at: dt.datetime | None
    signed_by: uuid.UUID | None
    amends_note_id: uuid.UUID | None
    created_at: dt.datetime
    updated_at: dt.datetime


# ----------------------------------------------------------------------------- plans and goals


class GoalIn(_In):
    description: ClinicalText
    target_date: dt.date
    interventions: ClinicalText | None = None
    # A measurable goal names an instrument (e.g. "phq9") with a baseline and a target value.
    measure_instrument: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,32}$")] | None = None
    baseline_value: Annotated[Decimal, Field(ge=0, le=999_999, decimal_places=2)] | None = None
    target_value: Annotated[Decimal, Field(ge=0, le=999_999, decimal_places=2)] | None = None


class GoalPatch(_In):
    current_value: Annotated[Decimal, Field(ge=0, le=999_999, decimal_places=2)] | None = None
    progress: Annotated[float, Field(ge=0, le=1)] | None = None
    status: TreatmentGoalStatus | None = None
    target_date: dt.date | None = None


class GoalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    treatment_plan_id: uuid.UUID
    position: int
    description: str
    interventions: str | None
    measure_instrument: str | None
    baseline_value: Decimal | None
    target_value: Decimal | None
    current_value: Decimal | None
    progress: float | None
    status: TreatmentGoalStatus
    target_date: dt.date | None
    achieved_at: dt.datetime | None


class PlanIn(_In):
    title: Title
    presenting_problem: ClinicalText | None = None
    approach: Short | None = None
    status: TreatmentPlanStatus = TreatmentPlanStatus.active
    start_date: dt.date | None = None
    target_end_date: dt.date | None = None
    next_review_date: dt.date | None = None
    session_frequency: Annotated[str, StringConstraints(max_length=32)] | None = None
    goals: Annotated[list[GoalIn], Field(max_length=20)] = []


class PlanPatch(_In):
    title: Title | None = None
    presenting_problem: ClinicalText | None = None
    approach: Short | None = None
    status: TreatmentPlanStatus | None = None
    target_end_date: dt.date | None = None
    next_review_date: dt.date | None = None
    session_frequency: Annotated[str, StringConstraints(max_length=32)] | None = None


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    patient_id: uuid.UUID
    therapist_id: uuid.UUID | None
    title: str
    presenting_problem: str | None
    approach: str | None
    status: TreatmentPlanStatus
    start_date: dt.date | None
    target_end_date: dt.date | None
    next_review_date: dt.date | None
    session_frequency: str | None
    version: int
    goals: list[GoalOut] = []
    created_at: dt.datetime


# ----------------------------------------------------------------------------- homework


class HomeworkIn(_In):
    title: Title
    homework_type: HomeworkType
    instructions: ClinicalText | None = None
    due_at: dt.datetime | None = None
    treatment_goal_id: uuid.UUID | None = None
    therapy_session_id: uuid.UUID | None = None


class HomeworkComplete(_In):
    response: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]


class HomeworkFeedback(_In):
    feedback: ClinicalText


class HomeworkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    patient_id: uuid.UUID
    therapist_id: uuid.UUID | None
    treatment_goal_id: uuid.UUID | None
    therapy_session_id: uuid.UUID | None
    homework_type: HomeworkType
    status: HomeworkStatus
    title: str
    instructions: str | None
    patient_response: str | None
    therapist_feedback: str | None
    assigned_at: dt.datetime
    due_at: dt.datetime | None
    completed_at: dt.datetime | None
    overdue: bool = False


class HomeworkResult(HomeworkOut, WithSafety):
    pass


# ----------------------------------------------------------------------------- diagnoses


class DiagnosisIn(_In):
    icd10_code: Annotated[
        str, StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=16)
    ]
    code_description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None
    status: DiagnosisStatus = DiagnosisStatus.provisional
    severity: DiagnosisSeverity | None = None
    is_primary: bool = False
    onset_date: dt.date | None = None
    therapy_session_id: uuid.UUID | None = None


class DiagnosisOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    patient_id: uuid.UUID
    therapist_id: uuid.UUID | None
    icd10_code: str
    code_description: str | None
    status: DiagnosisStatus
    severity: DiagnosisSeverity | None
    is_primary: bool
    onset_date: dt.date | None
    diagnosed_on: dt.date
