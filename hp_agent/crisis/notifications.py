"""What the escalation worker does with an escalation event: the crisis layer's notifications.

For each ``escalation.opened`` / ``raised`` / ``level`` event (once per event id, whatever the
stream redelivers): the escalation is marked notified, an assigned clinician who is not on the
dashboard socket is reached through the configured notifiers (email, SMS, pager), and when the
policy says so the person is shown their crisis lines again (a live ``safety`` frame; the
reminder is stored by the chat socket that relays it). See docs/escalation.md.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from hp_agent.compliance import audit
from hp_agent.config import Settings
from hp_agent.crisis import escalations as esc
from hp_agent.crisis.models import CrisisEscalation, EscalationStatus
from hp_agent.crisis.resources import lines_for
from hp_agent.db.session import Database
from hp_agent.events import streams
from hp_agent.events.fanout import ALERT_EVENTS
from hp_agent.events.models import ProcessedEvent
from hp_agent.events.notifiers import Alert, Notifier
from hp_agent.events.streams import StreamEvent
from hp_agent.users.models import User
from hp_agent.users.repository import SYSTEM


class NotifierHandler:
    """Marks the escalation notified, reaches absent clinicians, and re-shows the crisis lines."""

    def __init__(
        self, db: Database, redis: aioredis.Redis, settings: Settings, notifiers: list[Notifier]
    ) -> None:
        self.db = db
        self.redis = redis
        self.settings = settings
        self.notifiers = notifiers

    async def _present(self, therapist_id: str) -> bool:
        try:
            return bool(await self.redis.exists(streams.presence_key(self.settings, therapist_id)))
        except (RedisError, OSError):
            return False  # unknown: notify rather than stay silent

    async def __call__(self, event: StreamEvent) -> None:
        if event.event_type not in ALERT_EVENTS:
            return
        user_frame: dict[str, object] | None = None
        async with self.db.unit_of_work(SYSTEM) as session:
            first = (
                await session.execute(
                    insert(ProcessedEvent)
                    .values(consumer=streams.NOTIFIER_GROUP, event_id=event.event_id)
                    .on_conflict_do_nothing()
                    .returning(ProcessedEvent.event_id)
                )
            ).scalar_one_or_none()
            if first is None:
                return  # already handled (the relay published it twice, or a redelivery)
            e = await session.get(
                CrisisEscalation, uuid.UUID(event.payload["escalation_id"]), with_for_update=True
            )
            if e is None:
                return
            p = event.payload
            assignee = p.get("assigned_to")
            channels: list[str] = []
            if assignee and e.notified_at is None:
                e.notified_at = dt.datetime.now(dt.UTC)
            if assignee and e.status == EscalationStatus.OPEN:
                e.status = EscalationStatus.NOTIFIED
            if assignee and e.status in esc.UNACKNOWLEDGED:
                if await self._present(assignee):
                    channels.append("socket")
                else:
                    alert = Alert(
                        event_id=str(event.event_id),
                        event_type=event.event_type,
                        escalation_id=str(e.id),
                        therapist_id=assignee,
                        risk_level=str(p.get("risk_level")),
                        level=int(p.get("level", e.level)),
                    )
                    for n in self.notifiers:
                        if await n.notify(session, alert):
                            channels.append(n.name)
            if p.get("notify_user"):
                user = (await session.execute(select(User).where(User.id == e.user_id))).scalar_one()
                lines = await lines_for(session, user.country_code, user.locale)
                user_frame = {
                    "type": "safety",
                    "reason": "escalation_unacknowledged",
                    "escalation_id": str(e.id),
                    "crisis_lines": [line.to_dict() for line in lines],
                }
                channels.append("user_crisis_lines")
            await audit.record(
                session,
                "crisis.escalation.notified",
                actor=SYSTEM,
                subject_type="crisis_escalation",
                subject_id=e.id,
                details={
                    "event_id": event.event_id,
                    "event_type": event.event_type,
                    "level": p.get("level"),
                    "assigned_to": assignee,
                    "channels": ",".join(channels) or "none",
                },
            )
        if user_frame is not None:
            # After the commit: the notification row is already stored; this is the live copy.
            await self.redis.publish(streams.user_channel(e.user_id), json.dumps(user_frame))
