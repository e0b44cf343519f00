"""The worker's insurance job: read the clearing house's inbox every ``HP_BILLING_INBOX_POLL_SECONDS``."""

from __future__ import annotations

import asyncio
import logging

from hp_agent.billing import inbound
from hp_agent.billing.clearinghouse import Clearinghouse, FileDrop
from hp_agent.billing.settings import BillingSettings, get_billing_settings
from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.events.periodic import every

log = logging.getLogger("hp_agent.billing.tasks")


def clearinghouse_for(settings: Settings, cfg: BillingSettings | None = None) -> Clearinghouse:
    cfg = cfg or get_billing_settings()
    return FileDrop(cfg.root(settings.data_dir))


def start(db: Database, settings: Settings, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    cfg = get_billing_settings()
    houses: list[Clearinghouse] = []

    async def round_() -> None:
        # Made on the first round, not at start: a folder that cannot be created is this job's
        # logged failure (retried next round), never the worker's.
        if not houses:
            houses.append(clearinghouse_for(settings, cfg))
        report = await inbound.process_inbox(db, houses[0], cfg)
        if report.processed or report.quarantined:
            log.info("clearing-house inbox: %d posted, %d quarantined", report.processed, report.quarantined)

    return [
        asyncio.create_task(
            every(cfg.inbox_poll_seconds, round_, stop, log, "clearing-house inbox"), name="billing-inbox"
        )
    ]
