"""Several turns with each shipped agent, through a real socket, against real PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hp_agent.chat.models import ChatMessage, ChatSession, ConversationAnalytics, MessageRole
from tests.chat.chat_client import Chat, new_user
from tests.conftest import LiveServer

pytestmark = pytest.mark.usefixtures("seeded", "keyword_engine")

TURNS = {
    "cbt-coach": [
        "I keep thinking I'm going to fail my exam next week.",
        "My heart races and I can't focus when I sit down to study.",
        "I guess I could study for twenty minutes after dinner.",
    ],
    "dbt-skills": [
        "I got really angry at my sister today and said things I regret.",
        "It felt like a wave that took over everything.",
        "Maybe I could try a skill next time.",
    ],
    "listener": [
        "Work has been really draining lately.",
        "Nobody seems to notice how much I do.",
        "Thanks for listening, it helps to say it.",
    ],
    "act-guide": [
        "I keep avoiding calling my friends because I feel awkward.",
        "The thought is that they don't really want to hear from me.",
        "I do care about having close friendships.",
    ],
}


@pytest.mark.parametrize("agent", sorted(TURNS))
async def test_chat_several_turns_with_each_agent(
    live_server: LiveServer, owner_engine: AsyncEngine, agent: str
) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, greeting = await chat.start(agent)
    assert greeting["seq"] == 1
    assert greeting["text"]
    assert greeting["agent"] == agent

    seqs = [1]
    replies = []
    for text in TURNS[agent]:
        ack, tokens, final = await chat.turn(text)
        assert ack["seq"] == seqs[-1] + 1
        assert final["seq"] == ack["seq"] + 1
        assert final.get("replaced") is not True, final
        assert tokens, "the reply is streamed as agent_token frames"
        assert "".join(t["text"] for t in tokens).strip() == final["text"]
        seqs += [ack["seq"], final["seq"]]
        replies.append(final["text"])
    await chat.close()
    assert len(set(replies)) == len(replies), "each turn gets its own reply"

    async with owner_engine.connect() as conn:
        rows = (
            await conn.execute(
                select(ChatMessage.seq, ChatMessage.role, ChatMessage.risk_level, ChatMessage.sentiment)
                .where(ChatMessage.session_id == uuid.UUID(session_id))
                .order_by(ChatMessage.seq)
            )
        ).all()
        status = (
            await conn.execute(select(ChatSession.last_seq).where(ChatSession.id == uuid.UUID(session_id)))
        ).scalar_one()
        analytics = (
            await conn.execute(
                select(ConversationAnalytics).where(ConversationAnalytics.session_id == uuid.UUID(session_id))
            )
        ).one()
    assert [r.seq for r in rows] == list(range(1, 8))
    assert status == 7
    assert [r.role for r in rows] == [MessageRole.AGENT] + [MessageRole.USER, MessageRole.AGENT] * 3
    assert all(r.risk_level is not None for r in rows if r.role == MessageRole.USER)
    assert analytics.message_count == 7
    assert analytics.user_message_count == 3
    assert analytics.agent_message_count == 4
    assert analytics.avg_latency_ms is not None
