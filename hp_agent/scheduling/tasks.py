"""Scheduling's time-based jobs, run by the worker (``hp_agent/events/worker.py`` only starts them).

- ``run_due``: reminders 24 h and 1 h before each appointment are rows in
  ``appointment_reminders`` (written at booking, cancelled with the appointment). A pass claims
  due rows with ``FOR UPDATE SKIP LOCKED`` and, in the same transaction, marks each sent and
  writes its ``notifications`` row and outbox event: any number of workers deliver each reminder
  exactly once, and a crash before the commit leaves the row due for the next pass. The same
  pass expires waitlist offers and passes their slots on.
- ``NotificationPublisher``: a consumer group on the event stream that turns each
  ``notification.created`` outbox event into a live ``notification`` frame on the person's
  sockets (Redis channel ``hp:user:{id}``, read by the chat socket's user relay). It records the
  event in ``processed_events`` first, so a redelivered event is not shown twice; the stored
  notification is what a person who was offline sees at their next sign-in.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
import socket
import uuid

import redis.asyncio as aioredis
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from hp_agent.admin.models import Notification, NotificationPriority
from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.events import streams
from hp_agent.events.consumer import StreamConsumer
from hp_agent.events.models import ProcessedEvent
from hp_agent.events.periodic import every
from hp_agent.events.streams import StreamEvent
from hp_agent.scheduling import waitlist
from hp_agent.scheduling.models import (
    Appointment,
    AppointmentReminder,
    AppointmentStatus,
    ReminderStatus,
)
from hp_agent.scheduling.notify import EVENT, notify
from hp_agent.users.repository import SYSTEM

log = logging.getLogger("hp_agent.scheduling.tasks")
PUBLISHER_GROUP = "user-notifications"
BATCH = 100
_OPEN = (AppointmentStatus.SCHEDULED, AppointmentStatus.CONFIRMED, AppointmentStatus.REQUESTED)


def _when(delta: dt.timedelta) -> str:
    hours = round(delta.total_seconds() / 3600)
    if hours >= 20:
        return "tomorrow"
    if hours >= 2:
        return f"in {hours} hours"
    return "within the hour" if delta <= dt.timedelta(hours=1) else "in about an hour"


async def run_due(db: Database, settings: Settings, now: dt.datetime | None = None) -> tuple[int, int]:
    """One pass: (reminders delivered, offers expired). ``now`` is injectable for tests."""
    now = now or dt.datetime.now(dt.UTC)
    sent = 0
    async with db.unit_of_work(SYSTEM) as session:
        r = AppointmentReminder
        rows = (
            await session.execute(
                select(r, Appointment)
                .join(Appointment, Appointment.id == r.appointment_id)
                .where(r.status == ReminderStatus.SCHEDULED, r.remind_at <= now)
                .order_by(r.remind_at)
                .limit(BATCH)
                .with_for_update(of=r, skip_locked=True)
            )
        ).all()
        for row in rows:
            reminder, appt = row[0], row[1]
            reminder.attempt_count += 1
            if appt.status not in _OPEN or appt.starts_at <= now:
                reminder.status = ReminderStatus.CANCELLED  # cancelled, moved or already begun
                continue
            await notify(
                session,
                appt.patient_id,
                title="Appointment reminder",
                body=f"You have an appointment {_when(appt.starts_at - now)}. See your schedule for details.",
                appointment_id=appt.id,
                dedupe_key=f"appointment-reminder:{reminder.id}",
                priority=NotificationPriority.high,
            )
            reminder.status = ReminderStatus.SENT
            reminder.sent_at = now
            sent += 1
    async with db.unit_of_work(SYSTEM) as session:
        expired = await waitlist.expire_offers(session, settings, now)
    return sent, expired


class NotificationPublisher:
    """Stream handler: ``notification.created`` → live frame on the user's channel, once."""

    def __init__(self, db: Database, redis: aioredis.Redis) -> None:
        self.db = db
        self.redis = redis

    async def __call__(self, event: StreamEvent) -> None:
        if event.event_type != EVENT:
            return
        async with self.db.unit_of_work(SYSTEM) as session:
            first = (
                await session.execute(
                    insert(ProcessedEvent)
                    .values(consumer=PUBLISHER_GROUP, event_id=event.event_id)
                    .on_conflict_do_nothing()
                    .returning(ProcessedEvent.event_id)
                )
            ).scalar_one_or_none()
            if first is None:
                return
            n = await session.get(Notification, uuid.UUID(str(event.payload["notification_id"])))
            if n is None or n.dismissed_at is not None:
                return
            frame = {
                "type": "notification",
                "id": str(n.id),
                "category": n.category.value,
                "priority": n.priority.value,
                "title": n.title,
                "body": n.body,
                "action_url": n.action_url,
                "resource_type": n.resource_type,
                "resource_id": str(n.resource_id) if n.resource_id else None,
                "created_at": n.created_at.isoformat(),
            }
            user_id = n.user_id
        # After the commit: the row is stored whatever happens to this live copy.
        await self.redis.publish(streams.user_channel(user_id), json.dumps(frame))


async def _round(db: Database, settings: Settings) -> None:
    sent, expired = await run_due(db, settings)
    if sent or expired:
        log.info("scheduling: %d reminders sent, %d waitlist offers expired", sent, expired)


async def _loop(db: Database, settings: Settings, stop: asyncio.Event) -> None:
    await every(settings.scheduling_poll_seconds, lambda: _round(db, settings), stop, log, "scheduling jobs")


def start(
    db: Database, redis: aioredis.Redis, settings: Settings, stop: asyncio.Event
) -> list[asyncio.Task[None]]:
    """The worker's scheduling tasks: the due-jobs loop and the notification publisher."""
    consumer = StreamConsumer(
        redis,
        streams.stream_name(settings),
        PUBLISHER_GROUP,
        f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}",
        NotificationPublisher(db, redis),
        start="0",
        claim_idle_ms=settings.stream_claim_idle_ms,
    )
    return [
        asyncio.create_task(_loop(db, settings, stop), name="scheduling-due"),
        asyncio.create_task(consumer.run(stop), name="scheduling-notifications"),
    ]
