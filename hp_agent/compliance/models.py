"""Compliance & Privacy models (8 tables + ``audit_logs_archive``).

Audit tables store actor and subject ids without foreign keys: an audit trail must survive the
deletion of the people it mentions, and it is append-only (the security migration adds the
trigger and the insert-by-anyone / read-own-or-admin policies from ``info={"audit": True}``).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import Base, Timestamps, UUIDPk, pg_enum, rls
from hp_agent.db.crypto import EncryptedText
from hp_agent.users.models import CONSENT_TYPE, ConsentType, IPAddress


class AuditOutcome(str, enum.Enum):
    success = "success"
    failure = "failure"
    denied = "denied"


class ConsentAction(str, enum.Enum):
    granted = "granted"
    withdrawn = "withdrawn"


class RetentionAction(str, enum.Enum):
    delete = "delete"
    anonymize = "anonymize"
    archive = "archive"


class DataSubjectRequestType(str, enum.Enum):
    access = "access"
    export = "export"
    erasure = "erasure"
    rectification = "rectification"
    restriction = "restriction"


class DataSubjectRequestStatus(str, enum.Enum):
    received = "received"
    in_progress = "in_progress"
    completed = "completed"
    rejected = "rejected"
    cancelled = "cancelled"


class BreachSeverity(str, enum.Enum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


class BreachStatus(str, enum.Enum):
    open = "open"
    investigating = "investigating"
    contained = "contained"
    resolved = "resolved"


class AgreementStatus(str, enum.Enum):
    draft = "draft"
    active = "active"
    expired = "expired"
    terminated = "terminated"


AUDIT_OUTCOME = pg_enum(AuditOutcome, "audit_outcome")


class _AuditColumns(UUIDPk):
    # Python-side defaults for every column: inserts need no RETURNING, which the read policy
    # would refuse for rows the inserting principal may not read back (e.g. anonymous failures).
    occurred_at: Mapped[dt.datetime] = mapped_column(
        default=lambda: dt.datetime.now(dt.UTC), server_default=func.now()
    )
    actor_id: Mapped[uuid.UUID | None]
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(100))
    subject_type: Mapped[str | None] = mapped_column(String(50))
    subject_id: Mapped[uuid.UUID | None]
    ip: Mapped[IPAddress | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(String(512))
    outcome: Mapped[AuditOutcome] = mapped_column(AUDIT_OUTCOME)
    # Structured facts only (reasons, counts, ids): never passwords, tokens or free text.
    details: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'::jsonb"))


class AuditLog(_AuditColumns, Base):
    __tablename__ = "audit_logs"
    __table_args__ = (
        Index("ix_audit_logs_actor_id_occurred_at", "actor_id", "occurred_at"),
        Index("ix_audit_logs_subject", "subject_type", "subject_id"),
        Index("ix_audit_logs_action_occurred_at", "action", "occurred_at"),
        {"info": {"audit": True}},
    )


class AuditLogArchive(_AuditColumns, Base):
    """Audit rows past the hot window, moved by the retention worker (same ids)."""

    __tablename__ = "audit_logs_archive"
    __table_args__ = (
        Index("ix_audit_logs_archive_actor_id_occurred_at", "actor_id", "occurred_at"),
        Index("ix_audit_logs_archive_subject", "subject_type", "subject_id"),
        {"info": {"audit": True}},
    )

    archived_at: Mapped[dt.datetime] = mapped_column(
        default=lambda: dt.datetime.now(dt.UTC), server_default=func.now()
    )


class ConsentTracking(UUIDPk, Base):
    """Append-only history of consent events (``user_consents`` holds the current state)."""

    __tablename__ = "consent_tracking"
    __table_args__ = (
        Index("ix_consent_tracking_user_id_occurred_at", "user_id", "occurred_at"),
        rls(therapist_read=False),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    consent_type: Mapped[ConsentType] = mapped_column(CONSENT_TYPE)
    action: Mapped[ConsentAction] = mapped_column(pg_enum(ConsentAction, "consent_action"))
    policy_version: Mapped[str] = mapped_column(String(32))
    ip: Mapped[IPAddress | None] = mapped_column(INET)
    user_agent: Mapped[str | None] = mapped_column(String(512))
    occurred_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class DataAccessLog(UUIDPk, Base):
    """Who read whose record, and why (accounting of disclosures)."""

    __tablename__ = "data_access_logs"
    __table_args__ = (
        Index("ix_data_access_logs_user_id_occurred_at", "user_id", "occurred_at"),
        # The accessor writes the row and may read it back; the subject sees who looked.
        rls(also=("accessor_id",), therapist_read=False),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    accessor_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    accessor_role: Mapped[str] = mapped_column(String(32))
    resource: Mapped[str] = mapped_column(String(64))  # e.g. "journal_entries"
    resource_id: Mapped[uuid.UUID | None]
    reason: Mapped[str] = mapped_column(String(64))  # a code, e.g. "treatment", "crisis_review"
    occurred_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class DataRetentionPolicy(UUIDPk, Timestamps, Base):
    """Reference: how long each category of data is kept and what happens after."""

    __tablename__ = "data_retention_policies"
    __table_args__ = (CheckConstraint("retention_days > 0", name="retention_days_positive"),)

    data_category: Mapped[str] = mapped_column(String(64), unique=True)
    table_name: Mapped[str | None] = mapped_column(String(64))
    retention_days: Mapped[int] = mapped_column(Integer)
    action: Mapped[RetentionAction] = mapped_column(pg_enum(RetentionAction, "data_retention_action"))
    legal_basis: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())


class DataSubjectRequest(UUIDPk, Timestamps, Base):
    """GDPR/HIPAA requests: export, erasure, rectification... with a statutory due date."""

    __tablename__ = "data_subject_requests"
    __table_args__ = (
        Index("ix_data_subject_requests_status_due_at", "status", "due_at"),
        rls(therapist_read=False),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    request_type: Mapped[DataSubjectRequestType] = mapped_column(
        pg_enum(DataSubjectRequestType, "data_subject_request_type")
    )
    status: Mapped[DataSubjectRequestStatus] = mapped_column(
        pg_enum(DataSubjectRequestStatus, "data_subject_request_status"),
        default=DataSubjectRequestStatus.received,
        server_default="received",
    )
    requested_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    due_at: Mapped[dt.datetime]
    completed_at: Mapped[dt.datetime | None]
    handled_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The user's own words (what to rectify) are personal data: encrypted.
    request_details: Mapped[str | None] = mapped_column(EncryptedText)
    resolution_code: Mapped[str | None] = mapped_column(String(64))
    export_uri: Mapped[str | None] = mapped_column(String(2048))


class PrivacySettings(UUIDPk, Timestamps, Base):
    """Opt-ins that are not about a therapist. What a therapist may read is NOT here: the one
    source of truth for sharing is the patient's flags on each ``therapeutic_relationships`` row,
    which the row-level-security policies read (migration 0010 dropped the share_* columns that
    were never enforced; docs/privacy.md)."""

    __tablename__ = "privacy_settings"
    __table_args__ = (rls(),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    analytics_opt_in: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # Mirrors the current ``research`` consent (kept in step by hp_agent/privacy/consents.py).
    research_opt_in: Mapped[bool] = mapped_column(default=False, server_default=text("false"))


class ConsentDocument(UUIDPk, Base):
    """Reference: the text a person accepts, one row per (kind, version); the newest is current."""

    __tablename__ = "consent_documents"
    __table_args__ = (
        UniqueConstraint("consent_type", "version"),
        CheckConstraint("char_length(body) > 0", name="body_not_empty"),
    )

    consent_type: Mapped[ConsentType] = mapped_column(CONSENT_TYPE)
    version: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())


class DataBreachIncident(UUIDPk, Timestamps, Base):
    """Reference/admin: breach register with notification deadlines."""

    __tablename__ = "data_breach_incidents"
    __table_args__ = (
        CheckConstraint("affected_user_count IS NULL OR affected_user_count >= 0", name="affected_count"),
    )

    reference_code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    severity: Mapped[BreachSeverity] = mapped_column(pg_enum(BreachSeverity, "data_breach_severity"))
    status: Mapped[BreachStatus] = mapped_column(
        pg_enum(BreachStatus, "data_breach_status"), default=BreachStatus.open, server_default="open"
    )
    detected_at: Mapped[dt.datetime]
    contained_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]
    authority_notified_at: Mapped[dt.datetime | None]
    users_notified_at: Mapped[dt.datetime | None]
    affected_user_count: Mapped[int | None] = mapped_column(Integer)
    data_categories: Mapped[list[Any]] = mapped_column(default=list, server_default=text("'[]'::jsonb"))
    reported_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class BusinessAssociateAgreement(UUIDPk, Timestamps, Base):
    """Reference/admin: HIPAA BAAs with vendors that touch protected health information."""

    __tablename__ = "business_associate_agreements"
    __table_args__ = (
        CheckConstraint(
            "expiration_date IS NULL OR effective_date IS NULL OR expiration_date >= effective_date",
            name="dates_ordered",
        ),
    )

    counterparty_name: Mapped[str] = mapped_column(String(200))
    counterparty_contact_email: Mapped[str | None] = mapped_column(String(320))
    services_description: Mapped[str] = mapped_column(String(1000))
    status: Mapped[AgreementStatus] = mapped_column(
        pg_enum(AgreementStatus, "baa_status"), default=AgreementStatus.draft, server_default="draft"
    )
    effective_date: Mapped[dt.date | None] = mapped_column(Date)
    expiration_date: Mapped[dt.date | None] = mapped_column(Date)
    signed_at: Mapped[dt.datetime | None]
    document_uri: Mapped[str | None] = mapped_column(String(2048))
    created_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class DataExport(UUIDPk, Timestamps, Base):
    """One ``POST /v1/me/export`` job: queued, built by the worker, downloaded once by link.

    The archive (a zip) is stored encrypted (base64 inside ``EncryptedText``) until downloaded or
    expired; the link is a random token of which only the sha256 is kept."""

    __tablename__ = "data_exports"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'ready', 'failed', 'downloaded', 'expired')", name="status_known"
        ),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        Index("ix_data_exports_status_created_at", "status", "created_at"),
        rls(therapist_read=False),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    archive: Mapped[str | None] = mapped_column(EncryptedText)
    archive_bytes: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(64))
    completed_at: Mapped[dt.datetime | None]
    link_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    link_expires_at: Mapped[dt.datetime | None]
    downloaded_at: Mapped[dt.datetime | None]
