"""Appending messages to a conversation with their server sequence numbers.

``chat_sessions.last_seq`` is the counter: ``UPDATE ... SET last_seq = last_seq + 1 RETURNING``
runs in the same transaction as the message insert. The UPDATE takes the session row's lock and
keeps it until commit, so two writers of one conversation (two devices, a reply and a safety
reminder) queue there, seq order equals commit order, and a reader that sees seq N has seen every
seq below it. A rolled-back transaction gives its number back: seqs have no gaps.

The counter, the message row and the session's analytics are written by one statement (three
data-modifying CTEs): one round trip per stored message instead of three, and no ORM unit of
work. This runs several times per chat message, so it is the hottest SQL of the service.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.chat.hotpath import LockedSession, sync_seq
from hp_agent.chat.models import ChatMessage, ChatSession, MessageRole
from hp_agent.crisis.enums import RiskLevel
from hp_agent.db import data_keys
from hp_agent.db.crypto import EncryptedText


class SessionGone(Exception):
    """The session row vanished or is not the caller's (RLS hid it)."""


class SessionLike(Protocol):
    """What appending needs of a conversation: a loaded row or a :class:`SessionRef`."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def user_id(self) -> uuid.UUID: ...


@dataclass(frozen=True, slots=True)
class SessionRef:
    """A conversation known by id, for writers that need no other column (agent replies)."""

    id: uuid.UUID
    user_id: uuid.UUID


# Every parameter is cast: in INSERT ... SELECT PostgreSQL cannot infer parameter types from the
# target columns. Analytics follow the same rules as before (see ``repository.count_message``):
# running averages from the stored counts, no message read back, no content touched.
_APPEND = text(
    """
