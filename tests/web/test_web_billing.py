"""The Plan & billing screen in Chromium, against localstripe: the free plan with crisis support
included, a subscription with its trial, a plan change that is invoiced, the invoice listed,
cancel at period end and resume."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect
from pydantic import SecretStr

from hp_agent.config import Settings
from hp_agent.subscriptions.localstripe import API_KEY, LocalStripe
from hp_agent.subscriptions.webhooks import HANDLED
from tests.conftest import LiveServer
from tests.subscriptions.conftest import WEBHOOK_SECRET, localstripe  # noqa: F401
from tests.web.harness import DESKTOP, Recorder, new_email, sign_up

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


async def test_billing_screen(billing_web_server: LiveServer, browser: Any) -> None:
    context = await browser.new_context(base_url=billing_web_server.http_url, viewport=DESKTOP)
    page = await context.new_page()
    rec = Recorder()
    rec.attach(page)
    try:
        await page.goto("/")
        await sign_up(page, new_email("billing"))
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
        assert rec.errors == []
    finally:
        await context.close()
