"""End to end on real PostgreSQL and Redis: a high-risk detection through the crisis service
reaches a connected therapist's socket within a second; acknowledging changes state and audits."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import func, select

from hp_agent.compliance.models import AuditLog
from hp_agent.crisis import service
from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.models import CrisisDetection, CrisisEscalation, EscalationStatus
from hp_agent.db.session import Database
from hp_agent.events.models import EmailOutbox, OutboxEvent
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests.conftest import LiveServer
from tests.escalation.conftest import (
    TherapistSocket,
    bearer,
    link,
    make_user,
    patient_principal,
    token_for,
)

HIGH_RISK = "I am going to kill myself tonight, I have the pills ready"


async def detect(db: Database, patient: uuid.UUID, text: str = HIGH_RISK) -> service.CrisisOutcome:
    async with db.unit_of_work(patient_principal(patient)) as s:
        return await service.assess_and_record(
            s, user_id=patient, source=DetectionSource.JOURNAL_ENTRY, source_id=uuid.uuid4(), text=text
        )


async def audit_actions(db: Database, escalation_id: uuid.UUID) -> list[str]:
    async with db.unit_of_work(SYSTEM) as s:
        rows = await s.execute(
            select(AuditLog.action).where(AuditLog.subject_id == escalation_id).order_by(AuditLog.occurred_at)
        )
        return [r[0] for r in rows]


async def wait_for_action(
    db: Database, escalation_id: uuid.UUID, action: str, within: float = 5
) -> list[str]:
    end = time.monotonic() + within
    while True:
        actions = await audit_actions(db, escalation_id)
        if action in actions or time.monotonic() > end:
            return actions
        await asyncio.sleep(0.05)


async def test_escalation_reaches_connected_therapist_and_ack_is_audited(
    esc_server: LiveServer, live_db: Database, worker: Any
) -> None:
    therapist = await make_user(live_db, UserRole.therapist, prefix="th")
    patient = await make_user(live_db, UserRole.patient, prefix="pt")
    await link(live_db, patient, therapist)
    sock = await TherapistSocket.connect(
        esc_server.ws_url, await token_for(esc_server.http_url, therapist, live_db)
    )
    try:
        t0 = time.monotonic()
        outcome = await detect(live_db, patient)
        assert outcome.detection is not None
        assert outcome.escalation is not None
        frame = await sock.next_frame("escalation", within=5)
        latency = time.monotonic() - t0
        assert frame["escalation_id"] == str(outcome.escalation.id)
        assert frame["user_id"] == str(patient)
        assert frame["risk_level"] == "imminent"
        assert frame["level"] == 1
        assert HIGH_RISK not in json.dumps(frame)  # ids and codes only
        assert latency < 1.0, f"escalation frame after {latency:.3f}s"

        await sock.ws.send(json.dumps({"type": "ack", "escalation_id": frame["escalation_id"]}))
        acked = await sock.next_frame("acked")
        assert acked["status"] == "acknowledged"
    finally:
        await sock.close()

    actions = await wait_for_action(live_db, outcome.escalation.id, "crisis.escalation.notified")
    assert actions[0] == "crisis.escalation.opened"
    assert "crisis.escalation.acknowledged" in actions
    async with live_db.unit_of_work(SYSTEM) as s:
        e = await s.get(CrisisEscalation, outcome.escalation.id)
        assert e is not None
        assert e.status == EscalationStatus.ACKNOWLEDGED
        assert e.acknowledged_by == therapist
        assert e.notified_at is not None
        n_det = await s.scalar(
            select(func.count()).select_from(CrisisDetection).where(CrisisDetection.user_id == patient)
        )
        assert n_det == 1
        events = (
            (await s.execute(select(OutboxEvent.event_type).where(OutboxEvent.aggregate_id == e.id)))
            .scalars()
            .all()
        )
        assert "crisis.escalation.opened" in events
        assert "crisis.escalation.acknowledged" in events
        # Connected therapists are not emailed as well.
        emails = await s.scalar(
            select(func.count())
            .select_from(EmailOutbox)
            .where(
                EmailOutbox.recipient_user_id == therapist, EmailOutbox.template == "crisis_alert_therapist"
            )
        )
        assert emails == 0


async def test_escalation_offline_therapist_gets_queue_and_email(
    esc_server: LiveServer, live_db: Database, worker: Any
) -> None:
    therapist = await make_user(live_db, UserRole.therapist, prefix="th")
    patient = await make_user(live_db, UserRole.patient, prefix="pt")
    await link(live_db, patient, therapist)
    outcome = await detect(live_db, patient, "I want to end my life")
    assert outcome.escalation is not None
    eid = outcome.escalation.id

    # The notifier queues an email (no content in it) because nobody is connected.
    deadline = time.monotonic() + 5
    emails: list[EmailOutbox] = []
    while time.monotonic() < deadline and not emails:
        async with live_db.unit_of_work(SYSTEM) as s:
            emails = list(
                (
                    await s.execute(
                        select(EmailOutbox).where(
                            EmailOutbox.recipient_user_id == therapist,
                            EmailOutbox.template == "crisis_alert_therapist",
                        )
                    )
                ).scalars()
            )
        await asyncio.sleep(0.05)
    assert len(emails) == 1
    assert "end my life" not in emails[0].body_text

    token = await token_for(esc_server.http_url, therapist, live_db)
    async with httpx.AsyncClient(base_url=esc_server.http_url, headers=bearer(token)) as c:
        r = await c.get("/v1/escalations", params={"status": ["notified", "open"]})
        assert r.status_code == 200, r.text
        assert [x["id"] for x in r.json()] == [str(eid)]
        assert (await c.get("/v1/escalations", params={"level": 2})).json() == []
        assert (await c.get("/v1/escalations", params={"since": "2100-01-01T00:00:00Z"})).json() == []

        # The queue also arrives as the socket's backfill.
        sock = await TherapistSocket.connect(esc_server.ws_url, token)
        assert [q["id"] for q in sock.ready["queue"]] == [str(eid)]
        await sock.close()

        r = await c.post(f"/v1/escalations/{eid}/acknowledge")
        assert r.status_code == 200
        assert r.json()["status"] == "acknowledged"
        r = await c.post(
            f"/v1/escalations/{eid}/notes", json={"text": "Called the patient, safe with family."}
        )
        assert r.status_code == 200
        assert r.json()["status"] == "in_progress"
        assert "safe with family" in r.json()["notes"]
        r = await c.post(f"/v1/escalations/{eid}/resolve", json={"outcome": "contacted_user"})
        assert r.status_code == 200
        assert r.json()["status"] == "resolved"
        assert r.json()["outcome"] == "contacted_user"
        r = await c.post(f"/v1/escalations/{eid}/acknowledge")
        assert r.status_code == 409

    actions = await audit_actions(live_db, eid)
    for action in (
        "crisis.escalation.opened",
        "crisis.escalation.notified",
        "crisis.escalation.acknowledged",
        "crisis.escalation.note_added",
        "crisis.escalation.resolved",
    ):
        assert action in actions


async def test_escalation_cooldown_attaches_repeated_detections(live_db: Database) -> None:
    therapist = await make_user(live_db, UserRole.therapist, prefix="th")
    patient = await make_user(live_db, UserRole.patient, prefix="pt")
    await link(live_db, patient, therapist)
    first = await detect(live_db, patient, "I want to end my life")
    second = await detect(live_db, patient, "I am going to kill myself tonight, I have the pills ready")
    assert first.escalation is not None
    assert second.escalation is not None
    assert second.escalation.id == first.escalation.id  # outside chat: the cooldown window
    async with live_db.unit_of_work(SYSTEM) as s:
        e = await s.get(CrisisEscalation, first.escalation.id)
        assert e is not None
        assert e.detection_count == 2
        assert e.risk_level.value == "imminent"  # raised, and announced again
        types = (
            (await s.execute(select(OutboxEvent.event_type).where(OutboxEvent.aggregate_id == e.id)))
            .scalars()
            .all()
        )
        assert sorted(types) == ["crisis.escalation.opened", "crisis.escalation.raised"]
