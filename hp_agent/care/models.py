"""Care Coordination models (8 tables).

``therapeutic_relationships`` is the hinge of therapist access: every therapist RLS policy in the
schema asks "is there an *active* relationship between me and this patient?". Its own policy is
owner/participant only (``therapist_read=False``) so that policy never has to query the table it
protects (PostgreSQL rejects recursive policies).

Clinician-side tables (profiles, on-call shifts) are read by the crisis escalation workflow to find
a patient's therapist, the therapist's backup and whoever is on call.
"""

# The project convention is `class X(str, enum.Enum)` (see hp_agent/db/base.py pg_enum).

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    CHAR,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hp_agent.db.base import Base, Timestamps, UUIDPk, pg_enum, rls
from hp_agent.db.crypto import EncryptedText

# ---------------------------------------------------------------------------------------------
# Enums
# ---------------------------------------------------------------------------------------------


class RelationshipStatus(str, enum.Enum):
    pending = "pending"
    active = "active"
    paused = "paused"
    ended = "ended"


class CareRole(str, enum.Enum):
    """The clinical role a clinician plays for a patient."""

    primary_therapist = "primary_therapist"
    psychiatrist = "psychiatrist"
    counselor = "counselor"
    care_coordinator = "care_coordinator"


class ClinicianProfileStatus(str, enum.Enum):
    pending_verification = "pending_verification"
    active = "active"
    suspended = "suspended"
    inactive = "inactive"


class OnCallTier(str, enum.Enum):
    primary = "primary"
    backup = "backup"
    supervisor = "supervisor"


