"""Clinical Therapy models (6 tables).

Every row is the patient's record (``patient_id``, CASCADE) and is also read and written by the
treating clinician named on the row (``therapist_id`` in ``rls(also=...)``). The clinician column is
SET NULL so the patient's record survives the clinician's account deletion. Clinical free text
(notes, goal descriptions, homework responses) is encrypted in the application.
"""

# The project convention is `class X(str, enum.Enum)` (see hp_agent/db/base.py pg_enum).

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, SmallInteger, String, text
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column, relationship

from hp_agent.db.base import NORMALIZED_SCORE, Base, Timestamps, UUIDPk, pg_enum, rls
from hp_agent.db.crypto import EncryptedText

# ---------------------------------------------------------------------------------------------
# Enums
# ---------------------------------------------------------------------------------------------


class SessionModality(str, enum.Enum):
    video = "video"
    audio = "audio"
    in_person = "in_person"
    chat = "chat"


class SessionType(str, enum.Enum):
    intake = "intake"
    individual = "individual"
    couples = "couples"
    family = "family"
    group = "group"
    crisis = "crisis"
    follow_up = "follow_up"
    assessment = "assessment"
    medication_management = "medication_management"


class SessionStatus(str, enum.Enum):
    scheduled = "scheduled"
    in_progress = "in_progress"
    completed = "completed"
    cancelled = "cancelled"
    no_show = "no_show"


class NoteFormat(str, enum.Enum):
    soap = "soap"  # subjective, objective, assessment, plan
    dap = "dap"  # data, assessment, plan
    birp = "birp"  # behaviour, intervention, response, plan
    narrative = "narrative"


class NoteType(str, enum.Enum):
    progress = "progress"
    intake = "intake"
    contact = "contact"  # phone/message contact outside a session
    crisis = "crisis"
    discharge = "discharge"
    # HIPAA "psychotherapy notes": kept apart from the record, withheld from the patient by default.
    psychotherapy = "psychotherapy"


class NoteStatus(str, enum.Enum):
    draft = "draft"
    signed = "signed"
    amended = "amended"  # signed, then superseded by an addendum that references it


class TreatmentPlanStatus(str, enum.Enum):
    draft = "draft"
    active = "active"
    under_review = "under_review"
    completed = "completed"
    discontinued = "discontinued"


class TreatmentGoalStatus(str, enum.Enum):
    not_started = "not_started"
    in_progress = "in_progress"
    achieved = "achieved"
    partially_achieved = "partially_achieved"
    discontinued = "discontinued"


class HomeworkType(str, enum.Enum):
    thought_record = "thought_record"
    behavioral_activation = "behavioral_activation"
    exposure = "exposure"
    journaling = "journaling"
    mood_log = "mood_log"
    skills_practice = "skills_practice"
    reading = "reading"
    worksheet = "worksheet"
    other = "other"


class HomeworkStatus(str, enum.Enum):
    assigned = "assigned"
    in_progress = "in_progress"
    completed = "completed"
    skipped = "skipped"
    cancelled = "cancelled"


class DiagnosisStatus(str, enum.Enum):
    provisional = "provisional"
    confirmed = "confirmed"
    ruled_out = "ruled_out"
    in_remission = "in_remission"
    resolved = "resolved"


class DiagnosisSeverity(str, enum.Enum):
    mild = "mild"
    moderate = "moderate"
    severe = "severe"


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


def _patient_fk() -> MappedColumn[Any]:
    # Factories: a mapped_column object cannot be shared between classes.
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


def _clinician_fk() -> MappedColumn[Any]:
    return mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)


