"""Safety reminders published on hp:user:{id} reach the chat socket and are stored with a seq."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis.asyncio as aioredis

from hp_agent.app_state import state_of
from tests.chat.chat_client import Chat, new_user
from tests.conftest import LiveServer

pytestmark = pytest.mark.usefixtures("seeded", "keyword_engine")


async def test_chat_relayed_reminder_is_stored_once_and_replayed(
    live_server: LiveServer, redis_url: str
) -> None:
    if state_of(live_server.app).redis is None:
        pytest.skip("the app runs without Redis (no events lifespan)")
    user = await new_user(live_server.http_url)
    phone = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, _ = await phone.start("listener")
    tablet = await Chat.connect(live_server.ws_url, user["access_token"])
    await tablet.send({"type": "resume", "session_id": session_id, "last_seq": 1})
    await tablet.expect("replay_complete")
    await asyncio.sleep(0.3)  # subscriptions are in place

    frame = {
        "type": "safety",
        "reason": "escalation_unacknowledged",
        "escalation_id": "8a1c2b9e-0000-4000-8000-000000000001",
        "crisis_lines": [{"name": "988 Lifeline", "channel": "call", "contact": "988"}],
    }
    client = aioredis.Redis.from_url(redis_url)
    try:
        await client.publish(f"hp:user:{user['user_id']}", json.dumps(frame))
    finally:
        await client.aclose()
    got = [await c.expect("safety", kind="reminder") for c in (phone, tablet)]
    assert got[0]["seq"] == got[1]["seq"] == 2  # stored once, both devices see the same frame
    assert got[0]["payload"]["crisis_lines"][0]["action"]["uri"] == "tel:988"
    await phone.close()
    await tablet.close()

    later = await Chat.connect(live_server.ws_url, user["access_token"])
    await later.send({"type": "resume", "session_id": session_id, "last_seq": 1})
    replayed = await later.expect("safety", kind="reminder")
    assert replayed["seq"] == 2
    assert replayed["replayed"] is True
    await later.close()
