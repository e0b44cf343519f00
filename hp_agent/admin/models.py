"""System Administration models (4 tables) plus ``system_configurations``.

Only ``notifications`` holds one person's data (RLS, owner-only). The others are system tables
written by administrators through the service; they hold no secrets (API keys are stored hashed,
runtime secrets come from ``HP_*`` settings, never from ``system_configurations``).
"""

# The project convention is `class X(str, enum.Enum)` (see hp_agent/db/base.py pg_enum).

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, SmallInteger, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import Base, Timestamps, UUIDPk, pg_enum, rls

# ---------------------------------------------------------------------------------------------
# Enums
# ---------------------------------------------------------------------------------------------


class AnnouncementKind(str, enum.Enum):
    info = "info"
    feature = "feature"
    maintenance = "maintenance"
    incident = "incident"


class AnnouncementSeverity(str, enum.Enum):
    info = "info"
    warning = "warning"
    critical = "critical"


class AnnouncementStatus(str, enum.Enum):
    draft = "draft"
    published = "published"
    archived = "archived"


class NotificationCategory(str, enum.Enum):
    appointment = "appointment"
    homework = "homework"
    message = "message"
    assessment_due = "assessment_due"
    care_team = "care_team"
    crisis_follow_up = "crisis_follow_up"
    medication = "medication"
    billing = "billing"
    account = "account"
    system = "system"


class NotificationPriority(str, enum.Enum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------


class FeatureFlag(UUIDPk, Timestamps, Base):
    """A runtime switch with percentage rollout and targeting rules."""

    __tablename__ = "feature_flags"

    key: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # Share of users (by a stable hash of user id and key) who get the flag when enabled.
    rollout_percentage: Mapped[int] = mapped_column(SmallInteger, default=100, server_default=text("100"))
    # Targeting, e.g. {"roles": ["therapist"], "countries": ["GB"], "min_app_version": "2.3.0"}.
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'::jsonb"))
    owner_team: Mapped[str | None] = mapped_column(String(100))
    # Temporary flags carry a removal date so they do not linger.
    expires_at: Mapped[dt.datetime | None]
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("key ~ '^[a-z0-9][a-z0-9_.-]*$'", name="key_format"),
        CheckConstraint("rollout_percentage BETWEEN 0 AND 100", name="rollout_range"),
    )


class SystemAnnouncement(UUIDPk, Timestamps, Base):
    """Banner shown to an audience for a period; maintenance windows carry the downtime period."""

    __tablename__ = "system_announcements"

    kind: Mapped[AnnouncementKind] = mapped_column(pg_enum(AnnouncementKind, "system_announcement_kind"))
    severity: Mapped[AnnouncementSeverity] = mapped_column(
        pg_enum(AnnouncementSeverity, "system_announcement_severity"),
        default=AnnouncementSeverity.info,
        server_default=AnnouncementSeverity.info.value,
    )
    status: Mapped[AnnouncementStatus] = mapped_column(
        pg_enum(AnnouncementStatus, "system_announcement_status"),
        default=AnnouncementStatus.draft,
        server_default=AnnouncementStatus.draft.value,
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # Translations keyed by BCP 47 locale: {"de-DE": {"title": ..., "body": ...}}.
    translations: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'::jsonb"))
    # Empty = everyone; otherwise user roles / ISO country codes the banner is shown to.
    audience_roles: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default=text("'{}'::text[]")
    )
    audience_countries: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default=text("'{}'::text[]")
    )
    display_from: Mapped[dt.datetime]
    display_until: Mapped[dt.datetime | None]
    # Maintenance only: when the service is degraded and which parts.
    maintenance_starts_at: Mapped[dt.datetime | None]
    maintenance_ends_at: Mapped[dt.datetime | None]
    affected_services: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default=text("'{}'::text[]")
    )
    dismissible: Mapped[bool] = mapped_column(default=True, server_default=text("true"))
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    published_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint("display_until IS NULL OR display_until > display_from", name="display_window"),
        CheckConstraint(
            "(maintenance_starts_at IS NULL) = (maintenance_ends_at IS NULL)"
            " AND (maintenance_ends_at IS NULL OR maintenance_ends_at > maintenance_starts_at)",
            name="maintenance_window",
        ),
        CheckConstraint(
            "kind <> 'maintenance' OR maintenance_starts_at IS NOT NULL", name="maintenance_has_window"
        ),
        CheckConstraint("status <> 'published' OR published_at IS NOT NULL", name="published_has_time"),
        # The app's "current banners" query.
        Index(
            "ix_system_announcements_current",
            "display_from",
            "display_until",
            postgresql_where=text("status = 'published'"),
        ),
    )


