"""Outbox relay: unpublished ``outbox_events`` rows → Redis Stream, at least once.

One batch per transaction, claimed with ``FOR UPDATE SKIP LOCKED`` so any number of relays can
run side by side. A row is marked published in the same transaction that claimed it, after its
XADD succeeded; a crash between the two re-publishes the row, which consumers absorb because
they are idempotent on the outbox id. A failed XADD leaves the row unpublished with a back-off
(``available_at``) so a Redis outage neither loses events nor spins.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from sqlalchemy import select

from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.events import streams
from hp_agent.events.models import OutboxEvent
from hp_agent.events.periodic import pause
from hp_agent.observability import metrics
from hp_agent.users.repository import SYSTEM

log = logging.getLogger("hp_agent.relay")

# Test hook: called after a row's XADD and before it is marked (raise to simulate a crash).
AfterPublish = Callable[[OutboxEvent], None]


def backoff_seconds(attempts: int, cap: float) -> float:
    # Short and capped: these are crisis alerts, so retry within seconds once Redis is back.
    base: float = min(cap, 0.1 * (2 ** max(0, attempts - 1)))
    return base * (0.75 + random.random() / 2)  # jitter so relays do not retry in lockstep


async def relay_once(
    db: Database,
    redis: aioredis.Redis,
    settings: Settings,
    *,
    after_publish: AfterPublish | None = None,
) -> int:
    """Publish one batch; returns how many rows were published (0 = nothing to do or Redis down)."""
    stream = streams.stream_name(settings)
    published = 0
    async with db.unit_of_work(SYSTEM) as session:
        now = dt.datetime.now(dt.UTC)
        rows = (
            (
                await session.execute(
                    select(OutboxEvent)
                    .where(OutboxEvent.published_at.is_(None), OutboxEvent.available_at <= now)
                    .order_by(OutboxEvent.created_at, OutboxEvent.seq)
                    .limit(settings.relay_batch_size)
                    .with_for_update(skip_locked=True)
                )
            )
            .scalars()
            .all()
        )
        for row in rows:
            row.attempts += 1
            try:
                await redis.xadd(
                    stream,
                    streams.entry_fields(row.id, row.event_type, row.seq, row.payload),  # type: ignore[arg-type]
                    maxlen=settings.stream_maxlen,
                    approximate=True,
                )
            except (RedisError, OSError) as exc:
                # Broker error text only; payloads are ids anyway.
                row.last_error = f"{type(exc).__name__}: {str(exc)[:300]}"
                row.available_at = now + dt.timedelta(
                    seconds=backoff_seconds(row.attempts, settings.relay_max_backoff_seconds)
                )
                log.warning("relay: publish failed (%s); %d attempts", type(exc).__name__, row.attempts)
                metrics.OUTBOX_PUBLISH_FAILURES.inc()
                break  # Redis is unreachable: the rest of the batch waits for the next round
            if after_publish is not None:
                after_publish(row)
            row.published_at = dt.datetime.now(dt.UTC)
            row.last_error = None
            metrics.OUTBOX_LAG.observe(max(0.0, (row.published_at - row.created_at).total_seconds()))
            published += 1
    return published


async def run_relay(db: Database, redis: aioredis.Redis, settings: Settings, stop: asyncio.Event) -> None:
    """Poll the outbox until ``stop`` is set; a full batch is followed at once by the next."""
    while not stop.is_set():
        try:
            n = await relay_once(db, redis, settings)
        except Exception as exc:  # the database may be restarting; keep the loop alive
            log.error("relay: batch failed: %s", type(exc).__name__)
            n = 0
            await pause(stop, 1.0)
            continue
        if n < settings.relay_batch_size:
            await pause(stop, settings.relay_poll_seconds)
