"""In-app notifications of scheduling events, through the one inbox path
(``hp_agent/notifications/service.notify``): a ``notifications`` row (kept for the next sign-in)
plus an outbox event in the same transaction, which the worker turns into a live frame on the
person's sockets (``tasks.NotificationPublisher``), subject to the person's preferences. Titles and
bodies say *that* something happened, never clinical content (they reach lock screens)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import NotificationCategory, NotificationPriority
from hp_agent.notifications import service as inbox
from hp_agent.notifications.service import EVENT

__all__ = ["EVENT", "notify"]


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
    (None when it already existed, or the person turned appointment notifications off)."""
    return await inbox.notify(
        session,
        user_id,
        category=NotificationCategory.appointment,
        title=title,
        body=body,
        action_url="/#schedule",
        resource_type="appointment",
        resource_id=appointment_id,
        dedupe_key=dedupe_key,
        priority=priority,
    )
