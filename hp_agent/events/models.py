"""Transactional outbox and delivery bookkeeping (3 tables, outside the 15 schema modules).

- ``outbox_events``: written in the same transaction as the fact it announces; the relay (a
  system actor) publishes unpublished rows to Redis Streams. Payloads carry ids and codes only,
  never sensitive free text, so the table needs no per-person RLS and leaks nothing in streams.
- ``email_outbox``: emails queued by the email notifier and sent by a worker.
- ``processed_events``: consumer-side idempotency; a consumer records ``(consumer, event_id)`` in
  the same transaction as its effect, so a redelivered event is recognised and skipped.
"""

# The project convention is `class X(str, enum.Enum)` (see hp_agent/db/base.py pg_enum).

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Identity, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import Base, CreatedAt, Timestamps, UUIDPk, pg_enum


class EmailStatus(str, enum.Enum):
    pending = "pending"
    sending = "sending"  # claimed by a worker; reclaimed if it stays here past a lease
    sent = "sent"
    failed = "failed"  # gave up after the maximum attempts
    cancelled = "cancelled"


class OutboxEvent(UUIDPk, CreatedAt, Base):
    """An event to publish; its ``id`` is the idempotency key consumers deduplicate on."""

    __tablename__ = "outbox_events"

    # Every row of one transaction gets the same now(); seq gives the relay a total order.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
    aggregate_type: Mapped[str] = mapped_column(String(64))  # e.g. "crisis_event"
    aggregate_id: Mapped[uuid.UUID]  # no FK: the aggregate may be deleted before publication
    event_type: Mapped[str] = mapped_column(String(100))  # e.g. "crisis.escalation_requested"
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'::jsonb"))
    # Back-off: the relay skips a row until available_at after a failed publish.
    available_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    published_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # Relay/broker error text only (never payload content).
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        CheckConstraint("jsonb_typeof(payload) = 'object'", name="payload_object"),
        # The relay's queue: unpublished rows in order (SELECT ... FOR UPDATE SKIP LOCKED).
        Index(
            "ix_outbox_events_unpublished",
            "created_at",
            "seq",
            postgresql_where=text("published_at IS NULL"),
        ),
    )


class EmailOutbox(UUIDPk, Timestamps, Base):
    """An email to send. Subject and body are non-sensitive by contract.

    Emails say that something needs attention and link into the app ("You have an urgent alert
    in Happy Path"); they never carry clinical or crisis content, which stays behind login.
    """

    __tablename__ = "email_outbox"

    # SET NULL keeps the delivery record (e.g. proof a therapist was alerted) after deletion;
    # to_address is personal data, so account deletion must also redact it on that user's rows.
    recipient_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(320))
    template: Mapped[str] = mapped_column(String(100))  # e.g. "crisis_alert_therapist"
    locale: Mapped[str | None] = mapped_column(String(35))  # BCP 47
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[EmailStatus] = mapped_column(
        pg_enum(EmailStatus, "email_outbox_status"),
        default=EmailStatus.pending,
        server_default=EmailStatus.pending.value,
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    available_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[dt.datetime | None]
    provider_message_id: Mapped[str | None] = mapped_column(String(255))
    # The outbox event that caused the email (no FK: published events are pruned).
    source_event_id: Mapped[uuid.UUID | None]
    # Producer-chosen key so a redelivered event queues the email once.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)

    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        # The sender's queue.
        Index(
            "ix_email_outbox_pending",
            "available_at",
            postgresql_where=text("status IN ('pending', 'sending')"),
        ),
        Index(
            "ix_email_outbox_source_event_id",
            "source_event_id",
            postgresql_where=text("source_event_id IS NOT NULL"),
        ),
    )


class ProcessedEvent(Base):
    """Marks that ``consumer`` has handled ``event_id`` (the outbox id); pruned after retention."""

    __tablename__ = "processed_events"

    consumer: Mapped[str] = mapped_column(String(100), primary_key=True)  # e.g. "escalation-notifier"
    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    processed_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        CheckConstraint("consumer <> ''", name="consumer_not_empty"),
        Index("ix_processed_events_processed_at", "processed_at"),
    )
