"""The Privacy screen in Chromium: consents given and withdrawn, a copy of the data prepared by the
worker and downloaded once, and an account deletion scheduled with the password, then cancelled."""

from __future__ import annotations

import zipfile
from typing import Any

import pytest
from playwright.async_api import expect

from tests.conftest import LiveServer
from tests.escalation.conftest import PASSWORD
from tests.web.harness import DESKTOP, Recorder, new_email, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def test_privacy_screen(web_server: LiveServer, browser: Any, tmp_path: Any) -> None:
    context = await browser.new_context(base_url=web_server.http_url, viewport=DESKTOP, accept_downloads=True)
    page = await context.new_page()
    rec = Recorder()
    rec.attach(page)
    try:
        await page.goto("/")
        await sign_up(page, new_email("privacy"))
        await page.get_by_role("navigation", name="Main").get_by_role("button", name="Privacy").click()

        research = page.locator("form[data-consent=research]")
        await expect(research).to_contain_text("not given")
        await research.get_by_role("button", name="Accept version 2026-01").click()
        await expect(page.locator("form[data-consent=research]")).to_contain_text("given (version 2026-01)")
        await page.locator("form[data-consent=research]").get_by_role("button", name="Withdraw").click()
        await expect(page.locator("form[data-consent=research]")).to_contain_text("not given")
        await expect(page.locator("#privacy-access-empty")).to_be_visible()

        await page.get_by_role("button", name="Prepare my copy").click()
        link = page.get_by_role("link", name="Download your data (once)")
        await expect(link).to_be_visible(timeout=30_000)
        async with page.expect_download() as info:
            await link.click()
        download = await info.value
        target = tmp_path / "export.zip"
        await download.save_as(target)
        names = zipfile.ZipFile(target).namelist()
        assert "fhir/bundle.json" in names
        assert "data/users.json" in names

        erase = page.locator("#privacy-erase-form")
        await erase.get_by_label("Your password").fill("not my password")
        await erase.get_by_role("button", name="Delete my account").click()
        await expect(erase.locator(".form-error")).to_contain_text("password")
        await erase.get_by_label("Your password").fill(PASSWORD)
        await erase.get_by_role("button", name="Delete my account").click()
        await expect(page.locator("#privacy-erase-scheduled")).to_contain_text("Deletion scheduled")
        await page.get_by_role("button", name="Cancel deletion").click()
        await expect(page.locator("#privacy-erase-scheduled")).to_have_text("")
        await expect(erase.get_by_role("button", name="Delete my account")).to_be_visible()
        assert rec.errors == []
    finally:
        await context.close()
