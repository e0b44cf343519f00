"""Processor webhooks: verified, applied once, driving the subscription's state.

A webhook is trusted only after its signature verifies with the endpoint's secret. Its event id
is stored on the history row it produces (``subscription_events.processor_event_id``, unique),
so a redelivery is recognised and changes nothing. The event's object is not trusted for state:
the subscription or invoice is read fresh from the processor, so events arriving out of order
cannot move a subscription backwards.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.config import Settings
from hp_agent.db.session import set_principal
from hp_agent.errors import Conflict, HPError
from hp_agent.subscriptions import dunning, records
from hp_agent.subscriptions.models import (
    SubscriptionEvent,
    SubscriptionEventType,
    SubscriptionPlan,
    SubscriptionStatus,
    UserSubscription,
)
from hp_agent.subscriptions.provider import BadSignature, PaymentProvider, ProviderError
from hp_agent.users.repository import signing_in

log = logging.getLogger("hp_agent.subscriptions.webhooks")

SUBSCRIPTION_EVENTS = frozenset(
    {"customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted"}
)
INVOICE_EVENTS = frozenset({"invoice.created", "invoice.payment_succeeded", "invoice.payment_failed"})
HANDLED = SUBSCRIPTION_EVENTS | INVOICE_EVENTS


async def handle(
    session: AsyncSession,
    provider: PaymentProvider,
    settings: Settings,
    payload: bytes,
    signature: str | None,
) -> dict[str, Any]:
    secret = settings.stripe_webhook_secret
    if secret is None:
        raise HPError("Webhooks are not configured.", 503, code="webhooks_not_configured")
    try:
        event = provider.verify_webhook(payload, signature, secret.get_secret_value())
    except BadSignature:
        raise HPError("The webhook signature does not verify.", 400, code="bad_signature") from None
    if event.type not in HANDLED:
        raise HPError(
            "This event type is not handled.", 400, code="unknown_event_type", details={"type": event.type}
        )
    obj = event.object
    sub_ref = obj.get("id") if event.type in SUBSCRIPTION_EVENTS else _invoice_subscription(obj)
    # The processor acts for no one person: the subscription names its owner (a definer function)
    # and the event is applied as them, never as the system actor.
    owner = (
        (await session.execute(select(func.app_subscription_owner(sub_ref)))).scalar_one_or_none()
        if isinstance(sub_ref, str)
        else None
    )
    if owner is not None:
        await set_principal(session, signing_in(owner))
    seen = (
        await session.execute(
            select(SubscriptionEvent.id).where(SubscriptionEvent.processor_event_id == event.id)
        )
    ).first()
    if seen is not None:
        return {"status": "duplicate", "event": event.id}
    sub = None
    if owner is not None and isinstance(sub_ref, str):
        sub = (
            await session.execute(
                select(UserSubscription)
                .where(UserSubscription.processor_subscription_id == sub_ref)
                .with_for_update()
            )
        ).scalar_one_or_none()
    if sub is None:
        # Not one of ours (another app on the account, or a checkout that never completed).
        log.info("webhook %s for an unknown subscription ignored", event.type)
        return {"status": "ignored", "event": event.id}
    try:
        if event.type in SUBSCRIPTION_EVENTS:
            events = await _sync_subscription(session, provider, sub)
        else:
            invoice_id = obj.get("id")
            assert isinstance(invoice_id, str)
            pinv = await provider.invoice(invoice_id)
            events = await dunning.apply_invoice(session, sub, pinv, settings)
            if event.type == "invoice.created" and not events:
                events = [records.add_event(session, sub, SubscriptionEventType.INVOICE_CREATED)]
    except ProviderError:
        # The processor retries the delivery; nothing is recorded meanwhile.
        raise HPError(
            "The payment processor could not be reached.", 503, code="processor_unavailable"
        ) from None
    if not events:
        events = [records.add_event(session, sub, SubscriptionEventType.SYNCED, from_status=sub.status)]
    events[0].processor_event_id = event.id
    events[0].payload = {**events[0].payload, "webhook": event.type}
    try:
        await session.flush()
    except IntegrityError:
        # The same event is being applied by a concurrent delivery: this one is refused (retried).
        raise Conflict("This event is being applied.", code="event_in_progress") from None
    return {"status": "applied", "event": event.id, "subscription_status": sub.status.value}


def _invoice_subscription(obj: dict[str, Any]) -> str | None:
    sub = obj.get("subscription")
    if isinstance(sub, str):
        return sub
    parent = obj.get("parent") or {}
    details = parent.get("subscription_details") or {}
    found = details.get("subscription")
    return found if isinstance(found, str) else None


async def _sync_subscription(
    session: AsyncSession, provider: PaymentProvider, sub: UserSubscription
) -> list[SubscriptionEvent]:
    assert sub.processor_subscription_id is not None
    psub = await provider.subscription(sub.processor_subscription_id)
    before, from_plan, was_canceling = sub.status, sub.plan_id, sub.cancel_at_period_end
    sub.status = records.local_status(sub.status, psub)
    records.copy_periods(sub, psub)
    events: list[SubscriptionEvent] = []
    # Prices are ours by id: stored on the plan, or named hp-<code> (stripe_provider.ensure_price).
    code = psub.price_id.removeprefix("hp-")
    plan_id = (
        await session.execute(
            select(SubscriptionPlan.id)
            .where(or_(SubscriptionPlan.processor_price_id == psub.price_id, SubscriptionPlan.code == code))
            .limit(1)
        )
    ).scalar_one_or_none()
    if plan_id is not None and plan_id != sub.plan_id:
        sub.plan_id = plan_id
        events.append(
            records.add_event(
                session, sub, SubscriptionEventType.PLAN_CHANGED, from_status=before, from_plan_id=from_plan
            )
        )
    if sub.status != before:
        kind = {
            SubscriptionStatus.CANCELED: SubscriptionEventType.CANCELED,
            SubscriptionStatus.ACTIVE: SubscriptionEventType.ACTIVATED,
            SubscriptionStatus.TRIALING: SubscriptionEventType.TRIAL_STARTED,
        }.get(sub.status, SubscriptionEventType.SYNCED)
        events.append(records.add_event(session, sub, kind, from_status=before))
    elif sub.cancel_at_period_end != was_canceling:
        kind = (
            SubscriptionEventType.CANCEL_SCHEDULED
            if sub.cancel_at_period_end
            else SubscriptionEventType.CANCEL_REVOKED
        )
        events.append(records.add_event(session, sub, kind, from_status=before))
    return events
