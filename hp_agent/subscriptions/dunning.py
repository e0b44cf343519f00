"""The subscription state machine's money side: what a paid or declined invoice does.

    trialing --paid--> active --declined--> past_due --paid--> active
                                             |  retries on the schedule (days after the first
                                             |  decline); features kept until the grace ends
                                             +--last retry declined--> unpaid --paid--> active
    any --processor ends it--> canceled

Each decline queues an email in ``email_outbox`` (the sender delivers it); a payment after a
decline queues one saying it is settled. Effects apply once per payment attempt (the payment
intent's id), whether the outcome arrives in our own call's answer or in a webhook.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.config import Settings
from hp_agent.subscriptions import records
from hp_agent.subscriptions.models import (
    SubscriptionEvent,
    SubscriptionEventType,
    SubscriptionStatus,
    UserSubscription,
)
from hp_agent.subscriptions.provider import ProviderInvoice

_DUNNING = (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID)
_CHARGEABLE = (SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


def retry_schedule(settings: Settings) -> list[int]:
    return [int(d) for d in settings.billing_retry_days.split(",") if d.strip()]


async def apply_invoice(
    session: AsyncSession,
    sub: UserSubscription,
    pinv: ProviderInvoice,
    settings: Settings,
    *,
    now: dt.datetime | None = None,
) -> list[SubscriptionEvent]:
    """Record the invoice and, the first time its latest payment attempt is seen, move the
    subscription accordingly. Returns the history rows it added."""
    now = now or dt.datetime.now(dt.UTC)
    invoice = await records.record_invoice(session, sub, pinv)
    found = await records.record_payment(session, sub, invoice, pinv)
    if found is None:
        return []
    payment, first = found
    if not first:
        return []
    before = sub.status
    amount = payment.amount
    if pinv.payment_status == "succeeded":
        events = [
            records.add_event(
                session,
                sub,
                SubscriptionEventType.PAYMENT_SUCCEEDED,
                from_status=before,
                payment_id=payment.id,
                amount=amount,
            )
        ]
        if before in _DUNNING:
            sub.status = SubscriptionStatus.ACTIVE
            sub.past_due_since = sub.grace_ends_at = sub.next_retry_at = None
            sub.processor_open_invoice_id = None
            sub.dunning_attempts = 0
            events.append(
                records.add_event(session, sub, SubscriptionEventType.ACTIVATED, from_status=before)
            )
            await _email(
                session,
                sub,
                "billing_payment_recovered",
                payment.processor_payment_id or "",
                "Your Happy Path payment went through",
                "Thank you: your payment went through and your plan is active again.",
            )
        return events
    if before not in _CHARGEABLE:
        return [
            records.add_event(
                session,
                sub,
                SubscriptionEventType.PAYMENT_FAILED,
                from_status=before,
                payment_id=payment.id,
                amount=amount,
            )
        ]
    schedule = retry_schedule(settings)
    sub.dunning_attempts += 1
    sub.past_due_since = sub.past_due_since or now
    sub.grace_ends_at = sub.grace_ends_at or sub.past_due_since + dt.timedelta(
        days=settings.billing_grace_days
    )
    sub.processor_open_invoice_id = pinv.id
    events = [
        records.add_event(
            session,
            sub,
            SubscriptionEventType.PAYMENT_FAILED,
            from_status=before,
            payment_id=payment.id,
            amount=amount,
        )
    ]
    if sub.dunning_attempts <= len(schedule):
        sub.status = SubscriptionStatus.PAST_DUE
        sub.next_retry_at = sub.past_due_since + dt.timedelta(days=schedule[sub.dunning_attempts - 1])
        if before != SubscriptionStatus.PAST_DUE:
            events.append(records.add_event(session, sub, SubscriptionEventType.PAST_DUE, from_status=before))
        await _email(
            session,
            sub,
            "billing_payment_failed",
            payment.processor_payment_id or "",
            "Your Happy Path payment did not go through",
            "We could not take your payment. We will try again on "
            f"{sub.next_retry_at:%d %B %Y}; you can update your card in the app under Billing. "
            f"Your plan's features stay on until {sub.grace_ends_at:%d %B %Y}. "
            "Crisis support and your safety plan are always available, whatever happens with payment.",
        )
    else:
        sub.status = SubscriptionStatus.UNPAID
        sub.next_retry_at = None
        events.append(records.add_event(session, sub, SubscriptionEventType.UNPAID, from_status=before))
        await _email(
            session,
            sub,
            "billing_subscription_unpaid",
            payment.processor_payment_id or "",
            "Your Happy Path plan is on hold",
            "We tried several times and could not take your payment, so your plan is on hold and you "
            "are on the free tier. Update your card in the app under Billing to pick up where you "
            "left off. Crisis support and your safety plan are always available.",
        )
    return events


async def _email(
    session: AsyncSession, sub: UserSubscription, template: str, attempt: str, subject: str, body: str
) -> None:
    """Queue one email per payment attempt (called once per attempt; the unique key backs it up)."""
    key = f"{template}:{attempt}"
    # The address is the account's, which only its owner reads: app_queue_email queues the email
    # with it (nothing for a deleted account; a repeated key is ignored).
    await session.execute(select(func.app_queue_email(sub.user_id, template, subject, body, key)))
