"""A socket remembers its recent turns, and never assesses with a stale view of them."""

from __future__ import annotations

from typing import Any

import pytest

from hp_agent.chat import service
from hp_agent.chat.frames import display_text
from tests.chat.chat_client import Chat, new_user
from tests.conftest import LiveServer

pytestmark = pytest.mark.usefixtures("seeded", "keyword_engine")


async def test_turns_written_by_another_device_reach_the_context_before_assessment(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[str] = []  # client ids that needed a database read before the engine
    contexts: dict[str, list[str]] = {}  # text assessed -> the turns it was assessed with
    real_prepare, real_assess = service.prepare, service.assess_message

    async def prepare(session: Any, principal: Any, chat_id: Any, client_message_id: str) -> Any:
        reads.append(client_message_id)
        return await real_prepare(session, principal, chat_id, client_message_id)

    async def assess_message(text: str, prepared: service.Prepared) -> Any:
        contexts[text] = [display_text(m) for m in prepared.recent]
        return await real_assess(text, prepared)

    monkeypatch.setattr(service, "prepare", prepare)
    monkeypatch.setattr(service, "assess_message", assess_message)

    user = await new_user(live_server.http_url)
    phone = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, greeting = await phone.start("listener")
    await phone.turn("I went for a walk this morning.")
    _, _, second_reply = await phone.turn("I noticed I was rushing through lunch.")
    assert reads == [], "the socket that wrote the turns needs no read"
    assert contexts["I noticed I was rushing through lunch."][0] == greeting["text"]

    tablet = await Chat.connect(live_server.ws_url, user["access_token"])
    await tablet.send({"type": "resume", "session_id": session_id, "last_seq": second_reply["seq"]})
    await tablet.expect("replay_complete")
    await tablet.turn("My sister and I argued about chores.")

    ack, _, _ = await phone.turn("I'd like to sleep a bit earlier.")
    seen = contexts["I'd like to sleep a bit earlier."]
    assert "My sister and I argued about chores." in seen, "the other device's turn is in the context"
    assert ack["seq"] > second_reply["seq"] + 2
    assert len(reads) == 2  # the tablet's first message, and the phone's after the tablet wrote
    await phone.close()
    await tablet.close()
