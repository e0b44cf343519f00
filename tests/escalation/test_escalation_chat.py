"""End to end through the chat socket (C2's ``/v1/ws/chat``): a high-risk ``user_message``
produces a detection and an escalation, and the therapist's console rings within a second."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from hp_agent.crisis.models import CrisisDetection, CrisisEscalation
from hp_agent.db.session import Database
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests.chat.chat_client import Chat, new_user
from tests.conftest import LiveServer
from tests.escalation.conftest import TherapistSocket, bearer, link, make_user, token_for


async def test_escalation_from_chat_message_reaches_therapist(
    esc_server: LiveServer, live_db: Database, worker: Any
) -> None:
    tokens = await new_user(esc_server.http_url)
    async with httpx.AsyncClient(base_url=esc_server.http_url, headers=bearer(tokens["access_token"])) as c:
        patient = uuid.UUID((await c.get("/v1/me")).json()["id"])
    therapist = await make_user(live_db, UserRole.therapist, prefix="th")
    await link(live_db, patient, therapist)
    console = await TherapistSocket.connect(
        esc_server.ws_url, await token_for(esc_server.http_url, therapist, live_db)
    )
    chat = await Chat.connect(esc_server.ws_url, tokens["access_token"])
    try:
        session_id, _greeting = await chat.start("cbt-coach")
        t0 = time.monotonic()
        await chat.say("I am going to kill myself tonight, I have the pills ready")
        frame = await console.next_frame("escalation", within=5)
        latency = time.monotonic() - t0
        assert frame["user_id"] == str(patient)
        assert latency < 1.0, f"escalation frame {latency:.3f}s after the chat message"
    finally:
        await chat.close()
        await console.close()
    async with live_db.unit_of_work(SYSTEM) as s:
        escalations = (
            (await s.execute(select(CrisisEscalation).where(CrisisEscalation.user_id == patient)))
            .scalars()
            .all()
        )
        assert len(escalations) == 1
        assert str(escalations[0].chat_session_id) == session_id
        assert str(escalations[0].id) == frame["escalation_id"]
        detections = await s.scalar(
            select(func.count()).select_from(CrisisDetection).where(CrisisDetection.user_id == patient)
        )
        assert detections is not None
        assert detections >= 1
