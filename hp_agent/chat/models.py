"""Chat sessions with an agent, their messages and per-session analytics.

Messages carry a per-session server sequence number (``seq``): a client that reconnects asks
for everything after the last ``seq`` it saw. ``chat_sessions.last_seq`` is the counter,
incremented with ``UPDATE ... SET last_seq = last_seq + 1 RETURNING last_seq`` in the same
transaction as the insert, which serialises writers per session without a table lock.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Double,
    ForeignKey,
    Index,
    Integer,
    String,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.crisis.enums import RISK_LEVEL, RiskLevel
from hp_agent.db.base import USERS_ID, Base, CreatedAt, Timestamps, UUIDPk, pg_enum, rls
from hp_agent.db.crypto import EncryptedText


class SessionStatus(str, enum.Enum):
    ACTIVE = "active"
    ENDED = "ended"
    ABANDONED = "abandoned"


class MessageRole(str, enum.Enum):
    USER = "user"
    AGENT = "agent"
    SYSTEM = "system"
    # Scripted crisis-flow frames (screener questions, safety plan, crisis lines).
    SAFETY = "safety"


class ChatSession(UUIDPk, Timestamps, Base):
    __tablename__ = "chat_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    # Configurations are reference rows; a retired one must not take conversations with it.
    agent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ai_agent_configurations.id", ondelete="SET NULL"), index=True
    )
    agent_version: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[SessionStatus] = mapped_column(
        pg_enum(SessionStatus, "chat_session_status"),
        server_default=SessionStatus.ACTIVE.value,
        default=SessionStatus.ACTIVE,
    )
    # Often generated from the conversation, so as sensitive as the messages.
    title: Mapped[str | None] = mapped_column(EncryptedText)
    started_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    ended_at: Mapped[dt.datetime | None]
    last_message_at: Mapped[dt.datetime | None]
    last_seq: Mapped[int] = mapped_column(BigInteger, server_default="0", default=0)
    locale: Mapped[str] = mapped_column(String(16), server_default="en", default="en")

    __table_args__ = (
        CheckConstraint("last_seq >= 0", name="last_seq_nonnegative"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ended_after_start"),
        CheckConstraint("status = 'active' OR ended_at IS NOT NULL", name="closed_has_ended_at"),
        Index("ix_chat_sessions_user_started", "user_id", "started_at"),
        Index(
            "ix_chat_sessions_active",
            "user_id",
            postgresql_where=text("status = 'active'"),
        ),
        rls(therapist_read=False, consent="chat"),
    )


class ChatMessage(UUIDPk, CreatedAt, Base):
    """One frame of a conversation; content is encrypted, risk metadata stays queryable."""

    __tablename__ = "chat_messages"

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    # Client-chosen id of a user frame: a resend after a dropped socket hits the unique index
    # below and the service returns the stored message instead of storing a duplicate.
    client_message_id: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[MessageRole] = mapped_column(pg_enum(MessageRole, "chat_message_role"))
    content: Mapped[str] = mapped_column(EncryptedText)
    sentiment: Mapped[float | None] = mapped_column(Double)
    risk_level: Mapped[RiskLevel | None] = mapped_column(RISK_LEVEL)
    crisis_detection_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("crisis_detections.id", ondelete="SET NULL"), index=True
    )
    prompt_tokens: Mapped[int | None] = mapped_column(Integer)
    completion_tokens: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    model_name: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("seq >= 1", name="seq_positive"),
        CheckConstraint("sentiment BETWEEN -1 AND 1", name="sentiment_range"),
        CheckConstraint("prompt_tokens >= 0 AND completion_tokens >= 0", name="tokens_nonnegative"),
        CheckConstraint("latency_ms >= 0", name="latency_nonnegative"),
        # (session_id, seq) is also the backfill index: WHERE session_id = ? AND seq > ?.
        Index("uq_chat_messages_session_seq", "session_id", "seq", unique=True),
        Index(
            "uq_chat_messages_session_client_id",
            "session_id",
            "client_message_id",
            unique=True,
            postgresql_where=text("client_message_id IS NOT NULL"),
        ),
        Index("ix_chat_messages_user_created", "user_id", "created_at"),
        rls(therapist_read=False, consent="chat"),
    )


class ConversationAnalytics(UUIDPk, Timestamps, Base):
    """Counters for one session, recomputed by a worker; no message content."""

    __tablename__ = "conversation_analytics"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chat_sessions.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    message_count: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    user_message_count: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    agent_message_count: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    safety_message_count: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    avg_latency_ms: Mapped[float | None] = mapped_column(Double)
    max_latency_ms: Mapped[int | None] = mapped_column(Integer)
    avg_sentiment: Mapped[float | None] = mapped_column(Double)
    max_risk_level: Mapped[RiskLevel | None] = mapped_column(RISK_LEVEL)
    crisis_flag_count: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    escalation_count: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    total_tokens: Mapped[int] = mapped_column(BigInteger, server_default="0", default=0)
    first_message_at: Mapped[dt.datetime | None]
    last_message_at: Mapped[dt.datetime | None]
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        CheckConstraint(
            "message_count >= 0 AND user_message_count >= 0 AND agent_message_count >= 0"
            " AND safety_message_count >= 0 AND crisis_flag_count >= 0"
            " AND escalation_count >= 0 AND total_tokens >= 0",
            name="counters_nonnegative",
        ),
        CheckConstraint(
            "user_message_count + agent_message_count + safety_message_count <= message_count",
            name="role_counts_within_total",
        ),
        CheckConstraint("duration_seconds >= 0", name="duration_nonnegative"),
        CheckConstraint("avg_sentiment BETWEEN -1 AND 1", name="avg_sentiment_range"),
        Index("ix_conversation_analytics_user_created", "user_id", "created_at"),
        rls(therapist_read=False, consent="chat"),
    )