class TherapySession(UUIDPk, Timestamps, Base):
    """A clinical encounter between a patient and a clinician (what is documented and billed)."""

    __tablename__ = "therapy_sessions"

    patient_id: Mapped[uuid.UUID] = _patient_fk()
    therapist_id: Mapped[uuid.UUID | None] = _clinician_fk()
    # The booking this encounter fulfils (Appointment Scheduling module).
    appointment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("appointments.id", ondelete="SET NULL"), index=True
    )
    treatment_plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("treatment_plans.id", ondelete="SET NULL"), index=True
    )
    session_type: Mapped[SessionType] = mapped_column(
        pg_enum(SessionType, "therapy_session_type"),
        default=SessionType.individual,
        server_default=SessionType.individual.value,
    )
    modality: Mapped[SessionModality] = mapped_column(pg_enum(SessionModality, "therapy_session_modality"))
    status: Mapped[SessionStatus] = mapped_column(
        pg_enum(SessionStatus, "therapy_session_status"),
        default=SessionStatus.scheduled,
        server_default=SessionStatus.scheduled.value,
    )
    scheduled_start: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    duration_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    # CPT code used for claims, e.g. 90834 (psychotherapy, 45 min).
    cpt_code: Mapped[str | None] = mapped_column(String(5))
    cancellation_reason: Mapped[str | None] = mapped_column(String(64))  # coded, not free text
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", default=dict, server_default=text("'{}'::jsonb")
    )

    notes: Mapped[list[SessionNote]] = relationship(
        back_populates="therapy_session", lazy="raise", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint(
            "ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at", name="ended_after_started"
        ),
        CheckConstraint(
            "duration_minutes IS NULL OR duration_minutes BETWEEN 0 AND 1440", name="duration_range"
        ),
        CheckConstraint("cpt_code IS NULL OR cpt_code ~ '^[0-9]{4}[0-9A-Z]$'", name="cpt_format"),
        CheckConstraint("status <> 'completed' OR ended_at IS NOT NULL", name="completed_has_end"),
        Index("ix_therapy_sessions_patient_id_created_at", "patient_id", "created_at"),
        Index("ix_therapy_sessions_therapist_schedule", "therapist_id", "scheduled_start"),
        rls("patient_id", also=("therapist_id",)),
    )


class SessionNote(UUIDPk, Timestamps, Base):
    """A clinical note (SOAP/DAP/BIRP/narrative); corrected by addenda, never edited, once signed.

    The service refuses edits of signed notes; the migration adds a trigger as the second lock.
    """

    __tablename__ = "session_notes"

    patient_id: Mapped[uuid.UUID] = _patient_fk()
    # Contact and discharge notes may stand outside a session.
    therapy_session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("therapy_sessions.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[uuid.UUID | None] = _clinician_fk()
    note_type: Mapped[NoteType] = mapped_column(
        pg_enum(NoteType, "session_note_type"),
        default=NoteType.progress,
        server_default=NoteType.progress.value,
    )
    format: Mapped[NoteFormat] = mapped_column(pg_enum(NoteFormat, "session_note_format"))
    status: Mapped[NoteStatus] = mapped_column(
        pg_enum(NoteStatus, "session_note_status"),
        default=NoteStatus.draft,
        server_default=NoteStatus.draft.value,
    )
    # JSON object of the format's sections ({"subjective": ..., "objective": ...} for SOAP),
    # serialised and encrypted as one value; the service validates the sections per format.
    content: Mapped[str] = mapped_column(EncryptedText)
    # Whether the patient may read this note in the app (psychotherapy notes default to no).
    visible_to_patient: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    signed_at: Mapped[dt.datetime | None]
    signed_by: Mapped[uuid.UUID | None] = _clinician_fk()
    # Supervisor co-signature for pre-licensed clinicians.
    cosigned_at: Mapped[dt.datetime | None]
    cosigned_by: Mapped[uuid.UUID | None] = _clinician_fk()
    # An addendum points at the signed note it corrects.
    amends_note_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("session_notes.id", ondelete="CASCADE"), index=True
    )

    therapy_session: Mapped[TherapySession | None] = relationship(back_populates="notes", lazy="raise")

    __table_args__ = (
        CheckConstraint("status = 'draft' OR signed_at IS NOT NULL", name="signed_has_time"),
        CheckConstraint("(cosigned_at IS NULL) OR (signed_at IS NOT NULL)", name="cosign_after_sign"),
        CheckConstraint("amends_note_id IS NULL OR amends_note_id <> id", name="not_self_amend"),
        Index("ix_session_notes_patient_id_created_at", "patient_id", "created_at"),
        # Unsigned notes per clinician (documentation backlog).
        Index(
            "ix_session_notes_unsigned", "author_id", "created_at", postgresql_where=text("status = 'draft'")
        ),
        rls("patient_id", also=("author_id",)),
    )


