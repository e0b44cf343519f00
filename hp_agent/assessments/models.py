"""Assessment & Screening tables.

Templates hold the published instrument (items, options, scoring rules) as data, so scoring code
is generic: it sums option values and looks the total up in ``scoring.ranges``. An administration
snapshots the template version it used, because a template row can be revised later.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Time,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import USERS_ID, Base, Timestamps, UUIDPk, pg_enum, rls
from hp_agent.db.crypto import EncryptedText

_TEMPLATES_ID = "assessment_templates.id"


class InstrumentCategory(str, enum.Enum):
    DEPRESSION = "depression"
    ANXIETY = "anxiety"
    TRAUMA = "trauma"
    SUICIDE_RISK = "suicide_risk"
    WELLBEING = "wellbeing"


class Severity(str, enum.Enum):
    """Severity band of a result, named as the instrument's scoring guide names it."""

    MINIMAL = "minimal"
    MILD = "mild"
    MODERATE = "moderate"
    MODERATELY_SEVERE = "moderately_severe"
    SEVERE = "severe"
    # Cut-point instruments (PCL-5: provisional PTSD at or above the cut-point).
    BELOW_THRESHOLD = "below_threshold"
    ABOVE_THRESHOLD = "above_threshold"
    # Risk screeners (C-SSRS screener triage).
    NO_RISK_IDENTIFIED = "no_risk_identified"
    LOW_RISK = "low_risk"
    MODERATE_RISK = "moderate_risk"
    HIGH_RISK = "high_risk"


class AssessmentTemplate(UUIDPk, Timestamps, Base):
    """A validated instrument (reference data, seeded from ``assessment_templates.yaml``).

    ``items``: ``[{"id": "phq9_9", "text": ..., "options": [{"value": 0, "label": ...}],
    "critical": {"min_value": 1, "reason": ...}}]``; ``scoring``: ``{"method": "sum",
    "ranges": [{"min": 0, "max": 4, "severity": "minimal", "interpretation": ...}], ...}``.
    """

    __tablename__ = "assessment_templates"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40))
    category: Mapped[InstrumentCategory] = mapped_column(pg_enum(InstrumentCategory, "assessment_category"))
    version: Mapped[int] = mapped_column(SmallInteger, server_default="1", default=1)
    description: Mapped[str | None] = mapped_column(Text)
    instructions: Mapped[str] = mapped_column(Text)
    # Look-back window the instrument asks about ("the last 2 weeks", "the past month").
    timeframe: Mapped[str | None] = mapped_column(String(80))
    items: Mapped[list[Any]]
    scoring: Mapped[dict[str, Any]]
    min_score: Mapped[int] = mapped_column(SmallInteger)
    max_score: Mapped[int] = mapped_column(SmallInteger)
    locale: Mapped[str] = mapped_column(String(16), server_default="en", default="en")
    source: Mapped[str] = mapped_column(Text)  # citation of the published instrument
    license: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(server_default=text("true"), default=True)

    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("min_score >= 0 AND max_score >= min_score", name="score_bounds"),
        CheckConstraint(
            "jsonb_typeof(items) = 'array' AND jsonb_array_length(items) > 0", name="items_array"
        ),
        CheckConstraint("jsonb_typeof(scoring) = 'object'", name="scoring_object"),
    )


class Frequency(str, enum.Enum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class AssessmentSchedule(UUIDPk, Timestamps, Base):
    """A recurring reminder to take an instrument; the scheduler polls ``next_due_at``."""

    __tablename__ = "assessment_schedules"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_TEMPLATES_ID, ondelete="RESTRICT"), index=True)
    frequency: Mapped[Frequency] = mapped_column(pg_enum(Frequency, "assessment_schedule_frequency"))
    # Local time of day for the reminder, interpreted in users.timezone.
    preferred_time: Mapped[dt.time | None] = mapped_column(Time)
    next_due_at: Mapped[dt.datetime]
    last_reminded_at: Mapped[dt.datetime | None]
    last_completed_at: Mapped[dt.datetime | None]
    is_active: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    # A therapist may set the schedule; the user can still pause it.
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        Index(
            "uq_assessment_schedules_active",
            "user_id",
            "template_id",
            unique=True,
            postgresql_where=text("is_active"),
        ),
        Index("ix_assessment_schedules_due", "next_due_at", postgresql_where=text("is_active")),
        rls(),
    )


