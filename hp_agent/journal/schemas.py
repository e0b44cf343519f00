"""Request and response bodies for journaling, gratitude, prompts and guided sessions."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hp_agent.journal.common import WithSafety
from hp_agent.journal.models import (
    CBTTechnique,
    GuidedSessionStatus,
    PrivacyLevel,
    PromptCategory,
    ThoughtRecordStatus,
)

MoodScale = Annotated[int, Field(ge=1, le=10)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)]
GratitudeItem = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
# A long entry (~3,000 words is ~18,000 characters) fits comfortably; a book does not.
MAX_CONTENT = 60_000


class JournalEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    content: Annotated[str, StringConstraints(min_length=1, max_length=MAX_CONTENT)]
    mood_before: MoodScale | None = None
    mood_after: MoodScale | None = None
    cbt_technique: CBTTechnique | None = None
    privacy_level: PrivacyLevel = PrivacyLevel.PRIVATE
    prompt_id: uuid.UUID | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] = []
    entry_date: dt.date | None = Field(default=None, description="Local date; defaults to today.")


class JournalEntryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    content: Annotated[str, StringConstraints(min_length=1, max_length=MAX_CONTENT)] | None = None
    mood_before: MoodScale | None = None
    mood_after: MoodScale | None = None
    cbt_technique: CBTTechnique | None = None
    privacy_level: PrivacyLevel | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] | None = None


class JournalEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    entry_date: dt.date
    title: str | None
    content: str
    mood_before: int | None
    mood_after: int | None
    cbt_technique: CBTTechnique | None
    privacy_level: PrivacyLevel
    shared_at: dt.datetime | None
    prompt_id: uuid.UUID | None
    word_count: int
    tags: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime


class JournalEntryResult(JournalEntryOut, WithSafety):
    pass


class GratitudeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: Annotated[list[GratitudeItem], Field(min_length=1, max_length=10)]
    mood_after: MoodScale | None = None
    prompt_id: uuid.UUID | None = None
    entry_date: dt.date | None = None


class GratitudeOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    entry_date: dt.date
    items: list[str]
    mood_after: int | None
    prompt_id: uuid.UUID | None
    created_at: dt.datetime


class GratitudeResult(GratitudeOut, WithSafety):
    pass


class PromptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str
    text: str
    follow_up: str | None
    category: PromptCategory
    technique: CBTTechnique | None
    mood_min: int | None
    mood_max: int | None


class PromptsOut(BaseModel):
    # True when the person's recent risk is elevated and only crisis-support prompts are offered.
    crisis_support: bool
    mood_used: int | None
    prompts: list[PromptOut]


class Emotion(BaseModel):
    name: str
    intensity: int


class ThoughtRecordOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    status: ThoughtRecordStatus
    current_step: int
    situation: str | None
    automatic_thought: str | None
    belief_before: int | None
    emotions: list[Emotion]
    distortions: list[str]
    evidence_for: str | None
    evidence_against: str | None
    balanced_thought: str | None
    belief_after: int | None
    rerated_emotions: list[Emotion]
    journal_entry_id: uuid.UUID | None
    completed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class GuidedState(WithSafety):
    """Where a guided session stands: the record so far and what to ask next (None when done)."""

    flow: str
    record: ThoughtRecordOut
    next_step: dict[str, Any] | None
    # Distortion suggestions from the person's own text, for the person to confirm (step 4).
    suggested_distortions: list[dict[str, str]] | None = None
    completion_message: str | None = None


class StepAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    answer: dict[str, Any]


class FlowSubmission(BaseModel):
    """Every step's answer of a one-shot flow (behavioural activation, gratitude): {step: {field: value}}."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[str, dict[str, Any]]


class FlowResult(WithSafety):
    flow: str
    journal_entry: JournalEntryOut | None = None
    gratitude_entry: GratitudeOut | None = None
    completion_message: str


# ----------------------------------------------------------------------------- guided sessions

FlowName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{1,39}$")]
# Same alphabet as the chat's client_message_id, so one client helper makes both.
ClientId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


class GuidedSessionStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flow: FlowName


class GuidedSessionAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    answer: dict[str, Any]
    client_id: ClientId | None = Field(
        default=None, description="Idempotency key: an answer resent with the same key is stored once."
    )


class GuidedSessionSummary(BaseModel):
    """A session in a list: where it stands, never what was written."""

    id: uuid.UUID
    flow: str
    title: str
    status: GuidedSessionStatus
    step: int
    steps_total: int
    created_at: dt.datetime
    updated_at: dt.datetime
    paused_at: dt.datetime | None
    expires_at: dt.datetime


class GuidedSessionState(GuidedSessionSummary, WithSafety):
    """One session: its answers so far and the step to answer next (None once it is over)."""

    flow_version: int
    current_step: dict[str, Any] | None
    # Offered from the person's own words for the current step, keyed by field
    # (``{"distortions": [{code, name, description}]}``); the person confirms or removes them.
    suggestions: dict[str, list[dict[str, str]]] | None = None
    answers: dict[str, dict[str, Any]]
    thought_record_id: uuid.UUID | None
    journal_entry_id: uuid.UUID | None
    gratitude_entry_id: uuid.UUID | None
    completion_message: str | None = None
    completed_at: dt.datetime | None
    abandoned_at: dt.datetime | None
    expired: bool
    # Set on answers: the step that was saved, and whether this was a resend of a saved answer.
    saved_step: str | None = None
    duplicate: bool = False
