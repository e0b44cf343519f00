"""REST shapes for chat sessions, history and analytics (content decrypted for the owner only)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, Field

from hp_agent.chat.frames import display_text, message_frame
from hp_agent.chat.models import ChatMessage, ChatSession, ConversationAnalytics


class SessionCreate(BaseModel):
    agent: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$", description="Agent slug, e.g. cbt-coach")


class SessionOut(BaseModel):
    id: uuid.UUID
    agent_id: uuid.UUID | None
    agent_version: int | None
    status: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    last_message_at: dt.datetime | None
    last_seq: int
    locale: str

    @classmethod
    def of(cls, s: ChatSession) -> SessionOut:
        return cls(
            id=s.id,
            agent_id=s.agent_id,
            agent_version=s.agent_version,
            status=s.status.value,
            started_at=s.started_at,
            ended_at=s.ended_at,
            last_message_at=s.last_message_at,
            last_seq=s.last_seq,
            locale=s.locale,
        )


class SessionPage(BaseModel):
    items: list[SessionOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next (older) page")


class MessageOut(BaseModel):
    id: uuid.UUID
    seq: int
    role: str
    text: str
    client_message_id: str | None
    created_at: dt.datetime
    sentiment: float | None
    risk_level: str | None
    latency_ms: int | None
    frame: dict[str, Any] = Field(description="The websocket frame this message was sent as")

    @classmethod
    def of(cls, m: ChatMessage) -> MessageOut:
        return cls(
            id=m.id,
            seq=m.seq,
            role=m.role.value,
            text=display_text(m),
            client_message_id=m.client_message_id,
            created_at=m.created_at,
            sentiment=m.sentiment,
            risk_level=m.risk_level.value if m.risk_level else None,
            latency_ms=m.latency_ms,
            frame=message_frame(m, replay=True),
        )


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_after_seq: int | None = Field(description="Pass as ?after_seq= for the next page; null at the end")


class StartedOut(BaseModel):
    session: SessionOut
    greeting: MessageOut


class AnalyticsOut(BaseModel):
    session_id: uuid.UUID
    message_count: int
    user_message_count: int
    agent_message_count: int
    safety_message_count: int
    avg_latency_ms: float | None
    max_latency_ms: int | None
    avg_sentiment: float | None
    max_risk_level: str | None
    crisis_flag_count: int
    escalation_count: int
    total_tokens: int
    first_message_at: dt.datetime | None
    last_message_at: dt.datetime | None
    duration_seconds: int | None

    @classmethod
    def of(cls, a: ConversationAnalytics) -> AnalyticsOut:
        return cls(
            session_id=a.session_id,
            message_count=a.message_count,
            user_message_count=a.user_message_count,
            agent_message_count=a.agent_message_count,
            safety_message_count=a.safety_message_count,
            avg_latency_ms=a.avg_latency_ms,
            max_latency_ms=a.max_latency_ms,
            avg_sentiment=a.avg_sentiment,
            max_risk_level=a.max_risk_level.value if a.max_risk_level else None,
            crisis_flag_count=a.crisis_flag_count,
            escalation_count=a.escalation_count,
            total_tokens=a.total_tokens,
            first_message_at=a.first_message_at,
            last_message_at=a.last_message_at,
            duration_seconds=a.duration_seconds,
        )
