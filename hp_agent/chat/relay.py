"""Forward safety reminders published on Redis (``hp:user:{user_id}``) to the user's chat sockets.

The escalation service publishes ``{"type": "safety", "reason": ..., "escalation_id": ...,
"crisis_lines": [...]}`` after it has stored its own notification. Each process subscribes, on
one pub/sub connection, to the channels of the users it has sockets for. A socket attached to a
chat session stores the reminder there as a ``safety`` message with a seq (so ``resume`` replays
it); two sockets on one session store it once (its ``client_message_id`` is derived from the
reminder). A socket with no session gets it live, unstored. Pub/sub is live fan-out only: a
reminder published while nobody is connected is not stored here.

``{"type": "notification", ...}`` frames (appointment reminders and other in-app notifications,
already stored in ``notifications`` by ``hp_agent/scheduling/tasks.py``) go to every socket as is.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from collections import defaultdict
from typing import Any, Protocol

from hp_agent.events.pubsub import json_messages


def channel(user_id: uuid.UUID | str) -> str:
    return f"hp:user:{user_id}"


def reminder_id(data: dict[str, Any]) -> str:
    """A stable id per reminder, used as the message's client_message_id (dedupe per session)."""
    key = f"{data.get('reason', '')}:{data.get('escalation_id', '')}:{data.get('id', '')}"
    return "relay:" + hashlib.sha256(key.encode()).hexdigest()[:40]


class Receiver(Protocol):
    async def relay_safety(self, data: dict[str, Any]) -> None: ...

    async def send(self, frame: dict[str, Any]) -> bool: ...


class UserRelay:
    def __init__(self, redis: Any) -> None:
        self.redis = redis
        self.pubsub = redis.pubsub()
        self.local: dict[str, set[Receiver]] = defaultdict(set)
        self.task: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()

    async def add(self, user_id: uuid.UUID, receiver: Receiver) -> None:
        name = channel(user_id)
        first = not self.local[name]
        self.local[name].add(receiver)
        if first:
            await self.pubsub.subscribe(name)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._listen(), name="chat-user-relay")

    async def remove(self, user_id: uuid.UUID, receiver: Receiver) -> None:
        name = channel(user_id)
        receivers = self.local.get(name)
        if receivers is None:
            return
        receivers.discard(receiver)
        if not receivers:
            del self.local[name]
            with contextlib.suppress(Exception):
                await self.pubsub.unsubscribe(name)

    async def _listen(self) -> None:
        async for name, data in json_messages(self.pubsub, lambda: bool(self.local), "user relay"):
            kind = data.get("type")
            if kind not in ("safety", "notification"):
                continue
            for receiver in list(self.local.get(name, ())):
                # In-app notifications (appointment reminders, ...) are stored by their producer
                # in ``notifications``; the socket only shows the live copy.
                task = asyncio.create_task(
                    receiver.relay_safety(data) if kind == "safety" else _send(receiver, data)
                )
                self._deliveries.add(task)
                task.add_done_callback(self._deliveries.discard)


async def _send(receiver: Receiver, frame: dict[str, Any]) -> None:
    await receiver.send(frame)
