"""Care network onboarding: clinician invitations, patient invitation codes, practices.

Invitation tokens and codes are stored as SHA-256 digests only (they are 128+ bit random values,
so a fast hash is safe); the clear value is shown once to whoever created it.

``clinician_invitations``, ``care_practices`` and ``care_practice_members`` are organisational
tables (no person owns a row): staff-only in SQL. The service reads them as the system actor after
its own authorisation check (an admin, or a lead of the practice), as the escalation actions do.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.care.models import CARE_ROLE, CareRole
from hp_agent.db.base import Base, Timestamps, UUIDPk, pg_enum, rls


class PracticeMemberRole(str, enum.Enum):
    lead = "lead"
    member = "member"


class ClinicianInvitation(UUIDPk, Timestamps, Base):
    """An admin's single-use, expiring invitation for a clinician to create their account."""

    __tablename__ = "clinician_invitations"

    email: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String(200))
    token_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    invited_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    # The account created on acceptance.
    account_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    revoked_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint("accepted_at IS NULL OR account_id IS NOT NULL", name="accepted_has_user"),
        Index("ix_clinician_invitations_email", "email"),
    )


class CareInviteCode(UUIDPk, Timestamps, Base):
    """A clinician's code a patient redeems to open a care relationship with them (single use)."""

    __tablename__ = "care_invite_codes"

    clinician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[bytes] = mapped_column(LargeBinary, unique=True)
    role: Mapped[CareRole] = mapped_column(
        CARE_ROLE, default=CareRole.primary_therapist, server_default=CareRole.primary_therapist.value
    )
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    used_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    relationship_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("therapeutic_relationships.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("used_at IS NULL OR used_by IS NOT NULL", name="used_has_patient"),
        # The clinician's own codes; a patient redeems through the service (system actor).
        rls("clinician_id", therapist_read=False),
    )


class CarePractice(UUIDPk, Timestamps, Base):
    """A practice (clinic) whose leads roster on-call shifts and set backups for its members."""

    __tablename__ = "care_practices"

    name: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )


class CarePracticeMember(UUIDPk, Timestamps, Base):
    __tablename__ = "care_practice_members"

    practice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("care_practices.id", ondelete="CASCADE"), index=True
    )
    clinician_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[PracticeMemberRole] = mapped_column(
        pg_enum(PracticeMemberRole, "care_practice_member_role"),
        default=PracticeMemberRole.member,
        server_default=PracticeMemberRole.member.value,
    )
    left_at: Mapped[dt.datetime | None]

    __table_args__ = (
        Index(
            "uq_care_practice_members_current",
            "practice_id",
            "clinician_id",
            unique=True,
            postgresql_where=text("left_at IS NULL"),
        ),
    )
