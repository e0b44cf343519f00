"""The SQL a chat message runs on every turn, written as plain statements.

Every user message reads its recent conversation, locks its session row, checks for a duplicate
and for a screener in progress. Through the ORM each of these cost a compiled ``select``, an
identity-map merge and object construction (about a millisecond apiece in profiles, several times
the database's own work), so they are text statements compiled once, returning plain rows. The
rules are unchanged: every statement filters on ``user_id`` as well as relying on row-level
security, and the lock is the same ``FOR UPDATE`` on the session row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from hp_agent.chat.models import ChatMessage, ChatSession, MessageRole, SessionStatus
from hp_agent.crisis.enums import RiskLevel
from hp_agent.db.crypto import EncryptedText

_COLUMNS = (
    "id, session_id, user_id, seq, client_message_id, role::text AS role, content, sentiment, "
    "risk_level::text AS risk_level, crisis_detection_id, latency_ms, model_name, created_at, "
    # The person answered no to the one-question check about this message, or stepped out of
    # the screener it started when it was below high (graded response): the engine's context
    # reads it as the ordinary message it was said to be (``crisis.chat_turn.CLEARED``).
    "EXISTS (SELECT 1 FROM crisis_detections d WHERE d.id = crisis_detection_id "
    "AND (d.check_answer = 'no' OR (d.false_alarm_reported_at IS NOT NULL "
    "AND d.risk_level IN ('low', 'moderate')))) AS denied"
)

# One statement, one snapshot: the session's counter with the duplicate (if any) or the recent
# turns, so the caller knows exactly which seq its view of the conversation is complete up to.
_RECENT = text(
    f"""
SELECT cs.last_seq AS session_last_seq, m.* FROM chat_sessions cs
LEFT JOIN LATERAL (
    (SELECT {_COLUMNS} FROM chat_messages
      WHERE session_id = cs.id AND user_id = cs.user_id AND client_message_id = :client_message_id
      LIMIT 1)
    UNION ALL
    (SELECT {_COLUMNS} FROM chat_messages
      WHERE session_id = cs.id AND user_id = cs.user_id AND role IN ('user', 'agent')
      ORDER BY seq DESC LIMIT :limit)
) m ON true
WHERE cs.id = :session_id AND cs.user_id = :user_id
"""
).columns(content=EncryptedText())

# Read right after the session lock, in one round trip: the message already stored under this
# client id (a resend that raced this one), whether a screener is in progress and whether a
# one-question check is waiting for its answer (docs/crisis-engine.md, "Graded response"). A statement
# of its own, not part of the lock's: only a snapshot taken after the lock sees a duplicate that
# committed while this transaction waited for it.
_AFTER_LOCK = text(
    f"""
SELECT EXISTS (
         SELECT 1 FROM user_assessments
          WHERE user_id = :user_id AND chat_session_id = :session_id
            AND source = 'crisis_flow' AND status = 'in_progress'
       ) AS screener_open,
       EXISTS (
         SELECT 1 FROM crisis_detections
          WHERE user_id = :user_id AND chat_session_id = :session_id
            AND check_asked_at IS NOT NULL AND check_answer IS NULL
       ) AS check_open,
       m.*
  FROM (VALUES (1)) AS one (x)
  LEFT JOIN LATERAL (
       SELECT {_COLUMNS} FROM chat_messages
        WHERE session_id = :session_id AND user_id = :user_id AND client_message_id = :client_message_id
        LIMIT 1
  ) m ON true
"""
).columns(content=EncryptedText())

_LOCK = text(
    """
SELECT id, user_id, status::text AS status, last_seq, started_at, locale FROM chat_sessions
 WHERE id = :session_id AND user_id = :user_id
   FOR UPDATE
"""
)


def _message(row: object) -> ChatMessage:
    """A detached ``ChatMessage`` (frames and history read its columns; nothing is loaded lazily)."""
    m = row._mapping  # type: ignore[attr-defined]
    return ChatMessage(
        id=m["id"],
        session_id=m["session_id"],
        user_id=m["user_id"],
        seq=m["seq"],
        client_message_id=m["client_message_id"],
        role=MessageRole(m["role"]),
        content=m["content"],
        sentiment=m["sentiment"],
        risk_level=RiskLevel(m["risk_level"]) if m["risk_level"] is not None else None,
        crisis_detection_id=m["crisis_detection_id"],
        latency_ms=m["latency_ms"],
        model_name=m["model_name"],
        created_at=m["created_at"],
    )


@dataclass(slots=True)
class Recent:
    """What a new message needs read: the stored duplicate, or the recent turns (oldest first)."""

    duplicate: ChatMessage | None
    turns: list[ChatMessage]
    last_seq: int | None  # the session's counter in the same snapshot; None: no such session
    denied: frozenset[uuid.UUID] = frozenset()  # turns whose check the person answered no


async def recent_or_duplicate(
    session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID, client_message_id: str, limit: int
) -> Recent:
    """The message already stored under ``client_message_id`` if any, else the last ``limit``
    user and agent messages: one round trip for what a new message needs."""
    rows = (
        await session.execute(
            _RECENT,
            {
                "session_id": session_id,
                "user_id": user_id,
                "client_message_id": client_message_id,
                "limit": limit,
            },
        )
    ).all()
    if not rows:
        return Recent(None, [], None)
    last_seq = int(rows[0]._mapping["session_last_seq"])
    messages = [_message(r) for r in rows if r._mapping["id"] is not None]
    for m in messages:
        if m.client_message_id == client_message_id:
            return Recent(m, [], last_seq)
    messages.sort(key=lambda m: m.seq)
    denied = frozenset(
        r._mapping["id"] for r in rows if r._mapping["id"] is not None and r._mapping["denied"]
    )
    return Recent(None, messages, last_seq, denied)


@dataclass(slots=True)
class AfterLock:
    duplicate: ChatMessage | None
    screener_open: bool
    check_open: bool = False


async def after_lock(
    session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID, client_message_id: str
) -> AfterLock:
    """The duplicate (if any), the screener and check state, read under the session lock."""
    row = (
        await session.execute(
            _AFTER_LOCK,
            {"session_id": session_id, "user_id": user_id, "client_message_id": client_message_id},
        )
    ).one()
    found = _message(row) if row._mapping["id"] is not None else None
    return AfterLock(found, bool(row._mapping["screener_open"]), bool(row._mapping["check_open"]))


@dataclass(slots=True)
class LockedSession:
    """The session row, locked ``FOR UPDATE`` until the transaction ends."""

    id: uuid.UUID
    user_id: uuid.UUID
    status: SessionStatus
    last_seq: int
    started_at: dt.datetime
    locale: str


async def lock_session(
    session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID
) -> LockedSession | None:
    row = (await session.execute(_LOCK, {"session_id": session_id, "user_id": user_id})).first()
    if row is None:
        return None
    m = row._mapping
    return LockedSession(
        m["id"], m["user_id"], SessionStatus(m["status"]), int(m["last_seq"]), m["started_at"], m["locale"]
    )


def sync_seq(chat: ChatSession | LockedSession, seq: int, at: dt.datetime) -> None:
    """Keep a loaded row's counter in step with the database without marking it dirty."""
    if isinstance(chat, ChatSession):
        set_committed_value(chat, "last_seq", seq)
        set_committed_value(chat, "last_message_at", at)
    else:
        chat.last_seq = seq


__all__ = [
    "AfterLock",
    "LockedSession",
    "Recent",
    "after_lock",
    "lock_session",
    "recent_or_duplicate",
    "sync_seq",
]
