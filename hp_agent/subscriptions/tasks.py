"""The worker's dunning loop: retry past-due invoices on their schedule.

A due subscription is claimed (SKIP LOCKED) and given a one-hour lease on ``next_retry_at``
before the processor is called, so two workers never retry it together and a crash leaves it to be
retried later, not lost. The answer is applied with the same function as the webhook about it
(``dunning.apply_invoice``), which counts each payment attempt once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid

from sqlalchemy import select

from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.events.periodic import every
from hp_agent.subscriptions import dunning
from hp_agent.subscriptions.models import SubscriptionStatus, UserSubscription
from hp_agent.subscriptions.processor import provider_for
from hp_agent.subscriptions.provider import PaymentProvider, ProviderError
from hp_agent.users.repository import SYSTEM

log = logging.getLogger("hp_agent.subscriptions.tasks")
LEASE = dt.timedelta(hours=1)


async def retry_due(
    db: Database,
    provider: PaymentProvider,
    settings: Settings,
    *,
    now: dt.datetime | None = None,
    limit: int = 20,
) -> int:
    """Retry every past-due invoice whose time has come; the number retried."""
    now = now or dt.datetime.now(dt.UTC)
    async with db.unit_of_work(SYSTEM) as session:
        rows = (
            await session.execute(
                select(UserSubscription)
                .where(
                    UserSubscription.status == SubscriptionStatus.PAST_DUE,
                    UserSubscription.next_retry_at <= now,
                    UserSubscription.processor_open_invoice_id.is_not(None),
                )
                .order_by(UserSubscription.next_retry_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
        due: list[tuple[uuid.UUID, str]] = []
        for sub in rows:
            assert sub.processor_open_invoice_id is not None
            due.append((sub.id, sub.processor_open_invoice_id))
            sub.next_retry_at = now + LEASE
    for sub_id, invoice_id in due:
        try:
            pinv = await provider.pay_invoice(invoice_id)
        except ProviderError as exc:
            log.warning("dunning retry of %s not sent: %s", sub_id, exc.code or "processor error")
            continue
        async with db.unit_of_work(SYSTEM) as session:
            locked = await session.get(UserSubscription, sub_id, with_for_update=True)
            if locked is not None:
                await dunning.apply_invoice(session, locked, pinv, settings, now=now)
    return len(due)


def start(db: Database, settings: Settings, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    provider = provider_for(settings)
    if provider is None:
        return []  # payments not configured: nothing to retry

    async def round_() -> None:
        await retry_due(db, provider, settings)

    return [
        asyncio.create_task(
            every(settings.billing_poll_seconds, round_, stop, log, "dunning"), name="subscriptions-dunning"
        )
    ]
