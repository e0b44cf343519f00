"""Live delivery to the therapist sockets connected to *this* API instance.

Every instance has its own consumer group on the escalation stream (each must see every event,
because the assignee may be connected to any instance), created at ``$`` when the instance
starts: anything older is in the therapist's queue, which the socket sends on connect. Frames
are deduplicated on the outbox id, so a relay that published an event twice still rings once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import OrderedDict
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from hp_agent.config import Settings
from hp_agent.events import streams
from hp_agent.events.consumer import StreamConsumer
from hp_agent.events.streams import StreamEvent

log = logging.getLogger("hp_agent.fanout")

# Event types that put an escalation in front of a clinician.
ALERT_EVENTS = frozenset(
    {"crisis.escalation.opened", "crisis.escalation.raised", "crisis.escalation.reassigned"}
)
_SEEN_LIMIT = 50_000


class Sink(Protocol):
    async def send_json(self, data: Any) -> None: ...


def escalation_frame(event: StreamEvent) -> dict[str, Any]:
    """What a therapist's console receives: ids, levels and codes; never the person's words."""
    p = event.payload
    return {
        "type": "escalation",
        "event_id": str(event.event_id),
        "event_type": event.event_type,
        "seq": event.seq,
        "escalation_id": p.get("escalation_id"),
        "user_id": p.get("user_id"),
        "risk_level": p.get("risk_level"),
        "level": p.get("level", 1),
        "assigned_to": p.get("assigned_to"),
        "detection_count": p.get("detection_count"),
    }


class TherapistHub:
    """Sockets of this instance by therapist id, and the outbox ids already delivered."""

    def __init__(self) -> None:
        self._sockets: dict[uuid.UUID, set[Sink]] = {}
        self._seen: OrderedDict[uuid.UUID, None] = OrderedDict()
        self.delivered = 0

    def add(self, therapist_id: uuid.UUID, sink: Sink) -> None:
        self._sockets.setdefault(therapist_id, set()).add(sink)

    def remove(self, therapist_id: uuid.UUID, sink: Sink) -> None:
        sinks = self._sockets.get(therapist_id)
        if sinks is not None:
            sinks.discard(sink)
            if not sinks:
                del self._sockets[therapist_id]

    def connected(self, therapist_id: uuid.UUID) -> bool:
        return therapist_id in self._sockets

    def first_time(self, event_id: uuid.UUID) -> bool:
        if event_id in self._seen:
            return False
        self._seen[event_id] = None
        if len(self._seen) > _SEEN_LIMIT:
            self._seen.popitem(last=False)
        return True

    async def send(self, therapist_id: uuid.UUID, frame: dict[str, Any]) -> int:
        """Send to every socket of the therapist at once (one slow console delays nobody else's)."""
        sinks = list(self._sockets.get(therapist_id, ()))
        results = await asyncio.gather(*(sink.send_json(frame) for sink in sinks), return_exceptions=True)
        sent = 0
        for sink, result in zip(sinks, results, strict=True):
            if isinstance(result, BaseException):  # a closing socket; its own handler unregisters it
                self.remove(therapist_id, sink)
            else:
                sent += 1
        self.delivered += sent
        return sent


class FanoutConsumer:
    def __init__(self, redis: aioredis.Redis, settings: Settings, hub: TherapistHub) -> None:
        self.redis = redis
        self.settings = settings
        self.hub = hub
        self.group = f"fanout:{uuid.uuid4().hex[:12]}"
        self.consumer = StreamConsumer(
            redis,
            streams.stream_name(settings),
            self.group,
            "api",
            self.handle,
            start="$",
            claim_idle_ms=settings.stream_claim_idle_ms,
            block_ms=1000,
        )

    async def handle(self, event: StreamEvent) -> None:
        if event.event_type not in ALERT_EVENTS or not self.hub.first_time(event.event_id):
            return
        assignee = event.payload.get("assigned_to")
        if assignee:
            await self.hub.send(uuid.UUID(assignee), escalation_frame(event))

    async def run(self, stop: asyncio.Event) -> None:
        try:
            await self.consumer.run(stop)
        finally:
            # A clean shutdown removes this instance's group; it would otherwise hold pending entries.
            with contextlib.suppress(RedisError, OSError):
                await self.redis.xgroup_destroy(streams.stream_name(self.settings), self.group)
