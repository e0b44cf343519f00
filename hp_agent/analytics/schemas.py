"""Analytics API shapes: suppressed aggregate rows and the caller's scopes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field

Report = Literal["engagement", "crisis", "retention", "outcomes"]


class MetricRow(BaseModel):
    date: dt.date
    metric: str
    dimension: str
    # None when suppressed (fewer than ``min_cell`` people behind the cell).
    value: float | None
    people: int | None
    suppressed: bool


class ReportOut(BaseModel):
    report: Report
    practice_id: uuid.UUID | None
    clinician_id: uuid.UUID | None
    start: dt.date
    end: dt.date
    min_cell: int
    rows: list[MetricRow]


class PracticeScope(BaseModel):
    id: uuid.UUID
    name: str
    clinician_ids: list[uuid.UUID]


class ScopesOut(BaseModel):
    whole_population: bool
    practices: list[PracticeScope]
    min_cell: int


class BackfillIn(BaseModel):
    start: dt.date
    end: dt.date


class BackfillOut(BaseModel):
    queued: int = Field(ge=0)
