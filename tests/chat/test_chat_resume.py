"""Idempotent messages and resume: every frame exactly once, in order, from PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hp_agent.chat.agent_bridge import AgentBridge
from hp_agent.chat.models import ChatMessage
from tests.chat.chat_client import Chat, new_user
from tests.conftest import LiveServer

pytestmark = pytest.mark.usefixtures("seeded", "keyword_engine")


@pytest.fixture
def slow_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    """The real scripted agent, 30 ms per chunk: long enough to hang up in the middle of a reply."""
    real = AgentBridge.stream

    async def stream(self: AgentBridge, turn: object, *args: object) -> AsyncIterator[str]:
        async for chunk in real(self, turn, *args):  # type: ignore[arg-type]
            await asyncio.sleep(0.03)
            yield chunk

    monkeypatch.setattr(AgentBridge, "stream", stream)


async def test_chat_duplicate_user_message_stored_once_and_acked_again(
    live_server: LiveServer, owner_engine: AsyncEngine
) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, _ = await chat.start("listener")
    first, _, reply = await chat.turn("Work was busy today.")
    again = await chat.say("Work was busy today.", client_id=first["client_message_id"])
    assert again["duplicate"] is True
    assert (again["seq"], again["message_id"]) == (first["seq"], first["message_id"])
    # No second reply: the next frame after a ping round-trip is the pong, nothing else.
    await chat.send({"type": "ping", "ts": 7})
    pong = await chat.expect("pong")
    assert pong["ts"] == 7
    after = chat.frames[chat.frames.index(again) + 1 :]
    assert [f["type"] for f in after] == ["pong"]
    await chat.close()

    async with owner_engine.connect() as conn:
        count = (
            await conn.execute(
                select(func.count())
                .select_from(ChatMessage)
                .where(
                    ChatMessage.session_id == uuid.UUID(session_id),
                    ChatMessage.client_message_id == first["client_message_id"],
                )
            )
        ).scalar_one()
        total = (
            await conn.execute(
                select(func.count())
                .select_from(ChatMessage)
                .where(ChatMessage.session_id == uuid.UUID(session_id))
            )
        ).scalar_one()
    assert count == 1
    assert total == reply["seq"] == 3


async def test_chat_duplicate_on_a_new_socket_after_reconnect(live_server: LiveServer) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, _ = await chat.start("listener")
    first, _, _ = await chat.turn("I went to the shops.")
    await chat.close()
    other = await Chat.connect(live_server.ws_url, user["access_token"], via="frame")
    await other.send({"type": "resume", "session_id": session_id, "last_seq": 3})
    await other.expect("replay_complete")
    again = await other.say("I went to the shops.", client_id=first["client_message_id"])
    assert again["duplicate"] is True
    assert again["seq"] == first["seq"]
    await other.close()


def _seqs(frames: list[dict[str, Any]]) -> list[int]:
    return [int(f["seq"]) for f in frames if "seq" in f]


@pytest.mark.usefixtures("slow_agent")
@pytest.mark.parametrize("pause", [0.0, 3.0], ids=["resume-while-replying", "resume-after-reply-stored"])
async def test_chat_disconnect_mid_reply_and_resume_gets_every_frame_once(
    live_server: LiveServer, pause: float
) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, _ = await chat.start("cbt-coach")
    _, _, first_reply = await chat.turn("I keep putting off my essay.")
    ack = await chat.say("I'd like to plan my week better.")
    # Hang up as soon as the message is acknowledged: the reply is still being written.
    await chat.ws.close()
    seen = _seqs(chat.frames)
    last_seq = max(seen)
    assert last_seq == ack["seq"]
    await asyncio.sleep(pause)

    back = await Chat.connect(live_server.ws_url, user["access_token"])
    await back.send({"type": "resume", "session_id": session_id, "last_seq": last_seq})
    resumed = await back.expect("session_resumed")
    assert resumed["replay_from"] == last_seq + 1
    reply = await back.expect("agent_message")
    assert reply["seq"] == last_seq + 1
    assert reply["reply_to"] == ack["client_message_id"]
    # Another turn on the resumed socket continues the sequence with no gap and no repeat.
    ack2, _, reply2 = await back.turn("That sounds useful, thank you.")
    got = _seqs(back.frames)
    assert got == sorted(set(got)), "no frame twice, all in order"
    assert got == list(range(last_seq + 1, reply2["seq"] + 1))
    assert ack2["seq"] == reply["seq"] + 1
    await back.close()

    # A third client resuming from 0 sees the whole conversation once, replayed from PostgreSQL.
    full = await Chat.connect(live_server.ws_url, user["access_token"])
    await full.send({"type": "resume", "session_id": session_id, "last_seq": 0})
    done = await full.expect("replay_complete")
    assert done["last_seq"] == reply2["seq"]
    replayed = [f for f in full.frames if f.get("replayed")]
    assert _seqs(replayed) == list(range(1, reply2["seq"] + 1))
    assert replayed[first_reply["seq"] - 1]["text"] == first_reply["text"]
    assert [f["type"] for f in replayed[:3]] == ["agent_message", "ack", "agent_message"]
    assert replayed[1]["text"] == "I keep putting off my essay."
    await full.close()
