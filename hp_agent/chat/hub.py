"""Live fan-out of stored frames to every socket attached to a conversation.

PostgreSQL is the source of truth: a socket that misses a frame (it was not connected, or a
message was lost between processes) backfills from the database by seq, so the hub only has to
be fast, not reliable. A socket that resumes subscribes *before* it replays, and drops anything
at or below the last seq it has sent, so each frame reaches it exactly once and in order.

Within a process the hub calls the sockets directly. With Redis configured (any deployment with
more than one API process) it also publishes each batch of frames on the conversation's channel
``{prefix}:chat:{session_id}`` and listens on the channels of the conversations it has sockets
for (see :class:`RemoteFanout`), so two devices served by different processes see each other's
frames live.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import defaultdict
from typing import Any, Protocol

from hp_agent.events.pubsub import json_messages

log = logging.getLogger("hp_agent.chat.hub")
PUBLISH_BATCH = 256


class Subscriber(Protocol):
    def notify(self, frames: list[dict[str, Any]]) -> None: ...


class SessionHub:
    def __init__(self, remote: RemoteFanout | None = None) -> None:
        self._subs: dict[uuid.UUID, set[Subscriber]] = defaultdict(set)
        self.remote = remote
        if remote is not None:
            remote.local = self

    async def join(self, session_id: uuid.UUID, sub: Subscriber) -> None:
        """Subscribe; returns once frames from other processes will reach ``sub`` too."""
        first = not self._subs.get(session_id)
        self._subs[session_id].add(sub)
        if first and self.remote is not None:
            await self.remote.subscribe(session_id)

    async def leave(self, session_id: uuid.UUID, sub: Subscriber) -> None:
        subs = self._subs.get(session_id)
        if subs is None:
            return
        subs.discard(sub)
        if not subs:
            del self._subs[session_id]
            if self.remote is not None:
                await self.remote.unsubscribe(session_id)

    def publish(self, session_id: uuid.UUID, frames: list[dict[str, Any]], origin: Subscriber | None) -> None:
        self.deliver_local(session_id, frames, origin)
        if self.remote is not None:
            self.remote.publish(session_id, frames)

    def deliver_local(
        self, session_id: uuid.UUID, frames: list[dict[str, Any]], origin: Subscriber | None = None
    ) -> None:
        for sub in list(self._subs.get(session_id, ())):
            if sub is not origin:
                sub.notify(frames)

    def subscribers(self, session_id: uuid.UUID) -> int:
        return len(self._subs.get(session_id, ()))


class RemoteFanout:
    """The Redis side of the hub: one pub/sub connection per process, publishes in order.

    Publishing never waits on Redis: batches queue here and one task sends them, pipelined, in
    the order they were queued (so a conversation's frames leave in seq order). A process ignores
    what it published itself: its own sockets were served directly.
    """

    def __init__(self, redis: Any, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self.instance = uuid.uuid4().hex
        self.local: SessionHub | None = None
        self.pubsub = redis.pubsub()
        self._channels: set[str] = set()
        # One (un)subscribe at a time: concurrent first calls would each open a connection.
        self._lock = asyncio.Lock()
        self._outbox: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._publisher: asyncio.Task[None] | None = None
        self._listener: asyncio.Task[None] | None = None

    def channel(self, session_id: uuid.UUID | str) -> str:
        return f"{self.prefix}:chat:{session_id}"

    async def subscribe(self, session_id: uuid.UUID) -> None:
        name = self.channel(session_id)
        self._channels.add(name)
        try:
            async with self._lock:
                await self.pubsub.subscribe(name)
        except Exception as exc:  # live fan-out is best effort; resume and gap fill still work
            log.warning("chat fan-out subscribe failed: %s", type(exc).__name__)
            return
        if self._listener is None or self._listener.done():
            self._listener = asyncio.create_task(self._listen(), name="chat-fanout-listen")

    async def unsubscribe(self, session_id: uuid.UUID) -> None:
        name = self.channel(session_id)
        self._channels.discard(name)
        with contextlib.suppress(Exception):
            async with self._lock:
                await self.pubsub.unsubscribe(name)

    def publish(self, session_id: uuid.UUID, frames: list[dict[str, Any]]) -> None:
        data = json.dumps({"from": self.instance, "frames": frames}, separators=(",", ":"), default=str)
        self._outbox.put_nowait((self.channel(session_id), data))
        if self._publisher is None or self._publisher.done():
            self._publisher = asyncio.create_task(self._publish(), name="chat-fanout-publish")

    async def _publish(self) -> None:
        while not self._outbox.empty():
            batch = [self._outbox.get_nowait() for _ in range(min(PUBLISH_BATCH, self._outbox.qsize()))]
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for name, data in batch:
                        pipe.publish(name, data)
                    await pipe.execute()
            except Exception as exc:
                log.warning("chat fan-out publish failed: %s", type(exc).__name__)

    async def _listen(self) -> None:
        async for name, data in json_messages(self.pubsub, lambda: bool(self._channels), "chat fan-out"):
            try:
                session_id = uuid.UUID(name.rsplit(":", 1)[1])
            except (ValueError, IndexError):
                continue
            if data.get("from") == self.instance:
                continue
            frames = data.get("frames")
            if self.local is not None and isinstance(frames, list):
                self.local.deliver_local(session_id, [f for f in frames if isinstance(f, dict)])

    async def close(self) -> None:
        for task in (self._publisher, self._listener):
            if task is not None:
                task.cancel()
        with contextlib.suppress(Exception):
            await self.pubsub.aclose()
