"""SQL for chat sessions, messages and their analytics.

Every query filters on ``user_id`` as well as relying on row-level security: RLS is the second
lock, not the only one. Sequence numbers are allocated under the session row's lock (see
:func:`lock_session`), so seq order is commit order within a session.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.agents.models import AIAgentConfiguration
from hp_agent.chat.models import ChatMessage, ChatSession, ConversationAnalytics, SessionStatus


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
