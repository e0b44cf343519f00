"""Medication reminders, run by the worker (``hp_agent/events/worker.py`` only starts them).

The same shape as appointment reminders (``hp_agent/scheduling/tasks.py``): reminders are rows in
``medication_reminders``, one per schedule and due time (a unique constraint), written ahead of
time by every pass (``INSERT ... ON CONFLICT DO NOTHING``, so two workers write each once). A pass
then claims due rows with ``FOR UPDATE SKIP LOCKED`` and, in the same transaction, marks each sent
and stores its inbox notification plus outbox event (``notifications.service.notify``); the
shared ``NotificationPublisher`` pushes the live ``notification`` frame. A crash before the commit
leaves the row due for the next pass; any number of workers deliver each reminder once.

Snoozed reminders come back at ``snoozed_until``; quiet hours hold a reminder (snoozed until the
quiet period ends); a dose already logged, or a medicine stopped, cancels its reminder.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects.postgresql import insert

from hp_agent.admin.models import NotificationCategory, NotificationPriority
from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.events.periodic import every
from hp_agent.medication.models import (
    MedicationIntakeLog,
    MedicationReminder,
    MedicationSchedule,
    MedicationStatus,
    ReminderChannel,
    ReminderStatus,
    UserMedication,
)
from hp_agent.medication.timing import occurrences
from hp_agent.notifications import service as inbox
from hp_agent.users.repository import SYSTEM

log = logging.getLogger("hp_agent.medication.tasks")
BATCH = 200
# How far ahead reminder rows are written, so a worker that is down for a while still has them.
HORIZON = dt.timedelta(hours=36)
# A schedule whose latest planned reminder is more than HORIZON - REPLAN_AFTER ahead is skipped:
# a daily dose always has one beyond 12 h until the day it needs its next row.
REPLAN_AFTER = dt.timedelta(hours=24)
PLAN_CHUNK = 2000


async def _plan(db: Database, now: dt.datetime) -> int:
    """Write the reminder rows due in the next ``HORIZON`` (and within grace of now)."""
    async with db.unit_of_work(SYSTEM) as session:
        s, um, r = MedicationSchedule, UserMedication, MedicationReminder
        rows = (
            await session.execute(
                select(s, um)
                .join(um, um.id == s.user_medication_id)
                .where(
                    s.is_active.is_(True),
                    s.reminders_enabled.is_(True),
                    um.status == MedicationStatus.ACTIVE,
                    um.as_needed.is_(False),
                    # Planned far enough ahead already: skip (a daily dose is re-planned about
                    # once a day, not on every pass).
                    ~select(r.id)
                    .where(r.schedule_id == s.id, r.remind_at > now + HORIZON - REPLAN_AFTER)
                    .exists(),
                )
            )
        ).all()
        values = [
            {
                "schedule_id": sched.id,
                "patient_id": sched.patient_id,
                "remind_at": due,
                "channel": ReminderChannel.PUSH,
            }
            for sched, med in rows
            for due in occurrences(sched, med, now - dt.timedelta(minutes=sched.grace_minutes), now + HORIZON)
        ]
        planned = 0
        # In chunks: one statement may carry at most 32,767 bind parameters (asyncpg).
        for n in range(0, len(values), PLAN_CHUNK):
            result = await session.execute(
                insert(MedicationReminder)
                .values(values[n : n + PLAN_CHUNK])
                .on_conflict_do_nothing(index_elements=["schedule_id", "remind_at", "channel"])
            )
            planned += int(result.rowcount)  # type: ignore[attr-defined]
        return planned


async def run_due(db: Database, settings: Settings, now: dt.datetime | None = None) -> int:
    """One pass; returns reminders delivered. ``now`` is injectable for tests."""
    now = now or dt.datetime.now(dt.UTC)
    await _plan(db, now)
    sent = 0
    async with db.unit_of_work(SYSTEM) as session:
        r, s, um = MedicationReminder, MedicationSchedule, UserMedication
        rows = (
            await session.execute(
                select(r, s, um)
                .join(s, s.id == r.schedule_id)
                .join(um, um.id == s.user_medication_id)
                .where(
                    or_(
                        and_(r.status == ReminderStatus.SCHEDULED, r.remind_at <= now),
                        and_(r.status == ReminderStatus.SNOOZED, r.snoozed_until <= now),
                    )
                )
                .order_by(r.remind_at)
                .limit(BATCH)
                .with_for_update(of=r, skip_locked=True)
            )
        ).all()
        for row in rows:
            reminder, sched, med = row[0], row[1], row[2]
            held = reminder.status == ReminderStatus.SNOOZED
            if med.status != MedicationStatus.ACTIVE or not sched.is_active or not sched.reminders_enabled:
                reminder.status = ReminderStatus.CANCELLED
                continue
            if not held and now > reminder.remind_at + dt.timedelta(minutes=sched.grace_minutes):
                reminder.status = ReminderStatus.FAILED  # too late to be useful (worker was down)
                reminder.failure_reason = "expired"
                continue
            logged = (
                await session.execute(
                    select(MedicationIntakeLog.id).where(
                        MedicationIntakeLog.schedule_id == sched.id,
                        MedicationIntakeLog.scheduled_for == reminder.remind_at,
                    )
                )
            ).scalar_one_or_none()
            if logged is not None:
                reminder.status = ReminderStatus.ACKNOWLEDGED
                reminder.intake_log_id = logged
                reminder.acknowledged_at = now
                continue
            prefs = await inbox.preferences(session, med.patient_id)
            if not prefs.allows(NotificationCategory.medication):
                reminder.status = ReminderStatus.CANCELLED
                continue
            quiet_end = prefs.quiet_until(now)
            if quiet_end is not None:
                reminder.status = ReminderStatus.SNOOZED  # held until the quiet hours end
                reminder.snoozed_until = quiet_end
                continue
            reminder.attempt_count += 1
            await inbox.notify(
                session,
                med.patient_id,
                category=NotificationCategory.medication,
                # Lock screens: say that a dose is due, never which medicine.
                title="Time for your medicine",
                body="A dose on your medicine list is due. Open the app to log it or snooze.",
                action_url="/#meds",
                resource_type="medication_reminder",
                resource_id=reminder.id,
                dedupe_key=f"medication-reminder:{reminder.id}:{reminder.attempt_count}",
                priority=NotificationPriority.high,
                now=now,
            )
            reminder.status = ReminderStatus.SENT
            reminder.sent_at = now
            reminder.snoozed_until = None
            sent += 1
    return sent


async def _round(db: Database, settings: Settings) -> None:
    sent = await run_due(db, settings)
    if sent:
        log.info("medication: %d reminders sent", sent)


async def _loop(db: Database, settings: Settings, stop: asyncio.Event) -> None:
    await every(
        settings.scheduling_poll_seconds, lambda: _round(db, settings), stop, log, "medication reminders"
    )


def start(db: Database, settings: Settings, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    """The worker's medication task (live frames come from the shared notification publisher)."""
    return [asyncio.create_task(_loop(db, settings, stop), name="medication-reminders")]
