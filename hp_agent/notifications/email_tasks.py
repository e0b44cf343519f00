"""The worker's email sender: ``email_outbox`` rows out through an :class:`EmailTransport`.

A pass claims due rows with ``FOR UPDATE SKIP LOCKED`` and, in that short transaction, moves them
to ``sending`` with a lease (``available_at`` pushed ahead) and counts the attempt; it sends after
the commit, then records each outcome in a second transaction: ``sent``; back to ``pending`` with
exponential backoff; or ``failed`` (a permanent refusal, or the last allowed attempt). Two workers
never claim the same row; a worker that dies mid-send leaves its rows ``sending`` until the lease
runs out, when the next pass takes them again (at least once; the Message-ID stays the same).

Without ``HP_SMTP_URL`` the sender does not run and rows stay ``pending``. Nothing here logs an
address, a subject or a body.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from dataclasses import dataclass

from sqlalchemy import select, update

from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.events.models import EmailOutbox, EmailStatus
from hp_agent.events.periodic import every
from hp_agent.notifications.email import (
    LINK_TEMPLATES,
    EmailTransport,
    OutgoingEmail,
    PermanentFailure,
    SmtpTransport,
    TemporaryFailure,
)
from hp_agent.users.repository import SYSTEM

log = logging.getLogger("hp_agent.notifications.email")
BATCH = 50
LEASE = dt.timedelta(minutes=5)
FIRST_RETRY_SECONDS = 30.0
MAX_RETRY_SECONDS = 3600.0
REDACTED = "(sent; the link in this message is not kept)"


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 60 s, 120 s ... capped at an hour, with jitter so retries do not arrive in waves."""
    seconds = min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    return dt.timedelta(seconds=seconds * random.uniform(0.8, 1.2))


async def _claim(db: Database, now: dt.datetime, batch: int) -> list[tuple[OutgoingEmail, int, str]]:
    async with db.unit_of_work(SYSTEM) as session:
        rows = (
            (
                await session.execute(
                    select(EmailOutbox)
                    .where(
                        EmailOutbox.status.in_((EmailStatus.pending, EmailStatus.sending)),
                        EmailOutbox.available_at <= now,
                    )
                    .order_by(EmailOutbox.available_at)
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            )
            .scalars()
            .all()
        )
        claimed = []
        for row in rows:
            row.status = EmailStatus.sending
            row.attempts += 1
            row.available_at = now + LEASE
            claimed.append(
                (
                    OutgoingEmail(row.id, row.to_address, row.subject, row.body_text, row.body_html),
                    row.attempts,
                    row.template,
                )
            )
        return claimed


async def send_due(
    db: Database,
    transport: EmailTransport,
    settings: Settings,
    now: dt.datetime | None = None,
    batch: int = BATCH,
) -> SendReport:
    """One pass over due rows; ``now`` is injectable for tests."""
    now = now or dt.datetime.now(dt.UTC)
    claimed = await _claim(db, now, batch)
    report = SendReport()
    outcomes: list[tuple[OutgoingEmail, int, str, dict[str, object]]] = []
    for message, attempts, template in claimed:
        values: dict[str, object]
        try:
            message_id = await transport.send(message)
        except PermanentFailure as exc:
            values = {"status": EmailStatus.failed, "last_error": str(exc)[:500]}
            report.failed += 1
        except TemporaryFailure as exc:
            if attempts >= settings.email_max_attempts:
                values = {"status": EmailStatus.failed, "last_error": str(exc)[:500]}
                report.failed += 1
            else:
                values = {
                    "status": EmailStatus.pending,
                    "last_error": str(exc)[:500],
                    "available_at": dt.datetime.now(dt.UTC) + backoff(attempts),
                }
                report.retrying += 1
        else:
            values = {
                "status": EmailStatus.sent,
                "sent_at": dt.datetime.now(dt.UTC),
                "provider_message_id": message_id[:255],
                "last_error": None,
            }
            if template in LINK_TEMPLATES:
                values |= {"body_text": REDACTED, "body_html": None}
            report.sent += 1
        outcomes.append((message, attempts, template, values))
    if outcomes:
        async with db.unit_of_work(SYSTEM) as session:
            for message, attempts, _template, values in outcomes:
                # Only while the claim is still ours: after a lease ran out another worker may
                # have taken the row (its attempt count moved on).
                await session.execute(
                    update(EmailOutbox)
                    .where(
                        EmailOutbox.id == message.id,
                        EmailOutbox.status == EmailStatus.sending,
                        EmailOutbox.attempts == attempts,
                    )
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
    return report


async def _round(db: Database, transport: EmailTransport, settings: Settings) -> None:
    while True:
        report = await send_due(db, transport, settings)
        if report.sent or report.retrying or report.failed:
            log.info("email: %d sent, %d to retry, %d failed", report.sent, report.retrying, report.failed)
        if report.sent + report.retrying + report.failed < BATCH:
            return


def start(db: Database, settings: Settings, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    transport = SmtpTransport.from_settings(settings)
    if transport is None:
        log.info("no SMTP server configured (HP_SMTP_URL): emails stay queued in email_outbox")
        return []
    return [
        asyncio.create_task(
            every(
                settings.email_poll_seconds,
                lambda: _round(db, transport, settings),
                stop,
                log,
                "email sender",
            ),
            name="email-sender",
        )
    ]
