"""The worker's export loop: claim a queued ``data_exports`` row, build its archive, store it.

Each job moves queued -> running (claimed with SKIP LOCKED, so two workers never build the same
one) -> ready (or failed, with an error code and no archive). The build runs under the person's own
principal, so row-level security decides what the archive holds. Progress is committed as the
build goes so ``GET /v1/me/exports/{id}`` shows it. Ready archives nobody downloads expire.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import logging
import time

from sqlalchemy import select, update

from hp_agent.compliance import retention
from hp_agent.compliance.models import DataExport
from hp_agent.config import Settings
from hp_agent.db.session import Database, Principal
from hp_agent.events.periodic import every
from hp_agent.privacy import erasure, export
from hp_agent.users.models import User
from hp_agent.users.repository import SYSTEM

log = logging.getLogger("hp_agent.privacy.tasks")
POLL_SECONDS = 5.0
RETENTION_EVERY = 3600.0  # seconds between retention runs


async def process_next(db: Database) -> bool:
    """Build one queued export; False when there was none."""
    async with db.unit_of_work(SYSTEM) as session:
        job = (
            await session.execute(
                select(DataExport)
                .where(DataExport.status == "queued")
                .order_by(DataExport.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
        ).scalar_one_or_none()
        if job is None:
            return False
        job_id, user_id = job.id, job.user_id
        job.status, job.progress = "running", 10
        role = (await session.execute(select(User.role).where(User.id == user_id))).scalar_one()
    try:
        async with db.unit_of_work(Principal(user_id, role.value)) as session:
            archive = await export.build_archive(session, user_id)
        async with db.unit_of_work(SYSTEM) as session:
            await export.set_progress(
                session,
                job_id,
                status="ready",
                progress=100,
                archive=base64.b64encode(archive).decode(),
                archive_bytes=len(archive),
                completed_at=dt.datetime.now(dt.UTC),
            )
    except Exception as exc:  # the job fails visibly; the worker goes on
        log.error("export %s failed: %s", job_id, type(exc).__name__)
        async with db.unit_of_work(SYSTEM) as session:
            await export.set_progress(session, job_id, status="failed", error=type(exc).__name__[:64])
    return True


async def expire(db: Database) -> int:
    """Drop archives that were ready but not downloaded within ``ARCHIVE_TTL``."""
    cutoff = dt.datetime.now(dt.UTC) - export.ARCHIVE_TTL
    async with db.unit_of_work(SYSTEM) as session:
        result = await session.execute(
            update(DataExport)
            .where(DataExport.status == "ready", DataExport.completed_at < cutoff)
            .values(status="expired", archive=None, link_token_hash=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _loop(db: Database, stop: asyncio.Event) -> None:
    last_retention = 0.0

    async def round_() -> None:
        nonlocal last_retention
        while await process_next(db):
            pass
        await expire(db)
        await erasure.erase_due(db)
        if time.monotonic() - last_retention > RETENTION_EVERY:
            async with db.unit_of_work(SYSTEM) as session:
                report = await retention.run(session, dry_run=False)
            log.info("retention: %s", {k: v["rows"] for k, v in report.items()})
            last_retention = time.monotonic()

    await every(POLL_SECONDS, round_, stop, log, "export loop")


def start(db: Database, settings: Settings, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    return [asyncio.create_task(_loop(db, stop), name="privacy-exports")]
