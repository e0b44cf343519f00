"""Chat use cases shared by the websocket and the REST API. Callers own the unit of work.

Per user message: the crisis layer assesses the text in the context of the person's recent
messages before any transaction (``crisis.gateway.assess_message``); then, inside the frame's one
transaction: lock the conversation, refuse a duplicate client id (return the stored message
instead), screen the message (``gateway.screen``: the detection and any escalation), store it with
its seq, risk level and detection, and store the scripted frames the crisis layer answers with
(``gateway.respond``: the full flow, the one-question check, the way out of the screener). This
module decides nothing about risk; it stores and orders what the gateway returns. Only after the
transaction commits does the caller send the ``ack``. The agent's own reply is
generated afterwards, outside any transaction (see ``replies.py``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.agents import memory as agent_memory
from hp_agent.agents.models import AIAgentConfiguration
from hp_agent.chat import hotpath, sentiment
from hp_agent.chat import repository as repo
from hp_agent.chat.frames import display_text, encode
from hp_agent.chat.models import ChatMessage, ChatSession, MessageRole, SessionStatus
from hp_agent.chat.protocol import Code, ProtocolError
from hp_agent.chat.sequencing import SessionGone, SessionRef, append
from hp_agent.crisis import gateway as crisis
from hp_agent.crisis.enums import DetectionSource, RiskLevel
from hp_agent.db.session import Principal
from hp_agent.subscriptions import entitlements

HISTORY_MESSAGES = 40  # what the agent remembers of the conversation
_NOT_FOUND = "No such chat session."


def _user_id(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise ProtocolError(Code.NOT_AUTHENTICATED, "Authentication required.")
    return principal.user_id


# -- sessions -------------------------------------------------------------------------------------


async def start(
    session: AsyncSession, principal: Principal, agent_slug: str
) -> tuple[ChatSession, AIAgentConfiguration, ChatMessage]:
    """A new conversation with the agent, its greeting stored as the first message (seq 1)."""
    user_id = _user_id(principal)
    agent = await repo.agent_by_slug(session, agent_slug)
    if agent is None:
        raise ProtocolError(Code.AGENT_NOT_FOUND, "No such agent.")
    refused = await entitlements.denial(session, principal, entitlements.AGENTS, agent.slug)
    if refused is not None:
        raise ProtocolError(refused.code, refused.message, status=refused.status_code, **refused.details)
    where = await crisis.whereabouts(session, user_id)
    # With the person's consent, the greeting picks up from earlier sessions (agents/memory.py).
    recall = await agent_memory.opening(session, user_id)
    now = dt.datetime.now(dt.UTC)
    chat = ChatSession(
        id=uuid.uuid4(),
        user_id=user_id,
        agent_id=agent.id,
        agent_version=agent.version,
        status=SessionStatus.ACTIVE,
        started_at=now,
        last_seq=0,
        locale=(where.locale or "en")[:16],
    )
    session.add(chat)
    await session.flush()
    greeting = await append(
        session,
        chat,
        role=MessageRole.AGENT,
        content=encode({"text": " ".join(f"{agent.greeting} {recall or ''}".split()), "agent": agent.slug}),
        model_name="greeting",
    )
    return chat, agent, greeting


async def attach(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID
) -> tuple[ChatSession, AIAgentConfiguration | None]:
    """The caller's own conversation; anyone else's is "not found" (its existence is not revealed)."""
    chat = await repo.get_session(session, session_id, _user_id(principal))
    if chat is None:
        raise ProtocolError(Code.SESSION_NOT_FOUND, _NOT_FOUND)
    agent = await repo.agent_by_id(session, chat.agent_id) if chat.agent_id else None
    return chat, agent


async def replay(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID, after_seq: int, limit: int
) -> list[ChatMessage]:
    return await repo.messages_after(session, session_id, _user_id(principal), after_seq, limit)


async def end(session: AsyncSession, principal: Principal, session_id: uuid.UUID) -> ChatMessage | None:
    """End the conversation; returns the stored ``session_ended`` system message (None if already ended)."""
    chat = await repo.lock_session(session, session_id, _user_id(principal))
    if chat is None:
        raise ProtocolError(Code.SESSION_NOT_FOUND, _NOT_FOUND)
    if chat.status != SessionStatus.ACTIVE:
        return None
    msg = await append(session, chat, role=MessageRole.SYSTEM, content=encode({"event": "session_ended"}))
    await repo.end_session(session, chat, dt.datetime.now(dt.UTC))
    await agent_memory.refresh(session, chat.user_id)
    return msg


# -- user messages --------------------------------------------------------------------------------


@dataclass(slots=True)
class AgentTurn:
    """What the agent needs to answer, loaded in the message's transaction, used after commit."""

    history: list[tuple[str, str]]  # (role, text), oldest first, ending with the user's message
    tools_allowed: tuple[str, ...]
    context: Any = None  # the agents runtime's UserContext
    embedding: Any = None  # the message's sentence embedding from its assessment (intent reading)


