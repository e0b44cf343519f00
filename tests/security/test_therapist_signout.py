"""Finding 1 of issue #14: a signed-out therapist socket stops working.

After ``POST /v1/auth/logout`` the console socket is closed with 1008 within the re-check period
(the chat socket's), an ack on the old token is refused and not audited as that clinician, and
the presence key lapses, so the notifier emails as it does for an absent clinician.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from websockets.exceptions import ConnectionClosed

from hp_agent.api import socket_base
from hp_agent.compliance.models import AuditLog
from hp_agent.config import Settings
from hp_agent.crisis import service
from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.models import CrisisEscalation, EscalationStatus
from hp_agent.db.session import Database
from hp_agent.events import streams
from hp_agent.events.models import EmailOutbox
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests.conftest import LiveServer
from tests.escalation.conftest import TherapistSocket, bearer, link, make_user, patient_principal, token_for

HIGH_RISK = "I am going to kill myself tonight, I have the pills ready"


async def _detect(db: Database, patient: uuid.UUID) -> uuid.UUID:
    async with db.unit_of_work(patient_principal(patient)) as s:
        outcome = await service.assess_and_record(
            s, user_id=patient, source=DetectionSource.JOURNAL_ENTRY, source_id=uuid.uuid4(), text=HIGH_RISK
        )
    assert outcome.escalation is not None
    return outcome.escalation.id


async def _logout(server: LiveServer, token: str) -> None:
    async with httpx.AsyncClient(base_url=server.http_url) as c:
        assert (await c.post("/v1/auth/logout", headers=bearer(token))).status_code == 204


async def _closed_with(sock: TherapistSocket, within: float) -> tuple[int | None, list[dict[str, Any]]]:
    return await _closed_with_ws(sock.ws, within)


async def _closed_with_ws(ws: Any, within: float) -> tuple[int | None, list[dict[str, Any]]]:
    """Frames received until the server closes (its close code) or ``within`` passes (None)."""
    frames: list[dict[str, Any]] = []
    end = time.monotonic() + within
    try:
        while (left := end - time.monotonic()) > 0:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), timeout=left)))
    except ConnectionClosed:
        return ws.close_code, frames
    except TimeoutError:
        pass
    return None, frames


async def _clinician(server: LiveServer, db: Database) -> tuple[uuid.UUID, uuid.UUID, str]:
    therapist = await make_user(db, UserRole.therapist, prefix="th")
    patient = await make_user(db, UserRole.patient, prefix="pt")
    await link(db, patient, therapist)
    return therapist, patient, await token_for(server.http_url, therapist, db)


async def test_logout_closes_the_console_and_presence_lapses(
    esc_server: LiveServer,
    live_db: Database,
    server_settings: Settings,
    worker: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(socket_base, "REVALIDATE_SECONDS", 0.5)
    therapist, patient, token = await _clinician(esc_server, live_db)
    sock = await TherapistSocket.connect(esc_server.ws_url, token)
    redis = streams.client(server_settings.redis_url or "")
    try:
        key = streams.presence_key(server_settings, therapist)
        assert await redis.exists(key)
        await _logout(esc_server, token)
        code, frames = await _closed_with(sock, within=5)
        assert code == 1008
        assert frames[-1]["code"] == "auth_failed"
        # Not kept alive by a signed-out console (removed as the server finishes the close).
        for _ in range(60):
            if not await redis.exists(key):
                break
            await asyncio.sleep(0.05)
        assert not await redis.exists(key)

        # An escalation now finds nobody looking: the therapist is emailed.
        await _detect(live_db, patient)
        deadline = time.monotonic() + 5
        emails = 0
        while time.monotonic() < deadline and not emails:
            async with live_db.unit_of_work(SYSTEM) as s:
                emails = (
                    await s.scalar(
                        select(func.count())
                        .select_from(EmailOutbox)
                        .where(
                            EmailOutbox.recipient_user_id == therapist,
                            EmailOutbox.template == "crisis_alert_therapist",
                        )
                    )
                    or 0
                )
            await asyncio.sleep(0.05)
        assert emails == 1
    finally:
        await sock.close()
        await redis.aclose()


async def test_ack_after_logout_is_refused_and_not_audited(
    esc_server: LiveServer, live_db: Database, worker: Any
) -> None:
    # The periodic check is far away (the default 15 s): the ack itself must re-check.
    _, patient, token = await _clinician(esc_server, live_db)
    sock = await TherapistSocket.connect(esc_server.ws_url, token)
    try:
        eid = await _detect(live_db, patient)
        await sock.next_frame("escalation", within=5)
        await _logout(esc_server, token)
        await sock.ws.send(json.dumps({"type": "ack", "escalation_id": str(eid)}))
        code, frames = await _closed_with(sock, within=5)
        assert code == 1008
        assert not [f for f in frames if f.get("type") == "acked"]
        assert frames[-1]["code"] == "auth_failed"
    finally:
        await sock.close()
    async with live_db.unit_of_work(SYSTEM) as s:
        e = await s.get(CrisisEscalation, eid)
        assert e is not None
        assert e.status != EscalationStatus.ACKNOWLEDGED
        assert e.acknowledged_by is None
        acks = await s.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.subject_id == eid, AuditLog.action == "crisis.escalation.acknowledged")
        )
        assert acks == 0


async def test_console_still_works_while_signed_in(
    esc_server: LiveServer, live_db: Database, worker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The re-check does not close a live sign-in: frames and acks keep working across checks."""
    monkeypatch.setattr(socket_base, "REVALIDATE_SECONDS", 0.3)
    _, patient, token = await _clinician(esc_server, live_db)
    sock = await TherapistSocket.connect(esc_server.ws_url, token)
    try:
        await asyncio.sleep(1.2)  # several checks
        eid = await _detect(live_db, patient)
        await sock.next_frame("escalation", within=5)
        await sock.ws.send(json.dumps({"type": "ack", "escalation_id": str(eid)}))
        acked = await sock.next_frame("acked")
        assert acked["status"] == "acknowledged"
    finally:
        await sock.close()


