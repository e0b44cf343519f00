"""Medication reminders: durable rows delivered once by any number of worker processes and across
a restart, snoozed reminders come back, quiet hours hold them, kept in the inbox, live on the socket."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.db.urls import worker_database_url
from hp_agent.medication import tasks
from hp_agent.medication.models import MedicationReminder, ReminderStatus
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests.chat.chat_client import Chat
from tests.conftest import LiveServer
from tests.scheduling.live import headers, pooled_app, stored_reminders, user

pytestmark = pytest.mark.usefixtures("seeded")
LONDON = ZoneInfo("Europe/London")


def _next_local(hour: int, minute: int = 0) -> dt.datetime:
    """The next local time ``hour:minute`` in London at least two hours from now, as UTC."""
    now = dt.datetime.now(LONDON)
    day = now.date()
    while True:
        at = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)
        if at > now + dt.timedelta(hours=2):
            return at.astimezone(dt.UTC)
        day += dt.timedelta(days=1)


@asynccontextmanager
async def _worker_db(settings: Settings) -> AsyncIterator[Database]:
    db = Database(worker_database_url(settings), pool_size=2, max_overflow=0)
    try:
        yield db
    finally:
        await db.dispose()


async def _patient_with_dose(
    settings: Settings, due: dt.datetime, **prefs: object
) -> tuple[uuid.UUID, str, str]:
    """(patient, email, user_medication id): a medicine due daily at ``due``'s London time."""
    async with pooled_app(settings, 2) as (client, db):
        pid, email = await user(db, UserRole.patient)
        h = await headers(client, email)
        if prefs:
            r = await client.put("/v1/notifications/preferences", json=prefs, headers=h)
            assert r.status_code == 200, r.text
        local = due.astimezone(LONDON).time().isoformat(timespec="minutes")
        r = await client.post(
            "/v1/medications",
            json={
                "name": "Evening tablet",
                "dose_amount": 1,
                "schedule": {"times": [local], "timezone": "Europe/London"},
            },
            headers=h,
        )
        assert r.status_code == 201, r.text
        return pid, email, r.json()["medication"]["id"]


async def _state(db: Database, patient: uuid.UUID) -> tuple[list[ReminderStatus], int, int]:
    """(reminder statuses, stored reminder notifications, their outbox events)."""
    async with db.unit_of_work(SYSTEM) as s:
        statuses = (
            (
                await s.execute(
                    select(MedicationReminder.status)
                    .where(MedicationReminder.patient_id == patient)
                    .order_by(MedicationReminder.remind_at)
                )
            )
            .scalars()
            .all()
        )
        stored, events = await stored_reminders(s, patient, "medication-reminder")
    return list(statuses), stored, events


async def _delivered(db: Database, settings: Settings, patient: uuid.UUID, now: dt.datetime) -> int:
    """Run the reminder job at ``now`` and count what reached ``patient``: the job works through
    the whole run's database, where other tests' doses may fall due at the same instants."""
    before = (await _state(db, patient))[1]
    await tasks.run_due(db, settings, now=now)
    return (await _state(db, patient))[1] - before