@dataclass(slots=True)
class Accepted:
    message: ChatMessage
    duplicate: bool
    level: RiskLevel = RiskLevel.NONE
    scripted: list[ChatMessage] = field(default_factory=list)
    agent_turn: AgentTurn | None = None
    base_seq: int | None = None  # the session's counter just before this message (under the lock)
    # The plan's daily allowance is used up: no agent reply (the crisis layer has had the message).
    limited: entitlements.EntitlementRequired | None = None


def _context(prepared: Prepared) -> crisis.Context:
    """The engine's context: the person's own recent messages (``gateway.message_context``)."""
    users = [(m.id, m.content, m.created_at) for m in prepared.recent if m.role == MessageRole.USER]
    return crisis.message_context(users, prepared.denied)


@dataclass(slots=True)
class Prepared:
    """Read before the write transaction: the recent conversation, or the stored duplicate."""

    recent: list[ChatMessage]
    duplicate: ChatMessage | None = None
    denied: frozenset[uuid.UUID] = frozenset()  # see ``hotpath.Recent.denied``
    upto: int | None = None  # the seq ``recent`` is complete up to (the session's counter then)
    cached: bool = False  # from the socket's memory (``conversation.py``), not read just now


class StaleContext(Exception):
    """The conversation moved on since the socket's remembered view of it (another device wrote):
    the message must be assessed again with what was written since. Raised before any write."""


async def prepare(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID, client_message_id: str
) -> Prepared:
    """First, short transaction of a user message: no locks, nothing written, one query.

    The crisis engine then runs with no transaction open (it is CPU work that queues under load;
    holding a pooled connection and the session row lock through it starved the pool). Whether
    the session exists, is the caller's and is still active is checked under the row lock in
    :func:`accept`, which every message goes through before anything is stored.
    """
    user_id = _user_id(principal)
    # One read serves the duplicate check, the engine's context and the agent's memory.
    found = await hotpath.recent_or_duplicate(
        session, session_id, user_id, client_message_id, HISTORY_MESSAGES
    )
    if found.duplicate is not None:
        return Prepared([], found.duplicate)
    return Prepared(found.turns, upto=found.last_seq, denied=found.denied)


async def assess_message(text: str, prepared: Prepared) -> crisis.Assessment:
    return await crisis.assess_message(text, _context(prepared))


