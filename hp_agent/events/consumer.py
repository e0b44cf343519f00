"""A consumer-group reader: read, handle, XACK after handling, reclaim stuck entries.

An entry is acknowledged only after its handler returned, so a crash mid-handling leaves it
pending; ``XAUTOCLAIM`` hands entries idle longer than ``claim_idle_ms`` to a live consumer.
Handlers must be idempotent on ``StreamEvent.event_id`` (delivery is at least once, and the
relay may publish an outbox row twice).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from hp_agent.events import streams
from hp_agent.events.periodic import pause
from hp_agent.events.streams import StreamEvent

log = logging.getLogger("hp_agent.consumer")

Handler = Callable[[StreamEvent], Awaitable[None]]
# An entry delivered this many times without being handled is acknowledged and logged, so one
# malformed entry cannot block a consumer forever (the fact itself is still in PostgreSQL).
MAX_DELIVERIES = 20


class StreamConsumer:
    def __init__(
        self,
        redis: aioredis.Redis,
        stream: str,
        group: str,
        consumer: str,
        handler: Handler,
        *,
        start: str = "0",
        claim_idle_ms: int = 5000,
        block_ms: int = 1000,
        count: int = 100,
    ) -> None:
        self.redis = redis
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.handler = handler
        self.start = start
        self.claim_idle_ms = claim_idle_ms
        self.block_ms = block_ms
        self.count = count
        self.ready = asyncio.Event()  # set once the group exists (tests and startup wait on it)
        self._failures: dict[str, int] = {}
        self._last: str | None = None

    async def run(self, stop: asyncio.Event) -> None:
        group_ok = False
        pending_first = True  # after a restart, our own unacknowledged entries come first
        last_claim = 0.0
        delay = 0.1
        while not stop.is_set():
            try:
                if not group_ok:
                    # Recreated after Redis lost it: resume after the last entry seen, not at "$".
                    await streams.ensure_group(self.redis, self.stream, self.group, self._last or self.start)
                    group_ok = True
                    self.ready.set()
                if time.monotonic() - last_claim > self.claim_idle_ms / 2000:
                    last_claim = time.monotonic()
                    await self._reclaim()
                read_id = "0" if pending_first else ">"
                resp: Any = await self.redis.xreadgroup(
                    self.group,
                    self.consumer,
                    {self.stream: read_id},
                    count=self.count,
                    block=None if pending_first else self.block_ms,
                )
                entries = resp[0][1] if resp else []
                if pending_first and not entries:
                    pending_first = False
                for entry_id, fields in entries:
                    await self._handle(entry_id, fields)
                delay = 0.1
            except ResponseError as exc:
                if "NOGROUP" in str(exc):  # Redis restarted without its data: recreate
                    group_ok = False
                    pending_first = True
                    continue
                log.error("consumer %s: %s", self.group, type(exc).__name__)
                await pause(stop, delay)
                delay = min(delay * 2, 2.0)
            except (RedisError, OSError) as exc:
                log.warning("consumer %s: redis unavailable (%s)", self.group, type(exc).__name__)
                group_ok = False
                await pause(stop, delay)
                delay = min(delay * 2, 2.0)

    async def _reclaim(self) -> None:
        resp: Any = await self.redis.xautoclaim(
            self.stream, self.group, self.consumer, self.claim_idle_ms, "0-0", count=self.count
        )
        for entry_id, fields in resp[1]:
            if fields is not None:  # None: the entry was trimmed from the stream
                await self._handle(entry_id, fields)

    async def _handle(self, entry_id: str, fields: dict[str, str] | None) -> None:
        self._last = entry_id
        if not fields:
            await self.redis.xack(self.stream, self.group, entry_id)
            return
        try:
            event = StreamEvent.from_entry(entry_id, fields)
            await self.handler(event)
        except (RedisError, OSError):
            raise
        except Exception as exc:
            n = self._failures.get(entry_id, 0) + 1
            self._failures[entry_id] = n
            log.error(
                "consumer %s: handler failed on %s (%s), try %d", self.group, entry_id, type(exc).__name__, n
            )
            if n < MAX_DELIVERIES:
                return  # stays pending; reclaimed after claim_idle_ms
            log.error("consumer %s: giving up on %s", self.group, entry_id)
        self._failures.pop(entry_id, None)
        await self.redis.xack(self.stream, self.group, entry_id)
