"""Ways to reach a clinician who is not looking at the console: pluggable notifiers.

Each notifier gets ids only (an :class:`Alert`); content stays behind login. The email notifier
queues a row in ``email_outbox`` in the consumer's transaction (idempotent on the outbox id); the
webhook notifier POSTs the ids with an HMAC-SHA256 signature of the exact body, so the receiver
can verify it came from us (``X-HP-Signature: sha256=<hex>``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import asdict, dataclass
from typing import Protocol

import httpx
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.config import Settings
from hp_agent.events.models import EmailOutbox
from hp_agent.users.models import User

log = logging.getLogger("hp_agent.notifiers")


@dataclass(frozen=True, slots=True)
class Alert:
    event_id: str
    event_type: str
    escalation_id: str
    therapist_id: str
    risk_level: str
    level: int


class Notifier(Protocol):
    name: str

    async def notify(self, session: AsyncSession, alert: Alert) -> bool:
        """Deliver or queue the alert; True when it was handed on."""
        ...


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class WebhookNotifier:
    name = "webhook"

    def __init__(self, url: str, secret: bytes, client: httpx.AsyncClient | None = None) -> None:
        self.url = url
        self.secret = secret
        self.client = client or httpx.AsyncClient(timeout=5.0)

    async def notify(self, session: AsyncSession, alert: Alert) -> bool:
        body = json.dumps({"type": "crisis_escalation", **asdict(alert)}, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-HP-Event-Id": alert.event_id,
            "X-HP-Signature": sign(self.secret, body),
        }
        try:
            r = await self.client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("webhook notifier: %s", type(exc).__name__)
            return False
        if r.status_code >= 300:
            log.warning("webhook notifier: HTTP %d", r.status_code)
            return False
        return True


class EmailNotifier:
    name = "email"

    async def notify(self, session: AsyncSession, alert: Alert) -> bool:
        email = (
            await session.execute(select(User.email).where(User.id == uuid.UUID(alert.therapist_id)))
        ).scalar_one_or_none()
        if email is None:
            return False
        # Non-sensitive by contract: it says that something needs attention, not what.
        await session.execute(
            insert(EmailOutbox)
            .values(
                id=uuid.uuid4(),
                recipient_user_id=uuid.UUID(alert.therapist_id),
                to_address=email,
                template="crisis_alert_therapist",
                subject="Urgent: a patient needs your attention in Happy Path",
                body_text=(
                    "A crisis alert is waiting for you in Happy Path. "
                    "Please sign in to the console and acknowledge it."
                ),
                source_event_id=uuid.UUID(alert.event_id),
                idempotency_key=f"crisis:{alert.event_id}:{alert.therapist_id}",
            )
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
        )
        return True


def from_settings(settings: Settings) -> list[Notifier]:
    out: list[Notifier] = []
    if settings.escalation_email_notifier:
        out.append(EmailNotifier())
    if settings.escalation_webhook_url:
        secret = settings.escalation_webhook_secret
        out.append(
            WebhookNotifier(
                settings.escalation_webhook_url, secret.get_secret_value().encode() if secret else b""
            )
        )
    return out