async def accept(
    session: AsyncSession,
    principal: Principal,
    session_id: uuid.UUID,
    client_message_id: str,
    text: str,
    *,
    assessment: crisis.Assessment,
    prepared: Prepared,
    load_context: Any = None,
    tools_allowed: tuple[str, ...] = (),
) -> Accepted:
    """Store one user message with its crisis assessment and decide how it is answered."""
    user_id = _user_id(principal)
    chat = await hotpath.lock_session(session, session_id, user_id)
    if chat is None:
        raise ProtocolError(Code.SESSION_NOT_FOUND, _NOT_FOUND)
    # Checked again under the lock: the same message may have arrived on another socket meanwhile.
    found = await hotpath.after_lock(session, chat.id, user_id, client_message_id)
    if found.duplicate is not None:
        return Accepted(found.duplicate, duplicate=True)
    if chat.status != SessionStatus.ACTIVE:
        raise ProtocolError(Code.SESSION_ENDED, "This chat session has ended; start a new one.")
    if prepared.cached and chat.last_seq != prepared.upto:
        raise StaleContext
    base_seq = chat.last_seq

    message_id = uuid.uuid4()
    screening = await crisis.screen(
        session,
        user_id=user_id,
        source=DetectionSource.CHAT_MESSAGE,
        source_id=message_id,
        text=text,
        assessment=assessment,
        chat_session_id=chat.id,
    )
    level = screening.level
    message = await append(
        session,
        chat,
        role=MessageRole.USER,
        content=text,
        message_id=message_id,
        client_message_id=client_message_id,
        sentiment=sentiment.score(text),
        risk_level=level,
        crisis_detection_id=screening.detection_id,
        new_escalation=screening.opened_escalation,
    )
    accepted = Accepted(message, duplicate=False, level=level, base_seq=base_seq)
    reply = await crisis.respond(
        session,
        crisis.Conversation(user_id, chat.id),
        text=text,
        screening=screening,
        screener_open=found.screener_open,
        check_open=found.check_open,
        context=_context(prepared),
    )
    # Stored and sent as they are: every word of a crisis frame is the crisis layer's.
    for body in reply.bodies:
        accepted.scripted.append(
            await append(
                session, chat, role=MessageRole.SAFETY, content=encode(body), model_name=crisis.SCRIPTED_BY
            )
        )
    if not reply.agent_answers:
        return accepted
    accepted.limited = await entitlements.agent_reply_denial(session, principal)
    if accepted.limited is not None:
        return accepted
    history = _agent_memory([*prepared.recent, message], reply.answer_to)
    turn = AgentTurn(
        history=[("user" if m.role == MessageRole.USER else "agent", display_text(m)) for m in history],
        tools_allowed=tools_allowed,
        embedding=assessment.embedding,
    )
    if load_context is not None:
        turn.context = await load_context(session, user_id, tools_allowed, text)
    accepted.agent_turn = turn
    return accepted


def _agent_memory(turns: list[ChatMessage], answer_to: uuid.UUID | None) -> list[ChatMessage]:
    """What the agent remembers: the recent turns, ending at ``answer_to`` when the crisis layer
    hands a conversation back (after "no" to the check, or a way out of the screener) so the
    agent takes up what the person was talking about rather than answering "no"."""
    if answer_to is not None:
        at = next((i for i, m in enumerate(turns) if m.id == answer_to), None)
        if at is not None:
            turns = turns[: at + 1]
    return turns[-HISTORY_MESSAGES:]


# -- agent replies --------------------------------------------------------------------------------


async def store_reply(
    session: AsyncSession,
    principal: Principal,
    session_id: uuid.UUID,
    *,
    text: str,
    agent_slug: str | None,
    reply_to: str | None,
    latency_ms: int,
    model_name: str | None,
    replaced: bool = False,
    fallback: bool = False,
) -> ChatMessage:
    # The seq UPDATE matches on id and user id (and RLS): another person's session id stores
    # nothing and ends up as "not found", without a read first.
    chat = SessionRef(session_id, _user_id(principal))
    body: dict[str, Any] = {"text": text, "agent": agent_slug, "reply_to": reply_to}
    if replaced:
        body["replaced"] = True
    if fallback:
        body["fallback"] = True
    try:
        return await append(
            session,
            chat,
            role=MessageRole.AGENT,
            content=encode(body),
            latency_ms=max(0, latency_ms),
            model_name=(model_name or "")[:200] or None,
        )
    except SessionGone:
        raise ProtocolError(Code.SESSION_NOT_FOUND, _NOT_FOUND) from None


async def store_reminder(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID, data: dict[str, Any], reminder_id: str
) -> ChatMessage | None:
    """Store a relayed safety reminder in the conversation once (None if already stored)."""
    chat = await repo.lock_session(session, session_id, _user_id(principal))
    if chat is None or chat.status != SessionStatus.ACTIVE:
        return None
    if await repo.by_client_id(session, chat.id, reminder_id) is not None:
        return None
    body = crisis.reminder_body(data)
    return await append(
        session,
        chat,
        role=MessageRole.SAFETY,
        content=encode(body),
        client_message_id=reminder_id,
        model_name="escalation_reminder",
    )
