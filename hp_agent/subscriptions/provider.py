"""The payment processor as the service sees it: an interface, and what it returns.

Only the processor's ids and display fields (card brand, last four digits, expiry) cross it;
card numbers never reach the service (the browser or the processor's test ids supply a payment
method id). Amounts are in minor units (cents), as processors count them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol


class ProviderError(Exception):
    """The processor refused (a declined card, an unknown id) or could not be reached."""

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class BadSignature(Exception):
    """A webhook whose signature does not verify with the endpoint's secret."""


@dataclass(frozen=True, slots=True)
class Card:
    payment_method_id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class Price:
    code: str  # our plan code
    amount_cents: int
    currency: str
    interval: str  # month | quarter | year
    name: str


@dataclass(frozen=True, slots=True)
class ProviderSubscription:
    id: str
    customer_id: str
    status: str  # the processor's word (trialing, active, past_due, unpaid, canceled, incomplete...)
    price_id: str
    current_period_start: dt.datetime | None
    current_period_end: dt.datetime | None
    trial_end: dt.datetime | None
    cancel_at_period_end: bool
    canceled_at: dt.datetime | None
    ended_at: dt.datetime | None
    latest_invoice_id: str | None


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    description: str
    amount_cents: int
    proration: bool


@dataclass(frozen=True, slots=True)
class ProviderInvoice:
    id: str
    customer_id: str
    subscription_id: str | None
    status: str  # draft | open | paid | void | uncollectible
    total_cents: int
    amount_paid_cents: int
    currency: str
    created: dt.datetime
    period_start: dt.datetime | None
    period_end: dt.datetime | None
    payment_intent_id: str | None
    # The latest payment attempt: succeeded | failed | requires_action | processing | None.
    payment_status: str | None
    failure_code: str | None
    lines: list[InvoiceLine] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    id: str
    type: str
    object: dict[str, Any]


class PaymentProvider(Protocol):
    name: str

    async def ensure_price(self, price: Price) -> str: ...

    async def create_customer(self, user_ref: str) -> str:
        """A customer known only by an opaque reference (no name, email or address)."""

    async def attach_card(self, customer_id: str, payment_method: str) -> Card: ...

    async def add_credit(self, customer_id: str, amount_cents: int, currency: str, description: str) -> None:
        """A negative line the customer's next invoice includes (a coupon's discount)."""

    async def create_subscription(
        self, customer_id: str, price_id: str, *, trial_end: dt.datetime | None
    ) -> ProviderSubscription: ...

    async def change_price(self, subscription_id: str, price_id: str) -> ProviderSubscription:
        """Move to another price now, invoicing the prorated difference at once."""

    async def set_cancel_at_period_end(self, subscription_id: str, cancel: bool) -> ProviderSubscription: ...

    async def cancel_now(self, subscription_id: str) -> ProviderSubscription: ...

    async def subscription(self, subscription_id: str) -> ProviderSubscription: ...

    async def invoice(self, invoice_id: str) -> ProviderInvoice: ...

    async def pay_invoice(self, invoice_id: str) -> ProviderInvoice: ...

    def verify_webhook(self, payload: bytes, signature: str | None, secret: str) -> WebhookEvent: ...
