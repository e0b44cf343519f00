"""Medication Management tables.

``medications`` and ``drug_interactions`` are reference data (seeded, no owner). Everything else
belongs to the patient (``patient_id``, CASCADE); the prescriber (``prescriber_id``, SET NULL so
a clinician's account deletion keeps the patient's history) may read and write the rows that
carry that column, and treating therapists may read.

Safety planning reads ``medications.overdose_risk`` for the patient's active medications (means
restriction), and the adherence logs record the dose taken, so taking far more than prescribed
can be noticed.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import USERS_ID, Base, Timestamps, UUIDPk, pg_enum, rls
from hp_agent.db.crypto import EncryptedText

_USER_MEDICATIONS_ID = "user_medications.id"
# Doses: up to 9,999,999.999 of the unit (mg, mcg, mL, units).
_DOSE = Numeric(10, 3)


class DrugClass(str, enum.Enum):
    SSRI = "ssri"
    SNRI = "snri"
    TRICYCLIC_ANTIDEPRESSANT = "tricyclic_antidepressant"
    MAOI = "maoi"
    ATYPICAL_ANTIDEPRESSANT = "atypical_antidepressant"
    BENZODIAZEPINE = "benzodiazepine"
    SEDATIVE_HYPNOTIC = "sedative_hypnotic"
    ANXIOLYTIC = "anxiolytic"
    MOOD_STABILIZER = "mood_stabilizer"
    ANTICONVULSANT = "anticonvulsant"
    ANTIPSYCHOTIC = "antipsychotic"
    STIMULANT = "stimulant"
    NON_STIMULANT_ADHD = "non_stimulant_adhd"
    BETA_BLOCKER = "beta_blocker"
    SUBSTANCE_USE_TREATMENT = "substance_use_treatment"
    OPIOID = "opioid"
    OTHER = "other"


class MedicationSource(str, enum.Enum):
    PRESCRIBED = "prescribed"  # prescribed by a clinician on the platform
    SELF_REPORTED = "self_reported"
    IMPORTED = "imported"  # from a pharmacy / health-record integration


class MedicationStatus(str, enum.Enum):
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    DISCONTINUED = "discontinued"


class IntakeStatus(str, enum.Enum):
    TAKEN = "taken"
    TAKEN_LATE = "taken_late"
    SKIPPED = "skipped"  # the person chose not to take it
    MISSED = "missed"  # no response by the end of the window (written by the adherence job)


class IntakeSource(str, enum.Enum):
    MANUAL = "manual"
    REMINDER = "reminder"
    ADHERENCE_JOB = "adherence_job"


class ReminderChannel(str, enum.Enum):
    PUSH = "push"
    SMS = "sms"
    EMAIL = "email"


class ReminderStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class SideEffectSeverity(str, enum.Enum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    LIFE_THREATENING = "life_threatening"


class SideEffectAction(str, enum.Enum):
    NONE = "none"
    MONITOR = "monitor"
    DOSE_ADJUSTED = "dose_adjusted"
    MEDICATION_SWITCHED = "medication_switched"
    DISCONTINUED = "discontinued"
    REFERRED = "referred"


class InteractionSeverity(str, enum.Enum):
    MINOR = "minor"
    MODERATE = "moderate"
    MAJOR = "major"
    CONTRAINDICATED = "contraindicated"


DRUG_CLASS = pg_enum(DrugClass, "medication_drug_class")
MEDICATION_SOURCE = pg_enum(MedicationSource, "user_medication_source")
MEDICATION_STATUS = pg_enum(MedicationStatus, "user_medication_status")
INTAKE_STATUS = pg_enum(IntakeStatus, "medication_intake_status")
INTAKE_SOURCE = pg_enum(IntakeSource, "medication_intake_source")
REMINDER_CHANNEL = pg_enum(ReminderChannel, "medication_reminder_channel")
REMINDER_STATUS = pg_enum(ReminderStatus, "medication_reminder_status")
SIDE_EFFECT_SEVERITY = pg_enum(SideEffectSeverity, "medication_side_effect_severity")
SIDE_EFFECT_ACTION = pg_enum(SideEffectAction, "medication_side_effect_action")
INTERACTION_SEVERITY = pg_enum(InteractionSeverity, "drug_interaction_severity")


class Medication(UUIDPk, Timestamps, Base):
    """Reference: a medication (by generic name) with the facts safety features rely on."""

    __tablename__ = "medications"

    # Seed key: the lower-case INN / USAN name, e.g. "sertraline".
    generic_name: Mapped[str] = mapped_column(String(200), unique=True)
    # Searched when a person types what is on their box ("Zoloft").
    brand_names: Mapped[list[str]] = mapped_column(
        ARRAY(String(200)), server_default=text("'{}'"), default=list
    )
    drug_class: Mapped[DrugClass] = mapped_column(DRUG_CLASS)
    rxnorm_cui: Mapped[str | None] = mapped_column(String(16), unique=True)
    atc_code: Mapped[str | None] = mapped_column(String(8))
    # US DEA schedule 1-5 (benzodiazepines IV, stimulants II); NULL when not controlled.
    controlled_schedule: Mapped[int | None] = mapped_column(SmallInteger)
    dosage_forms: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), server_default=text("'{}'"), default=list
    )
    dose_unit: Mapped[str] = mapped_column(String(16), server_default="mg", default="mg")
    typical_dose_min: Mapped[Decimal | None] = mapped_column(_DOSE)
    typical_dose_max: Mapped[Decimal | None] = mapped_column(_DOSE)
    max_daily_dose: Mapped[Decimal | None] = mapped_column(_DOSE)
    black_box_warning: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    # Public label text (e.g. the antidepressant suicidality warning), not about any person.
    black_box_warning_text: Mapped[str | None] = mapped_column(Text)
    # Dangerous in overdose (lithium, tricyclics, opioids, benzodiazepines with alcohol):
    # safety plans prompt means restriction for these.
    overdose_risk: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    overdose_risk_note: Mapped[str | None] = mapped_column(Text)
    # Stopping abruptly is risky (benzodiazepines, SNRIs): missed-dose alerts are stronger.
    discontinuation_risk: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    requires_lab_monitoring: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    is_active: Mapped[bool] = mapped_column(server_default=text("true"), default=True)

    __table_args__ = (
        CheckConstraint("controlled_schedule BETWEEN 1 AND 5", name="controlled_schedule_range"),
        CheckConstraint(
            "typical_dose_min > 0 AND typical_dose_max >= typical_dose_min",
            name="typical_dose_range",
        ),
        CheckConstraint("max_daily_dose > 0", name="max_daily_dose_positive"),
        CheckConstraint(
            "NOT black_box_warning OR black_box_warning_text IS NOT NULL",
            name="black_box_has_text",
        ),
        Index("ix_medications_brand_names", "brand_names", postgresql_using="gin"),
        Index("ix_medications_drug_class", "drug_class"),
    )


class UserMedication(UUIDPk, Timestamps, Base):
    """A medication a person takes: a prescription on the platform, or one they reported."""

    __tablename__ = "user_medications"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    prescriber_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    # Catalogue entry; NULL for something not in the catalogue.
    medication_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("medications.id", ondelete="RESTRICT"), index=True
    )
    # Name as shown to the person: the catalogue's name, or what they typed for an
    # uncatalogued medication (matched to the catalogue later when possible).
    display_name: Mapped[str] = mapped_column(String(200))
    source: Mapped[MedicationSource] = mapped_column(MEDICATION_SOURCE)
    status: Mapped[MedicationStatus] = mapped_column(
        MEDICATION_STATUS, server_default=MedicationStatus.ACTIVE.value, default=MedicationStatus.ACTIVE
    )
    dose_amount: Mapped[Decimal] = mapped_column(_DOSE)
    dose_unit: Mapped[str] = mapped_column(String(16))
    dosage_form: Mapped[str | None] = mapped_column(String(40))
    route: Mapped[str | None] = mapped_column(String(32))
    as_needed: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    # Directions (sig) and indication can reveal diagnoses: encrypted.
    instructions: Mapped[str | None] = mapped_column(EncryptedText)
    indication: Mapped[str | None] = mapped_column(EncryptedText)
    # Free text for an off-platform prescriber ("Dr Lee, GP").
    external_prescriber_name: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    quantity_dispensed: Mapped[int | None] = mapped_column(SmallInteger)
    refills_remaining: Mapped[int | None] = mapped_column(SmallInteger)
    # e-prescribing network id when prescribed on the platform.
    erx_prescription_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    discontinued_at: Mapped[dt.datetime | None]
    # Structured reason code ("side_effects", "ineffective", "course_completed", ...).
    discontinued_reason: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("dose_amount > 0", name="dose_positive"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
        CheckConstraint("quantity_dispensed >= 0 AND refills_remaining >= 0", name="counts_nonnegative"),
        CheckConstraint(
            "status <> 'discontinued' OR discontinued_at IS NOT NULL",
            name="discontinued_has_time",
        ),
        Index("ix_user_medications_patient_created", "patient_id", "created_at"),
        # The current medication list (safety plan, interaction checks, reminders).
        Index(
            "ix_user_medications_patient_active",
            "patient_id",
            postgresql_where=text("status = 'active'"),
        ),
        rls("patient_id", also=("prescriber_id",)),
    )


class MedicationSchedule(UUIDPk, Timestamps, Base):
    """When a dose is due: a time of day on some weekdays, in the person's time zone."""

    __tablename__ = "medication_schedules"

    user_medication_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(_USER_MEDICATIONS_ID, ondelete="CASCADE"), index=True
    )
    # Denormalised from the medication so the same RLS policy applies.
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    time_of_day: Mapped[dt.time] = mapped_column(Time)
    # ISO weekdays (1 = Monday); all seven for a daily dose.
    days_of_week: Mapped[list[int]] = mapped_column(
        ARRAY(SmallInteger), server_default=text("'{1,2,3,4,5,6,7}'"), default=lambda: [1, 2, 3, 4, 5, 6, 7]
    )
    timezone: Mapped[str] = mapped_column(String(64))
    dose_amount: Mapped[Decimal] = mapped_column(_DOSE)
    dose_unit: Mapped[str] = mapped_column(String(16))
    # Minutes after the due time before a dose counts as late, then missed.
    grace_minutes: Mapped[int] = mapped_column(SmallInteger, server_default="120", default=120)
    reminders_enabled: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    is_active: Mapped[bool] = mapped_column(server_default=text("true"), default=True)

    __table_args__ = (
        CheckConstraint(
            "cardinality(days_of_week) BETWEEN 1 AND 7 "
            "AND days_of_week <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[]",
            name="days_of_week_valid",
        ),
        CheckConstraint("dose_amount > 0", name="dose_positive"),
        CheckConstraint("grace_minutes BETWEEN 0 AND 1440", name="grace_minutes_range"),
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="validity_ordered"),
        rls("patient_id"),
    )


