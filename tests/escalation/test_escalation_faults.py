"""Faults with real servers: Redis down while an escalation is created, a relay that dies between
XADD and marking the row, and a therapist who never answers (deadline → backup → on-call)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from hp_agent.admin.models import Notification, NotificationCategory
from hp_agent.app_state import state_of
from hp_agent.care.models import ClinicianOnCallShift, OnCallTier
from hp_agent.compliance.models import AuditLog
from hp_agent.config import Settings
from hp_agent.crisis import service
from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.escalations import EscalationPolicy
from hp_agent.crisis.models import CrisisEscalation, EscalationStatus
from hp_agent.crisis.notifications import NotifierHandler
from hp_agent.db.session import Database
from hp_agent.events import streams
from hp_agent.events.models import EmailOutbox, OutboxEvent, ProcessedEvent
from hp_agent.events.notifiers import EmailNotifier
from hp_agent.events.relay import relay_once
from hp_agent.events.streams import StreamEvent
from hp_agent.events.worker import Worker
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests.conftest import LiveServer
from tests.escalation.conftest import (
    TherapistSocket,
    bearer,
    esc_settings,
    link,
    make_profile,
    make_user,
    patient_principal,
    token_for,
)
from tests.escalation.redis_proxy import RedisProxy

TEXT = "I want to end my life"


async def detect(db: Database, patient: uuid.UUID, policy: EscalationPolicy | None = None) -> uuid.UUID:
    async with db.unit_of_work(patient_principal(patient)) as s:
        outcome = await service.assess_and_record(
            s,
            user_id=patient,
            source=DetectionSource.JOURNAL_ENTRY,
            source_id=uuid.uuid4(),
            text=TEXT,
            policy=policy,
        )
    assert outcome.escalation is not None
    return outcome.escalation.id


async def outbox_row(db: Database, escalation_id: uuid.UUID) -> OutboxEvent:
    async with db.unit_of_work(SYSTEM) as s:
        return (
            await s.execute(
                select(OutboxEvent).where(
                    OutboxEvent.aggregate_id == escalation_id,
                    OutboxEvent.event_type == "crisis.escalation.opened",
                )
            )
        ).scalar_one()


def escalation_frames(frames: list[dict[str, Any]], escalation_id: uuid.UUID) -> list[dict[str, Any]]:
    return [
        f for f in frames if f.get("type") == "escalation" and f.get("escalation_id") == str(escalation_id)
    ]


async def test_escalation_redis_down_then_back_delivers_from_outbox(
    settings: Settings, live_db: Database, seeded: None
) -> None:
    assert settings.redis_url is not None
    proxy = RedisProxy(settings.redis_url)
    proxy.start()
    s = esc_settings(settings, redis_url=proxy.url)
    server = LiveServer(s)
    server.start()
    redis = streams.client(proxy.url)
    worker = Worker(live_db, redis, s)
    worker.start()
    try:
        therapist = await make_user(live_db, UserRole.therapist, prefix="th")
        patient = await make_user(live_db, UserRole.patient, prefix="pt")
        await link(live_db, patient, therapist)
        sock = await TherapistSocket.connect(
            server.ws_url, await token_for(server.http_url, therapist, live_db)
        )
        # The event belongs to the server's loop (another thread): poll it.
        fanout = state_of(server.app).events.fanout
        assert fanout is not None
        while not fanout.consumer.ready.is_set():  # noqa: ASYNC110
            await asyncio.sleep(0.05)

        proxy.stop()  # Redis is now unreachable for the API and the worker
        eid = await detect(live_db, patient)  # the request still succeeds: the fact and its outbox row commit
        await asyncio.sleep(1.5)
        row = await outbox_row(live_db, eid)
        assert row.published_at is None
        assert row.attempts >= 1
        assert row.last_error
        assert escalation_frames(await sock.frames_for(0.1), eid) == []

        proxy.start()
        frame = await sock.next_frame("escalation", within=10)
        assert frame["escalation_id"] == str(eid)
        assert escalation_frames(await sock.frames_for(1.0), eid) == []  # once
        await sock.close()

        row = await outbox_row(live_db, eid)
        assert row.published_at is not None
        async with live_db.unit_of_work(SYSTEM) as session:
            n = await session.scalar(
                select(func.count()).select_from(CrisisEscalation).where(CrisisEscalation.user_id == patient)
            )
        assert n == 1
    finally:
        await worker.close()
        await redis.aclose()
        server.stop()
        proxy.close()


async def test_escalation_relay_killed_between_xadd_and_mark_alerts_once(
    esc_server: LiveServer, server_settings: Settings, live_db: Database
) -> None:
    # No worker here: the test is the relay.
    s = server_settings.model_copy(update={"relay_batch_size": 100_000})
    therapist = await make_user(live_db, UserRole.therapist, prefix="th")
    patient = await make_user(live_db, UserRole.patient, prefix="pt")
    await link(live_db, patient, therapist)
    sock = await TherapistSocket.connect(
        esc_server.ws_url, await token_for(esc_server.http_url, therapist, live_db)
    )
    assert s.redis_url is not None
    redis = streams.client(s.redis_url)
    try:
        eid = await detect(live_db, patient)
        event_id = (await outbox_row(live_db, eid)).id

        def killed(row: OutboxEvent) -> None:
            if row.id == event_id:
                raise RuntimeError("worker killed")

        with pytest.raises(RuntimeError):
            await relay_once(live_db, redis, s, after_publish=killed)
        assert (await outbox_row(live_db, eid)).published_at is None
        await relay_once(live_db, redis, s)
        assert (await outbox_row(live_db, eid)).published_at is not None

        stream: Any = await redis.xrange(streams.stream_name(s))
        entries = [(entry_id, fields) for entry_id, fields in stream if fields["event_id"] == str(event_id)]
        assert len(entries) == 2  # published twice ...
        frames = escalation_frames(await sock.frames_for(2.0), eid)
        assert len(frames) == 1  # ... seen once

        # The notifier consumer is idempotent on the outbox id too.
        handler = NotifierHandler(live_db, redis, s, [EmailNotifier()])
        for entry_id, fields in entries:
            await handler(StreamEvent.from_entry(entry_id, fields))
        async with live_db.unit_of_work(SYSTEM) as session:
            processed = await session.scalar(
                select(func.count()).select_from(ProcessedEvent).where(ProcessedEvent.event_id == event_id)
            )
            notified = await session.scalar(
                select(func.count())
                .select_from(AuditLog)
                .where(AuditLog.subject_id == eid, AuditLog.action == "crisis.escalation.notified")
            )
        assert processed == 1
        assert notified == 1
    finally:
        await sock.close()
        await redis.aclose()


async def test_escalation_unanswered_goes_to_backup_and_user_sees_crisis_lines(
    esc_server: LiveServer, server_settings: Settings, live_db: Database, worker: Any
) -> None:
    therapist = await make_user(live_db, UserRole.therapist, prefix="th")
    backup = await make_user(live_db, UserRole.therapist, prefix="bk")
    patient = await make_user(live_db, UserRole.patient, prefix="pt", country="GB")
    await make_profile(live_db, backup)
    await make_profile(live_db, therapist, backup=backup)
    await link(live_db, patient, therapist)
    backup_token = await token_for(esc_server.http_url, backup, live_db)
    sock = await TherapistSocket.connect(esc_server.ws_url, backup_token)
    assert server_settings.redis_url is not None
    redis = streams.client(server_settings.redis_url)
    pubsub = redis.pubsub()
    await pubsub.subscribe(streams.user_channel(patient))
    # A tiny deadline through the settings (HP_ESCALATION_ACK_SECONDS_*), as an operator sets it.
    tiny = EscalationPolicy.from_settings(
        server_settings.model_copy(
            update={"escalation_ack_seconds_high": 0.5, "escalation_ack_seconds_imminent": 0.5}
        )
    )
    try:
        eid = await detect(live_db, patient, tiny)  # the therapist is offline and never answers
        frame = await sock.next_frame("escalation", within=6)
        assert frame["escalation_id"] == str(eid)
        assert frame["level"] == 2
        assert frame["event_type"] == "crisis.escalation.reassigned"
        assert frame["assigned_to"] == str(backup)

        safety = None
        end = time.monotonic() + 5
        while safety is None and time.monotonic() < end:
            msg = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
            if msg is not None:
                safety = json.loads(msg["data"])
        assert safety is not None
        assert safety["type"] == "safety"
        assert safety["reason"] == "escalation_unacknowledged"
        assert safety["crisis_lines"]
        assert safety["crisis_lines"][0]["country_code"] == "GB"

        async with live_db.unit_of_work(SYSTEM) as s:
            e = await s.get(CrisisEscalation, eid)
            assert e is not None
            assert e.level == 2
            assert e.assigned_to == backup
            assert e.escalated_to_backup_at is not None
            notes = (
                (await s.execute(select(Notification).where(Notification.user_id == patient))).scalars().all()
            )
            assert [n.category for n in notes] == [NotificationCategory.crisis_follow_up]
            # The offline primary was emailed at level 1.
            emails = await s.scalar(
                select(func.count())
                .select_from(EmailOutbox)
                .where(
                    EmailOutbox.recipient_user_id == therapist,
                    EmailOutbox.template == "crisis_alert_therapist",
                )
            )
            assert emails == 1
            escalated = await s.scalar(
                select(func.count())
                .select_from(AuditLog)
                .where(AuditLog.subject_id == eid, AuditLog.action == "crisis.escalation.escalated")
            )
            assert escalated == 1

        # The backup is not the patient's therapist but is the assignee: they can take it.
        async with httpx.AsyncClient(base_url=esc_server.http_url, headers=bearer(backup_token)) as c:
            r = await c.post(f"/v1/escalations/{eid}/acknowledge")
            assert r.status_code == 200, r.text
            assert r.json()["status"] == "acknowledged"
            # ... but what the patient wrote stays with their treating clinicians.
            assert (await c.get(f"/v1/escalations/{eid}/context")).status_code == 403
    finally:
        await sock.close()
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await redis.aclose()


async def test_escalation_without_backup_goes_to_on_call(
    esc_server: LiveServer, live_db: Database, worker: Any
) -> None:
    therapist = await make_user(live_db, UserRole.therapist, prefix="th")
    on_call = await make_user(live_db, UserRole.therapist, prefix="oc")
    patient = await make_user(live_db, UserRole.patient, prefix="pt")
    await make_profile(live_db, therapist)  # no backup
    await link(live_db, patient, therapist)
    now = dt.datetime.now(dt.UTC)
    async with live_db.unit_of_work(SYSTEM) as s:
        s.add(
            ClinicianOnCallShift(
                clinician_id=on_call,
                tier=OnCallTier.primary,
                starts_at=now - dt.timedelta(seconds=1),
                ends_at=now + dt.timedelta(hours=1),
            )
        )
    sock = await TherapistSocket.connect(
        esc_server.ws_url, await token_for(esc_server.http_url, on_call, live_db)
    )
    try:
        tiny = EscalationPolicy(ack_high=dt.timedelta(seconds=0.3), ack_imminent=dt.timedelta(seconds=0.3))
        eid = await detect(live_db, patient, tiny)
        frame = await sock.next_frame("escalation", within=6)
        assert frame["escalation_id"] == str(eid)
        assert frame["level"] == 3
        async with live_db.unit_of_work(SYSTEM) as s:
            e = await s.get(CrisisEscalation, eid)
            assert e is not None
            assert e.assigned_to == on_call
            assert e.escalated_to_oncall_at is not None
            assert e.status in (EscalationStatus.OPEN, EscalationStatus.NOTIFIED)
    finally:
        await sock.close()


async def test_escalation_consumer_reclaims_entries_of_a_dead_consumer(server_settings: Settings) -> None:
    from hp_agent.events.consumer import StreamConsumer

    assert server_settings.redis_url is not None
    redis = streams.client(server_settings.redis_url)
    stream = f"{server_settings.redis_prefix}:stream:reclaim-{uuid.uuid4().hex[:6]}"
    try:
        await streams.ensure_group(redis, stream, "g")
        event_id = uuid.uuid4()
        await redis.xadd(stream, streams.entry_fields(event_id, "crisis.escalation.opened", 1, {}))  # type: ignore[arg-type]
        # Consumer "dead" reads the entry and dies before acknowledging it.
        assert await redis.xreadgroup("g", "dead", {stream: ">"}, count=10)
        seen: list[uuid.UUID] = []
        handled = asyncio.Event()

        async def handler(event: StreamEvent) -> None:
            seen.append(event.event_id)
            handled.set()

        stop = asyncio.Event()
        live = StreamConsumer(redis, stream, "g", "live", handler, claim_idle_ms=300, block_ms=100)
        task = asyncio.create_task(live.run(stop))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(handled.wait(), timeout=5)
        stop.set()
        await task
        assert seen == [event_id]
        pending: Any = await redis.xpending(stream, "g")
        assert pending["pending"] == 0  # handled, then acknowledged
    finally:
        await redis.delete(stream)
        await redis.aclose()
