"""Memory across chat sessions and saving a chat exercise to the journal: real socket, real
PostgreSQL, through the live app."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.chat.chat_client import Chat, new_user
from tests.chat.conftest import keyword_engine  # noqa: F401  (fixture)
from tests.conftest import LiveServer

pytestmark = pytest.mark.usefixtures("seeded", "keyword_engine")

# Exam stress, then the 5-4-3-2-1 exercise walked through to the end (the listener's steps).
GROUNDING = [
    "i'm so stressed about my exams next week",
    "can you walk me through a grounding exercise",
    "lamp, mug, window, my cat, the radiator",
    "sofa under me, socks, the blanket, the cat's fur",
    "traffic, the fridge, my breathing. coffee and soap. toothpaste",
    "maybe a 4 now, it was a 7",
]
# Words only the person wrote: none may reach the stored summary.
THEIR_WORDS = ("radiator", "toothpaste", "next week", "lamp", "stressed")


def _auth(user: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {user['access_token']}"}


async def _session(
    server: LiveServer, user: dict[str, Any], messages: list[str]
) -> tuple[str, str, list[str]]:
    """One conversation with the listener; returns (session id, greeting text, replies)."""
    chat = await Chat.connect(server.ws_url, user["access_token"])
    try:
        session_id, greeting = await chat.start("listener")
        replies = [(await chat.turn(m))[2]["text"] for m in messages]
    finally:
        await chat.close()
    return session_id, greeting["text"], replies


async def _end(http: httpx.AsyncClient, user: dict[str, Any], session_id: str) -> None:
    r = await http.post(f"/v1/chat/sessions/{session_id}/end", headers=_auth(user))
    assert r.status_code == 200, r.text


async def _raw_rows(owner_engine: AsyncEngine, user_id: str) -> list[Any]:
    async with owner_engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT consent, summary FROM conversation_memories WHERE user_id = :u"), {"u": user_id}
        )
        return list(rows.all())


async def test_without_consent_nothing_is_remembered(
    live_server: LiveServer, owner_engine: AsyncEngine
) -> None:
    user = await new_user(live_server.http_url)
    async with httpx.AsyncClient(base_url=live_server.http_url, timeout=60) as http:
        me = (await http.get("/v1/me", headers=_auth(user))).json()["id"]
        session_id, _, replies = await _session(live_server, user, GROUNDING)
        assert "grounding exercise done" in replies[-1]
        await _end(http, user, session_id)
        r = await http.get("/v1/me/memory", headers=_auth(user))
        assert r.status_code == 200, r.text
        assert r.json() == {"consent": False, "summary": None, "recall": None, "updated_at": None}
        _, greeting, _ = await _session(live_server, user, [])
    assert "last time" not in greeting.lower()
    assert await _raw_rows(owner_engine, me) == []


async def test_with_consent_the_next_session_picks_up_and_delete_forgets(
    live_server: LiveServer, owner_engine: AsyncEngine
) -> None:
    user = await new_user(live_server.http_url)
    async with httpx.AsyncClient(base_url=live_server.http_url, timeout=60) as http:
        me = (await http.get("/v1/me", headers=_auth(user))).json()["id"]
        r = await http.put("/v1/me/memory/consent", json={"consent": True}, headers=_auth(user))
        assert r.status_code == 200, r.text
        assert r.json()["consent"] is True
        assert r.json()["summary"] is None

        session_id, first_greeting, _ = await _session(live_server, user, GROUNDING)
        assert "last time" not in first_greeting.lower()
        await _end(http, user, session_id)

        shown = (await http.get("/v1/me/memory", headers=_auth(user))).json()
        summary = shown["summary"]
        assert summary["topics"][0] == "exam stress"
        assert summary["exercises_done"] == ["the 5-4-3-2-1 grounding exercise"]
        assert summary["exercises_paused"] == []
        assert shown["recall"].startswith("Last time we talked about exam stress")
        assert not any(w in str(shown).lower() for w in THEIR_WORDS)

        # Stored encrypted: the raw column holds none of the summary in the clear.
        [(consent, raw)] = await _raw_rows(owner_engine, me)
        assert consent is True
        assert raw is not None
        for word in (b"exam", b"grounding", b"topics", *(w.encode() for w in THEIR_WORDS)):
            assert word not in bytes(raw)

        _, greeting, replies = await _session(live_server, user, ["it's been a bit better actually"])
        assert "Last time we talked about exam stress" in greeting
        assert "5-4-3-2-1 grounding exercise" in greeting
        assert replies
        assert replies[0]

        r = await http.delete("/v1/me/memory", headers=_auth(user))
        assert r.status_code == 204
        shown = (await http.get("/v1/me/memory", headers=_auth(user))).json()
        assert shown["consent"] is True
        assert shown["summary"] is None
        [(_, raw)] = await _raw_rows(owner_engine, me)
        assert raw is None
        _, greeting, _ = await _session(live_server, user, [])
        assert "last time" not in greeting.lower(), "a deleted memory is not rebuilt from old sessions"


async def test_switching_consent_off_deletes_the_summary(
    live_server: LiveServer, owner_engine: AsyncEngine
) -> None:
    user = await new_user(live_server.http_url)
    async with httpx.AsyncClient(base_url=live_server.http_url, timeout=60) as http:
        me = (await http.get("/v1/me", headers=_auth(user))).json()["id"]
        await http.put("/v1/me/memory/consent", json={"consent": True}, headers=_auth(user))
        session_id, _, _ = await _session(live_server, user, GROUNDING[:2])
        await _end(http, user, session_id)
        assert (await http.get("/v1/me/memory", headers=_auth(user))).json()["summary"]["topics"]
        r = await http.put("/v1/me/memory/consent", json={"consent": False}, headers=_auth(user))
        assert r.json() == {"consent": False, "summary": None, "recall": None, "updated_at": None}
        assert await _raw_rows(owner_engine, me) == [(False, None)]
        r = await http.put("/v1/me/memory/consent", json={"consent": "maybe"}, headers=_auth(user))
        assert r.status_code == 422


async def test_a_finished_exercise_is_saved_to_the_journal(
    live_server: LiveServer, owner_engine: AsyncEngine
) -> None:
    user, other = await new_user(live_server.http_url), await new_user(live_server.http_url)
    # One answer carries a low-risk phrase: the saved entry is screened like any journal text.
    messages = [
        *GROUNDING[:4],
        "traffic, the fridge. honestly i feel hopeless about everything",
        GROUNDING[5],
    ]
    session_id, _, replies = await _session(live_server, user, messages)
    assert "save" in replies[-1], replies  # the agent offers it
    async with httpx.AsyncClient(base_url=live_server.http_url, timeout=60) as http:
        path = f"/v1/chat/sessions/{session_id}/exercises"
        r = await http.post(f"{path}/2/save", headers=_auth(user))
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "exercise_not_found"
        r = await http.post(f"{path}/1/save", headers=_auth(other))
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "session_not_found"
        r = await http.post(f"{path}/1/save", headers=_auth(user))
        assert r.status_code == 201, r.text
        entry_id = r.json()["id"]

        entries = (await http.get("/v1/journal/entries", headers=_auth(user))).json()["items"]
        [entry] = [e for e in entries if e["id"] == entry_id]
        assert entry["title"] == "The 5-4-3-2-1 grounding exercise"
        assert "chat-exercise" in entry["tags"]
        # Each step with the person's own answer, in order.
        content = entry["content"]
        assert content.index("five things you can see") < content.index("lamp, mug, window")
        assert content.index("lamp, mug, window") < content.index("four things you can feel")
        assert "maybe a 4 now, it was a 7" in content
        assert "i feel hopeless" in content
        assert (await http.get("/v1/journal/entries", headers=_auth(other))).json()["items"] == []

    # A normal journal entry: encrypted at rest, and screened (a detection tied to the entry).
    async with owner_engine.connect() as conn:
        raw, detection = (
            await conn.execute(
                text("SELECT content, crisis_detection_id FROM journal_entries WHERE id = :i"),
                {"i": uuid.UUID(entry_id)},
            )
        ).one()
        assert b"radiator" not in bytes(raw)
        assert detection is not None
        level = (
            await conn.execute(
                text("SELECT risk_level, source_id FROM crisis_detections WHERE id = :i"), {"i": detection}
            )
        ).one()
        assert level.source_id == uuid.UUID(entry_id)