WITH s AS (
    UPDATE chat_sessions
       SET last_seq = last_seq + 1, last_message_at = CAST(:now AS timestamptz), updated_at = now()
     WHERE id = CAST(:session_id AS uuid) AND user_id = CAST(:user_id AS uuid)
 RETURNING last_seq, started_at
), m AS (
    INSERT INTO chat_messages (id, session_id, user_id, seq, client_message_id, role, content,
                               sentiment, risk_level, crisis_detection_id, latency_ms, model_name,
                               created_at)
    SELECT CAST(:id AS uuid), CAST(:session_id AS uuid), CAST(:user_id AS uuid), s.last_seq,
           CAST(:client_message_id AS varchar), CAST(:role AS chat_message_role),
           CAST(:content AS bytea), CAST(:sentiment AS double precision),
           CAST(:risk_level AS crisis_risk_level), CAST(:crisis_detection_id AS uuid),
           CAST(:latency_ms AS integer), CAST(:model_name AS varchar), CAST(:now AS timestamptz)
      FROM s
 RETURNING seq
), a AS (
    INSERT INTO conversation_analytics AS ca
           (id, session_id, user_id, message_count, user_message_count, agent_message_count,
            safety_message_count, avg_latency_ms, max_latency_ms, avg_sentiment, max_risk_level,
            crisis_flag_count, escalation_count, total_tokens, first_message_at, last_message_at,
            duration_seconds)
    SELECT CAST(:analytics_id AS uuid), CAST(:session_id AS uuid), CAST(:user_id AS uuid), 1,
           CAST(:is_user AS integer), CAST(:is_agent AS integer), CAST(:is_safety AS integer),
           CAST(:agent_latency AS double precision), CAST(:agent_latency AS integer),
           CAST(:user_sentiment AS double precision), CAST(:risk_level AS crisis_risk_level),
           CAST(:risky AS integer), CAST(:new_escalation AS integer), 0,
           CAST(:now AS timestamptz), CAST(:now AS timestamptz),
           greatest(0, floor(extract(epoch FROM CAST(:now AS timestamptz) - s.started_at)))::integer
      FROM s
    ON CONFLICT (session_id) DO UPDATE SET
           message_count = ca.message_count + 1,
           user_message_count = ca.user_message_count + EXCLUDED.user_message_count,
           agent_message_count = ca.agent_message_count + EXCLUDED.agent_message_count,
           safety_message_count = ca.safety_message_count + EXCLUDED.safety_message_count,
           max_risk_level = greatest(ca.max_risk_level, EXCLUDED.max_risk_level),
           crisis_flag_count = ca.crisis_flag_count + EXCLUDED.crisis_flag_count,
           escalation_count = ca.escalation_count + EXCLUDED.escalation_count,
           total_tokens = ca.total_tokens + EXCLUDED.total_tokens,
           last_message_at = EXCLUDED.last_message_at,
           duration_seconds = EXCLUDED.duration_seconds,
           computed_at = now(),
           updated_at = now(),
           avg_latency_ms = CASE WHEN EXCLUDED.avg_latency_ms IS NULL THEN ca.avg_latency_ms
               ELSE (coalesce(ca.avg_latency_ms, 0) * ca.agent_message_count + EXCLUDED.avg_latency_ms)
                    / (ca.agent_message_count + 1) END,
           max_latency_ms = CASE WHEN EXCLUDED.max_latency_ms IS NULL THEN ca.max_latency_ms
               ELSE greatest(ca.max_latency_ms, EXCLUDED.max_latency_ms) END,
           avg_sentiment = CASE WHEN EXCLUDED.avg_sentiment IS NULL THEN ca.avg_sentiment
               ELSE (coalesce(ca.avg_sentiment, 0) * ca.user_message_count + EXCLUDED.avg_sentiment)
                    / (ca.user_message_count + 1) END
)
SELECT seq FROM m
"""
).bindparams(bindparam("content", type_=EncryptedText()))


async def append(
    session: AsyncSession,
    chat: ChatSession | SessionLike,
    *,
    role: MessageRole,
    content: str,
    message_id: uuid.UUID | None = None,
    client_message_id: str | None = None,
    sentiment: float | None = None,
    risk_level: RiskLevel | None = None,
    crisis_detection_id: uuid.UUID | None = None,
    latency_ms: int | None = None,
    model_name: str | None = None,
    new_escalation: bool = False,
) -> ChatMessage:
    """Store one message with the next seq and count it in the session's analytics.

    The returned message is not attached to ``session`` (it was written with Core SQL); it
    carries every column the frames and callers read.
    """
    if session.new or session.dirty:
        # Rows this message refers to (a detection, a new session) must be in the database first.
        await session.flush()
    now = dt.datetime.now(dt.UTC)
    msg_id = message_id or uuid.uuid4()
    is_user, is_agent = role == MessageRole.USER, role == MessageRole.AGENT
    params: dict[str, Any] = {
        "now": now,
        "session_id": chat.id,
        "user_id": chat.user_id,
        "id": msg_id,
        "client_message_id": client_message_id,
        "role": role.value,
        "content": await data_keys.seal(session, chat.user_id, content),  # the person's data key
        "sentiment": sentiment,
        "risk_level": risk_level.value if risk_level is not None else None,
        "crisis_detection_id": crisis_detection_id,
        "latency_ms": latency_ms,
        "model_name": model_name,
        "analytics_id": uuid.uuid4(),
        "is_user": int(is_user),
        "is_agent": int(is_agent),
        "is_safety": int(role == MessageRole.SAFETY),
        "agent_latency": latency_ms if is_agent else None,
        "user_sentiment": sentiment if is_user else None,
        "risky": int(risk_level is not None and risk_level >= RiskLevel.MODERATE),
        "new_escalation": int(new_escalation),
    }
    seq = (await session.execute(_APPEND, params)).scalar_one_or_none()
    if seq is None:
        raise SessionGone
    if isinstance(chat, ChatSession | LockedSession):
        sync_seq(chat, int(seq), now)
    return ChatMessage(
        id=msg_id,
        session_id=chat.id,
        user_id=chat.user_id,
        seq=int(seq),
        client_message_id=client_message_id,
        role=role,
        content=content,
        sentiment=sentiment,
        risk_level=risk_level,
        crisis_detection_id=crisis_detection_id,
        latency_ms=latency_ms,
        model_name=model_name,
        created_at=now,
    )