class OnCallShiftStatus(str, enum.Enum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class CareTeamStatus(str, enum.Enum):
    active = "active"
    closed = "closed"


class CareTeamMemberRole(str, enum.Enum):
    primary_therapist = "primary_therapist"
    psychiatrist = "psychiatrist"
    counselor = "counselor"
    care_coordinator = "care_coordinator"
    primary_care_physician = "primary_care_physician"
    peer_support = "peer_support"
    family_contact = "family_contact"
    other = "other"


class ReferralUrgency(str, enum.Enum):
    routine = "routine"
    urgent = "urgent"
    emergency = "emergency"


class ReferralStatus(str, enum.Enum):
    draft = "draft"
    sent = "sent"
    accepted = "accepted"
    declined = "declined"
    scheduled = "scheduled"
    completed = "completed"
    cancelled = "cancelled"
    expired = "expired"


class CarePlanStatus(str, enum.Enum):
    draft = "draft"
    active = "active"
    on_hold = "on_hold"
    completed = "completed"
    cancelled = "cancelled"


class CareTaskType(str, enum.Enum):
    follow_up_contact = "follow_up_contact"
    safety_check = "safety_check"
    medication_review = "medication_review"
    assessment_due = "assessment_due"
    appointment = "appointment"
    referral = "referral"
    other = "other"


class CareTaskStatus(str, enum.Enum):
    open = "open"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


class CareTaskPriority(str, enum.Enum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


# One enum object, shared by the columns that use it, so the type is declared once.
CARE_ROLE = pg_enum(CareRole, "therapeutic_relationship_role")

# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


class TherapeuticRelationship(UUIDPk, Timestamps, Base):
    """A clinician treating a patient; the *active* rows grant therapist reads everywhere."""

    __tablename__ = "therapeutic_relationships"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[CareRole] = mapped_column(
        CARE_ROLE,
        default=CareRole.primary_therapist,
        server_default=CareRole.primary_therapist.value,
    )
    status: Mapped[RelationshipStatus] = mapped_column(
        pg_enum(RelationshipStatus, "therapeutic_relationship_status"),
        default=RelationshipStatus.pending,
        server_default=RelationshipStatus.pending.value,
    )
    is_primary: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # The patient's consents; therapist reads of journal / chat / safety plan check these.
    consent_to_share_journal: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    consent_to_share_chat: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    consent_to_share_safety_plan: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    consent_to_share_mood: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    consent_to_share_assessments: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # When the patient accepted the relationship; an active row without it was never consented.
    patient_consented_at: Mapped[dt.datetime | None]
    started_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(64))  # coded reason, not free text
    # Who created the invitation (patient, therapist, admin); survives that account's deletion.
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("patient_id <> therapist_id", name="not_self"),
        CheckConstraint(
            "ended_at IS NULL OR started_at IS NULL OR ended_at >= started_at", name="ended_after_started"
        ),
        CheckConstraint("status <> 'ended' OR ended_at IS NOT NULL", name="ended_has_ended_at"),
        CheckConstraint(
            "status <> 'active' OR (started_at IS NOT NULL AND patient_consented_at IS NOT NULL)",
            name="active_is_started_and_consented",
        ),
        # At most one active relationship per pair; also the index the therapist policies probe.
        Index(
            "uq_therapeutic_relationships_active_pair",
            "patient_id",
            "therapist_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        # One primary clinician per patient at a time (the first one escalations go to).
        Index(
            "uq_therapeutic_relationships_active_primary",
            "patient_id",
            unique=True,
            postgresql_where=text("is_primary AND status = 'active'"),
        ),
        # A therapist's caseload listing.
        Index(
            "ix_therapeutic_relationships_therapist_active",
            "therapist_id",
            "patient_id",
            postgresql_where=text("status = 'active'"),
        ),
        # therapist_read=False: the therapist sees the row as participant; a therapist policy here
        # would have to query this very table.
        rls("patient_id", also=("therapist_id",), therapist_read=False),
    )


class ClinicianProfile(UUIDPk, Timestamps, Base):
    """Professional profile of a therapist / prescriber: licence, specialties, availability."""

    __tablename__ = "clinician_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True, index=True
    )
    status: Mapped[ClinicianProfileStatus] = mapped_column(
        pg_enum(ClinicianProfileStatus, "clinician_profile_status"),
        default=ClinicianProfileStatus.pending_verification,
        server_default=ClinicianProfileStatus.pending_verification.value,
    )
    display_name: Mapped[str] = mapped_column(String(200))
    credentials: Mapped[str | None] = mapped_column(String(100))  # e.g. "PhD, LCSW"
    license_number: Mapped[str] = mapped_column(String(64))
    license_country: Mapped[str] = mapped_column(CHAR(2))  # ISO 3166-1 alpha-2
    license_state: Mapped[str | None] = mapped_column(String(10))  # ISO 3166-2 subdivision
    license_expires_on: Mapped[dt.date | None]
    license_verified_at: Mapped[dt.datetime | None]
    license_verified_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    npi_number: Mapped[str | None] = mapped_column(String(10), unique=True)  # US provider id
    can_prescribe: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    specialties: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default=text("'{}'::text[]")
    )
    modalities: Mapped[list[str]] = mapped_column(  # cbt, dbt, act, emdr, ...
        ARRAY(Text), default=list, server_default=text("'{}'::text[]")
    )
    languages: Mapped[list[str]] = mapped_column(  # BCP 47 tags
        ARRAY(Text), default=list, server_default=text("'{}'::text[]")
    )
    bio: Mapped[str | None] = mapped_column(Text)  # public profile text, not clinical
    accepting_new_patients: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    max_caseload: Mapped[int | None] = mapped_column(SmallInteger)
    # Current on-call flag kept in step with clinician_on_call_shifts; escalation reads both.
    is_on_call: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # Who covers this clinician's crisis escalations when they do not acknowledge in time.
    backup_clinician_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    timezone: Mapped[str | None] = mapped_column(String(64))  # IANA name
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", default=dict, server_default=text("'{}'::jsonb")
    )

    __table_args__ = (
        UniqueConstraint(
            "license_country", "license_state", "license_number", name="uq_clinician_profiles_license"
        ),
        CheckConstraint("license_country ~ '^[A-Z]{2}$'", name="license_country_iso"),
        CheckConstraint("npi_number IS NULL OR npi_number ~ '^[0-9]{10}$'", name="npi_format"),
        CheckConstraint("max_caseload IS NULL OR max_caseload > 0", name="max_caseload_positive"),
        CheckConstraint(
            "backup_clinician_id IS NULL OR backup_clinician_id <> user_id", name="backup_not_self"
        ),
        Index("ix_clinician_profiles_specialties", "specialties", postgresql_using="gin"),
        # Directory search: verified clinicians taking new patients.
        Index(
            "ix_clinician_profiles_accepting",
            "license_country",
            "license_state",
            postgresql_where=text("status = 'active' AND accepting_new_patients"),
        ),
        # Owner-only in SQL; directory reads by patients and escalation lookups need a read policy
        # for authenticated principals (see docs/data-model.md).
        rls("user_id", therapist_read=False),
    )


