"""SQL for chat sessions, messages and their analytics.

Every query filters on ``user_id`` as well as relying on row-level security: RLS is the second
lock, not the only one. Sequence numbers are allocated under the session row's lock (see
:func:`lock_session`), so seq order is commit order within a session.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.agents.models import AIAgentConfiguration
from hp_agent.chat.models import ChatMessage, ChatSession, ConversationAnalytics, MessageRole, SessionStatus
from hp_agent.crisis.enums import RiskLevel


async def agent_by_slug(session: AsyncSession, slug: str) -> AIAgentConfiguration | None:
    stmt = select(AIAgentConfiguration).where(
        AIAgentConfiguration.slug == slug, AIAgentConfiguration.is_active.is_(True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def agent_by_id(session: AsyncSession, agent_id: uuid.UUID) -> AIAgentConfiguration | None:
    return await session.get(AIAgentConfiguration, agent_id)


async def get_session(session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID) -> ChatSession | None:
    stmt = select(ChatSession).where(ChatSession.id == session_id, ChatSession.user_id == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def lock_session(
    session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID
) -> ChatSession | None:
    """The session row ``FOR UPDATE``: writers of one conversation queue here until commit."""
    stmt = (
        select(ChatSession)
        .where(ChatSession.id == session_id, ChatSession.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_sessions(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    limit: int,
    before: tuple[dt.datetime, uuid.UUID] | None = None,
) -> list[ChatSession]:
    stmt = select(ChatSession).where(ChatSession.user_id == user_id)
    if before is not None:
        started, sid = before
        stmt = stmt.where(
            (ChatSession.started_at < started)
            | ((ChatSession.started_at == started) & (ChatSession.id < sid))
        )
    stmt = stmt.order_by(ChatSession.started_at.desc(), ChatSession.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars().all())


async def by_client_id(
    session: AsyncSession, session_id: uuid.UUID, client_message_id: str
) -> ChatMessage | None:
    stmt = select(ChatMessage).where(
        ChatMessage.session_id == session_id, ChatMessage.client_message_id == client_message_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def messages_after(
    session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID, after_seq: int, limit: int
) -> list[ChatMessage]:
    stmt = (
        select(ChatMessage)
        .where(
            ChatMessage.session_id == session_id, ChatMessage.user_id == user_id, ChatMessage.seq > after_seq
        )
        .order_by(ChatMessage.seq)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars().all())


async def recent_messages(
    session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID, limit: int, roles: Sequence[MessageRole]
) -> list[ChatMessage]:
    """The last ``limit`` messages with one of ``roles``, oldest first."""
    stmt = (
        select(ChatMessage)
        .where(
            ChatMessage.session_id == session_id, ChatMessage.user_id == user_id, ChatMessage.role.in_(roles)
        )
        .order_by(ChatMessage.seq.desc())
        .limit(limit)
    )
    rows = list((await session.execute(stmt)).scalars().all())
    rows.reverse()
    return rows


async def end_session(session: AsyncSession, chat: ChatSession, now: dt.datetime) -> None:
    await session.execute(
        update(ChatSession)
        .where(ChatSession.id == chat.id, ChatSession.user_id == chat.user_id)
        .values(status=SessionStatus.ENDED, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    chat.status = SessionStatus.ENDED
    chat.ended_at = now


async def get_analytics(
    session: AsyncSession, session_id: uuid.UUID, user_id: uuid.UUID
) -> ConversationAnalytics | None:
    stmt = select(ConversationAnalytics).where(
        ConversationAnalytics.session_id == session_id, ConversationAnalytics.user_id == user_id
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def count_message(
    session: AsyncSession,
    message: ChatMessage,
    *,
    started_at: dt.datetime,
    new_escalation: bool,
) -> None:
    """Fold one stored message into the session's analytics row (same transaction as the message).

    Averages are updated incrementally from the stored counts, so no message is read back and no
    content is touched. The session row lock taken for the seq serialises these upserts too.
    """
    ca = ConversationAnalytics.__table__.c
    role = message.role
    is_user, is_agent, is_safety = (
        role == MessageRole.USER,
        role == MessageRole.AGENT,
        role == MessageRole.SAFETY,
    )
    risky = message.risk_level is not None and message.risk_level >= RiskLevel.MODERATE
    tokens = (message.prompt_tokens or 0) + (message.completion_tokens or 0)
    now = message.created_at or dt.datetime.now(dt.UTC)
    duration = max(0, int((now - started_at).total_seconds()))
    values = {
        "id": uuid.uuid4(),
        "session_id": message.session_id,
        "user_id": message.user_id,
        "message_count": 1,
        "user_message_count": int(is_user),
        "agent_message_count": int(is_agent),
        "safety_message_count": int(is_safety),
        "avg_latency_ms": float(message.latency_ms) if is_agent and message.latency_ms is not None else None,
        "max_latency_ms": message.latency_ms if is_agent else None,
        "avg_sentiment": message.sentiment if is_user else None,
        "max_risk_level": message.risk_level,
        "crisis_flag_count": int(risky),
        "escalation_count": int(new_escalation),
        "total_tokens": tokens,
        "first_message_at": now,
        "last_message_at": now,
        "duration_seconds": duration,
    }
    stmt = insert(ConversationAnalytics).values(**values)
    ex = stmt.excluded
    latency_set = {}
    if is_agent and message.latency_ms is not None:
        latency_set = {
            "avg_latency_ms": (
                func.coalesce(ca.avg_latency_ms, 0) * ca.agent_message_count + message.latency_ms
            )
            / (ca.agent_message_count + 1),
            "max_latency_ms": func.greatest(ca.max_latency_ms, ex.max_latency_ms),
        }
    sentiment_set = {}
    if is_user and message.sentiment is not None:
        sentiment_set = {
            "avg_sentiment": (func.coalesce(ca.avg_sentiment, 0) * ca.user_message_count + message.sentiment)
            / (ca.user_message_count + 1)
        }
    stmt = stmt.on_conflict_do_update(
        index_elements=[ca.session_id],
        set_={
            "message_count": ca.message_count + 1,
            "user_message_count": ca.user_message_count + ex.user_message_count,
            "agent_message_count": ca.agent_message_count + ex.agent_message_count,
            "safety_message_count": ca.safety_message_count + ex.safety_message_count,
            "max_risk_level": func.greatest(ca.max_risk_level, ex.max_risk_level),
            "crisis_flag_count": ca.crisis_flag_count + ex.crisis_flag_count,
            "escalation_count": ca.escalation_count + ex.escalation_count,
            "total_tokens": ca.total_tokens + ex.total_tokens,
            "last_message_at": ex.last_message_at,
            "duration_seconds": ex.duration_seconds,
            "computed_at": func.now(),
            "updated_at": func.now(),
            **latency_set,
            **sentiment_set,
        },
    )
    await session.execute(stmt)
