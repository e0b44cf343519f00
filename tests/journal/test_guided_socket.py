"""Guided sessions over ``/v1/ws/guided``: real sockets against the live server, committed data."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from hp_agent.config import Settings
from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.models import CrisisDetection
from hp_agent.journal.models import GuidedSession
from tests.chat.chat_client import new_user
from tests.conftest import LiveServer
from tests.journal.guided_client import PROTOCOL, GuidedSocket
from tests.journal.guided_data import ACTIVATION, RISKY, THOUGHT_RECORD

pytestmark = pytest.mark.usefixtures("seeded")


async def _session_row(owner_engine: AsyncEngine, sid: str) -> GuidedSession:
    async with AsyncSession(owner_engine) as s:
        return (await s.execute(select(GuidedSession).where(GuidedSession.id == uuid.UUID(sid)))).scalar_one()


async def _detections(owner_engine: AsyncEngine, user_id: str) -> list[CrisisDetection]:
    async with AsyncSession(owner_engine) as s:
        stmt = select(CrisisDetection).where(CrisisDetection.user_id == uuid.UUID(user_id))
        return list((await s.execute(stmt)).scalars().all())


async def test_thought_record_over_the_socket_with_distortion_suggestions(live_server: LiveServer) -> None:
    me = await new_user(live_server.http_url)
    sock = await GuidedSocket.connect(live_server.ws_url, me["access_token"])
    try:
        step = await sock.start("thought_record")
        sid = step["session_id"]
        assert (step["step"]["key"], step["step"]["input"], step["steps_total"]) == ("situation", "text", 7)
        assert step["intro"]
        assert step["suggestions"] is None
        for key, value in THOUGHT_RECORD[:-1]:
            saved = await sock.answer(sid, key, value)
            assert saved["step"] == key
            step = await sock.expect("guided_step")
            if step["step"]["key"] == "distortions":
                codes = {d["code"] for d in step["suggestions"]["distortions"]}
                assert {"fortune_telling", "all_or_nothing"} <= codes
                assert step["answers"]["emotions"]["emotions"][0] == {"name": "anxious", "intensity": 80}
        await sock.answer(sid, *THOUGHT_RECORD[-1])
        done = await sock.expect("guided_complete")
    finally:
        await sock.close()
    assert done["thought_record_id"] == sid
    assert done["message"]
    async with httpx.AsyncClient(base_url=live_server.http_url) as http:
        r = await http.get(
            f"/v1/journal/guided/thought-records/{sid}",
            headers={"Authorization": f"Bearer {me['access_token']}"},
        )
    record = r.json()["record"]
    assert (record["status"], record["distortions"]) == ("completed", ["fortune_telling", "all_or_nothing"])
    assert record["journal_entry_id"] == done["journal_entry_id"]


async def test_paused_over_rest_resumes_on_a_fresh_instance_over_the_socket(
    live_server: LiveServer, settings: Settings
) -> None:
    me = await new_user(live_server.http_url)
    auth = {"Authorization": f"Bearer {me['access_token']}"}
    async with httpx.AsyncClient(base_url=live_server.http_url) as http:
        sid = (
            await http.post(
                "/v1/journal/guided/sessions", json={"flow": "behavioural_activation"}, headers=auth
            )
        ).json()["id"]
        for key, value in ACTIVATION[:3]:
            r = await http.post(
                f"/v1/journal/guided/sessions/{sid}/answers",
                json={"step": key, "answer": value},
                headers=auth,
            )
            assert r.status_code == 200, r.text
        assert (await http.post(f"/v1/journal/guided/sessions/{sid}/pause", headers=auth)).json()[
            "status"
        ] == "paused"

    # A second app instance: nothing in its memory, everything from PostgreSQL.
    fresh = LiveServer(settings)
    fresh.start()
    try:
        sock = await GuidedSocket.connect(fresh.ws_url, me["access_token"])
        await sock.send({"type": "guided_resume", "session_id": sid})
        step = await sock.expect("guided_step")
        assert (step["status"], step["step_number"], step["step"]["key"]) == ("active", 4, "plan")
        assert step["answers"] == {key: value for key, value in ACTIVATION[:3]}
        # The resumed session is the socket's current one: session_id may be left out.
        await sock.send(
            {"type": "guided_answer", "step": "plan", "value": ACTIVATION[3][1], "client_id": "p-1"}
        )
        await sock.expect("guided_saved")
        await sock.expect("guided_step")
        await sock.answer(sid, *ACTIVATION[4])
        done = await sock.expect("guided_complete")
        await sock.close()
    finally:
        fresh.stop()
    assert done["journal_entry_id"] == sid
    async with httpx.AsyncClient(base_url=live_server.http_url) as http:
        entry = (await http.get(f"/v1/journal/entries/{sid}", headers=auth)).json()
    assert "Being outdoors and seeing friends." in entry["content"]
    assert "Tomorrow at 8, before work" in entry["content"]


async def test_risky_answer_gets_a_safety_frame_and_a_stored_detection(
    live_server: LiveServer, owner_engine: AsyncEngine
) -> None:
    me = await new_user(live_server.http_url)
    sock = await GuidedSocket.connect(live_server.ws_url, me["access_token"])
    try:
        sid = (await sock.start("thought_record"))["session_id"]
        await sock.answer(sid, "situation", {"situation": RISKY})
        safety = await sock.expect("safety")
        nxt = await sock.expect("guided_step")
    finally:
        await sock.close()
    assert (safety["kind"], safety["session_id"], safety["step"]) == ("resources", sid, "situation")
    assert safety["payload"]["level"] in ("moderate", "high", "imminent")
    assert safety["payload"]["crisis_lines"]
    assert all("action" in line for line in safety["payload"]["crisis_lines"])
    assert safety["text"]
    assert nxt["step"]["key"] == "automatic_thought"
    (detection,) = await _detections(owner_engine, sock.frames[0]["user_id"])  # from "ready"
    assert (detection.source, str(detection.source_id)) == (DetectionSource.THOUGHT_RECORD, sid)
    assert (await _session_row(owner_engine, sid)).crisis_detection_id == detection.id


async def test_another_persons_session_is_refused(live_server: LiveServer, owner_engine: AsyncEngine) -> None:
    alice, bob = await new_user(live_server.http_url), await new_user(live_server.http_url)
    a = await GuidedSocket.connect(live_server.ws_url, alice["access_token"])
    sid = (await a.start("gratitude"))["session_id"]
    await a.close()
    b = await GuidedSocket.connect(live_server.ws_url, bob["access_token"])
    try:
        frames: list[dict[str, Any]] = [
            {"type": "guided_resume", "session_id": sid},
            {
                "type": "guided_answer",
                "session_id": sid,
                "step": "items",
                "value": {"items": ["x"]},
                "client_id": "b1",
            },
            {"type": "guided_pause", "session_id": sid},
            {"type": "guided_abandon", "session_id": sid},
            {"type": "guided_resume", "session_id": "not-a-uuid"},
        ]
        for frame in frames:
            await b.send(frame)
            err = await b.expect("error")
            assert err["code"] == "session_not_found", err
    finally:
        await b.close()
    row = await _session_row(owner_engine, sid)
    assert (row.status.value, row.step, row.answers) == ("active", 1, "{}")


async def test_bad_frames_and_steps_get_clear_errors(live_server: LiveServer) -> None:
    me = await new_user(live_server.http_url)
    sock = await GuidedSocket.connect(live_server.ws_url, me["access_token"])
    try:
        await sock.ws.send("{not json")
        assert (await sock.expect("error"))["code"] == "invalid_json"
        await sock.send({"type": "start", "agent": "listener"})  # a chat frame on the guided socket
        err = await sock.expect("error")
        assert err["code"] == "unknown_type"
        assert "guided_answer" in err["known"]
        await sock.send({"type": "guided_pause"})
        assert (await sock.expect("error"))["code"] == "session_required"
        await sock.send({"type": "guided_start", "flow": "astrology"})
        assert (await sock.expect("error"))["code"] == "flow_not_found"
        sid = (await sock.start("thought_record"))["session_id"]

        await sock.send(
            {"type": "guided_answer", "session_id": sid, "step": "situation", "value": {"situation": "x"}}
        )
        err = await sock.expect("error")
        assert (err["code"], err["fields"][0]["field"]) == ("invalid_frame", "client_id")
        cases = [
            ("horoscope", {}, "unknown_step"),
            ("evidence", {"evidence_for": "a", "evidence_against": "b"}, "step_out_of_order"),
            ("situation", {"situation": "Penelope " * 600}, "invalid_answer"),
        ]
        for step, value, code in cases:
            await sock.send(
                {
                    "type": "guided_answer",
                    "session_id": sid,
                    "step": step,
                    "value": value,
                    "client_id": f"c-{step}",
                }
            )
            err = await sock.expect("error")
            assert (err["code"], err["client_id"]) == (code, f"c-{step}"), err
            assert "Penelope" not in json.dumps(err)  # errors name fields and rules, never the words
        assert err["fields"] == [{"field": "situation", "message": "must be at most 4000 characters"}]
        await sock.send({"type": "guided_pause", "session_id": sid})
        assert (await sock.expect("guided_paused"))["session_id"] == sid
        await sock.send(
            {
                "type": "guided_answer",
                "session_id": sid,
                "step": "situation",
                "value": {"situation": "ok"},
                "client_id": "late",
            }
        )
        assert (await sock.expect("error"))["code"] == "session_paused"
        await sock.send({"type": "guided_abandon", "session_id": sid})
        assert (await sock.expect("guided_abandoned"))["session_id"] == sid
        await sock.send({"type": "guided_resume", "session_id": sid})
        assert (await sock.expect("error"))["code"] == "session_ended"
        await sock.send({"type": "ping", "ts": 7})
        assert await sock.expect("pong") == {"type": "pong", "ts": 7}
    finally:
        await sock.close()


async def test_authentication_is_the_chat_sockets(live_server: LiveServer) -> None:
    sock = await GuidedSocket.connect(live_server.ws_url)
    await sock.send({"type": "guided_start", "flow": "gratitude"})
    assert (await sock.expect("error"))["code"] == "not_authenticated"
    await sock.send({"type": "auth", "token": "not-a-token"})
    assert (await sock.expect("error"))["code"] == "auth_failed"
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await sock.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008
    # The accepted subprotocol is the guided one, never the bearer token.
    me = await new_user(live_server.http_url)
    ok = await GuidedSocket.connect(live_server.ws_url, me["access_token"])
    assert ok.ws.subprotocol == PROTOCOL
    ready = ok.frames[0]
    assert (ready["type"], ready["protocol"]) == ("ready", PROTOCOL)
    await ok.close()


async def test_resent_answer_is_stored_once(live_server: LiveServer, owner_engine: AsyncEngine) -> None:
    me = await new_user(live_server.http_url)
    sock = await GuidedSocket.connect(live_server.ws_url, me["access_token"])
    try:
        sid = (await sock.start("behavioural_activation"))["session_id"]
        first = await sock.answer(sid, "check_in", {"mood_before": 4}, client_id="same-1")
        await sock.expect("guided_step")
        # The client missed the ack and resends: the same ack comes back, marked as a duplicate.
        again = await sock.answer(sid, "check_in", {"mood_before": 4}, client_id="same-1")
        step = await sock.expect("guided_step")
    finally:
        await sock.close()
    assert "duplicate" not in first
    assert again["duplicate"] is True
    assert (step["step_number"], step["step"]["key"]) == (2, "values")
    row = await _session_row(owner_engine, sid)
    assert row.step == 2
    assert json.loads(row.answers) == {"check_in": {"mood_before": 4}}
    assert [e["id"] for e in row.client_ids] == ["same-1"]


async def test_the_same_answer_from_two_devices_at_once_is_stored_once(
    live_server: LiveServer, owner_engine: AsyncEngine
) -> None:
    me = await new_user(live_server.http_url)
    phone = await GuidedSocket.connect(live_server.ws_url, me["access_token"])
    laptop = await GuidedSocket.connect(live_server.ws_url, me["access_token"])
    try:
        sid = (await phone.start("thought_record"))["session_id"]
        frame = {
            "type": "guided_answer",
            "session_id": sid,
            "step": "situation",
            "value": {"situation": RISKY},
            "client_id": "both-1",
        }
        # The session row is locked while an answer is applied: the second waits, then sees the key.
        await asyncio.gather(phone.send(frame), laptop.send(frame))
        saved = await asyncio.gather(phone.expect("guided_saved"), laptop.expect("guided_saved"))
    finally:
        await phone.close()
        await laptop.close()
    assert sorted(bool(s.get("duplicate")) for s in saved) == [False, True]
    row = await _session_row(owner_engine, sid)
    assert (row.step, [e["id"] for e in row.client_ids]) == (2, ["both-1"])
    assert len(await _detections(owner_engine, str(row.user_id))) == 1


@pytest.mark.parametrize("socket", ["guided", "chat"])
async def test_a_frame_flood_closes_either_socket_with_policy(live_server: LiveServer, socket: str) -> None:
    """Both person-facing sockets share one receive loop (``hp_agent.api.socket_base``)."""
    from hp_agent.api.socket_base import FRAME_BURST
    from tests.chat.chat_client import Chat

    user = await new_user(live_server.http_url)
    conn: Any
    if socket == "guided":
        conn = await GuidedSocket.connect(live_server.ws_url, user["access_token"])
    else:
        conn = await Chat.connect(live_server.ws_url, user["access_token"])
    for i in range(FRAME_BURST * 2):
        try:
            await conn.ws.send(json.dumps({"type": "ping", "ts": i}))
        except websockets.ConnectionClosed:
            break
    codes: list[str] = []
    closed = False
    for _ in range(FRAME_BURST * 3):
        try:
            frame = json.loads(await asyncio.wait_for(conn.ws.recv(), 10))
        except websockets.ConnectionClosed:
            closed = True
            break
        if frame["type"] == "error":
            codes.append(frame["code"])
    assert closed
    assert conn.ws.close_code == 1008
    assert codes == ["rate_limited"]