class Notification(UUIDPk, Timestamps, Base):
    """An in-app notification for one user.

    Title and body are non-sensitive by contract (they reach lock screens and push services):
    "Your therapist replied", never the reply. The resource reference deep-links to the content,
    which the app loads through its own access checks.
    """

    __tablename__ = "notifications"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    category: Mapped[NotificationCategory] = mapped_column(
        pg_enum(NotificationCategory, "notification_category")
    )
    priority: Mapped[NotificationPriority] = mapped_column(
        pg_enum(NotificationPriority, "notification_priority"),
        default=NotificationPriority.normal,
        server_default=NotificationPriority.normal.value,
    )
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(String(1000))
    action_url: Mapped[str | None] = mapped_column(String(2048))
    resource_type: Mapped[str | None] = mapped_column(String(64))
    resource_id: Mapped[uuid.UUID | None]
    # Producer-chosen key (e.g. the outbox event id) so a redelivered event does not notify twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    read_at: Mapped[dt.datetime | None]
    dismissed_at: Mapped[dt.datetime | None]
    expires_at: Mapped[dt.datetime | None]

    __table_args__ = (
        CheckConstraint("(resource_type IS NULL) = (resource_id IS NULL)", name="resource_pair"),
        Index("ix_notifications_user_id_created_at", "user_id", "created_at"),
        # Unread badge count and list.
        Index(
            "ix_notifications_unread",
            "user_id",
            "created_at",
            postgresql_where=text("read_at IS NULL AND dismissed_at IS NULL"),
        ),
        Index(
            "uq_notifications_dedupe",
            "user_id",
            "dedupe_key",
            unique=True,
            postgresql_where=text("dedupe_key IS NOT NULL"),
        ),
        # Patients' notifications reveal appointments, billing and more: no therapist reads.
        rls("user_id", therapist_read=False),
    )


class ApiKey(UUIDPk, Timestamps, Base):
    """Credential of a service account (integrations, partner EHR sync, internal jobs).

    The key is shown once at creation; only its SHA-256 digest is stored (keys are 256-bit random,
    so a fast hash is safe, unlike passwords). Lookup is by the public prefix, then a constant-time
    digest comparison. Read before any principal is known, hence no RLS.
    """

    __tablename__ = "api_keys"

    # The system-role user the key authenticates as (RLS then applies to that principal).
    service_account_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)  # e.g. "hp_live_a1b2c3d4"
    key_hash: Mapped[bytes] = mapped_column(LargeBinary)
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default=text("'{}'::text[]"))
    # CIDR allow-list; empty = any address.
    allowed_cidrs: Mapped[list[str]] = mapped_column(
        ARRAY(Text), default=list, server_default=text("'{}'::text[]")
    )
    expires_at: Mapped[dt.datetime | None]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("octet_length(key_hash) = 32", name="sha256_digest"),
        CheckConstraint("(revoked_by IS NULL) OR (revoked_at IS NOT NULL)", name="revoked_has_time"),
    )


class SystemConfiguration(UUIDPk, Timestamps, Base):
    """Runtime settings editable by administrators (thresholds, retention periods, limits).

    ``version`` is the ORM's optimistic-concurrency counter: two admins editing the same key
    cannot silently overwrite each other (the second flush raises StaleDataError).
    """

    __tablename__ = "system_configurations"

    key: Mapped[str] = mapped_column(Text, unique=True)
    # Any JSON value (object, number, string, list), hence an explicit JSONB type.
    value: Mapped[Any] = mapped_column(JSONB, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    __mapper_args__: Mapping[str, Any] = {"version_id_col": version}

    __table_args__ = (
        CheckConstraint("key ~ '^[a-z0-9][a-z0-9_.-]*$'", name="key_format"),
        CheckConstraint("version >= 1", name="version_positive"),
    )
