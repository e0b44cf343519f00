"""Two app instances behind one Redis: devices on different instances see each other live."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hp_agent.app_state import state_of
from hp_agent.config import Settings
from tests.chat.chat_client import Chat, new_user
from tests.conftest import LiveServer

pytestmark = pytest.mark.usefixtures("seeded", "keyword_engine")


@pytest.fixture
def second_instance(live_server: LiveServer, settings: Settings) -> Iterator[LiveServer]:
    if state_of(live_server.app).redis is None:
        pytest.skip("the app runs without Redis (no cross-instance fan-out)")
    other = LiveServer(settings)
    other.start()
    yield other
    other.stop()


def _seqs(chat: Chat) -> list[int]:
    return [int(f["seq"]) for f in chat.frames if "seq" in f]


async def test_frames_reach_a_device_on_another_instance_live_and_once(
    live_server: LiveServer, second_instance: LiveServer
) -> None:
    user = await new_user(live_server.http_url)
    phone = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, _ = await phone.start("listener")
    tablet = await Chat.connect(second_instance.ws_url, user["access_token"])
    await tablet.send({"type": "resume", "session_id": session_id, "last_seq": 1})
    await tablet.expect("replay_complete")

    # The tablet sends nothing: what it receives can only come through the other instance.
    ack, _, reply = await phone.turn("I went for a walk this morning.")
    seen_ack = await tablet.expect("ack", client_message_id=ack["client_message_id"])
    seen_reply = await tablet.expect("agent_message", seq=reply["seq"])
    assert seen_ack["seq"] == ack["seq"]
    assert seen_reply["text"] == reply["text"]
    assert "replayed" not in seen_ack  # live, not a backfill
    assert "replayed" not in seen_reply

    # And the other way round.
    ack2, _, reply2 = await tablet.turn("I'd like to plan my week better.")
    assert (await phone.expect("ack", client_message_id=ack2["client_message_id"]))["seq"] == ack2["seq"]
    assert (await phone.expect("agent_message", seq=reply2["seq"]))["text"] == reply2["text"]

    for device in (phone, tablet):
        seqs = _seqs(device)
        assert seqs == sorted(set(seqs)), "every stored frame once, in order"
        assert seqs[-1] == reply2["seq"]
    await phone.close()
    await tablet.close()


async def test_typing_reaches_the_other_devices_only(
    live_server: LiveServer, second_instance: LiveServer
) -> None:
    user = await new_user(live_server.http_url)
    phone = await Chat.connect(live_server.ws_url, user["access_token"])
    session_id, greeting = await phone.start("listener")
    laptop = await Chat.connect(live_server.ws_url, user["access_token"])  # same instance
    tablet = await Chat.connect(second_instance.ws_url, user["access_token"])  # the other one
    for device in (laptop, tablet):
        await device.send({"type": "resume", "session_id": session_id, "last_seq": greeting["seq"]})
        await device.expect("replay_complete")

    await phone.send({"type": "typing", "state": "start"})
    for device in (laptop, tablet):
        seen = await device.expect("typing", by="user")
        assert seen == {"type": "typing", "session_id": session_id, "state": "start", "by": "user"}
    await phone.send({"type": "ping", "ts": 7})
    await phone.expect("pong")
    assert not [f for f in phone.frames if f["type"] == "typing"], "not echoed to the typist"
    for device in (phone, laptop, tablet):
        await device.close()
