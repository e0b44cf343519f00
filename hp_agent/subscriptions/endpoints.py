"""``/v1/billing``: plans, the person's subscription, checkout, invoices, payments; webhooks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import AppSettings, CurrentUser
from hp_agent.billing.models import Invoice, InvoiceItem
from hp_agent.db.session import Principal
from hp_agent.errors import HPError
from hp_agent.subscriptions import entitlements, service, webhooks
from hp_agent.subscriptions.models import (
    Payment,
    PaymentMethod,
    SubscriptionEvent,
    SubscriptionPlan,
    UserSubscription,
)
from hp_agent.subscriptions.processor import provider_for
from hp_agent.subscriptions.provider import PaymentProvider
from hp_agent.subscriptions.schemas import (
    BillingConfigOut,
    BillingOut,
    CancelIn,
    CardOut,
    ChangePlanIn,
    CheckoutIn,
    EntitlementsOut,
    HistoryOut,
    InvoiceLineOut,
    InvoiceOut,
    PaymentMethodIn,
    PaymentOut,
    PlanOut,
    SubscriptionOut,
)

router = APIRouter(prefix="/v1/billing", tags=["billing"])

TEST_PAYMENT_METHODS = [
    {"id": "pm_card_visa", "label": "Test Visa ending 4242 (pays)"},
    {"id": "pm_card_chargeCustomerFail", "label": "Test card ending 0341 (declines renewals)"},
]


def get_provider(request: Request) -> PaymentProvider:
    provider: PaymentProvider | None = getattr(request.app.state, "payment_provider", None)
    if provider is None:
        provider = provider_for(request.app.state.settings)
        if provider is None:
            raise HPError("Payments are not configured.", 503, code="payments_not_configured")
        request.app.state.payment_provider = provider
    return provider


Provider = Annotated[PaymentProvider, Depends(get_provider)]


@router.get("/plans", response_model=list[PlanOut])
async def list_plans(db: DbSession) -> list[PlanOut]:
    """The plans on sale (no sign-in needed), each with its entitlements."""
    return [_plan_out(p) for p in await service.plans(db)]


@router.get("/config", response_model=BillingConfigOut)
async def config(settings: AppSettings) -> BillingConfigOut:
    test = settings.stripe_api_base is not None
    return BillingConfigOut(
        payments_enabled=settings.stripe_api_key is not None,
        test_mode=test,
        test_payment_methods=TEST_PAYMENT_METHODS if test else [],
    )


@router.get("", response_model=BillingOut)
async def my_billing(user: CurrentUser, db: DbSession) -> BillingOut:
    """Your subscription (or how the last one ended), what your plan gives you, your card."""
    return await _billing(db, user)


@router.get("/entitlements", response_model=EntitlementsOut)
async def my_entitlements(user: CurrentUser, db: DbSession) -> EntitlementsOut:
    assert user.user_id is not None
    ents = await entitlements.effective(db, user.user_id)
    return EntitlementsOut(plan_code=ents.plan_code, source=ents.source, features=ents.features)


@router.post("/checkout", response_model=BillingOut, status_code=status.HTTP_201_CREATED)
async def checkout(
    body: CheckoutIn, user: CurrentUser, db: DbSession, provider: Provider, settings: AppSettings
) -> BillingOut:
    """Subscribe to a plan with a payment method id (402 ``card_declined``, 409
    ``already_subscribed``, 400 ``coupon_expired`` / ``coupon_not_found`` / ``plan_is_free``)."""
    await service.checkout(db, provider, settings, user, body.plan, body.payment_method, body.coupon)
    return await _billing(db, user)


@router.post("/subscription/plan", response_model=BillingOut)
async def change_plan(
    body: ChangePlanIn, user: CurrentUser, db: DbSession, provider: Provider, settings: AppSettings
) -> BillingOut:
    """Change plan now; the prorated difference is charged at once (409 ``same_plan``)."""
    await service.change_plan(db, provider, settings, user, body.plan)
    return await _billing(db, user)


@router.post("/subscription/cancel", response_model=BillingOut)
async def cancel(body: CancelIn, user: CurrentUser, db: DbSession, provider: Provider) -> BillingOut:
    """End the subscription when the paid period ends (409 ``already_canceling``)."""
    await service.set_cancel(db, provider, user, True, body.reason)
    return await _billing(db, user)


@router.post("/subscription/resume", response_model=BillingOut)
async def resume(user: CurrentUser, db: DbSession, provider: Provider) -> BillingOut:
    """Keep a subscription that was set to end (409 ``not_canceling``)."""
    await service.set_cancel(db, provider, user, False)
    return await _billing(db, user)


@router.post("/payment-method", response_model=BillingOut)
async def update_card(
    body: PaymentMethodIn, user: CurrentUser, db: DbSession, provider: Provider, settings: AppSettings
) -> BillingOut:
    """A new default card; an unpaid invoice is paid with it at once."""
    await service.update_card(db, provider, settings, user, body.payment_method)
    return await _billing(db, user)


@router.get("/invoices", response_model=list[InvoiceOut])
async def my_invoices(
    user: CurrentUser, db: DbSession, limit: Annotated[int, Query(ge=1, le=100)] = 50
) -> list[InvoiceOut]:
    rows = (
        (
            await db.execute(
                select(Invoice)
                .where(Invoice.user_id == user.user_id)
                .order_by(Invoice.created_at.desc(), Invoice.id)
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )
    items = (
        (
            await db.execute(
                select(InvoiceItem)
                .where(InvoiceItem.invoice_id.in_([r.id for r in rows]))
                .order_by(InvoiceItem.created_at, InvoiceItem.id)
            )
        )
        .scalars()
        .all()
    )
    return [
        InvoiceOut(
            id=r.id,
            invoice_number=r.invoice_number,
            status=r.status.value,
            period_start=r.period_start,
            period_end=r.period_end,
            issued_at=r.issued_at,
            paid_at=r.paid_at,
            subtotal=r.subtotal,
            discount_total=r.discount_total,
            total=r.total,
            amount_paid=r.amount_paid,
            amount_due=r.amount_due,
            currency=r.currency,
            lines=[
                InvoiceLineOut(kind=i.kind.value, description=i.description, amount=i.amount)
                for i in items
                if i.invoice_id == r.id
            ],
        )
        for r in rows
    ]


@router.get("/payments", response_model=list[PaymentOut])
async def my_payments(
    user: CurrentUser, db: DbSession, limit: Annotated[int, Query(ge=1, le=100)] = 50
) -> list[PaymentOut]:
    rows = (
        (
            await db.execute(
                select(Payment)
                .where(Payment.user_id == user.user_id)
                .order_by(Payment.created_at.desc(), Payment.id)
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )
    return [
        PaymentOut(
            id=p.id,
            status=p.status.value,
            amount=p.amount,
            currency=p.currency,
            description=p.description,
            failure_code=p.failure_code,
            invoice_id=p.invoice_id,
            created_at=p.created_at,
            succeeded_at=p.succeeded_at,
            failed_at=p.failed_at,
        )
        for p in rows
    ]


@router.get("/history", response_model=list[HistoryOut])
async def my_history(
    user: CurrentUser, db: DbSession, limit: Annotated[int, Query(ge=1, le=200)] = 100
) -> list[HistoryOut]:
    rows = (
        (
            await db.execute(
                select(SubscriptionEvent)
                .where(SubscriptionEvent.user_id == user.user_id)
                .order_by(SubscriptionEvent.occurred_at.desc(), SubscriptionEvent.created_at.desc())
                .limit(limit)
            )
        )
        .scalars()
        .all()
    )
    return [
        HistoryOut(
            event_type=e.event_type.value,
            from_status=e.from_status.value if e.from_status else None,
            to_status=e.to_status.value if e.to_status else None,
            amount=e.amount,
            currency=e.currency,
            occurred_at=e.occurred_at,
        )
        for e in rows
    ]


@router.post("/webhooks/stripe")
async def stripe_webhook(
    request: Request, db: DbSession, provider: Provider, settings: AppSettings
) -> dict[str, object]:
    """Stripe's events (signed): 400 ``bad_signature`` / ``unknown_event_type``; a redelivered
    event answers ``duplicate`` and changes nothing."""
    payload = await request.body()
    return await webhooks.handle(db, provider, settings, payload, request.headers.get("stripe-signature"))


# -- helpers --------------------------------------------------------------------------------------


def _plan_out(p: SubscriptionPlan) -> PlanOut:
    return PlanOut(
        code=p.code,
        name=p.name,
        description=p.description,
        amount=p.amount,
        currency=p.currency,
        billing_interval=p.billing_interval.value,
        trial_days=p.trial_days,
        features=p.features,
    )


async def _billing(db: AsyncSession, user: Principal) -> BillingOut:
    assert user.user_id is not None
    sub = await service.latest(db, user.user_id)
    ents = await entitlements.effective(db, user.user_id)
    card = (
        await db.execute(
            select(PaymentMethod).where(PaymentMethod.user_id == user.user_id, PaymentMethod.is_default)
        )
    ).scalar_one_or_none()
    return BillingOut(
        subscription=await _subscription_out(db, sub) if sub is not None else None,
        entitlements=EntitlementsOut(plan_code=ents.plan_code, source=ents.source, features=ents.features),
        card=CardOut.model_validate(card) if card is not None else None,
    )


async def _subscription_out(db: AsyncSession, sub: UserSubscription) -> SubscriptionOut:
    plan = (await db.execute(select(SubscriptionPlan).where(SubscriptionPlan.id == sub.plan_id))).scalar_one()
    return SubscriptionOut(
        id=sub.id,
        plan_code=plan.code,
        plan_name=plan.name,
        status=sub.status.value,
        unit_amount=sub.unit_amount,
        currency=sub.currency,
        billing_interval=sub.billing_interval.value,
        trial_ends_at=sub.trial_ends_at,
        current_period_start=sub.current_period_start,
        current_period_end=sub.current_period_end,
        cancel_at_period_end=sub.cancel_at_period_end,
        canceled_at=sub.canceled_at,
        ended_at=sub.ended_at,
        past_due_since=sub.past_due_since,
        grace_ends_at=sub.grace_ends_at,
        next_retry_at=sub.next_retry_at,
        dunning_attempts=sub.dunning_attempts,
    )
