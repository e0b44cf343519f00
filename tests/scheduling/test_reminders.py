"""Reminders 24 h and 1 h before: durable rows, delivered once by any number of workers, stored as
notifications and pushed live to the patient's chat socket."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.db.urls import worker_database_url
from hp_agent.scheduling import tasks
from hp_agent.scheduling.models import AppointmentReminder, ReminderStatus
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests.chat.chat_client import Chat
from tests.conftest import LiveServer
from tests.factories import link_as_patient
from tests.scheduling.live import (
    headers,
    pooled_app,
    slot_start,
    stored_reminders,
    user,
    verified_clinician,
)


async def _book(settings: Settings) -> tuple[uuid.UUID, uuid.UUID, dt.datetime, str]:
    """(patient, appointment, start, patient email), committed."""
    async with pooled_app(settings, 3) as (client, db):
        doc, doc_email = await verified_clinician(db)
        pid, email = await user(db, UserRole.patient)
        await link_as_patient(db, pid, doc)
        doc_h = await headers(client, doc_email)
        r = await client.post(
            f"/v1/clinicians/{doc}/availability",
            json={"weekday": 4, "start_time": "08:00", "end_time": "12:00"},
            headers=doc_h,
        )
        assert r.status_code == 201, r.text
        tid = next(
            t["id"]
            for t in (await client.get("/v1/appointment-types", headers=doc_h)).json()
            if t["code"] == "individual-50"
        )
        start = slot_start(4, 9)
        r = await client.post(
            "/v1/appointments",
            json={"clinician_id": str(doc), "appointment_type_id": tid, "starts_at": start.isoformat()},
            headers=await headers(client, email),
        )
        assert r.status_code == 201, r.text
        return pid, uuid.UUID(r.json()["id"]), start, email


async def _state(db: Database, appt: uuid.UUID, patient: uuid.UUID) -> tuple[list[ReminderStatus], int, int]:
    async with db.unit_of_work(SYSTEM) as s:
        statuses = (
            (
                await s.execute(
                    select(AppointmentReminder.status)
                    .where(AppointmentReminder.appointment_id == appt)
                    .order_by(AppointmentReminder.remind_at)
                )
            )
            .scalars()
            .all()
        )
        stored, events = await stored_reminders(s, patient, "appointment-reminder")
    return list(statuses), stored, events


@pytest.mark.slow
async def test_two_workers_deliver_each_reminder_once(settings: Settings, seeded: None) -> None:
    patient, appt, start, _ = await _book(settings)
    # Two worker processes: each connects as the worker's role, the only one that acts as system.
    dbs = [Database(worker_database_url(settings), pool_size=2, max_overflow=0) for _ in range(2)]
    try:
        # 23 h before: the 24 h reminder is due, the 1 h one is not.
        when = start - dt.timedelta(hours=23)
        await asyncio.gather(*(tasks.run_due(db, settings, now=when) for db in dbs))
        assert await _state(dbs[0], appt, patient) == ([ReminderStatus.SENT, ReminderStatus.SCHEDULED], 1, 1)
        # Again, and again with both: nothing more for the 24 h one.
        await asyncio.gather(*(tasks.run_due(db, settings, now=when) for db in dbs))
        assert await _state(dbs[0], appt, patient) == ([ReminderStatus.SENT, ReminderStatus.SCHEDULED], 1, 1)
        when = start - dt.timedelta(minutes=45)
        await asyncio.gather(*(tasks.run_due(db, settings, now=when) for db in dbs))
        assert await _state(dbs[0], appt, patient) == ([ReminderStatus.SENT, ReminderStatus.SENT], 2, 2)
    finally:
        for db in dbs:
            await db.dispose()


@pytest.fixture(scope="module")
def worker_server(settings: Settings, seeded: None) -> Iterator[tuple[LiveServer, Settings]]:
    live = settings.model_copy(
        update={
            "redis_prefix": f"hptest-{uuid.uuid4().hex[:10]}",
            "worker_in_process": True,
            "relay_poll_seconds": 0.02,
            "stream_claim_idle_ms": 1000,
            "scheduling_poll_seconds": 3600.0,  # this test runs the pass itself, at a chosen time
        }
    )
    server = LiveServer(live)
    server.start()
    yield server, live
    server.stop()


@pytest.mark.slow
async def test_reminder_reaches_the_patients_socket_and_is_kept(
    worker_server: tuple[LiveServer, Settings],
) -> None:
    server, live = worker_server
    patient, appt, start, email = await _book(live)
    worker_db = Database(worker_database_url(live), pool_size=2, max_overflow=0)
    try:
        async with pooled_app(live, 2) as (client, _app_db):
            token = (await headers(client, email))["Authorization"].removeprefix("Bearer ")
            chat = await Chat.connect(server.ws_url, token)
            try:
                await asyncio.sleep(0.3)  # the socket's relay subscription
                sent, _ = await tasks.run_due(worker_db, live, now=start - dt.timedelta(hours=23))
                assert sent >= 1
                frame = await chat.expect("notification", wait=20)
                assert frame["title"] == "Appointment reminder"
                assert frame["resource_id"] == str(appt)
                assert "tomorrow" in frame["body"]
            finally:
                await chat.ws.close()
            # Kept for the next sign-in, whether or not a socket was open.
            assert (await _state(worker_db, appt, patient))[1] == 1
            me = await headers(client, email)
            stored = (await client.get("/v1/me/notifications?unread=true", headers=me)).json()
            assert [n["title"] for n in stored] == ["Appointment reminder"]
            assert stored[0]["resource_id"] == str(appt)
            assert stored[0]["id"] == frame["id"]
            assert (
                await client.post(f"/v1/me/notifications/{stored[0]['id']}/read", headers=me)
            ).status_code == 204
            assert (await client.get("/v1/me/notifications?unread=true", headers=me)).json() == []
    finally:
        await worker_db.dispose()
