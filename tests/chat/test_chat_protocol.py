"""Authentication, malformed and oversize frames, other people's sessions, rate limits."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from typing import Any

import jwt
import pytest
import websockets
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hp_agent.auth.security import issue_access_token
from hp_agent.chat import protocol
from hp_agent.chat.models import ChatSession
from hp_agent.config import Settings
from hp_agent.db.session import Database, Principal
from tests.chat.chat_client import PROTOCOL, Chat, new_user
from tests.conftest import LiveServer

pytestmark = pytest.mark.usefixtures("seeded", "keyword_engine")


def _token_at(settings: Settings, token: str, now: dt.datetime, ttl: int | None = None) -> str:
    """The same user and sign-in session, issued at ``now`` (to make expired or expiring tokens)."""
    claims = jwt.decode(token, options={"verify_signature": False})
    s = settings.model_copy(update={"access_token_ttl_seconds": ttl}) if ttl else settings
    new, _ = issue_access_token(
        s, user_id=uuid.UUID(claims["sub"]), role=claims["role"], session_id=uuid.UUID(claims["sid"]), now=now
    )
    return new


async def _closed_with(chat: Chat) -> int | None:
    """Read until the server closes the socket; its close code."""
    for _ in range(100):
        try:
            await chat.recv(30)
        except websockets.ConnectionClosed:
            return chat.ws.close_code
    raise AssertionError("the socket was not closed")


async def test_chat_auth_by_first_frame_and_by_subprotocol(live_server: LiveServer) -> None:
    user = await new_user(live_server.http_url)
    by_frame = await Chat.connect(live_server.ws_url, user["access_token"], via="frame")
    assert by_frame.frames[-1]["type"] == "ready"
    assert by_frame.frames[-1]["user_id"] == user["user_id"]
    by_protocol = await Chat.connect(live_server.ws_url, user["access_token"])
    # The server picks hp.chat.v1 and never echoes the bearer subprotocol back.
    assert by_protocol.ws.subprotocol == PROTOCOL
    await by_frame.close()
    await by_protocol.close()


async def test_chat_bad_token_closes_1008(live_server: LiveServer) -> None:
    chat = await Chat.connect(live_server.ws_url)
    await chat.send({"type": "auth", "token": "not-a-jwt"})
    err = await chat.expect("error")
    assert err["code"] == "auth_failed"
    assert await _closed_with(chat) == 1008


async def test_chat_expired_token_refused(live_server: LiveServer, settings: Settings) -> None:
    user = await new_user(live_server.http_url)
    expired = _token_at(settings, user["access_token"], dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    chat = await Chat.connect(live_server.ws_url)
    await chat.send({"type": "auth", "token": expired})
    assert (await chat.expect("error"))["code"] == "auth_failed"
    assert await _closed_with(chat) == 1008


async def test_chat_token_expiring_mid_socket_asks_to_reauthenticate(
    live_server: LiveServer, settings: Settings
) -> None:
    user = await new_user(live_server.http_url)
    short = _token_at(settings, user["access_token"], dt.datetime.now(dt.UTC), ttl=2)
    chat = await Chat.connect(live_server.ws_url, short, via="frame")
    await chat.start("listener")
    await asyncio.sleep(2.5)
    await chat.send({"type": "user_message", "client_message_id": "late-1", "text": "Hello again."})
    err = await chat.expect("error")
    assert err["code"] == "token_expired"
    await chat.send({"type": "auth", "token": user["access_token"]})
    await chat.expect("authenticated")
    ack = await chat.say("Hello again.", client_id="late-1")
    assert ack["seq"] == 2  # the refused frame stored nothing
    await chat.close()


async def test_chat_unauthenticated_socket_closed_after_deadline(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(protocol, "AUTH_DEADLINE_SECONDS", 0.5)
    chat = await Chat.connect(live_server.ws_url)
    await chat.send({"type": "start", "agent": "listener"})
    assert (await chat.expect("error"))["code"] == "not_authenticated"
    err = await chat.expect("error")
    assert err["code"] == "not_authenticated"
    assert "timed out" in err["message"]
    assert await _closed_with(chat) == 1008


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("this is not json", "invalid_json"),
        ("[1, 2, 3]", "invalid_json"),
        ('{"no_type": 1}', "invalid_frame"),
        ('{"type": "teleport"}', "unknown_type"),
        ('{"type": "user_message", "text": "hi"}', "invalid_frame"),
        ('{"type": "user_message", "client_message_id": 5, "text": "hi"}', "invalid_frame"),
        ('{"type": "user_message", "client_message_id": "a", "text": "   "}', "invalid_frame"),
        ('{"type": "resume", "session_id": "x", "last_seq": "3"}', "invalid_frame"),
        ('{"type": "start", "agent": "../../etc"}', "invalid_frame"),
        ('{"type": "user_message", "client_message_id": "a", "text": "' + "x" * 4001 + '"}', "text_too_long"),
    ],
)
async def test_chat_malformed_frames_get_error_frames(live_server: LiveServer, raw: str, code: str) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    await chat.send_raw(raw)
    err = await chat.expect("error")
    assert err["code"] == code
    assert "x" * 50 not in json.dumps(err)
    assert "not json" not in err["message"]
    # The socket survives and still works.
    await chat.send({"type": "ping", "ts": 1})
    await chat.expect("pong")
    await chat.close()


async def test_chat_user_message_before_start_and_unknown_agent(live_server: LiveServer) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    await chat.send({"type": "user_message", "client_message_id": "a1", "text": "hello"})
    assert (await chat.expect("error"))["code"] == "session_required"
    await chat.send({"type": "start", "agent": "no-such-agent"})
    assert (await chat.expect("error"))["code"] == "agent_not_found"
    await chat.close()


async def test_chat_oversize_frame_closes_1009(live_server: LiveServer) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    await chat.send_raw(json.dumps({"type": "ping", "pad": "x" * (protocol.MAX_FRAME_BYTES + 1)}))
    assert (await chat.expect("error"))["code"] == "frame_too_large"
    assert await _closed_with(chat) == 1009


async def test_chat_other_users_session_is_refused(
    live_server: LiveServer, owner_engine: AsyncEngine, app_db: Database
) -> None:
    alice = await new_user(live_server.http_url)
    mallory = await new_user(live_server.http_url)
    a = await Chat.connect(live_server.ws_url, alice["access_token"])
    session_id, _ = await a.start("listener")
    await a.turn("I went for a walk today.")

    m = await Chat.connect(live_server.ws_url, mallory["access_token"])
    for frame in (
        {"type": "resume", "session_id": session_id, "last_seq": 0},
        {"type": "resume", "session_id": str(uuid.uuid4()), "last_seq": 0},
        {"type": "resume", "session_id": "not-a-uuid", "last_seq": 0},
    ):
        await m.send(frame)
        err = await m.expect("error")
        assert err["code"] == "session_not_found"
    # Not attached to anything: a message has nowhere to go.
    await m.send({"type": "user_message", "client_message_id": "sneaky", "text": "hi"})
    assert (await m.expect("error"))["code"] == "session_required"
    assert not [f for f in m.frames if f.get("seq")]
    await m.close()
    await a.close()

    async with owner_engine.connect() as conn:
        last_seq = (
            await conn.execute(select(ChatSession.last_seq).where(ChatSession.id == uuid.UUID(session_id)))
        ).scalar_one()
    assert last_seq == 3
    # The second lock: as Mallory, row-level security hides the row even without the service's check.
    async with app_db.unit_of_work(Principal(uuid.UUID(mallory["user_id"]), "patient")) as session:
        rows = (
            await session.execute(text("SELECT id FROM chat_sessions WHERE id = :id"), {"id": session_id})
        ).all()
        assert rows == []
        updated = await session.execute(
            text("UPDATE chat_sessions SET last_seq = last_seq + 1 WHERE id = :id"), {"id": session_id}
        )
        assert updated.rowcount == 0  # type: ignore[attr-defined]


async def test_chat_messages_are_rate_limited_per_socket(live_server: LiveServer) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    await chat.start("listener")
    for i in range(12):
        await chat.send(
            {"type": "user_message", "client_message_id": f"burst-{i}", "text": "Just checking in."}
        )
    limited: list[dict[str, Any]] = []
    acks: list[dict[str, Any]] = []
    while len(limited) + len(acks) < 12:
        frame = await chat.recv()
        if frame["type"] == "error":
            assert frame["code"] == "rate_limited"
            assert frame["retry_after_ms"] > 0
            limited.append(frame)
        elif frame["type"] == "ack":
            acks.append(frame)
    assert limited
    assert len(acks) >= protocol.RATE_BURST
    assert {f["client_message_id"] for f in limited}.isdisjoint({f["client_message_id"] for f in acks})
    await chat.close()