class AssignmentStatus(str, enum.Enum):
    PENDING = "pending"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class AssessmentAssignment(UUIDPk, Timestamps, Base):
    """A clinician asking a patient to complete an instrument (once), with an optional due date."""

    __tablename__ = "assessment_assignments"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_TEMPLATES_ID, ondelete="RESTRICT"), index=True)
    assigned_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    message: Mapped[str | None] = mapped_column(EncryptedText)
    due_at: Mapped[dt.datetime | None]
    status: Mapped[AssignmentStatus] = mapped_column(
        pg_enum(AssignmentStatus, "assessment_assignment_status"),
        server_default=AssignmentStatus.PENDING.value,
        default=AssignmentStatus.PENDING,
    )
    completed_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint("(status = 'completed') = (completed_at IS NOT NULL)", name="completed_at_iff_done"),
        Index(
            "ix_assessment_assignments_pending",
            "user_id",
            "due_at",
            postgresql_where=text("status = 'pending'"),
        ),
        # The assigning clinician may read and update (cancel) it.
        rls(also=("assigned_by",)),
    )


class AdministrationStatus(str, enum.Enum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class AdministrationSource(str, enum.Enum):
    SELF_INITIATED = "self_initiated"
    SCHEDULED = "scheduled"
    CLINICIAN_ASSIGNED = "clinician_assigned"
    CHAT_AGENT = "chat_agent"
    CRISIS_FLOW = "crisis_flow"
    ONBOARDING = "onboarding"


class UserAssessment(UUIDPk, Timestamps, Base):
    """One administration of an instrument and its result."""

    __tablename__ = "user_assessments"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(_TEMPLATES_ID, ondelete="RESTRICT"), index=True)
    template_version: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[AdministrationStatus] = mapped_column(
        pg_enum(AdministrationStatus, "user_assessment_status"),
        server_default=AdministrationStatus.IN_PROGRESS.value,
        default=AdministrationStatus.IN_PROGRESS,
    )
    source: Mapped[AdministrationSource] = mapped_column(
        pg_enum(AdministrationSource, "user_assessment_source"),
        server_default=AdministrationSource.SELF_INITIATED.value,
        default=AdministrationSource.SELF_INITIATED,
    )
    schedule_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("assessment_schedules.id", ondelete="SET NULL"), index=True
    )
    assignment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("assessment_assignments.id", ondelete="SET NULL"), index=True
    )
    chat_session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="SET NULL"), index=True
    )
    started_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    completed_at: Mapped[dt.datetime | None]
    total_score: Mapped[int | None] = mapped_column(SmallInteger)
    # Sub-scores where the instrument defines them (PCL-5 clusters B-E).
    subscale_scores: Mapped[dict[str, Any] | None]
    severity: Mapped[Severity | None] = mapped_column(pg_enum(Severity, "assessment_severity"))
    interpretation: Mapped[str | None] = mapped_column(Text)  # from the template's scoring guide
    # The person's optional free-text comment ("anything else?"); screened like any other text.
    comment: Mapped[str | None] = mapped_column(EncryptedText)
    # PHQ-9 item 9 > 0, or C-SSRS screener at moderate/high risk: routed to the crisis layer.
    critical_flag: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    critical_item_ids: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"), default=list)
    crisis_detection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("crisis_detections.id", ondelete="SET NULL"), index=True
    )
    reviewed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )
    reviewed_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint("total_score >= 0", name="total_score_nonnegative"),
        CheckConstraint("completed_at IS NULL OR completed_at >= started_at", name="completed_after_start"),
        CheckConstraint(
            "status <> 'completed' OR (completed_at IS NOT NULL AND total_score IS NOT NULL)",
            name="completed_has_result",
        ),
        CheckConstraint("jsonb_typeof(critical_item_ids) = 'array'", name="critical_items_array"),
        # Score history per instrument (trend charts) and the clinician's flagged list.
        Index(
            "ix_user_assessments_history",
            "user_id",
            "template_id",
            "completed_at",
            postgresql_where=text("status = 'completed'"),
        ),
        Index("ix_user_assessments_user_created", "user_id", "created_at"),
        Index(
            "ix_user_assessments_critical",
            "user_id",
            "completed_at",
            postgresql_where=text("critical_flag"),
        ),
        rls(therapist_read=False, consent="assessments"),
    )


class AssessmentResponse(UUIDPk, Timestamps, Base):
    """The answer to one item; upserted while the administration is in progress."""

    __tablename__ = "assessment_responses"

    user_assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_assessments.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(40))
    item_index: Mapped[int] = mapped_column(SmallInteger)
    # The selected option's value (0-3, 0-4, or 0/1 for yes/no items).
    value: Mapped[int] = mapped_column(SmallInteger)
    answered_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        CheckConstraint("value BETWEEN 0 AND 10", name="value_range"),
        CheckConstraint("item_index >= 0", name="item_index_nonnegative"),
        Index("uq_assessment_responses_item", "user_assessment_id", "item_id", unique=True),
        rls(therapist_read=False, consent="assessments"),
    )
