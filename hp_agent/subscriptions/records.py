"""Our copy of what the processor did: invoices, payments, the subscription's history.

Every write here is keyed on the processor's ids (invoice id, payment intent id), so applying
the same invoice twice (our own call's answer, then the webhook about it) changes nothing the
second time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.billing.models import Invoice, InvoiceItem, InvoiceItemKind, InvoiceStatus
from hp_agent.subscriptions.models import (
    Payment,
    PaymentProcessor,
    PaymentPurpose,
    PaymentStatus,
    SubscriptionEvent,
    SubscriptionEventType,
    SubscriptionStatus,
    UserSubscription,
)
from hp_agent.subscriptions.provider import ProviderInvoice, ProviderSubscription

_INVOICE_STATUS = {
    "draft": InvoiceStatus.DRAFT,
    "open": InvoiceStatus.OPEN,
    "paid": InvoiceStatus.PAID,
    "void": InvoiceStatus.VOID,
    "uncollectible": InvoiceStatus.UNCOLLECTIBLE,
}


def money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def add_event(
    session: AsyncSession,
    sub: UserSubscription,
    event_type: SubscriptionEventType,
    *,
    from_status: SubscriptionStatus | None = None,
    processor_event_id: str | None = None,
    payment_id: uuid.UUID | None = None,
    amount: Decimal | None = None,
    from_plan_id: uuid.UUID | None = None,
    payload: dict[str, Any] | None = None,
) -> SubscriptionEvent:
    event = SubscriptionEvent(
        subscription_id=sub.id,
        user_id=sub.user_id,
        event_type=event_type,
        from_status=from_status,
        to_status=sub.status,
        from_plan_id=from_plan_id,
        to_plan_id=sub.plan_id,
        payment_id=payment_id,
        amount=amount,
        currency=sub.currency if amount is not None else None,
        processor_event_id=processor_event_id,
        payload=payload or {},
    )
    session.add(event)
    return event


def local_status(current: SubscriptionStatus | None, psub: ProviderSubscription) -> SubscriptionStatus:
    """The processor's status in our words. Past due and unpaid follow our dunning (driven by
    invoices), so a subscription sync leaves them until an invoice is paid or it ends."""
    now = dt.datetime.now(dt.UTC)
    if psub.status in ("canceled", "incomplete_expired"):
        return SubscriptionStatus.CANCELED
    if current in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID):
        return current
    if psub.status == "trialing" or (
        psub.trial_end is not None and psub.trial_end > now and psub.status != "active"
    ):
        return SubscriptionStatus.TRIALING
    if psub.status in ("past_due", "unpaid") and current is not None:
        # Entered only through a declined invoice (dunning counts the attempt); a subscription
        # event that says so first (or late) does not move it.
        return current
    return {
        "active": SubscriptionStatus.ACTIVE,
        "past_due": SubscriptionStatus.PAST_DUE,
        "unpaid": SubscriptionStatus.UNPAID,
        "paused": SubscriptionStatus.PAUSED,
    }.get(psub.status, SubscriptionStatus.INCOMPLETE)


def copy_periods(sub: UserSubscription, psub: ProviderSubscription) -> None:
    if (
        psub.current_period_start
        and psub.current_period_end
        and psub.current_period_end > psub.current_period_start
    ):
        sub.current_period_start, sub.current_period_end = psub.current_period_start, psub.current_period_end
    sub.trial_ends_at = psub.trial_end
    sub.cancel_at_period_end = psub.cancel_at_period_end
    if sub.status == SubscriptionStatus.CANCELED:
        sub.ended_at = sub.ended_at or psub.ended_at or dt.datetime.now(dt.UTC)
        sub.canceled_at = sub.canceled_at or psub.canceled_at or sub.ended_at
        sub.next_retry_at = None


async def record_invoice(session: AsyncSession, sub: UserSubscription, pinv: ProviderInvoice) -> Invoice:
    """Insert or update our invoice row (and its lines, once) from the processor's invoice."""
    row = (
        await session.execute(select(Invoice).where(Invoice.processor_invoice_id == pinv.id))
    ).scalar_one_or_none()
    status = _INVOICE_STATUS.get(pinv.status, InvoiceStatus.OPEN)
    charges = sum(line.amount_cents for line in pinv.lines if line.amount_cents > 0)
    credits = -sum(line.amount_cents for line in pinv.lines if line.amount_cents < 0)
    total = max(0, charges - credits)
    # Credits beyond the charges are carried by the processor as a balance, not shown here.
    discount = charges - total
    now = dt.datetime.now(dt.UTC)
    if row is None:
        row = Invoice(
            user_id=sub.user_id,
            invoice_number=f"HP-{pinv.id[-12:].upper()}",
            subscription_id=sub.id,
            processor_invoice_id=pinv.id,
            period_start=pinv.period_start.date() if pinv.period_start else None,
            period_end=pinv.period_end.date() if pinv.period_end else None,
            issued_at=pinv.created,
            due_date=pinv.created.date(),
            subtotal=money(charges),
            discount_total=money(discount),
            tax_total=Decimal("0"),
            total=money(total),
            currency=pinv.currency,
        )
        if row.period_end is not None and row.period_start is not None and row.period_end < row.period_start:
            row.period_end = row.period_start
        session.add(row)
        await session.flush()
        for line in pinv.lines:
            credit = line.amount_cents < 0
            session.add(
                InvoiceItem(
                    invoice_id=row.id,
                    user_id=sub.user_id,
                    kind=InvoiceItemKind.CREDIT if credit else InvoiceItemKind.SUBSCRIPTION,
                    description=(line.description or ("Credit" if credit else "Subscription"))[:255],
                    subscription_plan_id=None if credit else sub.plan_id,
                    quantity=1,
                    unit_amount=money(line.amount_cents),
                    amount=money(line.amount_cents),
                    currency=pinv.currency,
                )
            )
    row.status = status
    if status == InvoiceStatus.PAID:
        row.amount_paid = row.total
        row.paid_at = row.paid_at or now
    elif status == InvoiceStatus.VOID:
        row.voided_at = row.voided_at or now
    return row


