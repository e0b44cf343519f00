"""Request and response bodies for the therapist console, safety plans and crisis resources."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from crisis_engine import RiskLevel
from crisis_engine.types import Category
from hp_agent.crisis.models import CheckAnswer, EscalationOutcome, EscalationStatus


class EscalationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    detection_id: uuid.UUID
    last_detection_id: uuid.UUID | None
    detection_count: int
    source: str
    chat_session_id: uuid.UUID | None
    risk_level: RiskLevel
    status: EscalationStatus
    level: int
    assigned_to: uuid.UUID | None
    notified_at: dt.datetime | None
    ack_deadline: dt.datetime | None
    escalated_to_backup_at: dt.datetime | None
    escalated_to_oncall_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: uuid.UUID | None
    resolved_at: dt.datetime | None
    resolved_by: uuid.UUID | None
    outcome: EscalationOutcome | None
    false_positive_feedback: dict[str, Any] | None
    created_at: dt.datetime
    updated_at: dt.datetime


class EscalationDetailOut(EscalationOut):
    notes: str | None


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=5000)


class ResolveIn(BaseModel):
    outcome: EscalationOutcome
    note: str | None = Field(default=None, max_length=5000)


class FalsePositiveReason(str, enum.Enum):
    """Why an alert was wrong: coded, so feedback can tune thresholds without free text."""

    idiom_or_figure_of_speech = "idiom_or_figure_of_speech"
    about_someone_else = "about_someone_else"
    past_resolved = "past_resolved"
    quotation_or_media = "quotation_or_media"
    hypothetical = "hypothetical"
    negated = "negated"
    joke_or_sarcasm = "joke_or_sarcasm"
    clinically_assessed_low_risk = "clinically_assessed_low_risk"
    other = "other"


class FalsePositiveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # no place for free text

    reasons: list[FalsePositiveReason] = Field(min_length=1, max_length=9)
    wrong_categories: list[Category] = Field(default_factory=list, max_length=9)
    # Term labels from the detection's matches (validated against them by the service).
    wrong_terms: list[str] = Field(default_factory=list, max_length=50)
    suggested_level: RiskLevel | None = None


class ContextMessage(BaseModel):
    seq: int
    role: str
    content: str
    created_at: dt.datetime
    is_trigger: bool


class PersonSaid(BaseModel):
    """What the person said about a detection (docs/crisis-engine.md, "Graded response"): the
    one-question check and its answer, and whether they stepped out of the screener calling it a
    false alarm. The detection itself is kept either way."""

    check_asked_at: dt.datetime | None = None
    check_answer: CheckAnswer | None = None
    check_answered_at: dt.datetime | None = None
    false_alarm_reported_at: dt.datetime | None = None


class DetectionOut(PersonSaid):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    source: str
    risk_level: RiskLevel
    score: float
    categories: list[Any]
    explanation: str | None
    detected_at: dt.datetime


class EscalationContextOut(BaseModel):
    escalation_id: uuid.UUID
    detection: DetectionOut
    excerpt: str | None
    chat_shared: bool
    messages: list[ContextMessage]


class TimelinePoint(PersonSaid):
    detection_id: uuid.UUID | None = None
    detected_at: dt.datetime
    risk_level: RiskLevel
    score: float
    source: str
    categories: list[Any]


class RiskTimelineOut(BaseModel):
    patient_id: uuid.UUID
    points: list[TimelinePoint]


class Contact(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=50)
    note: str | None = Field(default=None, max_length=300)


Item = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


def _items() -> Any:
    return Field(default_factory=list, max_length=30)


class SafetyPlanIn(BaseModel):
    """Stanley-Brown steps; lists of short items (contacts as name/phone)."""

    model_config = ConfigDict(extra="forbid")

    warning_signs: list[Item] = _items()
    internal_coping_strategies: list[Item] = _items()
    distraction_people_places: list[Item | Contact] = _items()
    people_to_ask_for_help: list[Contact] = _items()
    professionals_and_crisis_lines: list[Contact] = _items()
    making_environment_safe: list[Item] = _items()
    reasons_for_living: list[Item] = _items()


class SafetyPlanOut(SafetyPlanIn):
    model_config = ConfigDict(extra="ignore")

    id: uuid.UUID
    user_id: uuid.UUID
    version: int
    is_current: bool
    created_at: dt.datetime


class SafetyPlanVersionOut(BaseModel):
    id: uuid.UUID
    version: int
    is_current: bool
    created_at: dt.datetime


class CrisisLineOut(BaseModel):
    name: str
    channel: str
    contact: str
    url: str | None
    description: str | None
    hours: str | None
    is_emergency: bool
    country_code: str
    language: str
    last_verified: str | None


class CrisisResourcesOut(BaseModel):
    country: str | None
    language: str
    lines: list[CrisisLineOut]