async def _pass_in_process(url: str, now: dt.datetime) -> int:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.medication.reminder_pass",
        url,
        now.isoformat(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()[-2000:]
    return int(out.decode().strip().splitlines()[-1])


async def _crash_holding_the_reminder(
    db: Database, settings: Settings, patient: uuid.UUID, due: dt.datetime
) -> None:
    async with db.unit_of_work(SYSTEM) as s:
        await s.execute(
            select(MedicationReminder).where(MedicationReminder.patient_id == patient).with_for_update()
        )
        async with _worker_db(settings) as other:
            assert await tasks.run_due(other, settings, now=due + dt.timedelta(seconds=30)) == 0
        raise RuntimeError("worker crashed mid-pass")


@pytest.mark.slow
async def test_due_reminder_is_delivered_once_by_two_processes_and_after_a_restart(
    settings: Settings,
) -> None:
    due = _next_local(20)
    patient, _, _ = await _patient_with_dose(settings, due)
    async with _worker_db(settings) as db:
        # Planned ahead (a day and a half), nothing sent before it is due.
        assert await _delivered(db, settings, patient, due - dt.timedelta(hours=3)) == 0
        statuses, stored, _ = await _state(db, patient)
        assert ReminderStatus.SCHEDULED in statuses
        assert stored == 0
        # A worker that claims the row and dies before committing: the row stays due, and while it
        # is held a second worker skips it rather than sending it twice.
        with pytest.raises(RuntimeError, match="crashed"):
            await _crash_holding_the_reminder(db, settings, patient, due)
        assert (await _state(db, patient))[1] == 0
    # Two worker processes at once.
    url = worker_database_url(settings)
    when = due + dt.timedelta(seconds=30)
    sent = await asyncio.gather(_pass_in_process(url, when), _pass_in_process(url, when))
    async with _worker_db(settings) as db:
        statuses, stored, events = await _state(db, patient)
        assert (stored, events) == (1, 1)
        assert sorted(sent) == [0, 1]
        assert statuses[0] == ReminderStatus.SENT
    # "Restart": a new worker with a new pool, later in the grace window: nothing more.
    async with _worker_db(settings) as db:
        await tasks.run_due(db, settings, now=due + dt.timedelta(minutes=20))
        statuses, stored, events = await _state(db, patient)
        assert (statuses[0], stored, events) == (ReminderStatus.SENT, 1, 1)


@pytest.mark.slow
async def test_snoozed_reminder_comes_back_and_a_logged_dose_is_not_reminded(settings: Settings) -> None:
    due = _next_local(9, 30)
    patient, email, med_id = await _patient_with_dose(settings, due)
    async with _worker_db(settings) as db, pooled_app(settings, 2) as (client, _):
        assert await tasks.run_due(db, settings, now=due + dt.timedelta(seconds=5)) >= 1
        h = await headers(client, email)
        inbox = (await client.get("/v1/notifications", headers=h)).json()
        [note] = inbox["items"]
        assert note["resource_type"] == "medication_reminder"
        reminder_id = note["resource_id"]
        r = await client.post(
            f"/v1/medications/reminders/{reminder_id}/snooze", json={"minutes": 10}, headers=h
        )
        assert r.status_code == 200, r.text
        until = dt.datetime.fromisoformat(r.json()["snoozed_until"])
        assert await _delivered(db, settings, patient, until - dt.timedelta(minutes=1)) == 0
        assert await _delivered(db, settings, patient, until + dt.timedelta(seconds=1)) == 1
        statuses, stored, events = await _state(db, patient)
        assert (statuses[0], stored, events) == (ReminderStatus.SENT, 2, 2)
        # Someone else's reminder cannot be snoozed; an unknown one is a 404.
        _, stranger = await user(db, UserRole.patient)
        r = await client.post(
            f"/v1/medications/reminders/{reminder_id}/snooze",
            json={"minutes": 10},
            headers=await headers(client, stranger),
        )
        assert r.status_code == 404
        # Tomorrow's dose is logged before its time: its reminder is acknowledged, not sent.
        tomorrow = due + dt.timedelta(days=1)
        if tomorrow.astimezone(LONDON).time() == due.astimezone(LONDON).time():  # not across a DST change
            r = await client.post(
                "/v1/medications/intakes",
                json={"user_medication_id": med_id, "status": "taken", "scheduled_for": tomorrow.isoformat()},
                headers=h,
            )
            assert r.status_code == 201, r.text
            assert await _delivered(db, settings, patient, tomorrow + dt.timedelta(seconds=5)) == 0
            assert (await _state(db, patient))[1] == 2


@pytest.mark.slow
async def test_quiet_hours_hold_a_reminder_until_they_end(settings: Settings) -> None:
    due = _next_local(23)
    patient, _, _ = await _patient_with_dose(
        settings, due, quiet_start="22:00", quiet_end="07:00", timezone="Europe/London"
    )
    async with _worker_db(settings) as db:
        assert await _delivered(db, settings, patient, due + dt.timedelta(seconds=5)) == 0
        statuses, stored, _ = await _state(db, patient)
        assert (statuses[0], stored) == (ReminderStatus.SNOOZED, 0)
        end = dt.datetime.combine(
            due.astimezone(LONDON).date() + dt.timedelta(days=1), dt.time(7), tzinfo=LONDON
        ).astimezone(dt.UTC)
        assert await _delivered(db, settings, patient, end - dt.timedelta(minutes=1)) == 0
        assert await _delivered(db, settings, patient, end + dt.timedelta(seconds=5)) == 1
        statuses, stored, events = await _state(db, patient)
        assert (statuses[0], stored, events) == (ReminderStatus.SENT, 1, 1)


@pytest.mark.slow
async def test_reminders_switched_off_are_not_sent(settings: Settings) -> None:
    due = _next_local(12)
    patient, _, _ = await _patient_with_dose(settings, due, reminders=False)
    async with _worker_db(settings) as db:
        assert await _delivered(db, settings, patient, due + dt.timedelta(seconds=5)) == 0
        statuses, stored, _ = await _state(db, patient)
        assert (statuses[0], stored) == (ReminderStatus.CANCELLED, 0)


@pytest.fixture(scope="module")
def worker_server(settings: Settings, seeded: None) -> Iterator[tuple[LiveServer, Settings]]:
    live = settings.model_copy(
        update={
            "redis_prefix": f"hptest-{uuid.uuid4().hex[:10]}",
            "worker_in_process": True,
            "relay_poll_seconds": 0.02,
            "stream_claim_idle_ms": 1000,
            "scheduling_poll_seconds": 3600.0,  # the test runs the pass itself, at a chosen time
        }
    )
    server = LiveServer(live)
    server.start()
    yield server, live
    server.stop()


@pytest.mark.slow
async def test_reminder_reaches_the_socket_and_stays_in_the_inbox(
    worker_server: tuple[LiveServer, Settings],
) -> None:
    server, live = worker_server
    due = _next_local(14)
    _, email, _ = await _patient_with_dose(live, due)
    async with pooled_app(live, 2) as (client, _), _worker_db(live) as db:
        h = await headers(client, email)
        chat = await Chat.connect(server.ws_url, h["Authorization"].removeprefix("Bearer "))
        try:
            await asyncio.sleep(0.3)  # the socket's relay subscription
            assert await tasks.run_due(db, live, now=due + dt.timedelta(seconds=5)) == 1
            frame = await chat.expect("notification", wait=20)
            assert frame["category"] == "medication"
            assert frame["title"] == "Time for your medicine"
            assert "Evening tablet" not in (frame["body"] or "")  # lock screens: no medicine names
        finally:
            await chat.ws.close()
        inbox = (await client.get("/v1/notifications", headers=h)).json()
        assert inbox["unread"] == 1
        assert inbox["items"][0]["id"] == frame["id"]