class ClinicianOnCallShift(UUIDPk, Timestamps, Base):
    """Roster of on-call clinicians; crisis escalation pages whoever covers the moment.

    Organisational data (rostered by admins, read by every clinician and the escalation worker),
    hence ``clinician_id`` and no per-person RLS policy.
    """

    __tablename__ = "clinician_on_call_shifts"

    # Deleting a clinician removes their shifts; escalation records keep their own ids.
    clinician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    tier: Mapped[OnCallTier] = mapped_column(
        pg_enum(OnCallTier, "clinician_on_call_tier"),
        default=OnCallTier.primary,
        server_default=OnCallTier.primary.value,
    )
    status: Mapped[OnCallShiftStatus] = mapped_column(
        pg_enum(OnCallShiftStatus, "clinician_on_call_shift_status"),
        default=OnCallShiftStatus.scheduled,
        server_default=OnCallShiftStatus.scheduled.value,
    )
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    # Coverage: clinicians may only act where licensed; NULL country = any jurisdiction.
    country_code: Mapped[str | None] = mapped_column(CHAR(2))
    region_code: Mapped[str | None] = mapped_column(String(10))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    cancelled_at: Mapped[dt.datetime | None]

    __table_args__ = (
        # Overlap prevention needs btree_gist (absent in embedded pgserver): enforced in the service.
        CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint("status <> 'cancelled' OR cancelled_at IS NOT NULL", name="cancelled_has_time"),
        Index("ix_clinician_on_call_shifts_clinician_starts", "clinician_id", "starts_at"),
        # "Who is on call at t": starts_at <= t < ends_at among scheduled shifts.
        Index(
            "ix_clinician_on_call_shifts_coverage",
            "tier",
            "ends_at",
            "starts_at",
            postgresql_where=text("status = 'scheduled'"),
        ),
    )


class CareTeam(UUIDPk, Timestamps, Base):
    """The group of clinicians and contacts coordinating one patient's care."""

    __tablename__ = "care_teams"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[CareTeamStatus] = mapped_column(
        pg_enum(CareTeamStatus, "care_team_status"),
        default=CareTeamStatus.active,
        server_default=CareTeamStatus.active.value,
    )
    lead_clinician_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    closed_at: Mapped[dt.datetime | None]

    members: Mapped[list[CareTeamMember]] = relationship(
        back_populates="care_team", lazy="raise", passive_deletes=True
    )

    __table_args__ = (
        Index(
            "uq_care_teams_active_patient",
            "patient_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
        ),
        CheckConstraint("status <> 'closed' OR closed_at IS NOT NULL", name="closed_has_time"),
        rls("patient_id"),
    )


class CareTeamMember(UUIDPk, Timestamps, Base):
    """A member of a care team: a platform clinician, or an outside contact (e.g. the GP)."""

    __tablename__ = "care_team_members"

    care_team_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("care_teams.id", ondelete="CASCADE"), index=True
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(  # denormalised from care_teams for RLS
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # A membership is only a link: it goes with the member's account (CASCADE).
    member_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[CareTeamMemberRole] = mapped_column(pg_enum(CareTeamMemberRole, "care_team_member_role"))
    # Outside contacts who have no account; their details are the patient's data.
    external_name: Mapped[str | None] = mapped_column(String(200))
    external_organization: Mapped[str | None] = mapped_column(String(200))
    external_phone: Mapped[str | None] = mapped_column(String(32))
    external_email: Mapped[str | None] = mapped_column(String(320))
    joined_at: Mapped[dt.datetime] = mapped_column(server_default=text("now()"))
    left_at: Mapped[dt.datetime | None]

    care_team: Mapped[CareTeam] = relationship(back_populates="members", lazy="raise")

    __table_args__ = (
        CheckConstraint("member_id IS NOT NULL OR external_name IS NOT NULL", name="member_or_external"),
        CheckConstraint("left_at IS NULL OR left_at >= joined_at", name="left_after_joined"),
        Index(
            "uq_care_team_members_current",
            "care_team_id",
            "member_id",
            unique=True,
            postgresql_where=text("left_at IS NULL AND member_id IS NOT NULL"),
        ),
        rls("patient_id"),
    )


class Referral(UUIDPk, Timestamps, Base):
    """A referral of the patient to another clinician (on the platform or outside it)."""

    __tablename__ = "referrals"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    referring_clinician_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Receiving clinician on the platform; reads the referral before any relationship exists.
    referred_to_clinician_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    external_provider_name: Mapped[str | None] = mapped_column(String(200))
    external_provider_contact: Mapped[str | None] = mapped_column(String(320))
    requested_role: Mapped[CareRole | None] = mapped_column(CARE_ROLE)
    specialty: Mapped[str | None] = mapped_column(String(100))
    urgency: Mapped[ReferralUrgency] = mapped_column(
        pg_enum(ReferralUrgency, "referral_urgency"),
        default=ReferralUrgency.routine,
        server_default=ReferralUrgency.routine.value,
    )
    status: Mapped[ReferralStatus] = mapped_column(
        pg_enum(ReferralStatus, "referral_status"),
        default=ReferralStatus.draft,
        server_default=ReferralStatus.draft.value,
    )
    reason: Mapped[str | None] = mapped_column(EncryptedText)  # clinical justification
    response_note: Mapped[str | None] = mapped_column(EncryptedText)  # e.g. why declined
    # A referral leaves draft only once the patient agreed to it (and to what it shares).
    patient_consented_at: Mapped[dt.datetime | None]
    external_reference: Mapped[str | None] = mapped_column(String(128))  # receiving system's id
    sent_at: Mapped[dt.datetime | None]
    responded_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint(
            "referred_to_clinician_id IS NOT NULL OR external_provider_name IS NOT NULL"
            " OR status IN ('draft', 'cancelled')",
            name="has_recipient",
        ),
        Index("ix_referrals_patient_id_created_at", "patient_id", "created_at"),
        # The receiving clinician's inbox.
        Index(
            "ix_referrals_inbox",
            "referred_to_clinician_id",
            "created_at",
            postgresql_where=text("status = 'sent'"),
        ),
        rls("patient_id", also=("referring_clinician_id", "referred_to_clinician_id")),
    )


