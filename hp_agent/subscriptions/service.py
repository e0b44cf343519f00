"""Subscribing, changing plan, cancelling and resuming, paying: the person's side of billing.

The processor is called before anything is stored: a refusal (declined card, bad id) leaves our
rows as they were. What the processor answers is recorded at once (the webhook about it later
finds it recorded and changes nothing).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.config import Settings
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, HPError, NotFound
from hp_agent.subscriptions import dunning, records
from hp_agent.subscriptions.entitlements import FREE_PLAN_CODE
from hp_agent.subscriptions.models import (
    Coupon,
    CouponDuration,
    CouponRedemption,
    DiscountType,
    PaymentMethod,
    PaymentMethodType,
    PaymentProcessor,
    SubscriptionEventType,
    SubscriptionPlan,
    SubscriptionStatus,
    UserSubscription,
)
from hp_agent.subscriptions.provider import Card, PaymentProvider, Price, ProviderError, ProviderInvoice

_ALREADY = "You already have a subscription; change its plan instead."
OPEN = (
    SubscriptionStatus.TRIALING,
    SubscriptionStatus.ACTIVE,
    SubscriptionStatus.PAST_DUE,
    SubscriptionStatus.UNPAID,
    SubscriptionStatus.PAUSED,
)


def _me(user: Principal) -> uuid.UUID:
    assert user.user_id is not None
    return user.user_id


def _refused(exc: ProviderError) -> HPError:
    declined = exc.code in ("card_declined", "expired_card", "incorrect_cvc", "insufficient_funds")
    if declined or exc.status == 402:
        return HPError("The card was declined.", 402, code="card_declined")
    if exc.status is not None and 400 <= exc.status < 500:
        return HPError("The payment processor refused the request.", 400, code="payment_refused")
    return HPError(
        "The payment processor could not be reached; try again.", 503, code="processor_unavailable"
    )


def price_of(plan: SubscriptionPlan) -> Price:
    return Price(plan.code, records.cents(plan.amount), plan.currency, plan.billing_interval.value, plan.name)


async def price_id(provider: PaymentProvider, plan: SubscriptionPlan) -> str:
    if plan.processor_price_id:
        return plan.processor_price_id
    try:
        return await provider.ensure_price(price_of(plan))
    except ProviderError as exc:
        raise _refused(exc) from None


async def sync_prices(session: AsyncSession, provider: PaymentProvider) -> int:
    """Create the paid plans at the processor (once) and store their ids (as the system)."""
    n = 0
    plans = (
        (await session.execute(select(SubscriptionPlan).where(SubscriptionPlan.amount > 0))).scalars().all()
    )
    for plan in plans:
        pid = await provider.ensure_price(price_of(plan))
        if plan.processor_price_id != pid:
            plan.processor_price_id = pid
            n += 1
    return n


async def plans(session: AsyncSession) -> list[SubscriptionPlan]:
    rows = await session.execute(
        select(SubscriptionPlan)
        .where(SubscriptionPlan.is_active, SubscriptionPlan.is_public)
        .order_by(SubscriptionPlan.sort_order)
    )
    return list(rows.scalars().all())


async def _plan(session: AsyncSession, code: str) -> SubscriptionPlan:
    plan = (
        await session.execute(
            select(SubscriptionPlan).where(SubscriptionPlan.code == code, SubscriptionPlan.is_active)
        )
    ).scalar_one_or_none()
    if plan is None:
        raise NotFound("No such plan.", code="plan_not_found")
    return plan


async def current(
    session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False
) -> UserSubscription | None:
    q = select(UserSubscription).where(UserSubscription.user_id == user_id, UserSubscription.status.in_(OPEN))
    if lock:
        q = q.with_for_update()
    return (await session.execute(q.limit(1))).scalar_one_or_none()


async def latest(session: AsyncSession, user_id: uuid.UUID) -> UserSubscription | None:
    """The open subscription, or else the most recent one (to show how it ended)."""
    sub = await current(session, user_id)
    if sub is not None:
        return sub
    return (
        await session.execute(
            select(UserSubscription)
            .where(UserSubscription.user_id == user_id)
            .order_by(UserSubscription.created_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


async def _customer_id(session: AsyncSession, provider: PaymentProvider, user_id: uuid.UUID) -> str:
    known = (
        await session.execute(
            select(UserSubscription.processor_customer_id)
            .where(UserSubscription.user_id == user_id, UserSubscription.processor_customer_id.is_not(None))
            .order_by(UserSubscription.created_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if known is None:
        known = (
            await session.execute(
                select(PaymentMethod.processor_customer_id)
                .where(PaymentMethod.user_id == user_id, PaymentMethod.processor_customer_id.is_not(None))
                .limit(1)
            )
        ).scalar_one_or_none()
    if known is not None:
        return known
    try:
        return await provider.create_customer(str(user_id))
    except ProviderError as exc:
        raise _refused(exc) from None


# -- coupons --------------------------------------------------------------------------------------


async def _coupon(
    session: AsyncSession, code: str, plan: SubscriptionPlan, user_id: uuid.UUID, had_subscription: bool
) -> tuple[Coupon, int]:
    """The coupon and the discount it gives on the plan's first invoice (in cents), or a 4xx.
    Coupons are staff rows: the typed code is looked up by app_coupon_by_code (a SECURITY DEFINER
    function); whether this person used it already is their own redemption row."""
    coupon = (
        await session.execute(
            select(Coupon).from_statement(text("SELECT * FROM app_coupon_by_code(:typed)")),
            {"typed": code},
        )
    ).scalar_one_or_none()
    used = (
        await session.execute(
            select(CouponRedemption.id).where(
                CouponRedemption.coupon_id == (coupon.id if coupon else None),
                CouponRedemption.user_id == user_id,
            )
        )
    ).first()
    now = dt.datetime.now(dt.UTC)
    if coupon is None or not coupon.is_active:
        raise HPError("No such coupon.", 400, code="coupon_not_found")
    if (coupon.valid_until is not None and coupon.valid_until <= now) or (
        coupon.max_redemptions is not None and coupon.times_redeemed >= coupon.max_redemptions
    ):
        raise HPError("This coupon has expired.", 400, code="coupon_expired")
    if coupon.valid_from is not None and coupon.valid_from > now:
        raise HPError("This coupon is not valid yet.", 400, code="coupon_not_yet_valid")
    if (coupon.applies_to_plan_codes and plan.code not in coupon.applies_to_plan_codes) or (
        coupon.first_subscription_only and had_subscription
    ):
        raise HPError("This coupon does not apply to this plan.", 400, code="coupon_not_applicable")
    if used is not None:
        raise HPError("You have already used this coupon.", 409, code="coupon_already_used")
    if coupon.duration != CouponDuration.ONCE:
        # Applied as a credit on the first invoice; a repeating discount is not offered yet.
        raise HPError("This coupon cannot be applied here.", 400, code="coupon_not_supported")
    amount = records.cents(plan.amount)
    if coupon.discount_type == DiscountType.PERCENT:
        discount = int(amount * coupon.discount_value / 100)
    else:
        if (coupon.currency or "").upper() != plan.currency.upper():
            raise HPError("This coupon does not apply to this plan.", 400, code="coupon_not_applicable")
        discount = min(amount, records.cents(coupon.discount_value))
    return coupon, discount


async def _redeem(
    session: AsyncSession, coupon: Coupon, sub: UserSubscription, discount_cents: int, plan: SubscriptionPlan
) -> None:
    session.add(
        CouponRedemption(
            coupon_id=coupon.id,
            user_id=sub.user_id,
            subscription_id=sub.id,
            discount_amount=records.money(discount_cents),
            currency=plan.currency,
        )
    )
    await session.flush()  # the count is kept by app_count_coupon_redemption, given the row above
    await session.execute(select(func.app_count_coupon_redemption(coupon.id)))
    records.add_event(
        session,
        sub,
        SubscriptionEventType.COUPON_APPLIED,
        amount=records.money(discount_cents),
        payload={"coupon": coupon.code},
    )


# -- use cases ------------------------------------------------------------------------------------


async def _store_card(
    session: AsyncSession, user_id: uuid.UUID, customer_id: str, card: Card
) -> PaymentMethod:
    await session.execute(
        update(PaymentMethod)
        .where(PaymentMethod.user_id == user_id, PaymentMethod.is_default)
        .values(is_default=False)
    )
    row = PaymentMethod(
        user_id=user_id,
        processor=PaymentProcessor.STRIPE,
        processor_payment_method_id=card.payment_method_id,
        processor_customer_id=customer_id,
        type=PaymentMethodType.CARD,
        card_brand=card.brand[:32],
        card_last4=card.last4,
        card_exp_month=card.exp_month,
        card_exp_year=card.exp_year,
        card_fingerprint=card.fingerprint,
        is_default=True,
    )
    session.add(row)
    await session.flush()
    return row


async def checkout(
    session: AsyncSession,
    provider: PaymentProvider,
    settings: Settings,
    user: Principal,
    plan_code: str,
    payment_method: str,
    coupon_code: str | None = None,
) -> UserSubscription:
    user_id = _me(user)
    plan = await _plan(session, plan_code)
    if plan.code == FREE_PLAN_CODE or plan.amount <= 0:
        raise HPError("The free plan needs no checkout.", 400, code="plan_is_free")
    if not plan.is_public:
        raise NotFound("No such plan.", code="plan_not_found")
    if await current(session, user_id, lock=True) is not None:
        raise Conflict(_ALREADY, code="already_subscribed")
    had = (
        await session.execute(select(UserSubscription.id).where(UserSubscription.user_id == user_id).limit(1))
    ).first() is not None
    coupon = await _coupon(session, coupon_code, plan, user_id, had) if coupon_code else None
    # A trial is for a person's first subscription only.
    trial_end = (
        dt.datetime.now(dt.UTC) + dt.timedelta(days=plan.trial_days) if plan.trial_days and not had else None
    )
    pid = await price_id(provider, plan)
    customer = await _customer_id(session, provider, user_id)
    try:
        card = await provider.attach_card(customer, payment_method)
        if coupon is not None and coupon[1] > 0:
            await provider.add_credit(customer, coupon[1], plan.currency, f"Coupon {coupon[0].code}")
        psub = await provider.create_subscription(customer, pid, trial_end=trial_end)
    except ProviderError as exc:
        raise _refused(exc) from None
    status = records.local_status(None, psub)
    if status == SubscriptionStatus.INCOMPLETE:
        # The first payment did not go through: nothing is kept on either side.
        with contextlib.suppress(ProviderError):
            await provider.cancel_now(psub.id)
        raise HPError("The card was declined.", 402, code="card_declined")
    sub = UserSubscription(
        user_id=user_id,
        plan_id=plan.id,
        status=status,
        processor=PaymentProcessor.STRIPE,
        processor_subscription_id=psub.id,
        processor_customer_id=customer,
        unit_amount=plan.amount,
        currency=plan.currency,
        billing_interval=plan.billing_interval,
    )
    records.copy_periods(sub, psub)
    try:
        async with session.begin_nested():
            method = await _store_card(session, user_id, customer, card)
            sub.default_payment_method_id = method.id
            session.add(sub)
            await session.flush()
    except IntegrityError:
        # Another checkout of this person's committed first (one open subscription and one
        # default card each): the processor's second subscription is cancelled so they are never
        # charged twice.
        with contextlib.suppress(ProviderError):
            await provider.cancel_now(psub.id)
        raise Conflict(_ALREADY, code="already_subscribed") from None
    records.add_event(
        session,
        sub,
        SubscriptionEventType.TRIAL_STARTED
        if status == SubscriptionStatus.TRIALING
        else SubscriptionEventType.CREATED,
    )
    if coupon is not None:
        await _redeem(session, coupon[0], sub, coupon[1], plan)
    if psub.latest_invoice_id:
        await dunning.apply_invoice(session, sub, await _invoice(provider, psub.latest_invoice_id), settings)
    await session.flush()
    return sub


async def _invoice(provider: PaymentProvider, invoice_id: str) -> ProviderInvoice:
    try:
        return await provider.invoice(invoice_id)
    except ProviderError as exc:
        raise _refused(exc) from None


async def _open(session: AsyncSession, user: Principal) -> UserSubscription:
    sub = await current(session, _me(user), lock=True)
    if sub is None:
        raise NotFound("You have no subscription.", code="no_subscription")
    if sub.processor_subscription_id is None:
        raise Conflict("This subscription is managed outside the app.", code="not_self_managed")
    return sub


async def change_plan(
    session: AsyncSession, provider: PaymentProvider, settings: Settings, user: Principal, plan_code: str
) -> UserSubscription:
    """Move to another plan now; the prorated difference is invoiced and charged at once."""
    sub = await _open(session, user)
    plan = await _plan(session, plan_code)
    if plan.id == sub.plan_id:
        raise Conflict("You are already on this plan.", code="same_plan")
    if plan.code == FREE_PLAN_CODE or plan.amount <= 0:
        raise HPError("To go back to the free tier, cancel your subscription.", 400, code="plan_is_free")
    if sub.status not in (SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE):
        raise Conflict("Settle the open invoice before changing plan.", code="subscription_not_active")
    pid = await price_id(provider, plan)
    assert sub.processor_subscription_id is not None
    try:
        psub = await provider.change_price(sub.processor_subscription_id, pid)
    except ProviderError as exc:
        raise _refused(exc) from None
    from_plan, before = sub.plan_id, sub.status
    sub.plan_id, sub.unit_amount, sub.currency = plan.id, plan.amount, plan.currency
    sub.billing_interval = plan.billing_interval
    sub.status = records.local_status(sub.status, psub)
    records.copy_periods(sub, psub)
    records.add_event(
        session, sub, SubscriptionEventType.PLAN_CHANGED, from_status=before, from_plan_id=from_plan
    )
    if psub.latest_invoice_id:
        await dunning.apply_invoice(session, sub, await _invoice(provider, psub.latest_invoice_id), settings)
    await session.flush()
    return sub


async def set_cancel(
    session: AsyncSession, provider: PaymentProvider, user: Principal, cancel: bool, reason: str | None = None
) -> UserSubscription:
    """Cancel at the end of the paid period (``cancel``), or take that back (resume)."""
    sub = await _open(session, user)
    if cancel and sub.cancel_at_period_end:
        raise Conflict("The subscription already ends with this period.", code="already_canceling")
    if not cancel and not sub.cancel_at_period_end:
        raise Conflict("The subscription is not set to end.", code="not_canceling")
    assert sub.processor_subscription_id is not None
    try:
        psub = await provider.set_cancel_at_period_end(sub.processor_subscription_id, cancel)
    except ProviderError as exc:
        raise _refused(exc) from None
    before = sub.status
    records.copy_periods(sub, psub)
    sub.cancel_at_period_end = cancel
    sub.cancellation_reason = reason if cancel else None
    sub.canceled_at = dt.datetime.now(dt.UTC) if cancel else None
    records.add_event(
        session,
        sub,
        SubscriptionEventType.CANCEL_SCHEDULED if cancel else SubscriptionEventType.CANCEL_REVOKED,
        from_status=before,
    )
    await session.flush()
    return sub


async def update_card(
    session: AsyncSession, provider: PaymentProvider, settings: Settings, user: Principal, payment_method: str
) -> tuple[PaymentMethod, UserSubscription | None]:
    """A new default card; with an invoice left unpaid, it is paid with the new card at once."""
    user_id = _me(user)
    sub = await current(session, user_id, lock=True)
    customer = await _customer_id(session, provider, user_id)
    try:
        card = await provider.attach_card(customer, payment_method)
    except ProviderError as exc:
        raise _refused(exc) from None
    method = await _store_card(session, user_id, customer, card)
    if sub is None:
        return method, None
    sub.default_payment_method_id = method.id
    if (
        sub.status in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID)
        and sub.processor_open_invoice_id
    ):
        try:
            pinv = await provider.pay_invoice(sub.processor_open_invoice_id)
        except ProviderError as exc:
            raise _refused(exc) from None
        await dunning.apply_invoice(session, sub, pinv, settings)
    await session.flush()
    return method, sub
