"""The escalation worker: outbox relay, notifier consumer group and deadline watcher.

``hp-agent worker`` runs it on its own; in embedded mode ``hp-agent serve`` runs it inside the
API process (``HP_WORKER_IN_PROCESS``). Any number of workers may run: the relay claims rows with
SKIP LOCKED, the notifier is one consumer group, and the watcher locks the rows it moves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from hp_agent.analytics import tasks as analytics_tasks
from hp_agent.billing import tasks as billing_tasks
from hp_agent.config import Settings
from hp_agent.crisis import escalations as esc
from hp_agent.crisis.deadlines import advance_overdue
from hp_agent.crisis.notifications import NotifierHandler
from hp_agent.db.session import Database
from hp_agent.events import notifiers as notifiers_mod
from hp_agent.events import streams
from hp_agent.events.consumer import StreamConsumer
from hp_agent.events.fanout import FanoutConsumer, TherapistHub
from hp_agent.events.relay import run_relay
from hp_agent.journal.guided_retention import purge_expired
from hp_agent.medication import tasks as medication_tasks
from hp_agent.notifications import email_tasks
from hp_agent.privacy import tasks as privacy_tasks
from hp_agent.scheduling import tasks as scheduling_tasks
from hp_agent.subscriptions import tasks as subscriptions_tasks

log = logging.getLogger("hp_agent.worker")
FANOUT_GROUP_IDLE_MS = 10 * 60 * 1000
RETENTION_SECONDS = 3600.0  # expired guided sessions are purged hourly (guided_retention.py)


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(self, db: Database, redis: aioredis.Redis, settings: Settings) -> None:
        self.db = db
        self.redis = redis
        self.settings = settings
        self.stop = asyncio.Event()
        self.policy = esc.EscalationPolicy.from_settings(settings)
        self.handler = NotifierHandler(db, redis, settings, notifiers_mod.from_settings(settings))
        self.notifier = StreamConsumer(
            redis,
            streams.stream_name(settings),
            streams.NOTIFIER_GROUP,
            consumer_name(),
            self.handler,
            start="0",
            claim_idle_ms=settings.stream_claim_idle_ms,
        )
        self.tasks: list[asyncio.Task[None]] = []

    async def _deadlines(self) -> None:
        while not self.stop.is_set():
            try:
                await advance_overdue(self.db, self.policy)
            except Exception as exc:
                log.error("deadline watcher: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=self.settings.deadline_poll_seconds)

    async def _prune_fanout_groups(self) -> None:
        """Remove fan-out groups of API instances that died without cleaning up.

        A live instance's consumer blocks in XREADGROUP at most a second at a time, so its idle
        time stays near zero; a group whose consumers have all been idle for 10 minutes is gone.
        """
        stream = streams.stream_name(self.settings)
        while not self.stop.is_set():
            with contextlib.suppress(RedisError, OSError):
                for group in await self.redis.xinfo_groups(stream):
                    name = str(group["name"])
                    if not name.startswith("fanout:"):
                        continue
                    consumers = await self.redis.xinfo_consumers(stream, name)
                    if consumers and all(int(c["idle"]) > FANOUT_GROUP_IDLE_MS for c in consumers):
                        await self.redis.xgroup_destroy(stream, name)
                        log.info("removed abandoned fan-out group %s", name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=60)

    async def _retention(self) -> None:
        while not self.stop.is_set():
            try:
                purged = await purge_expired(self.db)
                if purged:
                    log.info("deleted %d expired guided sessions", purged)
            except Exception as exc:
                log.error("guided-session retention: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), timeout=RETENTION_SECONDS)

    def start(self) -> None:
        self.tasks = [
            asyncio.create_task(run_relay(self.db, self.redis, self.settings, self.stop), name="relay"),
            asyncio.create_task(self.notifier.run(self.stop), name="notifier"),
            asyncio.create_task(self._deadlines(), name="deadlines"),
            asyncio.create_task(self._prune_fanout_groups(), name="prune-fanout"),
            asyncio.create_task(self._retention(), name="guided-retention"),
            # Appointment reminders, waitlist offers and their live notifications.
            *scheduling_tasks.start(self.db, self.redis, self.settings, self.stop),
            *medication_tasks.start(self.db, self.settings, self.stop),
            # The daily analytics rollup (durable job rows, docs/analytics.md).
            *analytics_tasks.start(self.db, self.settings, self.stop),
            # Data exports (durable job rows, docs/privacy.md).
            *privacy_tasks.start(self.db, self.settings, self.stop),
            # The clearing house's inbox: 271 answers and 835 remittances (docs/billing.md).
            *billing_tasks.start(self.db, self.settings, self.stop),
            # Dunning: past-due subscription invoices retried on their schedule (docs/billing.md).
            *subscriptions_tasks.start(self.db, self.settings, self.stop),
            # Queued emails out through SMTP (only with HP_SMTP_URL; docs/sign-in.md).
            *email_tasks.start(self.db, self.settings, self.stop),
        ]

    async def close(self) -> None:
        self.stop.set()
        for t in self.tasks:
            t.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def run_worker(settings: Settings) -> None:
    """``hp-agent worker``: run until interrupted."""
    import signal

    from hp_agent.db.urls import worker_database_url

    assert settings.redis_url is not None
    from hp_agent.observability import worker_metrics

    db = Database(worker_database_url(settings), pool_size=5, max_overflow=5)
    redis = streams.client(settings.redis_url)
    worker = Worker(db, redis, settings)
    metrics = worker_metrics.start(settings.worker_metrics_port, settings.worker_metrics_host)
    worker.start()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, worker.stop.set)
    log.info("worker running (stream %s)", streams.stream_name(settings))
    await worker.stop.wait()
    await worker.close()
    await redis.aclose()
    await db.dispose()
    if metrics is not None:
        metrics.close()


# ---------------------------------------------------------------------------------------------
# What the API process runs beside requests (called from the app lifespan).
# ---------------------------------------------------------------------------------------------
@dataclass
class Events:
    therapist_hub: TherapistHub = field(default_factory=TherapistHub)
    redis: aioredis.Redis | None = None  # None without a broker
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    worker: Worker | None = None
    fanout: FanoutConsumer | None = None
    worker_db: Database | None = None  # the in-process worker's own connections (worker role)

    async def close(self, chat_remote: Any = None) -> None:
        """Stop everything; ``chat_remote`` is the chat's pub/sub connection (chat/hub.py),
        closed before the Redis client it uses."""
        self.stop.set()
        if self.worker is not None:
            await self.worker.close()
        if self.worker_db is not None:
            await self.worker_db.dispose()
        if chat_remote is not None:
            await chat_remote.close()
        if self.tasks:
            # Let the fan-out loop leave on its own (it removes its consumer group), then insist.
            _done, pending = await asyncio.wait(self.tasks, timeout=2.0)
            for t in pending:
                t.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.redis is not None:
            with contextlib.suppress(Exception):
                await self.redis.aclose()


def _worker_database(db: Database, settings: Settings, events: Events) -> Database:
    """The in-process worker connects as the worker role, like ``hp-agent worker`` (the API's
    role cannot act as the system actor on content tables). An app given its database (tests)
    without a URL keeps using that one."""
    if settings.database_url is None:
        return db
    from hp_agent.db.urls import worker_database_url

    events.worker_db = Database(worker_database_url(settings), pool_size=3, max_overflow=2)
    return events.worker_db


async def start_events(db: Database, settings: Settings) -> Events:
    """The API process's events machinery (the lifespan puts it in ``AppState``)."""
    esc.configure(settings)
    events = Events()
    if settings.redis_url is None:
        return events  # no broker: sockets still get their backfill from PostgreSQL
    events.redis = streams.client(settings.redis_url)
    events.fanout = FanoutConsumer(events.redis, settings, events.therapist_hub)
    events.tasks.append(asyncio.create_task(events.fanout.run(events.stop), name="fanout"))
    if settings.worker_in_process:
        events.worker = Worker(_worker_database(db, settings, events), events.redis, settings)
        events.worker.start()
    return events
