"""Request and response bodies for instruments, administrations and score history."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from hp_agent.assessments.models import AdministrationSource, InstrumentCategory, Severity
from hp_agent.journal.common import WithSafety


class TemplateSummary(BaseModel):
    code: str
    name: str
    short_name: str
    category: InstrumentCategory
    version: int
    timeframe: str | None
    min_score: int
    max_score: int


class TemplateOut(TemplateSummary):
    description: str | None
    instructions: str
    items: list[dict[str, Any]]
    scoring_method: str
    source: str
    license: str | None


class AssessmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    # {item_id: option value}; checked against the template so errors can name the items.
    answers: Annotated[dict[str, Any], Field(max_length=60)]
    # Optional words the person adds ("anything else you want to tell us?"): screened by the
    # crisis layer and stored encrypted with the result.
    comment: Annotated[str, StringConstraints(max_length=4000)] | None = None
    source: Literal[
        AdministrationSource.SELF_INITIATED,
        AdministrationSource.SCHEDULED,
        AdministrationSource.ONBOARDING,
        AdministrationSource.CRISIS_FLOW,
    ] = AdministrationSource.SELF_INITIATED


class Answer(BaseModel):
    item_id: str
    item_index: int
    value: int


class AssessmentOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    code: str
    name: str
    template_version: int
    source: AdministrationSource
    completed_at: dt.datetime | None
    total_score: int | None
    max_score: int
    subscale_scores: dict[str, Any] | None
    severity: Severity | None
    severity_label: str | None
    interpretation: str | None
    # The instrument authors' guidance for clinicians; shown to therapists only.
    clinical_action: str | None = None
    further_evaluation: bool
    critical_flag: bool
    critical_item_ids: list[str]
    # The person's own comment, for them and for whoever may read this result.
    comment: str | None = None
    answers: list[Answer] | None = None


class AssessmentResult(AssessmentOut, WithSafety):
    pass


class HistoryPoint(BaseModel):
    id: uuid.UUID
    completed_at: dt.datetime
    total_score: int
    severity: Severity | None
    critical_flag: bool
    subscale_scores: dict[str, Any] | None


class HistoryOut(BaseModel):
    code: str
    user_id: uuid.UUID
    count: int
    points: list[HistoryPoint]  # oldest first, for trend charts
    first_score: int | None
    latest_score: int | None
    change: int | None = Field(description="latest minus first")
    change_from_previous: int | None
