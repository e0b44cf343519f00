"""Request and response bodies of ``/v1/billing``. Money is a decimal string with its currency."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PlanOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    description: str | None
    amount: Decimal
    currency: str
    billing_interval: str
    trial_days: int
    features: dict[str, Any]


class EntitlementsOut(BaseModel):
    plan_code: str
    source: str  # subscription | grace | free
    features: dict[str, Any]
    # Always true, on every plan: named so clients never hide them behind a paywall.
    crisis_support: bool = True


class CardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    card_brand: str | None
    card_last4: str | None
    card_exp_month: int | None
    card_exp_year: int | None


class SubscriptionOut(BaseModel):
    id: uuid.UUID
    plan_code: str
    plan_name: str
    status: str
    unit_amount: Decimal
    currency: str
    billing_interval: str
    trial_ends_at: dt.datetime | None
    current_period_start: dt.datetime | None
    current_period_end: dt.datetime | None
    cancel_at_period_end: bool
    canceled_at: dt.datetime | None
    ended_at: dt.datetime | None
    past_due_since: dt.datetime | None
    grace_ends_at: dt.datetime | None
    next_retry_at: dt.datetime | None
    dunning_attempts: int


class BillingOut(BaseModel):
    subscription: SubscriptionOut | None
    entitlements: EntitlementsOut
    card: CardOut | None


class CheckoutIn(BaseModel):
    plan: str = Field(min_length=1, max_length=64)
    # A payment method id from the processor (its JavaScript, or a test id like pm_card_visa):
    # card numbers never come here.
    payment_method: str = Field(min_length=3, max_length=128, pattern=r"^pm_[A-Za-z0-9_]+$")
    coupon: str | None = Field(default=None, min_length=1, max_length=64)


class ChangePlanIn(BaseModel):
    plan: str = Field(min_length=1, max_length=64)


class CancelIn(BaseModel):
    reason: str | None = Field(default=None, max_length=64, pattern=r"^[a-z_]+$")


class PaymentMethodIn(BaseModel):
    payment_method: str = Field(min_length=3, max_length=128, pattern=r"^pm_[A-Za-z0-9_]+$")


class InvoiceLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    description: str
    amount: Decimal


class InvoiceOut(BaseModel):
    id: uuid.UUID
    invoice_number: str
    status: str
    period_start: dt.date | None
    period_end: dt.date | None
    issued_at: dt.datetime | None
    paid_at: dt.datetime | None
    subtotal: Decimal
    discount_total: Decimal
    total: Decimal
    amount_paid: Decimal
    amount_due: Decimal
    currency: str
    lines: list[InvoiceLineOut]


class PaymentOut(BaseModel):
    id: uuid.UUID
    status: str
    amount: Decimal
    currency: str
    description: str | None
    failure_code: str | None
    invoice_id: uuid.UUID | None
    created_at: dt.datetime
    succeeded_at: dt.datetime | None
    failed_at: dt.datetime | None


class HistoryOut(BaseModel):
    event_type: str
    from_status: str | None
    to_status: str | None
    amount: Decimal | None
    currency: str | None
    occurred_at: dt.datetime


class BillingConfigOut(BaseModel):
    payments_enabled: bool
    # Development against localstripe: the processor's test payment method ids the web client
    # offers instead of a card form.
    test_mode: bool
    test_payment_methods: list[dict[str, str]]