class MedicationIntakeLog(UUIDPk, Timestamps, Base):
    """One dose taken, skipped or missed: the adherence record."""

    __tablename__ = "medication_intake_logs"

    user_medication_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(_USER_MEDICATIONS_ID, ondelete="CASCADE")
    )
    # Denormalised from the medication so the same RLS policy applies.
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    # NULL for as-needed doses, which have no schedule.
    schedule_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("medication_schedules.id", ondelete="SET NULL")
    )
    scheduled_for: Mapped[dt.datetime | None]
    taken_at: Mapped[dt.datetime | None]
    status: Mapped[IntakeStatus] = mapped_column(INTAKE_STATUS)
    source: Mapped[IntakeSource] = mapped_column(
        INTAKE_SOURCE, server_default=IntakeSource.MANUAL.value, default=IntakeSource.MANUAL
    )
    dose_amount: Mapped[Decimal | None] = mapped_column(_DOSE)
    dose_unit: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(EncryptedText)

    __table_args__ = (
        CheckConstraint(
            "status NOT IN ('taken', 'taken_late') OR taken_at IS NOT NULL", name="taken_has_time"
        ),
        CheckConstraint("status <> 'missed' OR scheduled_for IS NOT NULL", name="missed_was_scheduled"),
        CheckConstraint("dose_amount > 0", name="dose_positive"),
        # One outcome per scheduled dose, so the missed-dose job can upsert.
        UniqueConstraint("schedule_id", "scheduled_for"),
        Index("ix_medication_intake_logs_patient_created", "patient_id", "created_at"),
        Index("ix_medication_intake_logs_medication_scheduled", "user_medication_id", "scheduled_for"),
        rls("patient_id"),
    )


