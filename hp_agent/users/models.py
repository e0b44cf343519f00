"""User Management models (5 tables): accounts, profiles, preferences, refresh sessions, consents.

``users`` is the root every person-owned row cascades from. Its RLS owner column is ``id``;
therapists get no read policy on it because the row carries the password hash (what a clinician
needs to know about a patient lives in ``user_profiles``).
"""

from __future__ import annotations

import datetime as dt
import enum
import ipaddress
import uuid
from typing import Any

from sqlalchemy import (
    CHAR,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import Base, CreatedAt, Timestamps, UUIDPk, pg_enum, rls
from hp_agent.db.crypto import EncryptedText


class UserRole(str, enum.Enum):
    patient = "patient"
    therapist = "therapist"
    admin = "admin"
    system = "system"  # the service's own actor (workers, auth flows); never a person


class UserStatus(str, enum.Enum):
    active = "active"
    locked = "locked"  # locked by an administrator (temporary lockout uses ``locked_until``)
    suspended = "suspended"
    deleted = "deleted"  # soft-deleted, awaiting erasure


class Theme(str, enum.Enum):
    system = "system"
    light = "light"
    dark = "dark"


class SessionRevokeReason(str, enum.Enum):
    logout = "logout"
    revoke_all = "revoke_all"
    reuse_detected = "reuse_detected"
    password_changed = "password_changed"
    admin = "admin"


class ConsentType(str, enum.Enum):
    terms = "terms"
    privacy = "privacy"
    data_processing = "data_processing"
    share_with_therapist = "share_with_therapist"
    research = "research"


# What asyncpg returns for INET columns.
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# One type object shared by user_consents and compliance.consent_tracking.
CONSENT_TYPE = pg_enum(ConsentType, "consent_type")
USER_ROLE = pg_enum(UserRole, "user_role")


class User(UUIDPk, Timestamps, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lower_case"),
        CheckConstraint("country_code ~ '^[A-Z]{2}$'", name="country_code_iso"),
        CheckConstraint("failed_login_count >= 0", name="failed_login_count_non_negative"),
        rls("id", therapist_read=False),
    )

    email: Mapped[str] = mapped_column(String(320))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[UserRole] = mapped_column(USER_ROLE, default=UserRole.patient)
    status: Mapped[UserStatus] = mapped_column(
        pg_enum(UserStatus, "user_status"), default=UserStatus.active, server_default="active"
    )
    email_verified_at: Mapped[dt.datetime | None]
    country_code: Mapped[str | None] = mapped_column(CHAR(2))
    locale: Mapped[str] = mapped_column(String(35), default="en", server_default="en")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None]
    last_login_at: Mapped[dt.datetime | None]
    deleted_at: Mapped[dt.datetime | None]


# Emails are stored lower-cased (and checked); the unique index is on lower(email) anyway so the
# rule holds even for rows written by something that forgot to normalise.
Index("uq_users_email_lower", func.lower(User.email), unique=True)


class UserProfile(UUIDPk, Timestamps, Base):
    __tablename__ = "user_profiles"
    __table_args__ = (
        CheckConstraint("char_length(bio) <= 2000", name="bio_length"),
        rls(),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    pronouns: Mapped[str | None] = mapped_column(String(40))
    # Encrypted: a third party's personal data, needed only in a crisis.
    emergency_contact_name: Mapped[str | None] = mapped_column(EncryptedText)
    emergency_contact_phone: Mapped[str | None] = mapped_column(EncryptedText)
    emergency_contact_relationship: Mapped[str | None] = mapped_column(String(40))
    bio: Mapped[str | None] = mapped_column(Text)
    avatar_url: Mapped[str | None] = mapped_column(String(2048))


class UserPreferences(UUIDPk, Timestamps, Base):
    __tablename__ = "user_preferences"
    __table_args__ = (
        CheckConstraint(
            "(quiet_hours_start IS NULL) = (quiet_hours_end IS NULL)", name="quiet_hours_both_or_neither"
        ),
        rls(therapist_read=False),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # e.g. {"email": true, "push": true, "reminders": {"mood": "20:00"}}; shape owned by notifications.
    notifications: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'::jsonb"))
    theme: Mapped[Theme] = mapped_column(
        pg_enum(Theme, "user_theme"), default=Theme.system, server_default="system"
    )
    # Slug of an ai_agent_configurations row; no FK so retiring an agent never touches users.
    preferred_agent_slug: Mapped[str | None] = mapped_column(String(64))
    # Which country's crisis lines to show when it differs from users.country_code (travel).
    crisis_lines_locale: Mapped[str | None] = mapped_column(String(35))
    quiet_hours_start: Mapped[dt.time | None] = mapped_column(Time)
    quiet_hours_end: Mapped[dt.time | None] = mapped_column(Time)


class UserSession(UUIDPk, CreatedAt, Base):
    """One refresh token. Rotation creates a new row in the same ``family_id`` (one login)."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        Index("ix_user_sessions_family_id", "family_id"),
        rls(therapist_read=False),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # sha256 hex of the opaque refresh token; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(CHAR(64), unique=True)
    family_id: Mapped[uuid.UUID]
    user_agent: Mapped[str | None] = mapped_column(String(512))
    ip: Mapped[IPAddress | None] = mapped_column(INET)
    expires_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    rotated_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_reason: Mapped[SessionRevokeReason | None] = mapped_column(
        pg_enum(SessionRevokeReason, "user_session_revoke_reason")
    )
    replaced_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_sessions.id", ondelete="SET NULL"))


class UserConsent(UUIDPk, Timestamps, Base):
    """Current consent state; the history of every change is ``consent_tracking``."""

    __tablename__ = "user_consents"
    __table_args__ = (
        # Leading user_id also serves lookups by user, so no separate index.
        UniqueConstraint("user_id", "consent_type"),
        CheckConstraint("NOT granted OR granted_at IS NOT NULL", name="granted_has_time"),
        rls(),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    consent_type: Mapped[ConsentType] = mapped_column(CONSENT_TYPE)
    granted: Mapped[bool] = mapped_column(default=False, server_default=false())
    policy_version: Mapped[str] = mapped_column(String(32))
    granted_at: Mapped[dt.datetime | None]
    withdrawn_at: Mapped[dt.datetime | None]
