"""Graded response end to end, as the therapist sees it: the one-question check answered yes
leads through the full flow to the therapist's escalation; answered no, or stepped out of, it
shows on the patient's risk timeline and in the escalation context, and nothing is deleted.

The uncertain reading comes from ``tests/chat/engines.py`` (the real keyword engine with a
classifier stand-in), so the path does not move when the classifier is retrained.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hp_agent.crisis import assessor
from hp_agent.crisis.models import CrisisEscalation
from hp_agent.db.session import Database
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests.chat.chat_client import Chat, new_user
from tests.chat.conftest import RAISED_TEXTS, UNCERTAIN_TEXTS
from tests.chat.engines import SureClassifierDetector
from tests.conftest import LiveServer
from tests.escalation.conftest import TherapistSocket, bearer, link, make_user, token_for

FED_UP = UNCERTAIN_TEXTS[0]


@pytest.fixture
def uncertain_engine() -> Iterator[None]:
    assessor.pin_detector(SureClassifierDetector(UNCERTAIN_TEXTS, RAISED_TEXTS))
    yield
    assessor.pin_detector(None)


async def _patient_with_therapist(
    server: LiveServer, db: Database, *, chat_consent: bool = True
) -> tuple[dict[str, Any], uuid.UUID, uuid.UUID, str]:
    tokens = await new_user(server.http_url)
    async with httpx.AsyncClient(base_url=server.http_url, headers=bearer(tokens["access_token"])) as c:
        patient = uuid.UUID((await c.get("/v1/me")).json()["id"])
    therapist = await make_user(db, UserRole.therapist, prefix="th")
    await link(db, patient, therapist, chat=chat_consent)
    return tokens, patient, therapist, await token_for(server.http_url, therapist, db)


async def _timeline(server: LiveServer, token: str, patient: uuid.UUID) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=server.http_url, headers=bearer(token)) as c:
        r = await c.get(f"/v1/patients/{patient}/risk-timeline")
        assert r.status_code == 200, r.text
        points: list[dict[str, Any]] = r.json()["points"]
        return points


@pytest.mark.usefixtures("uncertain_engine")
async def test_check_answered_yes_leads_to_the_screener_and_the_therapists_escalation(
    esc_server: LiveServer, live_db: Database, worker: Any
) -> None:
    tokens, patient, _therapist, th_token = await _patient_with_therapist(esc_server, live_db)
    console = await TherapistSocket.connect(esc_server.ws_url, th_token)
    chat = await Chat.connect(esc_server.ws_url, tokens["access_token"])
    try:
        await chat.start("cbt-coach")
        await chat.say(FED_UP)
        assert (await chat.expect("safety"))["kind"] == "check"
        # Uncertain evidence at moderate: nobody is alerted for the check itself.
        assert [f for f in await console.frames_for(0.5) if f.get("type") == "escalation"] == []

        await chat.say("yes")
        acknowledge, resources, q1 = [await chat.expect("safety") for _ in range(3)]
        assert acknowledge["kind"] == "acknowledge"
        assert acknowledge["text"].startswith("Thank you for telling me. I'm really glad you said so.")
        assert resources["kind"] == "resources"
        assert q1["question"]["item_id"] == "cssrs_1"
        for item, answer in (("cssrs_2", "yes"), ("cssrs_3", "yes"), ("cssrs_4", "yes")):
            await chat.say(answer)
            assert (await chat.expect("safety", kind="question"))["question"]["item_id"] == item
        await chat.say("yes")  # Q4: high risk, the screener ends and the therapist is alerted
        result = await chat.expect("safety", kind="screener_result")
        assert result["result"]["risk_level"] == "high"
        escalation = await console.next_frame("escalation", within=5)
        assert escalation["user_id"] == str(patient)
    finally:
        await chat.close()
        await console.close()

    async with live_db.unit_of_work(SYSTEM) as s:
        [esc] = (
            await s.execute(select(CrisisEscalation).where(CrisisEscalation.user_id == patient))
        ).scalars()
        assert str(esc.id) == escalation["escalation_id"]
    points = await _timeline(esc_server, th_token, patient)
    checked = [p for p in points if p["check_asked_at"] is not None]
    assert len(checked) == 1
    assert checked[0]["check_answer"] == "yes"
    assert checked[0]["risk_level"] == "moderate"
    assert any(p["risk_level"] == "high" and p["source"] == "assessment" for p in points)
    assert checked[0]["detection_id"] is not None


@pytest.mark.usefixtures("uncertain_engine")
async def test_check_answered_no_is_on_the_timeline(esc_server: LiveServer, live_db: Database) -> None:
    tokens, patient, _therapist, th_token = await _patient_with_therapist(esc_server, live_db)
    chat = await Chat.connect(esc_server.ws_url, tokens["access_token"])
    try:
        await chat.start("listener")
        await chat.say(FED_UP)
        assert (await chat.expect("safety"))["kind"] == "check"
        no = await chat.say("no, I'm fine")
        await chat.expect("agent_message", reply_to=no["client_message_id"])
    finally:
        await chat.close()
    points = await _timeline(esc_server, th_token, patient)
    [point] = [p for p in points if p["check_asked_at"] is not None]
    assert point["risk_level"] == "moderate"
    # The answer itself raised nothing (a detection of it, if any, is below moderate).
    assert all(p["risk_level"] in ("none", "low") for p in points if p is not point)
    assert point["check_answer"] == "no"
    assert point["check_asked_at"] <= point["check_answered_at"]
    assert point["false_alarm_reported_at"] is None


@pytest.mark.usefixtures("uncertain_engine")
async def test_stepping_out_after_a_high_risk_message_keeps_the_escalation_and_shows_the_self_report(
    esc_server: LiveServer, live_db: Database, worker: Any
) -> None:
    tokens, patient, _therapist, th_token = await _patient_with_therapist(esc_server, live_db)
    console = await TherapistSocket.connect(esc_server.ws_url, th_token)
    chat = await Chat.connect(esc_server.ws_url, tokens["access_token"])
    try:
        await chat.start("cbt-coach")
        await chat.say("I am going to kill myself tonight, I have the pills ready")
        await chat.expect("safety", kind="question")
        escalation = await console.next_frame("escalation", within=5)
        out = await chat.say("lol it was a joke")
        exit_frame = await chat.expect("safety", kind="screener_exit")
        # An escalation is open: the person is told honestly that their care team may check in.
        assert "care team" in exit_frame["text"]
        assert exit_frame["payload"]["crisis_lines"]
        await chat.expect("agent_message", reply_to=out["client_message_id"])
    finally:
        await chat.close()
        await console.close()

    async with httpx.AsyncClient(base_url=esc_server.http_url, headers=bearer(th_token)) as c:
        r = await c.get(f"/v1/escalations/{escalation['escalation_id']}/context")
        assert r.status_code == 200, r.text
        ctx = r.json()
    assert ctx["detection"]["false_alarm_reported_at"] is not None
    assert ctx["detection"]["risk_level"] in ("high", "imminent")
    async with live_db.unit_of_work(SYSTEM) as s:
        esc = await s.get(CrisisEscalation, uuid.UUID(escalation["escalation_id"]))
        assert esc is not None
        assert esc.status.value in ("open", "notified")  # a self-report does not close it
    points = await _timeline(esc_server, th_token, patient)
    assert any(p["false_alarm_reported_at"] for p in points)
