"""The Plan & billing screen in Chromium, against localstripe: the free plan with crisis support
included, a subscription with its trial, a plan change that is invoiced, the invoice listed,
cancel at period end and resume, a declined renewal shown as past due and settled with a new
card, and the subscription ending (Stripe's side is played through localstripe's API)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect
from pydantic import SecretStr
from sqlalchemy import select

from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.subscriptions.localstripe import API_KEY, LocalStripe
from hp_agent.subscriptions.models import UserSubscription
from hp_agent.subscriptions.webhooks import HANDLED
from hp_agent.users.repository import SYSTEM
from tests.conftest import LiveServer
from tests.subscriptions.conftest import WEBHOOK_SECRET, localstripe  # noqa: F401
from tests.web.harness import DESKTOP, Recorder, new_email, sign_up, user_id

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def billing_web_server(
    web_settings: Settings,
    localstripe: LocalStripe,  # noqa: F811
    seeded: None,
    chromium_path: Path,
) -> Iterator[LiveServer]:
    settings = web_settings.model_copy(
        update={
            "redis_prefix": f"hpwebbill-{uuid.uuid4().hex[:8]}",
            "stripe_api_key": SecretStr(API_KEY),
            "stripe_api_base": localstripe.url,
            "stripe_webhook_secret": SecretStr(WEBHOOK_SECRET),
        }
    )
    server = LiveServer(settings)
    server.start()
    localstripe.register_webhook(
        f"{server.http_url}/v1/billing/webhooks/stripe", WEBHOOK_SECRET, sorted(HANDLED)
    )
    yield server
    server.stop()


async def test_billing_screen(
    billing_web_server: LiveServer,
    browser: Any,
    web_db: Database,
    localstripe: LocalStripe,  # noqa: F811
) -> None:
    context = await browser.new_context(base_url=billing_web_server.http_url, viewport=DESKTOP)
    page = await context.new_page()
    rec = Recorder()
    rec.attach(page)
    try:
        await page.goto("/")
        email = new_email("billing")
        await sign_up(page, email)
        await page.get_by_role("navigation", name="Main").get_by_role("button", name="Plan & billing").click()
        current = page.locator("#billing-current")
        await expect(current).to_contain_text("Free")
        await expect(current).to_contain_text(
            "Crisis support, crisis lines and your safety plan are included"
        )
        await expect(page.locator("#billing-invoices-empty")).to_be_visible()

        premium = page.locator("li[data-plan=premium-monthly]")
        await expect(premium).to_contain_text("7-day free trial")
        await premium.get_by_label("Test card").select_option("pm_card_visa")
        await premium.get_by_role("button", name="Subscribe to Premium (monthly)").click()
        await expect(page.locator("#billing-status")).to_have_text("Free trial")
        await expect(page.locator("#billing-plan")).to_contain_text("Premium (monthly)")
        await expect(page.locator("#billing-card")).to_contain_text("ending 4242")

        therapy = page.locator("li[data-plan=therapy-monthly]")
        await therapy.get_by_role("button", name="Switch to Premium + Therapy (monthly)").click()
        await expect(page.locator("#billing-plan")).to_contain_text("Premium + Therapy (monthly)")
        await expect(page.locator("#billing-status")).to_have_text("Active")
        rows = page.locator("#billing-invoices tbody tr")
        await expect(rows).to_have_count(1)
        await expect(rows.first.locator(".invoice-status")).to_have_text("paid")
        await expect(rows.first).to_contain_text("USD 279.00")

        await page.get_by_role("button", name="Cancel at period end").click()
        await expect(page.locator("#billing-ends")).to_contain_text("Ends")
        await page.get_by_role("button", name="Keep my subscription").click()
        await expect(page.locator("#billing-ends")).to_have_count(0)
        await expect(page.get_by_role("button", name="Cancel at period end")).to_be_visible()

        # Stripe's renewal run, declined after authentication: the screen shows it past due.
        async with web_db.unit_of_work(SYSTEM) as s:
            person = await user_id(web_db, email)
            sub = (
                await s.execute(select(UserSubscription).where(UserSubscription.user_id == person))
            ).scalar_one()
            customer, sub_id = sub.processor_customer_id, sub.processor_subscription_id
        async with httpx.AsyncClient(
            base_url=localstripe.url, headers={"Authorization": f"Bearer {API_KEY}"}
        ) as stripe:
            card = {"type": "card", "card[number]": "4000008260003178", "card[exp_month]": "12"}
            pm = (
                await stripe.post(
                    "/v1/payment_methods", data={**card, "card[exp_year]": "2031", "card[cvc]": "123"}
                )
            ).json()
            await stripe.post(f"/v1/payment_methods/{pm['id']}/attach", data={"customer": customer})
            await stripe.post(
                f"/v1/customers/{customer}", data={"invoice_settings[default_payment_method]": pm["id"]}
            )
            inv = (
                await stripe.post("/v1/invoices", data={"customer": customer, "subscription": sub_id})
            ).json()
            inv = (await stripe.post(f"/v1/invoices/{inv['id']}/pay")).json()
            pi = (await stripe.get(f"/v1/payment_intents/{inv['payment_intent']}")).json()
            await stripe.post(
                f"/v1/payment_intents/{pi['id']}/_authenticate",
                data={"client_secret": pi["client_secret"], "success": "true"},
            )
            nav = page.get_by_role("navigation", name="Main").get_by_role("button", name="Plan & billing")
            for _ in range(50):
                await nav.click()
                if await page.locator("#billing-status[data-status=past_due]").count():
                    break
                await asyncio.sleep(0.3)
            await expect(page.locator("#billing-status")).to_have_text("Payment failed — we will retry")
            await expect(page.locator("#billing-current")).to_contain_text("features stay on until")
            update = page.locator("#billing-card-form")
            await update.get_by_label("Test card").select_option("pm_card_visa")
            await update.get_by_role("button", name="Update card").click()
            await expect(page.locator("#billing-status")).to_have_text("Active")
            await expect(
                page.locator("#billing-invoices tbody tr").first.locator(".invoice-status")
            ).to_have_text("paid")

            # Stripe ends the subscription: the screen shows the free plan again.
            await stripe.delete(f"/v1/subscriptions/{sub_id}")
            for _ in range(50):
                await nav.click()
                if await page.locator("#billing-plan", has_text="subscription ended").count():
                    break
                await asyncio.sleep(0.3)
            await expect(page.locator("#billing-plan")).to_have_text("Free (your subscription ended)")
        assert rec.errors == []
    finally:
        await context.close()