class CarePlan(UUIDPk, Timestamps, Base):
    """Cross-team coordination plan (step-up/step-down, post-crisis follow-up, transitions).

    Distinct from ``treatment_plans`` (one therapist's clinical plan): this is what the team
    coordinates around; its work items are ``care_plan_tasks``.
    """

    __tablename__ = "care_plans"

    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    care_team_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("care_teams.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(EncryptedText)
    status: Mapped[CarePlanStatus] = mapped_column(
        pg_enum(CarePlanStatus, "care_plan_status"),
        default=CarePlanStatus.draft,
        server_default=CarePlanStatus.draft.value,
    )
    start_date: Mapped[dt.date | None]
    next_review_date: Mapped[dt.date | None]
    end_date: Mapped[dt.date | None]
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    patient_acknowledged_at: Mapped[dt.datetime | None]

    tasks: Mapped[list[CarePlanTask]] = relationship(
        back_populates="care_plan", lazy="raise", passive_deletes=True
    )

    __table_args__ = (
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates_ordered"
        ),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_care_plans_patient_id_created_at", "patient_id", "created_at"),
        # Plans due for review (worklist for coordinators).
        Index("ix_care_plans_review_due", "next_review_date", postgresql_where=text("status = 'active'")),
        rls("patient_id", also=("author_id",)),
    )


class CarePlanTask(UUIDPk, Timestamps, Base):
    """A coordination work item: follow-up call, safety check, medication review, ..."""

    __tablename__ = "care_plan_tasks"

    care_plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("care_plans.id", ondelete="CASCADE"), index=True
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(  # denormalised from care_plans for RLS
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    task_type: Mapped[CareTaskType] = mapped_column(pg_enum(CareTaskType, "care_plan_task_type"))
    status: Mapped[CareTaskStatus] = mapped_column(
        pg_enum(CareTaskStatus, "care_plan_task_status"),
        default=CareTaskStatus.open,
        server_default=CareTaskStatus.open.value,
    )
    priority: Mapped[CareTaskPriority] = mapped_column(
        pg_enum(CareTaskPriority, "care_plan_task_priority"),
        default=CareTaskPriority.normal,
        server_default=CareTaskPriority.normal.value,
    )
    title: Mapped[str] = mapped_column(String(200))  # non-clinical label; details are encrypted
    details: Mapped[str | None] = mapped_column(EncryptedText)
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    completed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    due_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    # What triggered the task (e.g. a crisis event); ids only, no FK across modules.
    source_type: Mapped[str | None] = mapped_column(String(64))
    source_id: Mapped[uuid.UUID | None]

    care_plan: Mapped[CarePlan] = relationship(back_populates="tasks", lazy="raise")

    __table_args__ = (
        CheckConstraint("status <> 'done' OR completed_at IS NOT NULL", name="done_has_time"),
        CheckConstraint("(source_type IS NULL) = (source_id IS NULL)", name="source_pair"),
        # A clinician's open worklist ordered by due date.
        Index(
            "ix_care_plan_tasks_worklist",
            "assigned_to",
            "due_at",
            postgresql_where=text("status IN ('open', 'in_progress')"),
        ),
        Index(
            "ix_care_plan_tasks_source",
            "source_type",
            "source_id",
            postgresql_where=text("source_id IS NOT NULL"),
        ),
        rls("patient_id", also=("assigned_to",)),
    )
