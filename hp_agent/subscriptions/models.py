"""Subscription & Payment tables.

Card data never reaches us: payment methods are the processor's tokens plus what a person needs
to recognise a card (brand, last four digits, expiry). Money is ``Numeric(12, 2)`` next to an
ISO 4217 ``currency``. A therapist never reads any of these rows (``therapist_read=False``).

Account deletion cascades to all of a person's rows here; the processor keeps its own records,
and our rows keep the processor's ids (not FKs) so a retained export can be matched to them.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CHAR,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import (
    CURRENCY_CHECK,
    EMPTY_JSON_OBJECT,
    MONEY,
    USERS_ID,
    Base,
    CreatedAt,
    Timestamps,
    UUIDPk,
    pg_enum,
    rls,
)


class BillingInterval(str, enum.Enum):
    MONTH = "month"
    QUARTER = "quarter"  # three months at the processor (interval month, count 3)
    YEAR = "year"


class SubscriptionStatus(str, enum.Enum):
    INCOMPLETE = "incomplete"  # first payment not yet confirmed (e.g. 3-D Secure pending)
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    # Dunning gave up: the subscription stays open at the processor but grants nothing until the
    # open invoice is paid (migration 0014).
    UNPAID = "unpaid"
    PAUSED = "paused"
    CANCELED = "canceled"
    EXPIRED = "expired"


class PaymentProcessor(str, enum.Enum):
    STRIPE = "stripe"
    APP_STORE = "app_store"
    GOOGLE_PLAY = "google_play"
    MANUAL = "manual"  # invoices settled outside a processor (cheque, employer contract)


class PaymentMethodType(str, enum.Enum):
    CARD = "card"
    BANK_ACCOUNT = "bank_account"
    APPLE_PAY = "apple_pay"
    GOOGLE_PAY = "google_pay"
    PAYPAL = "paypal"


class PaymentStatus(str, enum.Enum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    DISPUTED = "disputed"


class PaymentPurpose(str, enum.Enum):
    SUBSCRIPTION = "subscription"
    SESSION = "session"
    COPAY = "copay"
    INVOICE = "invoice"
    FEE = "fee"


class RefundReason(str, enum.Enum):
    REQUESTED_BY_CUSTOMER = "requested_by_customer"
    DUPLICATE = "duplicate"
    FRAUDULENT = "fraudulent"
    SERVICE_NOT_RENDERED = "service_not_rendered"
    GOODWILL = "goodwill"
    OTHER = "other"


class RefundStatus(str, enum.Enum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class DiscountType(str, enum.Enum):
    PERCENT = "percent"
    FIXED_AMOUNT = "fixed_amount"


class CouponDuration(str, enum.Enum):
    ONCE = "once"
    REPEATING = "repeating"
    FOREVER = "forever"


class SubscriptionEventType(str, enum.Enum):
    CREATED = "created"
    TRIAL_STARTED = "trial_started"
    TRIAL_ENDED = "trial_ended"
    ACTIVATED = "activated"
    RENEWED = "renewed"
    PLAN_CHANGED = "plan_changed"
    PAYMENT_SUCCEEDED = "payment_succeeded"
    PAYMENT_FAILED = "payment_failed"
    PAST_DUE = "past_due"
    PAUSED = "paused"
    RESUMED = "resumed"
    CANCEL_SCHEDULED = "cancel_scheduled"
    CANCEL_REVOKED = "cancel_revoked"
    CANCELED = "canceled"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    COUPON_APPLIED = "coupon_applied"
    # Migration 0014: dunning gave up; an invoice issued; a webhook that changed nothing we mirror
    # (still recorded: its processor_event_id is what makes a redelivery a no-op).
    UNPAID = "unpaid"
    INVOICE_CREATED = "invoice_created"
    SYNCED = "synced"


BILLING_INTERVAL = pg_enum(BillingInterval, "subscription_billing_interval")
SUBSCRIPTION_STATUS = pg_enum(SubscriptionStatus, "subscription_status")
PAYMENT_PROCESSOR = pg_enum(PaymentProcessor, "payment_processor")
PAYMENT_METHOD_TYPE = pg_enum(PaymentMethodType, "payment_method_type")
PAYMENT_STATUS = pg_enum(PaymentStatus, "payment_status")
PAYMENT_PURPOSE = pg_enum(PaymentPurpose, "payment_purpose")
REFUND_REASON = pg_enum(RefundReason, "refund_reason")
REFUND_STATUS = pg_enum(RefundStatus, "refund_status")
DISCOUNT_TYPE = pg_enum(DiscountType, "coupon_discount_type")
COUPON_DURATION = pg_enum(CouponDuration, "coupon_duration")
SUBSCRIPTION_EVENT_TYPE = pg_enum(SubscriptionEventType, "subscription_event_type")

# Statuses in which a subscription grants access (or is paused). 'incomplete' is left out: a
# person may retry checkout several times, and the processor expires abandoned attempts.
LIVE_SUBSCRIPTION_SQL = "status IN ('trialing', 'active', 'past_due', 'unpaid', 'paused')"


class SubscriptionPlan(UUIDPk, Timestamps, Base):
    """Reference: a sellable plan, seeded from configuration by ``code``."""

    __tablename__ = "subscription_plans"

    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(CHAR(3))
    billing_interval: Mapped[BillingInterval] = mapped_column(BILLING_INTERVAL)
    trial_days: Mapped[int] = mapped_column(SmallInteger, server_default="0", default=0)
    # Entitlements, e.g. {"ai_chat": true, "therapist_messaging": true, "sessions_per_month": 2}.
    features: Mapped[dict[str, Any]] = mapped_column(server_default=EMPTY_JSON_OBJECT, default=dict)
    is_active: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    # Hidden plans (employer or legacy prices) can be assigned but are not listed.
    is_public: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    sort_order: Mapped[int] = mapped_column(SmallInteger, server_default="0", default=0)
    processor_product_id: Mapped[str | None] = mapped_column(String(128))
    processor_price_id: Mapped[str | None] = mapped_column(String(128), unique=True)

    __table_args__ = (
        CheckConstraint("code ~ '^[a-z0-9][a-z0-9_-]*$'", name="code_format"),
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
        CheckConstraint("trial_days BETWEEN 0 AND 365", name="trial_days_range"),
        CheckConstraint("jsonb_typeof(features) = 'object'", name="features_object"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
        Index(
            "ix_subscription_plans_listed",
            "sort_order",
            postgresql_where=text("is_active AND is_public"),
        ),
    )


class PaymentMethod(UUIDPk, Timestamps, Base):
    """A tokenised payment method; removed methods are kept (soft delete) for payment history."""

    __tablename__ = "payment_methods"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    processor: Mapped[PaymentProcessor] = mapped_column(PAYMENT_PROCESSOR)
    processor_payment_method_id: Mapped[str] = mapped_column(String(128))
    processor_customer_id: Mapped[str | None] = mapped_column(String(128))
    type: Mapped[PaymentMethodType] = mapped_column(PAYMENT_METHOD_TYPE)
    card_brand: Mapped[str | None] = mapped_column(String(32))
    card_last4: Mapped[str | None] = mapped_column(CHAR(4))
    card_exp_month: Mapped[int | None] = mapped_column(SmallInteger)
    card_exp_year: Mapped[int | None] = mapped_column(SmallInteger)
    # The processor's card fingerprint: spots the same card added twice, reveals nothing.
    card_fingerprint: Mapped[str | None] = mapped_column(String(64))
    # HSA/FSA cards matter for receipts people submit to their benefits provider.
    is_hsa_fsa: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    bank_name: Mapped[str | None] = mapped_column(String(120))
    bank_last4: Mapped[str | None] = mapped_column(CHAR(4))
    billing_country: Mapped[str | None] = mapped_column(CHAR(2))
    billing_postal_code: Mapped[str | None] = mapped_column(String(16))
    is_default: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    removed_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("processor", "processor_payment_method_id"),
        CheckConstraint("card_last4 ~ '^[0-9]{4}$'", name="card_last4_digits"),
        CheckConstraint("bank_last4 ~ '^[0-9]{4}$'", name="bank_last4_digits"),
        CheckConstraint("card_exp_month BETWEEN 1 AND 12", name="card_exp_month_range"),
        CheckConstraint("card_exp_year BETWEEN 2000 AND 2100", name="card_exp_year_range"),
        CheckConstraint(
            "type <> 'card' OR (card_brand IS NOT NULL AND card_last4 IS NOT NULL)",
            name="card_has_display_fields",
        ),
        CheckConstraint("NOT (is_default AND removed_at IS NOT NULL)", name="removed_not_default"),
        Index(
            "uq_payment_methods_default",
            "user_id",
            unique=True,
            postgresql_where=text("is_default"),
        ),
        rls(therapist_read=False),
    )


class UserSubscription(UUIDPk, Timestamps, Base):
    """A person's subscription to a plan, mirrored from the processor (webhooks update it)."""

    __tablename__ = "user_subscriptions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    # Plans are deactivated, never deleted, while anyone has subscribed to them.
    plan_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("subscription_plans.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[SubscriptionStatus] = mapped_column(SUBSCRIPTION_STATUS)
    processor: Mapped[PaymentProcessor] = mapped_column(PAYMENT_PROCESSOR)
    processor_subscription_id: Mapped[str | None] = mapped_column(String(128))
    processor_customer_id: Mapped[str | None] = mapped_column(String(128))
    default_payment_method_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payment_methods.id", ondelete="SET NULL"), index=True
    )
    # Price at sign-up: plan price changes do not silently change existing subscribers.
    unit_amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(CHAR(3))
    billing_interval: Mapped[BillingInterval] = mapped_column(BILLING_INTERVAL)
    started_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    trial_ends_at: Mapped[dt.datetime | None]
    current_period_start: Mapped[dt.datetime | None]
    current_period_end: Mapped[dt.datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    canceled_at: Mapped[dt.datetime | None]
    # Reason code chosen in the cancel flow (e.g. "too_expensive"); no free text.
    cancellation_reason: Mapped[str | None] = mapped_column(String(64))
    paused_until: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    # Dunning (hp_agent/subscriptions/dunning.py): set by the first failed renewal, cleared when
    # an invoice is paid. Features stay until ``grace_ends_at``; retries follow the schedule.
    past_due_since: Mapped[dt.datetime | None]
    grace_ends_at: Mapped[dt.datetime | None]
    dunning_attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0", default=0)
    next_retry_at: Mapped[dt.datetime | None]
    # The processor's open invoice the retries pay.
    processor_open_invoice_id: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (
        UniqueConstraint("processor", "processor_subscription_id"),
        CheckConstraint("dunning_attempts >= 0", name="dunning_attempts_nonnegative"),
        CheckConstraint("unit_amount >= 0", name="unit_amount_nonnegative"),
        CheckConstraint(
            "current_period_end IS NULL OR current_period_end > current_period_start",
            name="period_ordered",
        ),
        CheckConstraint(
            "status NOT IN ('canceled', 'expired') OR ended_at IS NOT NULL", name="ended_has_time"
        ),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
        # One live subscription per person; history rows are canceled or expired.
        Index(
            "uq_user_subscriptions_live",
            "user_id",
            unique=True,
            postgresql_where=text(LIVE_SUBSCRIPTION_SQL),
        ),
        # Renewal and trial-ending jobs scan live subscriptions by period end.
        Index(
            "ix_user_subscriptions_live_period_end",
            "current_period_end",
            postgresql_where=text(LIVE_SUBSCRIPTION_SQL),
        ),
        # The dunning job: past-due subscriptions by their next retry.
        Index(
            "ix_user_subscriptions_dunning",
            "next_retry_at",
            postgresql_where=text("status = 'past_due'"),
        ),
        rls(therapist_read=False),
    )


class Payment(UUIDPk, Timestamps, Base):
    """One charge attempt at the processor (subscription renewal, session, copay, invoice)."""

    __tablename__ = "payments"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    purpose: Mapped[PaymentPurpose] = mapped_column(PAYMENT_PURPOSE)
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_subscriptions.id", ondelete="SET NULL"), index=True
    )
    invoice_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="SET NULL"), index=True
    )
    payment_method_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payment_methods.id", ondelete="SET NULL"), index=True
    )
    processor: Mapped[PaymentProcessor] = mapped_column(PAYMENT_PROCESSOR)
    processor_payment_id: Mapped[str | None] = mapped_column(String(128))
    # Sent to the processor with the charge so a retried request never charges twice.
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    status: Mapped[PaymentStatus] = mapped_column(
        PAYMENT_STATUS, server_default=PaymentStatus.PENDING.value, default=PaymentStatus.PENDING
    )
    amount: Mapped[Decimal] = mapped_column(MONEY)
    amount_refunded: Mapped[Decimal] = mapped_column(MONEY, server_default=text("0"), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(CHAR(3))
    description: Mapped[str | None] = mapped_column(String(255))
    # Processor decline code and message (e.g. "insufficient_funds"); no card data.
    failure_code: Mapped[str | None] = mapped_column(String(64))
    failure_message: Mapped[str | None] = mapped_column(String(500))
    succeeded_at: Mapped[dt.datetime | None]
    failed_at: Mapped[dt.datetime | None]
    receipt_number: Mapped[str | None] = mapped_column(String(64))
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", server_default=EMPTY_JSON_OBJECT, default=dict
    )

    __table_args__ = (
        UniqueConstraint("processor", "processor_payment_id"),
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
        CheckConstraint("amount_refunded BETWEEN 0 AND amount", name="amount_refunded_range"),
        CheckConstraint("status <> 'succeeded' OR succeeded_at IS NOT NULL", name="succeeded_has_time"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
        Index("ix_payments_user_created", "user_id", "created_at"),
        # Reconciliation: payments still waiting on the processor.
        Index(
            "ix_payments_unsettled",
            "created_at",
            postgresql_where=text("status IN ('pending', 'requires_action')"),
        ),
        rls(therapist_read=False),
    )


class Refund(UUIDPk, Timestamps, Base):
    """A (partial) refund of a payment."""

    __tablename__ = "refunds"

    payment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    # Denormalised from the payment so the same RLS policy applies.
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    processor_refund_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(CHAR(3))
    reason: Mapped[RefundReason] = mapped_column(REFUND_REASON)
    status: Mapped[RefundStatus] = mapped_column(
        REFUND_STATUS, server_default=RefundStatus.PENDING.value, default=RefundStatus.PENDING
    )
    # Staff member who issued it; kept as history if their account goes.
    issued_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey(USERS_ID, ondelete="SET NULL"), index=True)
    processed_at: Mapped[dt.datetime | None]
    failure_code: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
        rls(therapist_read=False),
    )


