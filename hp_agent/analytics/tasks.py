"""The daily analytics rollup as durable jobs (``hp_agent/events/worker.py`` only starts the loop).

Each UTC day is one row in ``analytics_rollup_jobs``. A pass makes sure yesterday has a row,
then claims due rows one at a time with ``FOR UPDATE SKIP LOCKED`` and computes the day in the
claiming transaction: the aggregates and the ``done`` mark commit together, a crash rolls both
back and leaves the row pending, and a second worker skips the row it cannot lock. A failed day
is retried with backoff. Back-filling a range is inserting (or re-opening) its rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.analytics.models import AnalyticsRollupJob, RollupJobStatus
from hp_agent.analytics.rollup import rollup_day
from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.events.periodic import every
from hp_agent.users.repository import SYSTEM

log = logging.getLogger("hp_agent.analytics.tasks")
MAX_ATTEMPTS = 5
MAX_BACKFILL_DAYS = 366


async def enqueue_in(
    session: AsyncSession, first: dt.date, last: dt.date, due: dt.datetime | None = None
) -> int:
    """Queue the days ``first``..``last`` (re-opening days already done), due from ``due``
    (default: now); returns the count."""
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    if not days:
        return 0
    stmt = insert(AnalyticsRollupJob).values(
        [
            {
                "metric_date": d,
                "status": RollupJobStatus.PENDING,
                "attempts": 0,
                "run_after": due or func.now(),
            }
            for d in days
        ]
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["metric_date"],
            set_={
                "status": RollupJobStatus.PENDING,
                "attempts": 0,
                "run_after": due or func.now(),
                "error": None,
            },
        )
    )
    return len(days)


async def enqueue(db: Database, first: dt.date, last: dt.date, due: dt.datetime | None = None) -> int:
    async with db.unit_of_work(SYSTEM) as session:
        return await enqueue_in(session, first, last, due)


async def ensure_yesterday(db: Database, now: dt.datetime) -> None:
    yesterday = now.astimezone(dt.UTC).date() - dt.timedelta(days=1)
    async with db.unit_of_work(SYSTEM) as session:
        await session.execute(
            insert(AnalyticsRollupJob)
            .values(metric_date=yesterday)
            .on_conflict_do_nothing(index_elements=["metric_date"])
        )


async def run_one(db: Database, now: dt.datetime | None = None) -> dt.date | None:
    """Claim and compute one due day; returns it, or None when nothing is due."""
    now = now or dt.datetime.now(dt.UTC)
    claimed: dt.date | None = None
    try:
        async with db.unit_of_work(SYSTEM) as session:
            job = (
                await session.execute(
                    select(AnalyticsRollupJob)
                    .where(
                        AnalyticsRollupJob.status.in_((RollupJobStatus.PENDING, RollupJobStatus.FAILED)),
                        AnalyticsRollupJob.attempts < MAX_ATTEMPTS,
                        AnalyticsRollupJob.run_after <= now,
                    )
                    .order_by(AnalyticsRollupJob.metric_date)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).scalar_one_or_none()
            if job is None:
                return None
            claimed = job.metric_date
            began = time.perf_counter()
            written = await rollup_day(session, job.metric_date)
            job.status = RollupJobStatus.DONE
            job.attempts += 1
            job.finished_at = now
            job.rows_written = written
            job.duration_ms = round((time.perf_counter() - began) * 1000)
            job.error = None
        return claimed
    except Exception as exc:
        if claimed is None:
            raise
        # The day's work rolled back; record the failure (class name only) and back off.
        async with db.unit_of_work(SYSTEM) as session:
            await session.execute(
                update(AnalyticsRollupJob)
                .where(AnalyticsRollupJob.metric_date == claimed)
                .values(
                    status=RollupJobStatus.FAILED,
                    attempts=AnalyticsRollupJob.attempts + 1,
                    error=type(exc).__name__[:120],
                    run_after=now + dt.timedelta(minutes=10),
                )
            )
        raise


async def run_due(db: Database, now: dt.datetime | None = None, limit: int = 400) -> int:
    """One pass: queue yesterday, then compute due days until none is left; returns days done."""
    now = now or dt.datetime.now(dt.UTC)
    await ensure_yesterday(db, now)
    done = 0
    while done < limit and await run_one(db, now) is not None:
        done += 1
    return done


async def run_range(db: Database, first: dt.date, last: dt.date) -> int:
    """Back-fill now: queue ``first``..``last`` and compute them in this process (the operator's
    ``hp-agent analytics-backfill``); returns the days computed."""
    now = dt.datetime.now(dt.UTC)
    await enqueue(db, first, last, due=now)
    done = 0
    while await run_one(db, now) is not None:
        done += 1
    return done


async def backfill_cli(settings: Settings, first: dt.date, last: dt.date) -> int:
    from hp_agent.db.urls import worker_database_url

    db = Database(worker_database_url(settings), pool_size=1)
    try:
        return await run_range(db, first, last)
    finally:
        await db.dispose()


async def _round(db: Database) -> None:
    done = await run_due(db)
    if done:
        log.info("analytics: %d day(s) rolled up", done)


async def _loop(db: Database, settings: Settings, stop: asyncio.Event) -> None:
    await every(settings.analytics_poll_seconds, lambda: _round(db), stop, log, "analytics rollup")


def start(db: Database, settings: Settings, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    """The worker's analytics task: the daily rollup loop."""
    return [asyncio.create_task(_loop(db, settings, stop), name="analytics-rollup")]
