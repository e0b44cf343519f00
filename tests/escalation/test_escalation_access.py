"""A therapist sees escalations, messages, safety plans and risk history of their own patients
only: through the API, the socket and, underneath, row-level security as the application role.
Also the console's consent-dependent views and false-positive feedback."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from websockets.typing import Subprotocol

from hp_agent.chat.models import ChatMessage, ChatSession, MessageRole
from hp_agent.crisis import service
from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.models import CrisisDetection, CrisisEscalation, ReviewLabel, SafetyPlan
from hp_agent.db.session import Database, Principal
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests.conftest import LiveServer
from tests.escalation.conftest import TherapistSocket, bearer, link, make_user, patient_principal, token_for

PLAN = {
    "warning_signs": ["Not sleeping", "Pulling away from friends"],
    "internal_coping_strategies": ["Walk the dog"],
    "people_to_ask_for_help": [{"name": "Sam", "phone": "+1 555 0100"}],
    "reasons_for_living": ["My sister"],
}


async def chat_detection(db: Database, patient: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """A short conversation whose third message is high risk; returns (escalation, message) ids."""
    async with db.unit_of_work(patient_principal(patient)) as s:
        chat = ChatSession(id=uuid.uuid4(), user_id=patient)
        s.add(chat)
        await s.flush()
        texts = ["hi", "rough week", "I want to kill myself", "sorry"]
        msgs = [
            ChatMessage(
                id=uuid.uuid4(),
                session_id=chat.id,
                user_id=patient,
                seq=i + 1,
                role=MessageRole.USER,
                content=t,
            )
            for i, t in enumerate(texts)
        ]
        s.add_all(msgs)
        await s.flush()
        outcome = await service.assess_and_record(
            s,
            user_id=patient,
            source=DetectionSource.CHAT_MESSAGE,
            source_id=msgs[2].id,
            text=texts[2],
            chat_session_id=chat.id,
        )
        assert outcome.escalation is not None
        return outcome.escalation.id, msgs[2].id


async def test_escalation_other_therapists_see_nothing(
    esc_server: LiveServer, live_db: Database, worker: Any
) -> None:
    mine = await make_user(live_db, UserRole.therapist, prefix="th")
    other = await make_user(live_db, UserRole.therapist, prefix="ot")
    patient = await make_user(live_db, UserRole.patient, prefix="pt")
    rel_id = await link(live_db, patient, mine, chat=True, plan=True)
    other_token = await token_for(esc_server.http_url, other, live_db)
    patient_token = await token_for(esc_server.http_url, patient, live_db)
    async with httpx.AsyncClient(base_url=esc_server.http_url) as c:
        r = await c.put("/v1/safety-plan", json=PLAN, headers=bearer(patient_token))
        assert r.status_code == 200, r.text

    other_sock = await TherapistSocket.connect(esc_server.ws_url, other_token)
    mine_sock = await TherapistSocket.connect(
        esc_server.ws_url, await token_for(esc_server.http_url, mine, live_db)
    )
    try:
        eid, _msg = await chat_detection(live_db, patient)
        assert (await mine_sock.next_frame("escalation", within=5))["escalation_id"] == str(eid)
        leaked = [f for f in await other_sock.frames_for(1.0) if f.get("escalation_id") == str(eid)]
        assert leaked == []
    finally:
        await other_sock.close()
        await mine_sock.close()

    async with httpx.AsyncClient(base_url=esc_server.http_url, headers=bearer(other_token)) as c:
        assert str(eid) not in [x["id"] for x in (await c.get("/v1/escalations")).json()]
        for method, path, body in [
            ("GET", f"/v1/escalations/{eid}", None),
            ("GET", f"/v1/escalations/{eid}/context", None),
            ("POST", f"/v1/escalations/{eid}/acknowledge", None),
            ("POST", f"/v1/escalations/{eid}/notes", {"text": "x"}),
            ("POST", f"/v1/escalations/{eid}/resolve", {"outcome": "contacted_user"}),
            ("GET", f"/v1/patients/{patient}/safety-plan", None),
            ("GET", f"/v1/patients/{patient}/risk-timeline", None),
        ]:
            r = await c.request(method, path, json=body)
            assert r.status_code == 404, (path, r.status_code)
        # Nor may a therapist change a patient's consents.
        r = await c.put(f"/v1/care/relationships/{rel_id}/consent", json={"share_chat": True})
        assert r.status_code == 403

    # Underneath the service checks: row-level security as the application role.
    async with live_db.unit_of_work(Principal(other, "therapist")) as s:
        for model in (CrisisEscalation, CrisisDetection, ChatMessage, SafetyPlan):
            rows = (await s.execute(select(model).where(model.user_id == patient))).scalars().all()
            assert rows == [], model.__tablename__
    async with live_db.unit_of_work(Principal(mine, "therapist")) as s:
        for model in (CrisisEscalation, CrisisDetection, ChatMessage, SafetyPlan):
            rows = (await s.execute(select(model).where(model.user_id == patient))).scalars().all()
            assert rows, model.__tablename__


async def test_escalation_context_and_safety_plan_follow_patient_consent(
    esc_server: LiveServer, live_db: Database
) -> None:
    therapist = await make_user(live_db, UserRole.therapist, prefix="th")
    patient = await make_user(live_db, UserRole.patient, prefix="pt")
    rel_id = await link(live_db, patient, therapist)  # no consents yet
    eid, _msg = await chat_detection(live_db, patient)
    t_token = await token_for(esc_server.http_url, therapist, live_db)
    p_token = await token_for(esc_server.http_url, patient, live_db)
    async with (
        httpx.AsyncClient(base_url=esc_server.http_url, headers=bearer(t_token)) as t,
        httpx.AsyncClient(base_url=esc_server.http_url, headers=bearer(p_token)) as p,
    ):
        assert (await p.put("/v1/safety-plan", json=PLAN)).status_code == 200

        r = await t.get(f"/v1/escalations/{eid}/context")
        assert r.status_code == 200, r.text
        ctx = r.json()
        assert ctx["excerpt"] == "I want to kill myself"  # the detection's own (encrypted) excerpt
        assert ctx["chat_shared"] is False
        assert ctx["messages"] == []
        r = await t.get(f"/v1/patients/{patient}/safety-plan")
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "no_consent"

        r = await p.put(
            f"/v1/care/relationships/{rel_id}/consent", json={"share_chat": True, "share_safety_plan": True}
        )
        assert r.status_code == 200, r.text
        assert r.json()["consent_to_share_chat"] is True

        ctx = (await t.get(f"/v1/escalations/{eid}/context")).json()
        assert ctx["chat_shared"] is True
        assert [m["content"] for m in ctx["messages"]] == [
            "hi",
            "rough week",
            "I want to kill myself",
            "sorry",
        ]
        assert [m["is_trigger"] for m in ctx["messages"]] == [False, False, True, False]
        plan = (await t.get(f"/v1/patients/{patient}/safety-plan")).json()
        assert plan["warning_signs"] == PLAN["warning_signs"]
        timeline = (await t.get(f"/v1/patients/{patient}/risk-timeline")).json()
        assert [pt["source"] for pt in timeline["points"]] == ["chat_message"]
        assert timeline["points"][0]["risk_level"] in ("high", "imminent")

        # Revoking works the same way, immediately.
        await p.put(f"/v1/care/relationships/{rel_id}/consent", json={"share_safety_plan": False})
        assert (await t.get(f"/v1/patients/{patient}/safety-plan")).status_code == 403

        # False positive: structured feedback only, and the detection is labelled for tuning.
        r = await t.post(
            f"/v1/escalations/{eid}/false-positive", json={"reasons": ["joke_or_sarcasm"], "comment": "x"}
        )
        assert r.status_code == 422  # no free text
        r = await t.post(
            f"/v1/escalations/{eid}/false-positive", json={"reasons": ["x"], "wrong_terms": ["nope"]}
        )
        assert r.status_code == 422
        r = await t.post(
            f"/v1/escalations/{eid}/false-positive",
            json={"reasons": ["joke_or_sarcasm"], "wrong_categories": ["suicidal_ideation"]},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "false_positive"
        assert body["outcome"] == "false_positive"
        assert body["false_positive_feedback"]["reasons"] == ["joke_or_sarcasm"]
    async with live_db.unit_of_work(SYSTEM) as s:
        e = await s.get(CrisisEscalation, eid)
        assert e is not None
        d = await s.get(CrisisDetection, e.detection_id)
        assert d is not None
        assert d.review_label == ReviewLabel.FALSE_POSITIVE
        assert d.reviewed_by == therapist


async def test_escalation_socket_refuses_patients_and_bad_tokens(
    esc_server: LiveServer, live_db: Database
) -> None:
    import json

    import pytest
    import websockets

    patient = await make_user(live_db, UserRole.patient, prefix="pt")
    p_token = await token_for(esc_server.http_url, patient, live_db)
    for token in (p_token, "not-a-token"):
        async with websockets.connect(esc_server.ws_url + "/v1/ws/therapist") as ws:
            await ws.send(json.dumps({"type": "auth", "token": token}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1008

    # Subprotocol auth works too, and a fresh token can be sent on the open socket.
    therapist = await make_user(live_db, UserRole.therapist, prefix="th")
    t_token = await token_for(esc_server.http_url, therapist, live_db)
    async with websockets.connect(
        esc_server.ws_url + "/v1/ws/therapist",
        subprotocols=[Subprotocol("bearer"), Subprotocol(t_token)],
    ) as ws:
        assert json.loads(await ws.recv())["type"] == "ready"
        await ws.send(
            json.dumps({"type": "auth", "token": await token_for(esc_server.http_url, therapist, live_db)})
        )
        assert json.loads(await ws.recv())["type"] == "authenticated"
        # Acknowledging someone else's escalation over the socket: same answer as "no such one".
        await ws.send(json.dumps({"type": "ack", "escalation_id": str(uuid.uuid4())}))
        err = json.loads(await ws.recv())
        assert err["type"] == "error"
        assert err["code"] == "not_found"
        # An auth frame for another account closes the socket.
        await ws.send(json.dumps({"type": "auth", "token": p_token}))
        with pytest.raises(websockets.ConnectionClosed):
            await ws.recv()