class Coupon(UUIDPk, Timestamps, Base):
    """Reference: a discount code (percent or fixed amount), optionally limited to some plans."""

    __tablename__ = "coupons"

    # Matched case-insensitively (unique index on lower(code) below).
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    discount_type: Mapped[DiscountType] = mapped_column(DISCOUNT_TYPE)
    # Percent (0-100] for percent coupons, an amount in ``currency`` for fixed-amount ones.
    discount_value: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str | None] = mapped_column(CHAR(3))
    duration: Mapped[CouponDuration] = mapped_column(COUPON_DURATION)
    duration_in_months: Mapped[int | None] = mapped_column(SmallInteger)
    max_redemptions: Mapped[int | None] = mapped_column(Integer)
    # Maintained by the redemption service in the same transaction as the redemption row.
    times_redeemed: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    valid_from: Mapped[dt.datetime | None]
    valid_until: Mapped[dt.datetime | None]
    # Plan codes the coupon applies to; empty means every plan.
    applies_to_plan_codes: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"), default=list)
    first_subscription_only: Mapped[bool] = mapped_column(server_default=text("false"), default=False)
    is_active: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    processor_coupon_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey(USERS_ID, ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint(
            "discount_value > 0 AND (discount_type <> 'percent' OR discount_value <= 100)",
            name="discount_value_range",
        ),
        CheckConstraint(
            "discount_type <> 'fixed_amount' OR currency IS NOT NULL", name="fixed_amount_has_currency"
        ),
        CheckConstraint(
            "(duration = 'repeating') = (duration_in_months IS NOT NULL)",
            name="repeating_has_months",
        ),
        CheckConstraint("duration_in_months > 0", name="duration_in_months_positive"),
        CheckConstraint("max_redemptions > 0", name="max_redemptions_positive"),
        CheckConstraint(
            "times_redeemed >= 0 AND (max_redemptions IS NULL OR times_redeemed <= max_redemptions)",
            name="times_redeemed_range",
        ),
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="validity_ordered"),
        CheckConstraint("jsonb_typeof(applies_to_plan_codes) = 'array'", name="applies_to_plan_codes_array"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
        Index("uq_coupons_code_lower", func.lower(text("code")), unique=True),
    )


