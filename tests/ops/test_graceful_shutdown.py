"""SIGTERM to a real ``hp-agent serve`` mid-conversation: the chat socket is closed with 1012, the
in-flight message finishes, the outbox is flushed, and the client resumes on another server by
sequence number with nothing lost and nothing doubled."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import signal
import uuid
from pathlib import Path
from typing import Any

import pytest
import websockets
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hp_agent.chat.models import ChatMessage, MessageRole
from hp_agent.config import Settings
from hp_agent.events.models import OutboxEvent
from tests.chat.chat_client import Chat, new_user
from tests.ops.serve_process import ServeProcess

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("seeded")]

CRISIS = "I want to kill myself. I can't do this anymore."


async def _read_until_closed(chat: Chat) -> int | None:
    while True:
        try:
            await chat.recv(wait=60)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None


async def _answered(chat: Chat, user_seq: int) -> None:
    """Frames until the server's answer to the message stored at ``user_seq``."""
    while not any(int(f.get("seq") or 0) > user_seq for f in chat.frames if f["type"] != "ack"):
        await chat.recv()


def _seqs(frames: list[dict[str, Any]]) -> list[int]:
    return [int(f["seq"]) for f in frames if "seq" in f and not f.get("duplicate")]


async def test_sigterm_closes_with_1012_and_the_client_resumes_elsewhere_with_nothing_lost(
    settings: Settings, redis_url: str, owner_engine: AsyncEngine, tmp_path: Path
) -> None:
    assert settings.database_url is not None
    common = {
        "HP_DATABASE_URL": settings.database_url,
        "HP_REDIS_URL": redis_url,
        "HP_REDIS_PREFIX": f"hpops-{uuid.uuid4().hex[:8]}",
        "HP_APP_DB_ROLE": settings.app_db_role,
    }
    # A runs the relay in process and polls rarely: what it publishes after start-up it publishes
    # in the shutdown flush. B is a plain API instance, the one the client moves to.
    a = ServeProcess(
        {**common, "HP_WORKER_IN_PROCESS": "true", "HP_RELAY_POLL_SECONDS": "3600"}, tmp_path / "a.log"
    )
    b = ServeProcess(common, tmp_path / "b.log")
    try:
        await asyncio.gather(asyncio.to_thread(a.wait_ready), asyncio.to_thread(b.wait_ready))
        user = await new_user(a.http_url)
        chat = await Chat.connect(a.ws_url, user["access_token"])
        user_id = next(f["user_id"] for f in chat.frames if f["type"] == "ready")
        session_id, _greeting = await chat.start("listener")
        await chat.turn("Work was long today and I'm tired.")
        await chat.say(CRISIS)  # opens an escalation: an outbox row the relay has not published

        # The next message goes out and the server is told to stop while it is in flight.
        pending_id = f"pending-{uuid.uuid4().hex[:8]}"
        pending_text = "Sorry, one more thing before I go."
        await chat.send({"type": "user_message", "client_message_id": pending_id, "text": pending_text})
        sigterm_at = dt.datetime.now(dt.UTC)
        a.proc.send_signal(signal.SIGTERM)
        close_code = await _read_until_closed(chat)
        assert close_code == 1012  # "service restart": resume elsewhere
        assert await asyncio.to_thread(a.wait, 90) == 0, a.log()[-3000:]
        acked_on_a = any(f.get("client_message_id") == pending_id for f in chat.frames if f["type"] == "ack")
        seen_on_a = _seqs(chat.frames)

        # Another instance: resume from the last seq seen, then resend what was never acknowledged.
        chat2 = await Chat.connect(b.ws_url, user["access_token"])
        await chat2.send({"type": "resume", "session_id": session_id, "last_seq": max(seen_on_a)})
        await chat2.expect("session_resumed")
        await chat2.expect("replay_complete")
        if not acked_on_a:
            ack = await chat2.say(pending_text, client_id=pending_id)
            if not ack.get("duplicate"):
                await _answered(chat2, int(ack["seq"]))
        await chat2.close()
    finally:
        a.kill()
        b.kill()

    async with owner_engine.connect() as conn:
        rows = (
            await conn.execute(
                select(ChatMessage.seq, ChatMessage.role, ChatMessage.client_message_id)
                .where(ChatMessage.session_id == uuid.UUID(session_id))
                .order_by(ChatMessage.seq)
            )
        ).all()
        unpublished = (
            await conn.execute(
                select(func.count())
                .select_from(OutboxEvent)
                .where(
                    OutboxEvent.payload["user_id"].astext == user_id,
                    OutboxEvent.published_at.is_(None),
                )
            )
        ).scalar_one()
        flushed = (
            await conn.execute(
                select(func.count())
                .select_from(OutboxEvent)
                .where(
                    OutboxEvent.payload["user_id"].astext == user_id,
                    OutboxEvent.published_at >= sigterm_at,
                )
            )
        ).scalar_one()
    stored = [int(r.seq) for r in rows]
    assert stored == list(range(1, len(stored) + 1))
    # Every stored frame reached the client exactly once, across the two servers.
    seen = _seqs(chat.frames) + _seqs(chat2.frames)
    assert sorted(seen) == stored, (seen, stored)
    pending = [r for r in rows if r.client_message_id == pending_id]
    assert len(pending) == 1
    assert pending[0].role == MessageRole.USER
    # ...and was answered (in the crisis flow the answer is the scripted safety message).
    answered = [r.role for r in rows if r.seq > pending[0].seq]
    assert any(role != MessageRole.USER for role in answered), [(r.seq, r.role) for r in rows]
    # The escalation's outbox rows were published by A's shutdown flush, none left behind.
    assert unpublished == 0
    assert flushed >= 1
    lines = [json.loads(line) for line in a.log().splitlines() if line.startswith("{")]
    assert any(r.get("msg") == "outbox flushed at shutdown" for r in lines), a.log()[-3000:]
    assert CRISIS not in a.log()
    assert pending_text not in a.log()
