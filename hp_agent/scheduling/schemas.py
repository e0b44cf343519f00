"""Request and response bodies of the scheduling API (docs/scheduling.md).

Times are ISO 8601 with an offset (a naive time is refused: it could mean any zone); responses
give UTC. Weekly availability is wall-clock time in the clinician's IANA zone. No free-text
fields are taken: a booking reason or cancellation note would be text a person writes, which
the service only accepts through the crisis screen; codes say enough for scheduling.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hp_agent.scheduling.models import (
    AppointmentCategory,
    AppointmentStatus,
    CancellationKind,
    CancellationReason,
    ExceptionKind,
    Modality,
    WaitlistStatus,
)

TimeZoneName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class AppointmentTypeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    category: AppointmentCategory
    duration_minutes: int
    buffer_minutes: int
    default_modality: Modality
    cancellation_window_hours: int
    self_pay_amount: Decimal | None
    currency: str


class AvailabilityIn(BaseModel):
    """A weekly window, e.g. Mondays 09:00-12:00 in Europe/London."""

    model_config = ConfigDict(extra="forbid")

    weekday: Annotated[int, Field(ge=1, le=7, description="ISO weekday: 1 = Monday ... 7 = Sunday")]
    start_time: dt.time
    end_time: dt.time
    timezone: TimeZoneName | None = Field(
        default=None, description="IANA zone; default: the clinician's profile zone."
    )
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    modality: Modality | None = None

    @model_validator(mode="after")
    def _ordered(self) -> AvailabilityIn:
        if self.start_time.tzinfo is not None or self.end_time.tzinfo is not None:
            raise ValueError("start_time and end_time are wall-clock times without an offset")
        if self.end_time <= self.start_time:
            raise ValueError("end_time must be after start_time")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValueError("valid_until must not be before valid_from")
        return self


class AvailabilityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    therapist_id: uuid.UUID
    weekday: int
    start_time: dt.time
    end_time: dt.time
    timezone: str
    valid_from: dt.date
    valid_until: dt.date | None
    modality: Modality | None


class ExceptionIn(BaseModel):
    """Time off (holiday, sickness, training) or extra hours outside the weekly pattern."""

    model_config = ConfigDict(extra="forbid")

    kind: ExceptionKind
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> ExceptionIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.ends_at - self.starts_at > dt.timedelta(days=366):
            raise ValueError("an exception spans at most a year")
        return self


class ExceptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    therapist_id: uuid.UUID
    kind: ExceptionKind
    starts_at: dt.datetime
    ends_at: dt.datetime


class SlotOut(BaseModel):
    starts_at: dt.datetime
    ends_at: dt.datetime
    local_start: str = Field(description="Start in the clinician's zone, ISO 8601 with offset.")


class SlotsOut(BaseModel):
    clinician_id: uuid.UUID
    timezone: str
    appointment_type_id: uuid.UUID
    slots: list[SlotOut]


class BookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clinician_id: uuid.UUID
    appointment_type_id: uuid.UUID
    starts_at: AwareDatetime
    modality: Modality | None = Field(default=None, description="Default: the type's modality.")
    timezone: TimeZoneName | None = Field(
        default=None, description="The patient's zone for reminders; default: their account's."
    )


class RescheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: AwareDatetime


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: CancellationReason = CancellationReason.NO_REASON_GIVEN


class AppointmentOut(BaseModel):
    id: uuid.UUID
    patient_id: uuid.UUID
    clinician_id: uuid.UUID | None
    appointment_type_id: uuid.UUID
    status: AppointmentStatus
    starts_at: dt.datetime
    ends_at: dt.datetime
    timezone: str
    modality: Modality
    rescheduled_from_id: uuid.UUID | None
    cancelled_at: dt.datetime | None
    video_room_id: str | None = None
    video_url: str | None = None


class CancellationOut(BaseModel):
    appointment: AppointmentOut
    kind: CancellationKind
    notice_minutes: int
    fee_amount: Decimal | None
    currency: str | None


class WaitlistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    clinician_id: uuid.UUID
    appointment_type_id: uuid.UUID
    earliest_date: dt.date | None = None
    latest_date: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> WaitlistIn:
        if self.earliest_date and self.latest_date and self.latest_date < self.earliest_date:
            raise ValueError("latest_date must not be before earliest_date")
        return self


class WaitlistOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    patient_id: uuid.UUID
    therapist_id: uuid.UUID | None
    appointment_type_id: uuid.UUID
    earliest_date: dt.date | None
    latest_date: dt.date | None
    status: WaitlistStatus
    offer_starts_at: dt.datetime | None = None
    offer_expires_at: dt.datetime | None
    created_at: dt.datetime


class FeedOut(BaseModel):
    url: str = Field(description="Secret: anyone with it can read the calendar. Shown once.")
    created_at: dt.datetime
