"""The Service admin screen in Chromium: an admin adds a crisis lexicon entry and the running
service matches it in a person's journal entry; disables it; verifies a crisis line; drafts and
publishes an announcement."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hp_agent.config import Settings, get_settings
from hp_agent.crisis import lexicon_overlay
from hp_agent.users.admin import create_user_cli
from tests.conftest import LiveServer
from tests.escalation.conftest import PASSWORD
from tests.journal.people import patient
from tests.web.harness import open_client, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REFRESH = 0.5


async def _nav(page: Page, name: str) -> None:
    await page.get_by_role("navigation", name="Main").get_by_role("button", name=name).click()


async def _journal_safety(server: LiveServer, text: str) -> Any:
    async with httpx.AsyncClient(base_url=server.http_url) as client:
        me = await patient(client)
        r = await client.post("/v1/journal/entries", json={"content": text}, headers=me.headers)
        assert r.status_code == 201, r.text
        return r.json().get("safety")


async def test_service_admin_screen(
    web_server: LiveServer,
    web_settings: Settings,
    browser: Any,
    owner_engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(get_settings(), "crisis_lexicon_refresh_seconds", REFRESH)
    word = f"glimwob{uuid.uuid4().hex[:6]}"
    phrase = f"{word} the kites"
    message = f"tonight i will {phrase}"
    admin_email = f"admin.{uuid.uuid4().hex[:10]}@example.org"
    await create_user_cli(web_settings, admin_email, PASSWORD, "admin")
    ctx, page, rec = await open_client(browser, web_server)
    try:
        await sign_in(page, admin_email)
        await _nav(page, "Service admin")
        await expect(page.get_by_role("heading", name="Service admin")).to_be_visible()
        assert not await _journal_safety(web_server, message)

        lexicon = page.locator("#admin-lexicon")
        await lexicon.get_by_label("Phrase").fill(phrase)
        await lexicon.get_by_label("Category").select_option("imminent")
        await lexicon.get_by_label("Severity (0–1]").fill("0.95")
        await lexicon.get_by_role("button", name="Add entry").click()
        row = lexicon.locator("tr", has_text=phrase)
        await expect(row).to_contain_text("in use")
        await asyncio.sleep(REFRESH + 0.2)
        assert await _journal_safety(web_server, message), "the new entry is matched without a restart"

        await lexicon.get_by_label("Phrase").fill("!!!")
        await lexicon.get_by_role("button", name="Add entry").click()
        await expect(lexicon.locator("form .form-error")).not_to_be_empty()

        await row.get_by_role("button", name=f"Disable {phrase}").click()
        await expect(lexicon.locator("tr", has_text=phrase)).to_contain_text("disabled")
        await asyncio.sleep(REFRESH + 0.2)
        assert not await _journal_safety(web_server, message)

        lines = page.locator("#admin-lines")
        first = lines.locator("tbody tr").first
        line_id = await first.get_attribute("data-line")
        which = f"{await first.locator('th').inner_text()} ({await first.locator('td').first.inner_text()})"
        await first.get_by_role("button", name=f"Verified {which} today").click()
        await expect(lines.locator("> .form-error")).to_contain_text("how the line was checked")
        await lines.get_by_label("How it was checked").fill("called it, answered")
        row = lines.locator(f"tr[data-line='{line_id}']")
        await row.get_by_role("button", name=f"Verified {which} today").click()
        today = dt.datetime.now(dt.UTC).date().isoformat()
        await expect(lines.locator(f"tr[data-line='{line_id}'] td").nth(2)).to_have_text(today)

        flags = page.locator("#admin-flags")
        key = f"web.admin-{uuid.uuid4().hex[:6]}"
        await flags.get_by_label("New flag (lower-case key)").fill("Not A Key")
        await flags.get_by_role("button", name="Add flag (off)").click()
        await expect(flags.locator("form .form-error")).not_to_be_empty()
        await flags.get_by_label("New flag (lower-case key)").fill(key)
        await flags.get_by_role("button", name="Add flag (off)").click()
        await expect(flags.get_by_label(key, exact=True)).not_to_be_checked()
        await flags.get_by_label(key, exact=True).check()
        await expect(flags.locator(f"tr[data-flag='{key}']")).to_be_visible()
        await page.reload()  # what is shown after a reload is what the server stored
        await _nav(page, "Service admin")
        await expect(page.locator("#admin-flags").get_by_label(key, exact=True)).to_be_checked()

        news = page.locator("#admin-announcements")
        title = f"Planned upgrade {uuid.uuid4().hex[:4]}"
        await news.get_by_label("Title").fill(title)
        await news.get_by_label("Text").fill("A short pause on Sunday.")
        await news.get_by_role("button", name="Save draft").click()
        await expect(news.locator("tr", has_text=title)).to_contain_text("draft")
        await news.get_by_role("button", name=f"Publish {title}").click()
        await expect(news.locator("tr", has_text=title)).to_contain_text("published")
        assert rec.errors == []
    finally:
        await ctx.close()
        # The live server commits: remove the entry so later tests of the run see the packaged
        # lexicon alone (their detections' lexicon_version included).
        async with owner_engine.begin() as conn:
            await conn.execute(text("DELETE FROM crisis_keywords WHERE term = :t"), {"t": phrase})
        lexicon_overlay.reset()
