"""Dunning against localstripe: a declined renewal is retried on the schedule by the worker's job,
the features drop after the grace period, the last declined retry leaves the subscription unpaid
(free tier), and a working card brings it back. Also: a coupon's discount on the first invoice."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.events.models import EmailOutbox
from hp_agent.subscriptions import tasks
from hp_agent.subscriptions.models import (
    Coupon,
    CouponDuration,
    CouponRedemption,
    DiscountType,
    UserSubscription,
)
from hp_agent.subscriptions.stripe_provider import StripeProvider
from hp_agent.users.repository import SYSTEM
from tests.chat.chat_client import new_user
from tests.conftest import LiveServer
from tests.subscriptions.conftest import eventually

pytestmark = pytest.mark.slow


def _auth(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def _card(stripe_api: httpx.AsyncClient, number: str) -> str:
    r = await stripe_api.post(
        "/v1/payment_methods",
        data={
            "type": "card",
            "card[number]": number,
            "card[exp_month]": "12",
            "card[exp_year]": "2031",
            "card[cvc]": "123",
        },
    )
    r.raise_for_status()
    return str(r.json()["id"])


async def _sub(db: Database, user_id: uuid.UUID) -> UserSubscription:
    async with db.unit_of_work(SYSTEM) as s:
        return (
            await s.execute(select(UserSubscription).where(UserSubscription.user_id == user_id))
        ).scalar_one()


async def test_retries_follow_the_schedule_then_unpaid_then_recovered(
    billing_server: LiveServer, billing_settings: Settings, stripe_api: httpx.AsyncClient, live_db: Database
) -> None:
    tokens = await new_user(billing_server.http_url)
    me, user_id = _auth(tokens), uuid.UUID(tokens["user_id"])
    assert billing_settings.stripe_api_key is not None
    provider = StripeProvider(
        billing_settings.stripe_api_key.get_secret_value(),
        api_base=billing_settings.stripe_api_base,
        legacy=True,
    )
    async with httpx.AsyncClient(base_url=billing_server.http_url, timeout=60) as api:
        r = await api.post(
            "/v1/billing/checkout",
            json={"plan": "therapy-monthly", "payment_method": "pm_card_visa"},
            headers=me,
        )
        assert r.status_code == 201, r.text
        assert r.json()["subscription"]["status"] == "active"  # no trial on this plan: paid at once

        # The renewal is declined after authentication (localstripe's signed payment_failed).
        r = await api.post(
            "/v1/billing/payment-method",
            json={"payment_method": await _card(stripe_api, "4000008260003178")},
            headers=me,
        )
        assert r.status_code == 200
        sub = await _sub(live_db, user_id)
        inv = (
            await stripe_api.post(
                "/v1/invoices",
                data={"customer": sub.processor_customer_id, "subscription": sub.processor_subscription_id},
            )
        ).json()
        inv = (await stripe_api.post(f"/v1/invoices/{inv['id']}/pay")).json()
        pi = (await stripe_api.get(f"/v1/payment_intents/{inv['payment_intent']}")).json()
        await stripe_api.post(
            f"/v1/payment_intents/{pi['id']}/_authenticate",
            data={"client_secret": pi["client_secret"], "success": "true"},
        )

        async def past_due() -> UserSubscription | None:
            s = await _sub(live_db, user_id)
            return s if s.status.value == "past_due" else None

        first = await eventually(past_due)
        assert first.dunning_attempts == 1
        assert first.past_due_since is not None
        assert first.next_retry_at == first.past_due_since + dt.timedelta(days=1)
        assert first.grace_ends_at == first.past_due_since + dt.timedelta(days=7)

        # A card that attaches but is declined: trying it is attempt 2.
        r = await api.post(
            "/v1/billing/payment-method", json={"payment_method": "pm_card_chargeCustomerFail"}, headers=me
        )
        assert r.status_code == 200, r.text
        assert r.json()["subscription"]["dunning_attempts"] == 2
        # Not due yet: the job leaves it alone.
        assert await tasks.retry_due(live_db, provider, billing_settings, now=first.past_due_since) == 0

        # Day 3: the job retries (attempt 3, declined), the features are still on (grace).
        day3 = first.past_due_since + dt.timedelta(days=3, minutes=1)
        assert await tasks.retry_due(live_db, provider, billing_settings, now=day3) == 1
        third = await _sub(live_db, user_id)
        assert (third.status.value, third.dunning_attempts) == ("past_due", 3)
        assert third.next_retry_at == first.past_due_since + dt.timedelta(days=5)
        assert (await api.get("/v1/billing/entitlements", headers=me)).json()["source"] == "grace"
        assert await tasks.retry_due(live_db, provider, billing_settings, now=day3) == 0  # leased, not twice

        # Day 5: the last retry is declined: unpaid, the free tier, an email saying so.
        day5 = first.past_due_since + dt.timedelta(days=5, minutes=1)
        assert await tasks.retry_due(live_db, provider, billing_settings, now=day5) == 1
        body = (await api.get("/v1/billing", headers=me)).json()
        assert body["subscription"]["status"] == "unpaid"
        assert body["entitlements"]["plan_code"] == "free"
        async with live_db.unit_of_work(SYSTEM) as s:
            templates = (
                (
                    await s.execute(
                        select(EmailOutbox.template).where(EmailOutbox.recipient_user_id == user_id)
                    )
                )
                .scalars()
                .all()
            )
        billing = [t for t in templates if t.startswith("billing_")]
        assert billing.count("billing_payment_failed") == 3
        assert billing.count("billing_subscription_unpaid") == 1

        # A working card pays the open invoice: active again, the plan's features back.
        r = await api.post("/v1/billing/payment-method", json={"payment_method": "pm_card_visa"}, headers=me)
        assert r.status_code == 200, r.text
        assert r.json()["subscription"]["status"] == "active"
        assert r.json()["entitlements"]["plan_code"] == "therapy-monthly"
        payments = (await api.get("/v1/billing/payments", headers=me)).json()
        assert [p["status"] for p in payments].count("failed") == 4
        assert payments[0]["status"] == "succeeded"


async def test_coupon_discounts_the_first_invoice_once(billing_server: LiveServer, live_db: Database) -> None:
    code = f"WELCOME{uuid.uuid4().hex[:6].upper()}"
    async with live_db.unit_of_work(SYSTEM) as s:
        s.add(
            Coupon(
                code=code,
                name="Welcome",
                discount_type=DiscountType.PERCENT,
                discount_value=Decimal("20"),
                duration=CouponDuration.ONCE,
                max_redemptions=5,
            )
        )
    tokens = await new_user(billing_server.http_url)
    me = _auth(tokens)
    async with httpx.AsyncClient(base_url=billing_server.http_url, timeout=60) as api:
        r = await api.post(
            "/v1/billing/checkout",
            json={"plan": "therapy-monthly", "payment_method": "pm_card_visa", "coupon": code.lower()},
            headers=me,
        )
        assert r.status_code == 201, r.text
        [invoice] = (await api.get("/v1/billing/invoices", headers=me)).json()
        assert invoice["status"] == "paid"
        assert Decimal(invoice["total"]) == Decimal("223.20")  # 279.00 less 20 %
        assert Decimal(invoice["discount_total"]) == Decimal("55.80")
    async with live_db.unit_of_work(SYSTEM) as s:
        coupon = (await s.execute(select(Coupon).where(Coupon.code == code))).scalar_one()
        assert coupon.times_redeemed == 1
        redemptions = (
            (await s.execute(select(CouponRedemption).where(CouponRedemption.coupon_id == coupon.id)))
            .scalars()
            .all()
        )
        assert [str(r.user_id) for r in redemptions] == [tokens["user_id"]]
