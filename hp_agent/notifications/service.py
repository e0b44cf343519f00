"""Store a notification once and queue its live delivery, honouring the person's preferences.

One path for every producer (appointment reminders, medication reminders, homework, announcements):
a ``notifications`` row (the inbox, read at the next sign-in) plus a ``notification.created``
outbox event in the same transaction, which the worker's publisher
(``hp_agent/scheduling/tasks.NotificationPublisher``) turns into a live ``notification`` frame on
the person's sockets. Titles and bodies say *that* something happened, never clinical content.

Preferences: a kind switched off is not stored at all; during quiet hours the row is stored (the
inbox has it) but not pushed live. Crisis follow-ups and urgent notifications ignore both.
"""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from dataclasses import dataclass

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import NotificationCategory, NotificationPriority
from hp_agent.events.models import OutboxEvent
from hp_agent.notifications.models import NotificationPreference

EVENT = "notification.created"
# Never silenced or held: a person at risk, or someone responsible for them, must hear at once.
BYPASS_CATEGORIES = frozenset({NotificationCategory.crisis_follow_up})
# Preference switch for each category; categories not listed are always on.
KIND_OF = {
    NotificationCategory.medication: "reminders",
    NotificationCategory.appointment: "appointments",
    NotificationCategory.homework: "homework",
    NotificationCategory.system: "announcements",
}
KINDS = ("reminders", "appointments", "homework", "announcements")


@dataclass(frozen=True, slots=True)
class Prefs:
    reminders: bool = True
    appointments: bool = True
    homework: bool = True
    announcements: bool = True
    quiet_start: dt.time | None = None
    quiet_end: dt.time | None = None
    timezone: str = "UTC"

    def allows(self, category: NotificationCategory) -> bool:
        kind = KIND_OF.get(category)
        return kind is None or bool(getattr(self, kind))

    def _zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def quiet_until(self, now: dt.datetime) -> dt.datetime | None:
        """When the quiet period that contains ``now`` ends (UTC), or None outside quiet hours."""
        if self.quiet_start is None or self.quiet_end is None:
            return None
        local = now.astimezone(self._zone())
        t = local.time().replace(tzinfo=None)
        start, end = self.quiet_start, self.quiet_end
        inside = start <= t < end if start < end else (t >= start or t < end)
        if not inside:
            return None
        day = local.date() if t < end else local.date() + dt.timedelta(days=1)
        # fold=0 / zoneinfo resolve a wall time in a DST gap forward, which is what we want.
        return dt.datetime.combine(day, end, tzinfo=self._zone()).astimezone(dt.UTC)


DEFAULT = Prefs()


async def preferences(session: AsyncSession, user_id: uuid.UUID) -> Prefs:
    row = (
        await session.execute(select(NotificationPreference).where(NotificationPreference.user_id == user_id))
    ).scalar_one_or_none()
    if row is None:
        return DEFAULT
    return Prefs(
        reminders=row.reminders,
        appointments=row.appointments,
        homework=row.homework,
        announcements=row.announcements,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        timezone=row.timezone,
    )


async def preferences_for_delivery(session: AsyncSession, user_id: uuid.UUID) -> Prefs:
    """Anyone's delivery choices, for a notification to them (SECURITY DEFINER function)."""
    stmt = text("SELECT * FROM app_notification_preferences(:person)")
    row = (await session.execute(stmt, {"person": user_id})).first()
    if row is None:
        return DEFAULT
    return Prefs(*row)


def bypasses(category: NotificationCategory, priority: NotificationPriority) -> bool:
    return category in BYPASS_CATEGORIES or priority == NotificationPriority.urgent


async def notify(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    category: NotificationCategory,
    title: str,
    body: str | None,
    dedupe_key: str,
    action_url: str | None = None,
    resource_type: str | None = None,
    resource_id: uuid.UUID | None = None,
    priority: NotificationPriority = NotificationPriority.normal,
    now: dt.datetime | None = None,
) -> uuid.UUID | None:
    """Store the notification once per ``dedupe_key`` and, outside quiet hours, queue its live
    delivery. Returns its id; None when it already existed or the person turned the kind off."""
    now = now or dt.datetime.now(dt.UTC)
    # The recipient is often not the person whose request this is: their preferences and inbox
    # are reached through two narrow database functions (hp_agent/db/security.py), not by acting
    # as the system actor, which only the worker's database role may do.
    live = True
    if not bypasses(category, priority):
        prefs = await preferences_for_delivery(session, user_id)
        if not prefs.allows(category):
            return None
        live = prefs.quiet_until(now) is None
    stmt = select(
        func.app_deliver_notification(
            user_id,
            category.value,
            priority.value,
            title,
            body,
            action_url,
            resource_type if resource_id else None,
            resource_id,
            dedupe_key,
        )
    )
    row_id: uuid.UUID | None = (await session.execute(stmt)).scalar_one()
    if row_id is None:
        return None
    if live:
        # A plain INSERT: anyone may append an outbox row, only the relay reads them (no RETURNING).
        await session.execute(
            insert(OutboxEvent).values(
                id=uuid.uuid4(),
                aggregate_type="notification",
                aggregate_id=row_id,
                event_type=EVENT,
                payload={"user_id": str(user_id), "notification_id": str(row_id)},
            )
        )
    return row_id
