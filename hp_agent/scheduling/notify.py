"""In-app notifications of scheduling events: a ``notifications`` row (kept for the next sign-in)
plus an outbox event in the same transaction, which the worker turns into a live frame on the
person's sockets (``tasks.NotificationPublisher``). Titles and bodies say *that* something
happened, never clinical content (they reach lock screens)."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import Notification, NotificationCategory, NotificationPriority
from hp_agent.events.models import OutboxEvent
from hp_agent.users.repository import SYSTEM, acting_as

EVENT = "notification.created"


async def notify(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    title: str,
    body: str,
    appointment_id: uuid.UUID | None,
    dedupe_key: str,
    priority: NotificationPriority = NotificationPriority.normal,
) -> uuid.UUID | None:
    """Store the notification once per ``dedupe_key`` and queue its live delivery; returns its id
    (None when it already existed)."""
    # Written as the system actor: the recipient is often not the person whose request this is.
    async with acting_as(session, SYSTEM):
        row_id = (
            await session.execute(
                insert(Notification)
                .values(
                    id=uuid.uuid4(),
                    user_id=user_id,
                    category=NotificationCategory.appointment,
                    priority=priority,
                    title=title,
                    body=body,
                    action_url="/#schedule",
                    resource_type="appointment" if appointment_id else None,
                    resource_id=appointment_id,
                    dedupe_key=dedupe_key,
                )
                .on_conflict_do_nothing(
                    index_elements=["user_id", "dedupe_key"], index_where=Notification.dedupe_key.is_not(None)
                )
                .returning(Notification.id)
            )
        ).scalar_one_or_none()
        if row_id is None:
            return None
        session.add(
            OutboxEvent(
                aggregate_type="notification",
                aggregate_id=row_id,
                event_type=EVENT,
                payload={"user_id": str(user_id), "notification_id": str(row_id)},
            )
        )
    return row_id