class TreatmentPlan(UUIDPk, Timestamps, Base):
    """A clinician's treatment plan for the patient, reviewed periodically and signed."""

    __tablename__ = "treatment_plans"

    patient_id: Mapped[uuid.UUID] = _patient_fk()
    therapist_id: Mapped[uuid.UUID | None] = _clinician_fk()
    title: Mapped[str] = mapped_column(String(200))
    presenting_problem: Mapped[str | None] = mapped_column(EncryptedText)
    approach: Mapped[str | None] = mapped_column(String(64))  # cbt, dbt, act, ...
    status: Mapped[TreatmentPlanStatus] = mapped_column(
        pg_enum(TreatmentPlanStatus, "treatment_plan_status"),
        default=TreatmentPlanStatus.draft,
        server_default=TreatmentPlanStatus.draft.value,
    )
    start_date: Mapped[dt.date | None]
    target_end_date: Mapped[dt.date | None]
    next_review_date: Mapped[dt.date | None]
    ended_on: Mapped[dt.date | None]
    session_frequency: Mapped[str | None] = mapped_column(String(32))  # e.g. "weekly"
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    patient_agreed_at: Mapped[dt.datetime | None]
    signed_at: Mapped[dt.datetime | None]
    signed_by: Mapped[uuid.UUID | None] = _clinician_fk()

    goals: Mapped[list[TreatmentGoal]] = relationship(
        back_populates="treatment_plan", lazy="raise", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint(
            "ended_on IS NULL OR start_date IS NULL OR ended_on >= start_date", name="dates_ordered"
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        Index(
            "uq_treatment_plans_active",
            "patient_id",
            "therapist_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "ix_treatment_plans_review_due",
            "therapist_id",
            "next_review_date",
            postgresql_where=text("status = 'active'"),
        ),
        rls("patient_id", also=("therapist_id",)),
    )


class TreatmentGoal(UUIDPk, Timestamps, Base):
    """A measurable goal of a treatment plan, with its planned interventions."""

    __tablename__ = "treatment_goals"

    treatment_plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("treatment_plans.id", ondelete="CASCADE"), index=True
    )
    patient_id: Mapped[uuid.UUID] = _patient_fk()  # denormalised from treatment_plans for RLS
    therapist_id: Mapped[uuid.UUID | None] = _clinician_fk()  # denormalised: who may write
    position: Mapped[int] = mapped_column(SmallInteger, default=0, server_default=text("0"))
    description: Mapped[str] = mapped_column(EncryptedText)
    interventions: Mapped[str | None] = mapped_column(EncryptedText)
    # Optional objective measure: e.g. instrument "phq9", baseline 18, target below 10.
    measure_instrument: Mapped[str | None] = mapped_column(String(32))
    baseline_value: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    target_value: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    current_value: Mapped[Decimal | None] = mapped_column(Numeric(8, 2))
    progress: Mapped[float | None] = mapped_column(NORMALIZED_SCORE)
    status: Mapped[TreatmentGoalStatus] = mapped_column(
        pg_enum(TreatmentGoalStatus, "treatment_goal_status"),
        default=TreatmentGoalStatus.not_started,
        server_default=TreatmentGoalStatus.not_started.value,
    )
    target_date: Mapped[dt.date | None]
    achieved_at: Mapped[dt.datetime | None]

    treatment_plan: Mapped[TreatmentPlan] = relationship(back_populates="goals", lazy="raise")

    __table_args__ = (
        CheckConstraint("position >= 0", name="position_non_negative"),
        CheckConstraint("status <> 'achieved' OR achieved_at IS NOT NULL", name="achieved_has_time"),
        rls("patient_id", also=("therapist_id",)),
    )