@pytest.mark.parametrize("before_auth", [True, False])
async def test_deep_or_bad_frames_on_the_console(
    esc_server: LiveServer, live_db: Database, before_auth: bool
) -> None:
    import websockets

    ws = await websockets.connect(esc_server.ws_url + "/v1/ws/therapist")
    try:
        if not before_auth:
            therapist = await make_user(live_db, UserRole.therapist, prefix="th")
            await ws.send(
                json.dumps(
                    {"type": "auth", "token": await token_for(esc_server.http_url, therapist, live_db)}
                )
            )
            assert json.loads(await ws.recv())["type"] == "ready"
            await ws.send('{"type": "ping", "x": "\\ud800"}')
            assert json.loads(await ws.recv())["code"] == "bad_frame"
        await ws.send("[" * 100_000)
        code, _ = await _closed_with_ws(ws, within=5)
        assert code == 1003
    finally:
        await ws.close()


async def test_the_console_keeps_its_dialect_on_the_shared_socket_base(
    esc_server: LiveServer, live_db: Database
) -> None:
    """A refused fresh token is an error frame and the socket stays open (the console's dialect);
    a flood closes it with 1008 and no error frame, as every socket's receive loop does."""
    therapist = await make_user(live_db, UserRole.therapist, prefix="th")
    sock = await TherapistSocket.connect(
        esc_server.ws_url, await token_for(esc_server.http_url, therapist, live_db)
    )
    try:
        await sock.ws.send(json.dumps({"type": "auth", "token": "not-a-token"}))
        assert json.loads(await sock.ws.recv())["code"] == "auth_failed"
        await sock.ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await sock.ws.recv()) == {"type": "pong"}
        for _ in range(socket_base.FRAME_BURST * 2):
            try:
                await sock.ws.send(json.dumps({"type": "ping"}))
            except ConnectionClosed:
                break
        code, frames = await _closed_with(sock, within=10)
        assert code == 1008
        assert {f["type"] for f in frames} == {"pong"}
    finally:
        await sock.close()
