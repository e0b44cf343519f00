"""Appointment Scheduling tables.

Appointments belong to the patient (``patient_id``, CASCADE) and are shared with the treating
therapist (``therapist_id``, SET NULL so a therapist's account deletion leaves the patient's
history intact). Availability belongs to the therapist and is not readable by patients under
RLS: free slots are computed by the booking service in the system context, which returns times,
never the rows.

Double booking is refused by the database: exclusion constraints on live appointments keep a
therapist's (and a patient's) time ranges from overlapping, and one on active availability keeps
a therapist's weekly windows apart. ``btree_gist`` (which gives uuids a gist ``=``) is not in the
embedded PostgreSQL, so the constraints compare ``sched_uuid_inet(id)``: the same 128 bits as an
IPv6 address, whose ``inet_ops`` gist class is built in. Migration 0006 creates the function.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CHAR,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import ExcludeConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import CURRENCY_CHECK, MONEY, USERS_ID, Base, Timestamps, UUIDPk, pg_enum, rls
from hp_agent.db.crypto import EncryptedText

_APPOINTMENTS_ID = "appointments.id"


class AppointmentCategory(str, enum.Enum):
    INTAKE = "intake"
    INDIVIDUAL_THERAPY = "individual_therapy"
    COUPLES_THERAPY = "couples_therapy"
    FAMILY_THERAPY = "family_therapy"
    GROUP_THERAPY = "group_therapy"
    MEDICATION_MANAGEMENT = "medication_management"
    CRISIS_FOLLOW_UP = "crisis_follow_up"
    CHECK_IN = "check_in"


class Modality(str, enum.Enum):
    VIDEO = "video"
    PHONE = "phone"
    IN_PERSON = "in_person"


class AppointmentStatus(str, enum.Enum):
    REQUESTED = "requested"  # patient asked; therapist has not accepted yet
    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    RESCHEDULED = "rescheduled"  # superseded by the appointment whose rescheduled_from_id is this


class ExceptionKind(str, enum.Enum):
    TIME_OFF = "time_off"
    HOLIDAY = "holiday"
    SICK = "sick"
    TRAINING = "training"
    EXTRA_AVAILABILITY = "extra_availability"  # open hours outside the weekly pattern


class ReminderChannel(str, enum.Enum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"


class ReminderStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class WaitlistStatus(str, enum.Enum):
    WAITING = "waiting"
    OFFERED = "offered"
    BOOKED = "booked"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class VideoProvider(str, enum.Enum):
    DAILY = "daily"
    TWILIO = "twilio"
    ZOOM = "zoom"
    JITSI = "jitsi"
    # A room id filled into HP_VIDEO_URL_TEMPLATE: no provider API is called.
    URL_TEMPLATE = "url_template"


class VideoSessionStatus(str, enum.Enum):
    CREATED = "created"
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    ENDED = "ended"
    FAILED = "failed"
    EXPIRED = "expired"


class CancellationKind(str, enum.Enum):
    CANCELLATION = "cancellation"
    LATE_CANCELLATION = "late_cancellation"  # inside the cancellation window; may carry a fee
    NO_SHOW = "no_show"


class CancellationInitiator(str, enum.Enum):
    PATIENT = "patient"
    THERAPIST = "therapist"
    ADMIN = "admin"
    SYSTEM = "system"


class CancellationReason(str, enum.Enum):
    SCHEDULE_CONFLICT = "schedule_conflict"
    ILLNESS = "illness"
    FEELING_BETTER = "feeling_better"
    COST = "cost"
    TRANSPORTATION = "transportation"
    TECHNICAL_ISSUE = "technical_issue"
    THERAPIST_UNAVAILABLE = "therapist_unavailable"
    EMERGENCY = "emergency"
    NO_REASON_GIVEN = "no_reason_given"
    OTHER = "other"


APPOINTMENT_CATEGORY = pg_enum(AppointmentCategory, "appointment_category")
MODALITY = pg_enum(Modality, "appointment_modality")
APPOINTMENT_STATUS = pg_enum(AppointmentStatus, "appointment_status")
EXCEPTION_KIND = pg_enum(ExceptionKind, "therapist_availability_exception_kind")
REMINDER_CHANNEL = pg_enum(ReminderChannel, "appointment_reminder_channel")
REMINDER_STATUS = pg_enum(ReminderStatus, "appointment_reminder_status")
WAITLIST_STATUS = pg_enum(WaitlistStatus, "appointment_waitlist_status")
VIDEO_PROVIDER = pg_enum(VideoProvider, "video_session_provider")
VIDEO_SESSION_STATUS = pg_enum(VideoSessionStatus, "video_session_status")
CANCELLATION_KIND = pg_enum(CancellationKind, "appointment_cancellation_kind")
CANCELLATION_INITIATOR = pg_enum(CancellationInitiator, "appointment_cancellation_initiator")
CANCELLATION_REASON = pg_enum(CancellationReason, "appointment_cancellation_reason")

# Appointments that occupy a slot; the double-booking guards apply only to these.
LIVE_APPOINTMENT_SQL = (
    "status IN ('requested', 'scheduled', 'confirmed', 'checked_in', 'in_progress', 'completed')"
)
LIVE_STATUSES = frozenset(
    {
        AppointmentStatus.REQUESTED,
        AppointmentStatus.SCHEDULED,
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.CHECKED_IN,
        AppointmentStatus.IN_PROGRESS,
        AppointmentStatus.COMPLETED,
    }
)


def _person(column: str) -> Any:
    # A uuid as an IPv6 inet, so the built-in inet_ops gist class can compare it with "=".
    return literal_column(f"sched_uuid_inet({column}) inet_ops")


_APPOINTMENT_RANGE: Any = literal_column("tstzrange(starts_at, ends_at)")


class AppointmentType(UUIDPk, Timestamps, Base):
    """Reference: a kind of appointment with its default length, billing code and self-pay price."""

    __tablename__ = "appointment_types"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    category: Mapped[AppointmentCategory] = mapped_column(APPOINTMENT_CATEGORY)
    duration_minutes: Mapped[int] = mapped_column(SmallInteger, server_default="50", default=50)
    # Gap kept free after the appointment for notes (not bookable).
    buffer_minutes: Mapped[int] = mapped_column(SmallInteger, server_default="10", default=10)
    default_modality: Mapped[Modality] = mapped_column(
        MODALITY, server_default=Modality.VIDEO.value, default=Modality.VIDEO
    )
    # CPT code billed for it by default (90791 intake, 90834/90837 psychotherapy, ...).
    default_cpt_code: Mapped[str | None] = mapped_column(CHAR(5))
    self_pay_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(CHAR(3), server_default="USD", default="USD")
    # Hours before the start after which a cancellation is late (fee policy).
    cancellation_window_hours: Mapped[int] = mapped_column(SmallInteger, server_default="24", default=24)
    is_active: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    sort_order: Mapped[int] = mapped_column(SmallInteger, server_default="0", default=0)

    __table_args__ = (
        CheckConstraint("duration_minutes BETWEEN 5 AND 480", name="duration_range"),
        CheckConstraint("buffer_minutes BETWEEN 0 AND 120", name="buffer_range"),
        CheckConstraint("cancellation_window_hours >= 0", name="cancellation_window_nonnegative"),
        CheckConstraint("default_cpt_code ~ '^[0-9]{4}[0-9A-Z]$'", name="cpt_code_format"),
        CheckConstraint("self_pay_amount >= 0", name="self_pay_amount_nonnegative"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
    )


class TherapistAvailability(UUIDPk, Timestamps, Base):
    """A weekly recurring slot in which a therapist takes appointments (in their time zone)."""

    __tablename__ = "therapist_availability"

    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    # ISO weekday: 1 = Monday ... 7 = Sunday.
    weekday: Mapped[int] = mapped_column(SmallInteger)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)
    # IANA zone the wall-clock times are in, so slots follow daylight-saving changes.
    timezone: Mapped[str] = mapped_column(String(64))
    # NULL: any modality / any appointment type.
    modality: Mapped[Modality | None] = mapped_column(MODALITY)
    appointment_type_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointment_types.id", ondelete="CASCADE"), index=True
    )
    valid_from: Mapped[dt.date] = mapped_column(Date, server_default=func.current_date())
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    is_active: Mapped[bool] = mapped_column(server_default=text("true"), default=True)

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 1 AND 7", name="weekday_range"),
        CheckConstraint("end_time > start_time", name="times_ordered"),
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="validity_ordered"),
        Index(
            "ix_therapist_availability_active_weekday",
            "therapist_id",
            "weekday",
            postgresql_where=text("is_active"),
        ),
        # Overlapping weekly windows of one therapist are refused (same weekday, overlapping
        # times and overlapping validity dates).
        ExcludeConstraint(
            (_person("therapist_id"), "="),
            (literal_column("int4range(weekday, weekday, '[]')"), "&&"),
            (
                literal_column("numrange(EXTRACT(epoch FROM start_time), EXTRACT(epoch FROM end_time))"),
                "&&",
            ),
            (literal_column("daterange(valid_from, valid_until, '[]')"), "&&"),
            name="ex_therapist_availability_no_overlap",
            using="gist",
            where=text("is_active"),
        ),
        rls("therapist_id", therapist_read=False),
    )


class AvailabilityException(UUIDPk, Timestamps, Base):
    """A dated change to the weekly pattern: time off, or extra hours."""

    __tablename__ = "therapist_availability_exceptions"

    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    kind: Mapped[ExceptionKind] = mapped_column(EXCEPTION_KIND)
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    all_day: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    # Shown to admins rescheduling affected appointments; the kind says why, so keep it short.
    note: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times_ordered"),
        Index("ix_therapist_availability_exceptions_range", "therapist_id", "starts_at", "ends_at"),
        rls("therapist_id", therapist_read=False),
    )


class Appointment(UUIDPk, Timestamps, Base):
    """A booked (or requested) appointment between a patient and a therapist."""

    __tablename__ = "appointments"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    # Covered by ix_appointments_therapist_starts.
    # Indexed (FK lookups included) by ix_appointments_therapist_starts.
    therapist_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(USERS_ID, ondelete="SET NULL"))
    appointment_type_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appointment_types.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[AppointmentStatus] = mapped_column(
        APPOINTMENT_STATUS,
        server_default=AppointmentStatus.SCHEDULED.value,
        default=AppointmentStatus.SCHEDULED,
    )
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    # The patient's IANA zone at booking: reminders and receipts show their local time.
    timezone: Mapped[str] = mapped_column(String(64))
    modality: Mapped[Modality] = mapped_column(MODALITY)
    # Office address for in-person visits ({"line1", "city", ...}); the clinic's, not the patient's.
    location: Mapped[dict[str, Any] | None]
    # What the patient wants to talk about, written at booking: clinical, so encrypted.
    reason: Mapped[str | None] = mapped_column(EncryptedText)
    booked_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(USERS_ID, ondelete="SET NULL"), index=True)
    rescheduled_from_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(_APPOINTMENTS_ID, ondelete="SET NULL"), index=True
    )
    confirmed_at: Mapped[dt.datetime | None]
    checked_in_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    # Billing path: insurance claim vs. self-pay invoice vs. included in the subscription.
    is_billable: Mapped[bool] = mapped_column(server_default=text("true"), default=True)

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times_ordered"),
        CheckConstraint("ends_at <= starts_at + interval '8 hours'", name="duration_max_8h"),
        CheckConstraint(
            "status NOT IN ('cancelled', 'no_show') OR cancelled_at IS NOT NULL",
            name="cancelled_has_time",
        ),
        CheckConstraint("status <> 'completed' OR completed_at IS NOT NULL", name="completed_has_time"),
        # No double booking: a therapist's live appointments never overlap, nor a patient's.
        ExcludeConstraint(
            (_person("therapist_id"), "="),
            (_APPOINTMENT_RANGE, "&&"),
            name="ex_appointments_therapist_no_overlap",
            using="gist",
            where=text(f"therapist_id IS NOT NULL AND {LIVE_APPOINTMENT_SQL}"),
        ),
        ExcludeConstraint(
            (_person("patient_id"), "="),
            (_APPOINTMENT_RANGE, "&&"),
            name="ex_appointments_patient_no_overlap",
            using="gist",
            where=text(LIVE_APPOINTMENT_SQL),
        ),
        # Calendars: a therapist's or a patient's appointments in a time range.
        Index("ix_appointments_therapist_starts", "therapist_id", "starts_at"),
        Index("ix_appointments_patient_starts", "patient_id", "starts_at"),
        rls("patient_id", also=("therapist_id",)),
    )


class AppointmentReminder(UUIDPk, Timestamps, Base):
    """A reminder to the patient about an appointment, picked up by the notification worker."""

    __tablename__ = "appointment_reminders"

    appointment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_APPOINTMENTS_ID, ondelete="CASCADE"))
    # Denormalised from the appointment so the same RLS policy applies.
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    channel: Mapped[ReminderChannel] = mapped_column(REMINDER_CHANNEL)
    remind_at: Mapped[dt.datetime]
    status: Mapped[ReminderStatus] = mapped_column(
        REMINDER_STATUS, server_default=ReminderStatus.SCHEDULED.value, default=ReminderStatus.SCHEDULED
    )
    attempt_count: Mapped[int] = mapped_column(SmallInteger, server_default="0", default=0)
    sent_at: Mapped[dt.datetime | None]
    # Message id at the email/SMS/push provider, for delivery receipts.
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    failure_reason: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        UniqueConstraint("appointment_id", "channel", "remind_at"),
        CheckConstraint("attempt_count >= 0", name="attempt_count_nonnegative"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        Index(
            "ix_appointment_reminders_due",
            "remind_at",
            postgresql_where=text("status = 'scheduled'"),
        ),
        rls("patient_id"),
    )


class WaitlistEntry(UUIDPk, Timestamps, Base):
    """A patient waiting for an earlier or any slot, optionally with a specific therapist."""

    __tablename__ = "appointment_waitlist_entries"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    # Preferred therapist; NULL means the first suitable one.
    therapist_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    appointment_type_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("appointment_types.id", ondelete="RESTRICT"), index=True
    )
    preferred_modality: Mapped[Modality | None] = mapped_column(MODALITY)
    # [{"weekday": 1, "start": "17:00", "end": "20:00"}, ...] in ``timezone``.
    preferred_windows: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"), default=list)
    timezone: Mapped[str] = mapped_column(String(64))
    earliest_date: Mapped[dt.date | None] = mapped_column(Date)
    latest_date: Mapped[dt.date | None] = mapped_column(Date)
    # Lower is served first; clinical urgency (e.g. after a crisis) moves people up.
    priority: Mapped[int] = mapped_column(SmallInteger, server_default="100", default=100)
    status: Mapped[WaitlistStatus] = mapped_column(
        WAITLIST_STATUS, server_default=WaitlistStatus.WAITING.value, default=WaitlistStatus.WAITING
    )
    offered_appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(_APPOINTMENTS_ID, ondelete="SET NULL"), index=True
    )
    offered_at: Mapped[dt.datetime | None]
    offer_expires_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint("latest_date IS NULL OR latest_date >= earliest_date", name="dates_ordered"),
        CheckConstraint("jsonb_typeof(preferred_windows) = 'array'", name="preferred_windows_array"),
        CheckConstraint(
            "status <> 'offered' OR (offered_appointment_id IS NOT NULL AND offer_expires_at IS NOT NULL)",
            name="offer_complete",
        ),
        # One open entry per patient and preferred therapist (NULL = "anyone" counts as one).
        Index(
            "uq_appointment_waitlist_entries_open",
            "patient_id",
            "therapist_id",
            "appointment_type_id",
            unique=True,
            postgresql_where=text("status IN ('waiting', 'offered')"),
            postgresql_nulls_not_distinct=True,
        ),
        # The matcher scans open entries by priority, oldest first.
        Index(
            "ix_appointment_waitlist_entries_queue",
            "priority",
            "created_at",
            postgresql_where=text("status = 'waiting'"),
        ),
        rls("patient_id", also=("therapist_id",)),
    )


class VideoSession(UUIDPk, Timestamps, Base):
    """The video room of an appointment. Join URLs carry no credentials: participants get
    short-lived tokens from the service when they join."""

    __tablename__ = "video_sessions"

    appointment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(_APPOINTMENTS_ID, ondelete="CASCADE"), unique=True
    )
    # Denormalised from the appointment so the same RLS policy applies.
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    therapist_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    provider: Mapped[VideoProvider] = mapped_column(VIDEO_PROVIDER)
    room_id: Mapped[str] = mapped_column(String(128))
    room_url: Mapped[str] = mapped_column(String(500))
    patient_join_url: Mapped[str | None] = mapped_column(String(500))
    therapist_join_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[VideoSessionStatus] = mapped_column(
        VIDEO_SESSION_STATUS,
        server_default=VideoSessionStatus.CREATED.value,
        default=VideoSessionStatus.CREATED,
    )
    # The room accepts participants only inside [opens_at, expires_at).
    opens_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    started_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    patient_joined_at: Mapped[dt.datetime | None]
    therapist_joined_at: Mapped[dt.datetime | None]
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    # Off unless both parties consented for this session; recordings are not stored by default.
    recording_enabled: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    # Aggregate connection quality (bitrate, packet loss) for support; no content.
    quality_metrics: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"), default=dict)

    __table_args__ = (
        UniqueConstraint("provider", "room_id"),
        CheckConstraint("expires_at > opens_at", name="window_ordered"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="times_ordered"),
        CheckConstraint("duration_seconds >= 0", name="duration_nonnegative"),
        CheckConstraint(
            "room_url !~* '(token|secret|password|signature)='", name="room_url_without_credentials"
        ),
        rls("patient_id", also=("therapist_id",)),
    )


class AppointmentCancellation(UUIDPk, Timestamps, Base):
    """Why and when an appointment was cancelled or missed, and any fee (one per appointment)."""

    __tablename__ = "appointment_cancellations"

    appointment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(_APPOINTMENTS_ID, ondelete="CASCADE"), unique=True
    )
    # Denormalised from the appointment so the same RLS policy applies.
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    # Indexed by ix_appointment_cancellations_therapist_created.
    therapist_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(USERS_ID, ondelete="SET NULL"))
    kind: Mapped[CancellationKind] = mapped_column(CANCELLATION_KIND)
    initiated_by: Mapped[CancellationInitiator] = mapped_column(CANCELLATION_INITIATOR)
    cancelled_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    reason: Mapped[CancellationReason] = mapped_column(CANCELLATION_REASON)
    # The patient's own words can be clinical ("I can't face it this week"): encrypted.
    reason_note: Mapped[str | None] = mapped_column(EncryptedText)
    # Minutes between the cancellation and the scheduled start (negative for no-shows).
    notice_minutes: Mapped[int] = mapped_column(Integer)
    fee_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str | None] = mapped_column(CHAR(3))
    fee_waived: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    # Missed sessions are a clinical signal: outreach by the therapist is recorded here.
    follow_up_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint("fee_amount >= 0", name="fee_amount_nonnegative"),
        CheckConstraint("(fee_amount IS NULL) = (currency IS NULL)", name="fee_with_currency"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
        Index("ix_appointment_cancellations_patient_created", "patient_id", "created_at"),
        Index("ix_appointment_cancellations_therapist_created", "therapist_id", "created_at"),
        rls("patient_id", also=("therapist_id",)),
    )


class CalendarFeed(UUIDPk, Timestamps, Base):
    """A secret iCalendar feed URL of one person's appointments (clinician or patient).

    Calendar apps fetch the feed without signing in, so the URL itself is the credential: only
    the SHA-256 of its 256-bit random secret is stored, and revoking the row kills the URL.
    """

    __tablename__ = "calendar_feeds"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    revoked_at: Mapped[dt.datetime | None]
    last_fetched_at: Mapped[dt.datetime | None]

    __table_args__ = (
        # One live feed per person: issuing a new one revokes the old.
        Index("uq_calendar_feeds_live", "user_id", unique=True, postgresql_where=text("revoked_at IS NULL")),
        rls("user_id", therapist_read=False),
    )
