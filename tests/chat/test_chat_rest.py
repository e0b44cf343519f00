"""REST for chat sessions: list, create, history pages, end, analytics; owner only."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.chat.chat_client import Chat, new_user
from tests.conftest import LiveServer

pytestmark = pytest.mark.usefixtures("seeded", "keyword_engine")


def _auth(user: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {user['access_token']}"}


async def test_chat_rest_history_pages_end_and_analytics(live_server: LiveServer) -> None:
    user = await new_user(live_server.http_url)
    chat = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, _ = await chat.start("listener")
    texts = [
        "I went for a walk today.",
        "I felt calm afterwards, it was good.",
        "Thanks, that sounds useful.",
    ]
    for t in texts:
        await chat.turn(t)
    await chat.close()

    async with httpx.AsyncClient(base_url=live_server.http_url, headers=_auth(user), timeout=30) as http:
        page = (await http.get("/v1/chat/sessions")).json()
        assert [s["id"] for s in page["items"]] == [session_id]
        assert page["next_cursor"] is None

        first = (await http.get(f"/v1/chat/sessions/{session_id}/messages", params={"limit": 4})).json()
        assert [m["seq"] for m in first["items"]] == [1, 2, 3, 4]
        assert first["next_after_seq"] == 4
        rest = (
            await http.get(f"/v1/chat/sessions/{session_id}/messages", params={"after_seq": 4, "limit": 200})
        ).json()
        assert [m["seq"] for m in rest["items"]] == [5, 6, 7]
        assert rest["next_after_seq"] is None
        users = [m for m in first["items"] + rest["items"] if m["role"] == "user"]
        assert [m["text"] for m in users] == texts
        assert users[1]["sentiment"] > 0
        assert all(m["risk_level"] for m in users)
        assert (
            await http.get(f"/v1/chat/sessions/{session_id}/messages", params={"limit": 201})
        ).status_code == 422

        stats = (await http.get(f"/v1/chat/sessions/{session_id}/analytics")).json()
        assert stats["message_count"] == 7
        assert stats["user_message_count"] == 3
        assert stats["agent_message_count"] == 4
        assert stats["avg_latency_ms"] >= 0
        assert stats["avg_sentiment"] is not None
        assert stats["crisis_flag_count"] == 0

        ended = (await http.post(f"/v1/chat/sessions/{session_id}/end")).json()
        assert ended["status"] == "ended"
        assert ended["ended_at"]
        assert ended["last_seq"] == 8
        assert (await http.post(f"/v1/chat/sessions/{session_id}/end")).status_code == 200  # idempotent

    back = await Chat.connect(live_server.ws_url, user["access_token"])
    await back.send({"type": "resume", "session_id": session_id, "last_seq": 7})
    assert (await back.expect("session_resumed"))["status"] == "ended"
    assert (await back.expect("session_ended"))["seq"] == 8
    await back.expect("replay_complete")
    await back.send({"type": "user_message", "client_message_id": "after-end", "text": "hello?"})
    assert (await back.expect("error"))["code"] == "session_ended"
    await back.close()


async def test_chat_rest_owner_only_and_pagination(live_server: LiveServer) -> None:
    alice = await new_user(live_server.http_url)
    bob = await new_user(live_server.http_url)
    async with httpx.AsyncClient(base_url=live_server.http_url, timeout=30) as http:
        ids = []
        for agent in ("listener", "cbt-coach", "act-guide"):
            r = await http.post("/v1/chat/sessions", json={"agent": agent}, headers=_auth(alice))
            assert r.status_code == 201, r.text
            assert r.json()["greeting"]["seq"] == 1
            assert r.json()["greeting"]["role"] == "agent"
            ids.append(r.json()["session"]["id"])
        assert (
            await http.post("/v1/chat/sessions", json={"agent": "nobody"}, headers=_auth(alice))
        ).status_code == 404
        p1 = (await http.get("/v1/chat/sessions", params={"limit": 2}, headers=_auth(alice))).json()
        p2 = (
            await http.get(
                "/v1/chat/sessions", params={"limit": 2, "cursor": p1["next_cursor"]}, headers=_auth(alice)
            )
        ).json()
        assert [s["id"] for s in p1["items"] + p2["items"]] == ids[::-1]
        assert p2["next_cursor"] is None

        sid = ids[0]
        for path in ("", "/messages", "/analytics"):
            assert (await http.get(f"/v1/chat/sessions/{sid}{path}", headers=_auth(bob))).status_code == 404
        assert (await http.post(f"/v1/chat/sessions/{sid}/end", headers=_auth(bob))).status_code == 404
        assert (await http.get("/v1/chat/sessions", headers=_auth(bob))).json()["items"] == []
        assert (await http.get("/v1/chat/sessions")).status_code == 401
        assert (await http.get(f"/v1/chat/sessions/{sid}", headers=_auth(alice))).json()["status"] == "active"