async def record_payment(
    session: AsyncSession, sub: UserSubscription, invoice: Invoice, pinv: ProviderInvoice
) -> tuple[Payment, bool] | None:
    """The invoice's latest payment attempt; True when this call is the first to record its
    outcome (so its effects apply once). None when there is no settled attempt to record."""
    if pinv.payment_intent_id is None or pinv.payment_status not in ("succeeded", "failed"):
        return None
    row = (
        await session.execute(
            select(Payment).where(
                Payment.processor == PaymentProcessor.STRIPE,
                Payment.processor_payment_id == pinv.payment_intent_id,
            )
        )
    ).scalar_one_or_none()
    status = PaymentStatus.SUCCEEDED if pinv.payment_status == "succeeded" else PaymentStatus.FAILED
    now = dt.datetime.now(dt.UTC)
    if row is not None and row.status == status:
        return row, False
    if row is None:
        row = Payment(
            user_id=sub.user_id,
            purpose=PaymentPurpose.SUBSCRIPTION,
            subscription_id=sub.id,
            invoice_id=invoice.id,
            payment_method_id=sub.default_payment_method_id,
            processor=PaymentProcessor.STRIPE,
            processor_payment_id=pinv.payment_intent_id,
            idempotency_key=f"stripe:{pinv.payment_intent_id}",
            amount=money(pinv.total_cents),
            currency=pinv.currency,
            description=f"Invoice {invoice.invoice_number}",
        )
        session.add(row)
    row.status = status
    if status == PaymentStatus.SUCCEEDED:
        row.succeeded_at = now
    else:
        row.failed_at = now
        row.failure_code = (pinv.failure_code or "declined")[:64]
        row.failure_message = "The card was declined."
    await session.flush()
    return row, True
