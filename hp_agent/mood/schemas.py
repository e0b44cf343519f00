"""Request and response bodies for mood check-ins, goals, patterns, insights and summaries."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hp_agent.journal.common import WithSafety
from hp_agent.mood.models import EntrySource, GoalPeriod, GoalStatus, GoalType, InsightKind, PatternType

MoodScale = Annotated[int, Field(ge=1, le=10)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=40)]


class MoodCheckIn(BaseModel):
    """A check-in; a second one the same local day updates that day's entry (latest values win)."""

    model_config = ConfigDict(extra="forbid")

    mood: MoodScale
    energy: MoodScale | None = None
    anxiety: MoodScale | None = None
    sleep_quality: MoodScale | None = None
    sleep_hours: Annotated[Decimal, Field(ge=0, le=24, max_digits=4, decimal_places=2)] | None = None
    emotions: Annotated[list[Label], Field(max_length=20)] | None = None
    activities: Annotated[list[Label], Field(max_length=20)] | None = None
    note: Annotated[str, StringConstraints(max_length=4000)] | None = None
    entry_date: dt.date | None = Field(default=None, description="Local date; defaults to today.")
    source: Literal[EntrySource.MANUAL, EntrySource.REMINDER, EntrySource.IMPORT] = EntrySource.MANUAL


class MoodEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    entry_date: dt.date
    mood: int
    energy: int | None
    anxiety: int | None
    sleep_quality: int | None
    sleep_hours: float | None
    emotions: list[str]
    activities: list[str]
    note: str | None
    checkin_count: int
    recorded_at: dt.datetime
    source: EntrySource


class MoodEntryResult(MoodEntryOut, WithSafety):
    pass


class GoalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    goal_type: GoalType
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    activity: Label | None = None
    target_value: Annotated[Decimal, Field(ge=0, le=1000, max_digits=8, decimal_places=2)]
    period: GoalPeriod = GoalPeriod.WEEKLY
    start_date: dt.date | None = None
    target_date: dt.date | None = None

    @model_validator(mode="after")
    def _coherent(self) -> GoalIn:
        if self.goal_type == GoalType.ACTIVITY_FREQUENCY and not self.activity:
            raise ValueError("activity is required for an activity_frequency goal")
        if self.goal_type == GoalType.AVERAGE_MOOD and not 1 <= self.target_value <= 10:
            raise ValueError("an average_mood target is on the 1-10 scale")
        if self.goal_type == GoalType.SLEEP_HOURS and self.target_value > 24:
            raise ValueError("a sleep_hours target is at most 24")
        if self.start_date and self.target_date and self.target_date < self.start_date:
            raise ValueError("target_date must not be before start_date")
        return self


class GoalPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = (
        None
    )
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    target_value: Annotated[Decimal, Field(ge=0, le=1000, max_digits=8, decimal_places=2)] | None = None
    target_date: dt.date | None = None
    status: GoalStatus | None = None
    # Only custom goals are measured by hand; the others are computed from check-ins.
    current_value: Annotated[Decimal, Field(ge=0, le=100000, max_digits=8, decimal_places=2)] | None = None


class GoalOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    goal_type: GoalType
    title: str
    description: str | None
    activity: str | None
    target_value: float
    baseline_value: float | None
    current_value: float | None
    progress: float = Field(description="current / target, capped at 1 (lower_is_better goals are not used)")
    period: GoalPeriod
    window_start: dt.date
    window_end: dt.date
    start_date: dt.date
    target_date: dt.date | None
    status: GoalStatus
    achieved_at: dt.datetime | None


class GoalResult(GoalOut, WithSafety):
    pass


class PatternOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    pattern_type: PatternType
    period_start: dt.date
    period_end: dt.date
    metrics: dict[str, Any]
    confidence: float | None
    sample_size: int
    algorithm_version: str
    computed_at: dt.datetime


class InsightOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: InsightKind
    insight_key: str
    title: str
    body: str
    data: dict[str, Any]
    period_start: dt.date
    period_end: dt.date
    priority: int
    generated_at: dt.datetime
    dismissed_at: dt.datetime | None


class ComputeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: Annotated[int, Field(ge=7, le=365)] = 30


class ComputeOut(BaseModel):
    period_start: dt.date
    period_end: dt.date
    days_logged: int
    patterns: list[PatternOut]
    insights: list[InsightOut]


class SummaryOut(BaseModel):
    period: Literal["week", "month"]
    start: dt.date
    end: dt.date
    days_logged: int
    mood_avg: float | None
    mood_min: int | None
    mood_max: int | None
    energy_avg: float | None
    anxiety_avg: float | None
    sleep_hours_avg: float | None
    best_day: dt.date | None
    worst_day: dt.date | None
    previous_mood_avg: float | None
    change_from_previous: float | None
    slope_per_week: float | None
    top_activities: list[dict[str, Any]]
    top_emotions: list[dict[str, Any]]
