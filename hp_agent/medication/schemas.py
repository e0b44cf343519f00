"""Request and response bodies of ``/v1/medications``."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hp_agent.journal.common import WithSafety
from hp_agent.medication.models import (
    DrugClass,
    IntakeStatus,
    InteractionSeverity,
    MedicationStatus,
    SideEffectSeverity,
)
from hp_agent.notifications.schemas import check_zone


class CatalogueEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    generic_name: str
    brand_names: list[str]
    drug_class: DrugClass
    dose_unit: str
    dosage_forms: list[str]
    black_box_warning: bool


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    times: list[dt.time] = Field(
        min_length=1, max_length=8, description="Local times, e.g. ['08:00', '20:00']."
    )
    days_of_week: list[int] = Field(default=[1, 2, 3, 4, 5, 6, 7], min_length=1, max_length=7)
    timezone: str | None = Field(
        default=None, max_length=64, description="Default: your profile's time zone."
    )
    grace_minutes: int = Field(default=120, ge=0, le=1440)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, v: str | None) -> str | None:
        return None if v is None else check_zone(v)

    @field_validator("days_of_week")
    @classmethod
    def _days(cls, v: list[int]) -> list[int]:
        if any(d < 1 or d > 7 for d in v) or len(set(v)) != len(v):
            raise ValueError("days_of_week are distinct ISO weekdays 1-7")
        return sorted(v)

    @field_validator("times")
    @classmethod
    def _times(cls, v: list[dt.time]) -> list[dt.time]:
        if any(t.tzinfo is not None for t in v):
            raise ValueError("times are local wall-clock times without an offset")
        if len(set(v)) != len(v):
            raise ValueError("times must be distinct")
        return sorted(t.replace(second=0, microsecond=0) for t in v)


class MedicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    medication_id: uuid.UUID | None = Field(default=None, description="A catalogue entry.")
    name: str | None = Field(
        default=None, min_length=1, max_length=200, description="Free text if not catalogued."
    )
    dose_amount: Decimal = Field(gt=0, max_digits=10, decimal_places=3)
    dose_unit: str | None = Field(default=None, min_length=1, max_length=16)
    as_needed: bool = False
    schedule: ScheduleIn | None = None
    prescriber_id: uuid.UUID | None = Field(default=None, description="A clinician on your care team.")
    prescriber_name: str | None = Field(default=None, min_length=1, max_length=200)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    instructions: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _consistent(self) -> MedicationIn:
        if (self.medication_id is None) == (self.name is None):
            raise ValueError("give either medication_id (catalogue) or name (free text)")
        if self.as_needed == (self.schedule is not None):
            raise ValueError("a medicine is either as_needed or has a schedule")
        if self.prescriber_id is not None and self.prescriber_name is not None:
            raise ValueError("give prescriber_id or prescriber_name, not both")
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class ScheduleOut(BaseModel):
    """One dose time (a ``medication_schedules`` row)."""

    id: uuid.UUID
    time_of_day: dt.time
    days_of_week: list[int]
    timezone: str
    grace_minutes: int


class MedicationOut(BaseModel):
    id: uuid.UUID
    medication_id: uuid.UUID | None
    display_name: str
    drug_class: DrugClass | None
    dose_amount: Decimal
    dose_unit: str
    as_needed: bool
    status: MedicationStatus
    prescriber_id: uuid.UUID | None
    prescriber_name: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    schedules: list[ScheduleOut]
    created_at: dt.datetime


class InteractionOut(BaseModel):
    with_user_medication_id: uuid.UUID
    with_name: str
    severity: InteractionSeverity
    severe: bool = Field(description="Major or contraindicated.")
    effect: str
    description: str
    management: str | None
    reference: str


class MedicationAdded(BaseModel):
    medication: MedicationOut
    interactions: list[InteractionOut]
    interactions_checked: bool = Field(description="False for a free-text medicine (not in the catalogue).")


class MedicationList(BaseModel):
    items: list[MedicationOut]
    interactions: list[InteractionOut] = Field(description="Between medicines on this list.")


LoggedStatus = Literal["taken", "taken_late", "skipped"]
LOG_WINDOW_PAST = dt.timedelta(days=366)
LOG_WINDOW_FUTURE = dt.timedelta(days=2)
SymptomCode = Annotated[str, Field(min_length=1, max_length=64)]


class IntakeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_medication_id: uuid.UUID
    status: LoggedStatus
    scheduled_for: dt.datetime | None = Field(default=None, description="The due time of a scheduled dose.")
    taken_at: dt.datetime | None = None
    dose_amount: Decimal | None = Field(default=None, gt=0, max_digits=10, decimal_places=3)
    note: str | None = Field(default=None, max_length=2000)

    @field_validator("scheduled_for", "taken_at")
    @classmethod
    def _aware(cls, v: dt.datetime | None) -> dt.datetime | None:
        if v is None:
            return v
        if v.tzinfo is None:
            raise ValueError("include a time zone offset")
        now = dt.datetime.now(dt.UTC)
        # Doses are logged around when they happen: a year back at most, a couple of days ahead.
        if not now - LOG_WINDOW_PAST <= v <= now + LOG_WINDOW_FUTURE:
            raise ValueError("too far from today")
        return v


class IntakeOut(BaseModel):
    id: uuid.UUID
    user_medication_id: uuid.UUID
    schedule_id: uuid.UUID | None
    scheduled_for: dt.datetime | None
    taken_at: dt.datetime | None
    status: IntakeStatus
    dose_amount: Decimal | None
    dose_unit: str | None
    has_note: bool
    created_at: dt.datetime


class IntakeResult(WithSafety):
    intake: IntakeOut


class SideEffectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_medication_id: uuid.UUID
    description: str = Field(min_length=1, max_length=4000)
    severity: SideEffectSeverity
    symptom_codes: list[SymptomCode] = Field(default=[], max_length=20)
    onset_date: dt.date | None = None


class SideEffectOut(BaseModel):
    id: uuid.UUID
    user_medication_id: uuid.UUID
    severity: SideEffectSeverity
    urgent: bool
    symptom_codes: list[str]
    description: str
    onset_date: dt.date | None
    created_at: dt.datetime


class SideEffectResult(WithSafety):
    report: SideEffectOut


class Adherence(BaseModel):
    user_medication_id: uuid.UUID
    display_name: str
    scheduled: int = Field(description="Doses due in the period up to now.")
    taken: int
    taken_late: int
    skipped: int
    missed: int
    rate: float | None = Field(description="(taken + taken_late) / doses whose outcome is known.")


class AdherenceReport(BaseModel):
    days: int
    since: dt.datetime
    medications: list[Adherence]


class TodayDose(BaseModel):
    user_medication_id: uuid.UUID
    display_name: str
    schedule_id: uuid.UUID
    due_at: dt.datetime
    local_time: dt.time
    status: Literal["taken", "taken_late", "skipped", "missed", "due", "upcoming"]
    intake_id: uuid.UUID | None


class SnoozeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    minutes: int = Field(default=10, ge=1, le=240)


class ReminderOut(BaseModel):
    id: uuid.UUID
    status: str
    remind_at: dt.datetime
    snoozed_until: dt.datetime | None