class CouponRedemption(UUIDPk, CreatedAt, Base):
    """A person applying a coupon (at most once per coupon)."""

    __tablename__ = "coupon_redemptions"

    # Coupons are deactivated, never deleted, once redeemed. Indexed by the unique constraint.
    coupon_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("coupons.id", ondelete="RESTRICT"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_subscriptions.id", ondelete="SET NULL"), index=True
    )
    # Discount actually granted so far (sum over the invoices it reduced).
    discount_amount: Mapped[Decimal] = mapped_column(MONEY, server_default=text("0"), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(CHAR(3))
    redeemed_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    # Set when the redemption is undone (e.g. the subscription was refunded in full).
    reversed_at: Mapped[dt.datetime | None]

    __table_args__ = (
        UniqueConstraint("coupon_id", "user_id"),
        CheckConstraint("discount_amount >= 0", name="discount_amount_nonnegative"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
        rls(therapist_read=False),
    )


class SubscriptionEvent(UUIDPk, CreatedAt, Base):
    """Append-only billing history of a subscription (also the webhook idempotency record)."""

    __tablename__ = "subscription_events"

    # Indexed by ix_subscription_events_subscription_occurred.
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_subscriptions.id", ondelete="CASCADE")
    )
    # Denormalised from the subscription so the same RLS policy applies.
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey(USERS_ID, ondelete="CASCADE"), index=True)
    event_type: Mapped[SubscriptionEventType] = mapped_column(SUBSCRIPTION_EVENT_TYPE)
    from_status: Mapped[SubscriptionStatus | None] = mapped_column(SUBSCRIPTION_STATUS)
    to_status: Mapped[SubscriptionStatus | None] = mapped_column(SUBSCRIPTION_STATUS)
    from_plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("subscription_plans.id", ondelete="SET NULL"), index=True
    )
    to_plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("subscription_plans.id", ondelete="SET NULL"), index=True
    )
    payment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payments.id", ondelete="SET NULL"), index=True
    )
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str | None] = mapped_column(CHAR(3))
    # Webhook event id: a redelivered webhook hits the unique index and is skipped.
    processor_event_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(server_default=func.now())
    # Sanitised processor payload (ids, amounts, statuses) for support; no card data.
    payload: Mapped[dict[str, Any]] = mapped_column(server_default=EMPTY_JSON_OBJECT, default=dict)

    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
        CheckConstraint("(amount IS NULL) = (currency IS NULL)", name="amount_with_currency"),
        CheckConstraint(CURRENCY_CHECK, name="currency_iso"),
        Index("ix_subscription_events_user_occurred", "user_id", "occurred_at"),
        Index("ix_subscription_events_subscription_occurred", "subscription_id", "occurred_at"),
        rls(therapist_read=False),
    )