class MedicationReminder(UUIDPk, Timestamps, Base):
    """A reminder for one scheduled dose, picked up by the notification worker."""

    __tablename__ = "medication_reminders"

    schedule_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("medication_schedules.id", ondelete="CASCADE"))
    # Denormalised from the schedule so the same RLS policy applies.
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    remind_at: Mapped[dt.datetime]
    channel: Mapped[ReminderChannel] = mapped_column(REMINDER_CHANNEL)
    status: Mapped[ReminderStatus] = mapped_column(
        REMINDER_STATUS, server_default=ReminderStatus.SCHEDULED.value, default=ReminderStatus.SCHEDULED
    )
    attempt_count: Mapped[int] = mapped_column(SmallInteger, server_default="0", default=0)
    sent_at: Mapped[dt.datetime | None]
    acknowledged_at: Mapped[dt.datetime | None]
    snoozed_until: Mapped[dt.datetime | None]
    # The log row written when the person answered the reminder ("taken" / "skip").
    intake_log_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("medication_intake_logs.id", ondelete="SET NULL"), index=True
    )
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    failure_reason: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        UniqueConstraint("schedule_id", "remind_at", "channel"),
        CheckConstraint("attempt_count >= 0", name="attempt_count_nonnegative"),
        CheckConstraint("status <> 'snoozed' OR snoozed_until IS NOT NULL", name="snooze_has_time"),
        Index(
            "ix_medication_reminders_due",
            "remind_at",
            postgresql_where=text("status = 'scheduled'"),
        ),
        Index(
            "ix_medication_reminders_snoozed",
            "snoozed_until",
            postgresql_where=text("status = 'snoozed'"),
        ),
        rls("patient_id"),
    )