class HomeworkAssignment(UUIDPk, Timestamps, Base):
    """Between-session work a clinician assigns (thought records, exposure, activation, ...)."""

    __tablename__ = "homework_assignments"

    patient_id: Mapped[uuid.UUID] = _patient_fk()
    therapist_id: Mapped[uuid.UUID | None] = _clinician_fk()
    therapy_session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("therapy_sessions.id", ondelete="SET NULL"), index=True
    )
    treatment_goal_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("treatment_goals.id", ondelete="SET NULL"), index=True
    )
    homework_type: Mapped[HomeworkType] = mapped_column(pg_enum(HomeworkType, "homework_assignment_type"))
    status: Mapped[HomeworkStatus] = mapped_column(
        pg_enum(HomeworkStatus, "homework_assignment_status"),
        default=HomeworkStatus.assigned,
        server_default=HomeworkStatus.assigned.value,
    )
    title: Mapped[str] = mapped_column(String(200))  # shown in notifications: keep non-clinical
    instructions: Mapped[str | None] = mapped_column(EncryptedText)
    patient_response: Mapped[str | None] = mapped_column(EncryptedText)
    therapist_feedback: Mapped[str | None] = mapped_column(EncryptedText)
    # Where the work was done, e.g. {"type": "journal_entry", "id": "..."}; ids only.
    completion_ref: Mapped[dict[str, Any] | None]
    assigned_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    due_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    # The crisis screening of the patient's response (like journal entries), when it found risk.
    crisis_detection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("crisis_detections.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("status <> 'completed' OR completed_at IS NOT NULL", name="completed_has_time"),
        CheckConstraint("due_at IS NULL OR due_at >= assigned_at", name="due_after_assigned"),
        Index("ix_homework_assignments_patient_id_created_at", "patient_id", "created_at"),
        # Reminders: open assignments by due date.
        Index(
            "ix_homework_assignments_open_due",
            "patient_id",
            "due_at",
            postgresql_where=text("status IN ('assigned', 'in_progress')"),
        ),
        # The caseload's "last activity": the latest completed homework per patient.
        Index(
            "ix_homework_assignments_completed",
            "patient_id",
            "completed_at",
            postgresql_where=text("status = 'completed'"),
        ),
        rls("patient_id", also=("therapist_id",)),
    )


class Diagnosis(UUIDPk, Timestamps, Base):
    """A diagnosis on the patient's record (ICD-10-CM code), as used for treatment and claims."""

    __tablename__ = "diagnoses"

    patient_id: Mapped[uuid.UUID] = _patient_fk()
    therapist_id: Mapped[uuid.UUID | None] = _clinician_fk()  # the diagnosing clinician
    therapy_session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("therapy_sessions.id", ondelete="SET NULL"), index=True
    )
    icd10_code: Mapped[str] = mapped_column(String(8))  # e.g. "F32.1"
    # The code's standard title (e.g. "Major depressive disorder, single episode, moderate").
    code_description: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[DiagnosisStatus] = mapped_column(
        pg_enum(DiagnosisStatus, "diagnosis_status"),
        default=DiagnosisStatus.provisional,
        server_default=DiagnosisStatus.provisional.value,
    )
    severity: Mapped[DiagnosisSeverity | None] = mapped_column(
        pg_enum(DiagnosisSeverity, "diagnosis_severity")
    )
    is_primary: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    onset_date: Mapped[dt.date | None]
    diagnosed_on: Mapped[dt.date] = mapped_column(server_default=text("CURRENT_DATE"))
    resolved_on: Mapped[dt.date | None]
    clinical_notes: Mapped[str | None] = mapped_column(EncryptedText)

    __table_args__ = (
        # ICD-10-CM: letter, digit, alphanumeric, optional dot and up to four more characters.
        CheckConstraint(r"icd10_code ~ '^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$'", name="icd10_format"),
        CheckConstraint(
            "resolved_on IS NULL OR resolved_on >= diagnosed_on", name="resolved_after_diagnosed"
        ),
        # The same code is not open twice; one primary diagnosis among the open ones.
        Index(
            "uq_diagnoses_open_code",
            "patient_id",
            "icd10_code",
            unique=True,
            postgresql_where=text("status IN ('provisional', 'confirmed')"),
        ),
        Index(
            "uq_diagnoses_primary",
            "patient_id",
            unique=True,
            postgresql_where=text("is_primary AND status IN ('provisional', 'confirmed')"),
        ),
        rls("patient_id", also=("therapist_id",)),
    )
