"""Appending messages to a conversation with their server sequence numbers.

``chat_sessions.last_seq`` is the counter: ``UPDATE ... SET last_seq = last_seq + 1 RETURNING``
runs in the same transaction as the message insert. The UPDATE takes the session row's lock and
keeps it until commit, so two writers of one conversation (two devices, a reply and a safety
reminder) queue there, seq order equals commit order, and a reader that sees seq N has seen every
seq below it. A rolled-back transaction gives its number back: seqs have no gaps.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.chat import repository as repo
from hp_agent.chat.models import ChatMessage, ChatSession, MessageRole
from hp_agent.crisis.enums import RiskLevel


class SessionGone(Exception):
    """The session row vanished or is not the caller's (RLS hid it)."""


async def next_seq(session: AsyncSession, chat: ChatSession, now: dt.datetime) -> int:
    stmt = (
        update(ChatSession)
        .where(ChatSession.id == chat.id, ChatSession.user_id == chat.user_id)
        .values(last_seq=ChatSession.last_seq + 1, last_message_at=now)
        .returning(ChatSession.last_seq)
        .execution_options(synchronize_session=False)
    )
    seq = (await session.execute(stmt)).scalar_one_or_none()
    if seq is None:
        raise SessionGone
    chat.last_seq = int(seq)
    chat.last_message_at = now
    return int(seq)


async def append(
    session: AsyncSession,
    chat: ChatSession,
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
    """Store one message with the next seq and count it in the session's analytics."""
    now = dt.datetime.now(dt.UTC)
    seq = await next_seq(session, chat, now)
    msg = ChatMessage(
        id=message_id or uuid.uuid4(),
        session_id=chat.id,
        user_id=chat.user_id,
        seq=seq,
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
    session.add(msg)
    await session.flush()
    await repo.count_message(session, msg, started_at=chat.started_at, new_escalation=new_escalation)
    return msg