class SideEffectReport(UUIDPk, Timestamps, Base):
    """A side effect a person reports, and the prescriber's review of it."""

    __tablename__ = "medication_side_effect_reports"

    user_medication_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey(_USER_MEDICATIONS_ID, ondelete="CASCADE"), index=True
    )
    # Denormalised from the medication so the same RLS policy applies.
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    prescriber_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    description: Mapped[str] = mapped_column(EncryptedText)
    # Coarse symptom tags from a fixed list ("nausea", "insomnia", "agitation") for triage.
    symptom_codes: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)), server_default=text("'{}'"), default=list
    )
    severity: Mapped[SideEffectSeverity] = mapped_column(SIDE_EFFECT_SEVERITY)
    # Set for severe reports and for suicidality/agitation on medications with a black box
    # warning; the service also raises a clinician alert through the outbox.
    urgent: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    onset_date: Mapped[dt.date | None] = mapped_column(Date)
    resolved_date: Mapped[dt.date | None] = mapped_column(Date)
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    reviewed_at: Mapped[dt.datetime | None]
    action_taken: Mapped[SideEffectAction | None] = mapped_column(SIDE_EFFECT_ACTION)
    clinician_note: Mapped[str | None] = mapped_column(EncryptedText)

    __table_args__ = (
        CheckConstraint("resolved_date IS NULL OR resolved_date >= onset_date", name="dates_ordered"),
        CheckConstraint("(action_taken IS NULL) OR (reviewed_at IS NOT NULL)", name="action_after_review"),
        Index("ix_medication_side_effect_reports_patient_created", "patient_id", "created_at"),
        # Clinician triage queue: unreviewed reports, urgent first.
        Index(
            "ix_medication_side_effect_reports_unreviewed",
            "urgent",
            "created_at",
            postgresql_where=text("reviewed_at IS NULL"),
        ),
        rls("patient_id", also=("prescriber_id",)),
    )


class DrugInteraction(UUIDPk, Timestamps, Base):
    """Reference: a known interaction between two catalogue medications, stored once per pair."""

    __tablename__ = "drug_interactions"

    # The pair is ordered (a < b) so each interaction has exactly one row; look up both columns.
    medication_a_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("medications.id", ondelete="CASCADE"))
    medication_b_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("medications.id", ondelete="CASCADE"), index=True
    )
    severity: Mapped[InteractionSeverity] = mapped_column(INTERACTION_SEVERITY)
    # Effect code, e.g. "serotonin_syndrome", "qt_prolongation", "cns_depression".
    effect: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    management: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(120))
    source_reference: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (
        UniqueConstraint("medication_a_id", "medication_b_id"),
        CheckConstraint("medication_a_id < medication_b_id", name="pair_ordered"),
    )
