"""Stripe through the official ``stripe`` package (a real account, or localstripe in development).

Calls are the package's synchronous client run in a worker thread, so the event loop never waits
on the network. Plans are created as Stripe Plans with our plan code as their id (``hp-<code>``),
which real Stripe and localstripe both accept; localstripe only knows the older ``plan`` field on
subscription items and invoices prorations itself, so ``legacy`` switches those two calls.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import stripe

from hp_agent.subscriptions.provider import (
    BadSignature,
    Card,
    InvoiceLine,
    Price,
    ProviderError,
    ProviderInvoice,
    ProviderSubscription,
    WebhookEvent,
)

# Stripe's client logs each request's parameters and the processor's error messages at INFO;
# they echo what a person typed (a coupon code, a payment-method id), so only warnings pass.
logging.getLogger("stripe").setLevel(logging.WARNING)

T = TypeVar("T")
API_VERSION = "2024-06-20"
_INTERVALS = {"month": ("month", 1), "quarter": ("month", 3), "year": ("year", 1)}


def _ts(value: Any) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(value), dt.UTC) if value else None


def _id(value: Any) -> str | None:
    if value is None:
        return None
    return str(value if isinstance(value, str) else value["id"])


def _get(obj: Any, key: str, default: Any = None) -> Any:
    try:
        value = obj[key]
    except (KeyError, TypeError, AttributeError):
        return default
    return default if value is None else value


class StripeProvider:
    name = "stripe"

    def __init__(self, api_key: str, *, api_base: str | None = None, legacy: bool = False) -> None:
        bases = {"api": api_base} if api_base else {}
        # Pinned: the fields read here (an invoice's payment_intent and subscription, a
        # subscription's current period) are where this version keeps them; newer versions moved
        # them. Webhook endpoints should use the same version (docs/billing.md).
        self.client = stripe.StripeClient(
            api_key,
            base_addresses=bases,  # type: ignore[arg-type]
            max_network_retries=2,
            stripe_version=API_VERSION,
        )
        self.v1 = self.client.v1
        self.legacy = legacy

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return await asyncio.to_thread(functools.partial(fn, *args, **kwargs))
        except stripe.StripeError as exc:
            # The processor's own words are about ids and cards, never the person's content.
            raise ProviderError(
                str(exc.user_message or "The payment processor refused the request."),
                code=exc.code,
                status=exc.http_status,
            ) from None

    # -- catalogue and customers -----------------------------------------------------------------

    async def ensure_price(self, price: Price) -> str:
        plan_id = f"hp-{price.code}"
        try:
            await asyncio.to_thread(self.v1.plans.retrieve, plan_id)
            return plan_id
        except stripe.InvalidRequestError:
            pass
        interval, count = _INTERVALS[price.interval]
        params: dict[str, Any] = {
            "id": plan_id,
            "amount": price.amount_cents,
            "currency": price.currency.lower(),
            "interval": interval,
            "interval_count": count,
            "product": {"name": price.name},
        }
        try:
            await self._call(self.v1.plans.create, params=params)
        except ProviderError:
            # Created meanwhile by a concurrent checkout: it exists now, or the error stands.
            await self._call(self.v1.plans.retrieve, plan_id)
        return plan_id

    async def create_customer(self, user_ref: str) -> str:
        # No name or address: the processor needs neither to charge a saved card.
        customer = await self._call(self.v1.customers.create, params={"metadata": {"user_ref": user_ref}})
        return str(customer.id)

    async def attach_card(self, customer_id: str, payment_method: str) -> Card:
        pm = await self._call(
            self.v1.payment_methods.attach, payment_method, params={"customer": customer_id}
        )
        await self._call(
            self.v1.customers.update,
            customer_id,
            params={"invoice_settings": {"default_payment_method": pm.id}},
        )
        card = _get(pm, "card", {})
        return Card(
            payment_method_id=str(pm.id),
            brand=str(_get(card, "brand", "card")),
            last4=str(_get(card, "last4", "0000")),
            exp_month=int(_get(card, "exp_month", 1)),
            exp_year=int(_get(card, "exp_year", 2000)),
            fingerprint=_get(card, "fingerprint"),
        )

    async def add_credit(self, customer_id: str, amount_cents: int, currency: str, description: str) -> None:
        params = {
            "customer": customer_id,
            "amount": -abs(amount_cents),
            "currency": currency.lower(),
            "description": description,
        }
        await self._call(self.v1.invoice_items.create, params=params)

    # -- subscriptions ---------------------------------------------------------------------------

    def _item(self, price_id: str) -> dict[str, str]:
        return {"plan": price_id} if self.legacy else {"price": price_id}

    async def create_subscription(
        self, customer_id: str, price_id: str, *, trial_end: dt.datetime | None
    ) -> ProviderSubscription:
        params: dict[str, Any] = {"customer": customer_id, "items": [self._item(price_id)]}
        if trial_end is not None:
            params["trial_end"] = int(trial_end.timestamp())
        if not self.legacy:
            params["payment_behavior"] = "error_if_incomplete"
        return self._subscription(await self._call(self.v1.subscriptions.create, params=params))

    async def change_price(self, subscription_id: str, price_id: str) -> ProviderSubscription:
        current = await self._call(self.v1.subscriptions.retrieve, subscription_id)
        item_id = current["items"]["data"][0]["id"]
        params: dict[str, Any] = {"items": [{"id": item_id, **self._item(price_id)}]}
        if not self.legacy:
            params["proration_behavior"] = "always_invoice"
            return self._subscription(
                await self._call(self.v1.subscriptions.update, subscription_id, params=params)
            )
        updated = await self._call(self.v1.subscriptions.update, subscription_id, params=params)
        if _id(_get(updated, "latest_invoice")) == _id(_get(current, "latest_invoice")):
            # localstripe left the prorations pending (same interval): invoice and charge them now.
            invoice = await self._call(
                self.v1.invoices.create,
                params={"customer": customer_id_of(updated), "subscription": subscription_id},
            )
            await self.pay_invoice(str(invoice.id))
        return await self.subscription(subscription_id)

    async def set_cancel_at_period_end(self, subscription_id: str, cancel: bool) -> ProviderSubscription:
        sub = await self._call(
            self.v1.subscriptions.update, subscription_id, params={"cancel_at_period_end": cancel}
        )
        return self._subscription(sub)

    async def cancel_now(self, subscription_id: str) -> ProviderSubscription:
        return self._subscription(await self._call(self.v1.subscriptions.cancel, subscription_id))

    async def subscription(self, subscription_id: str) -> ProviderSubscription:
        return self._subscription(await self._call(self.v1.subscriptions.retrieve, subscription_id))

    def _subscription(self, sub: Any) -> ProviderSubscription:
        item = sub["items"]["data"][0]
        price = _get(item, "price") or _get(item, "plan")
        return ProviderSubscription(
            id=str(sub["id"]),
            customer_id=customer_id_of(sub),
            status=str(sub["status"]),
            price_id=str(_id(price)),
            # Newer API versions keep the period on the item.
            current_period_start=_ts(_get(sub, "current_period_start") or _get(item, "current_period_start")),
            current_period_end=_ts(_get(sub, "current_period_end") or _get(item, "current_period_end")),
            trial_end=_ts(_get(sub, "trial_end")),
            cancel_at_period_end=bool(_get(sub, "cancel_at_period_end", False)),
            canceled_at=_ts(_get(sub, "canceled_at")),
            ended_at=_ts(_get(sub, "ended_at")),
            latest_invoice_id=_id(_get(sub, "latest_invoice")),
        )

    # -- invoices --------------------------------------------------------------------------------

    async def invoice(self, invoice_id: str) -> ProviderInvoice:
        inv = await self._call(self.v1.invoices.retrieve, invoice_id)
        return await self._invoice(inv)

    async def pay_invoice(self, invoice_id: str) -> ProviderInvoice:
        try:
            await self._call(self.v1.invoices.pay, invoice_id)
        except ProviderError as exc:
            if exc.status is None or exc.status >= 500:
                raise
            # A decline is an outcome, not an error: the invoice says what happened.
        return await self.invoice(invoice_id)

    async def _invoice(self, inv: Any) -> ProviderInvoice:
        pi_id = _id(_get(inv, "payment_intent"))
        payment_status = failure = None
        if pi_id:
            pi = await self._call(self.v1.payment_intents.retrieve, pi_id)
            error = _get(pi, "last_payment_error")
            payment_status = {
                "succeeded": "succeeded",
                "requires_payment_method": "failed" if error else None,
                "requires_action": "requires_action",
                "processing": "processing",
            }.get(str(pi["status"]))
            failure = _get(error, "code") if error else None
        sub_id = _get(inv, "subscription") or _get(
            _get(_get(inv, "parent", {}), "subscription_details", {}), "subscription"
        )
        lines = [
            InvoiceLine(
                str(_get(line, "description", "")), int(line["amount"]), bool(_get(line, "proration", False))
            )
            for line in _get(_get(inv, "lines", {}), "data", [])
        ]
        return ProviderInvoice(
            id=str(inv["id"]),
            customer_id=customer_id_of(inv),
            subscription_id=_id(sub_id),
            status=str(inv["status"]),
            total_cents=int(_get(inv, "total", 0)),
            amount_paid_cents=int(_get(inv, "amount_paid", 0)),
            currency=str(inv["currency"]).upper(),
            created=_ts(_get(inv, "created")) or dt.datetime.now(dt.UTC),
            period_start=_ts(_get(inv, "period_start")),
            period_end=_ts(_get(inv, "period_end")),
            payment_intent_id=pi_id,
            payment_status=payment_status,
            failure_code=failure,
            lines=lines,
        )

    # -- webhooks --------------------------------------------------------------------------------

    def verify_webhook(self, payload: bytes, signature: str | None, secret: str) -> WebhookEvent:
        if not signature:
            raise BadSignature("missing signature")
        try:
            stripe.Webhook.construct_event(payload, signature, secret)
        except (stripe.SignatureVerificationError, ValueError):
            raise BadSignature("signature does not verify") from None
        # Verified: read the plain JSON (the package's objects are not dicts).
        event = json.loads(payload)
        return WebhookEvent(
            id=str(event["id"]), type=str(event["type"]), object=dict(event["data"]["object"])
        )


def customer_id_of(obj: Any) -> str:
    return str(_id(obj["customer"]))
