"""Medicines and the inbox in Chromium: add two medicines and see the serious interaction, log
today's dose with one tap, ask the agent whether it was taken, and watch a notification arrive
live on the badge, then read it in the inbox."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import update

from hp_agent.admin.models import NotificationCategory
from hp_agent.db.session import Database
from hp_agent.notifications import service as inbox
from hp_agent.users.models import User
from hp_agent.users.repository import SYSTEM
from tests.conftest import LiveServer
from tests.web.harness import DESKTOP, Recorder, new_email, say, sign_up, start_chat, user_id

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def _nav(page: Page, name: str) -> None:
    await page.get_by_role("navigation", name="Main").get_by_role("button", name=name).click()


def _midday_zone() -> str:
    """A fixed-offset zone where it is 12:xx now, so a dose in ten minutes is this afternoon."""
    offset = (12 - dt.datetime.now(dt.UTC).hour + 12) % 24 - 12
    return f"Etc/GMT{-offset:+d}" if offset else "UTC"


async def _add(page: Page, name: str, dose: str, times: str) -> None:
    form = page.locator("#meds-add")
    await form.get_by_label("Medicine", exact=True).fill(name)
    await form.get_by_label("Dose", exact=True).fill(dose)
    await form.get_by_label("Times (e.g. 08:00, 20:00)").fill(times)
    await form.get_by_role("button", name="Add medicine").click()
    await expect(page.locator("#meds-list")).to_contain_text(name)


async def test_medicines_interaction_dose_logging_agent_and_inbox(
    web_server: LiveServer, web_db: Database, browser: Any
) -> None:
    zone = _midday_zone()
    context = await browser.new_context(base_url=web_server.http_url, viewport=DESKTOP, timezone_id=zone)
    page = await context.new_page()
    rec = Recorder()
    rec.attach(page)
    try:
        await page.goto("/")
        email = new_email("meds")
        await sign_up(page, email)
        async with web_db.unit_of_work(SYSTEM) as s:
            await s.execute(update(User).where(User.email == email).values(timezone=zone))
        me = await user_id(web_db, email)
        soon = (dt.datetime.now(ZoneInfo(zone)) + dt.timedelta(minutes=10)).strftime("%H:%M")

        await _nav(page, "Medicines")
        await expect(page.locator("#meds-today-empty")).to_be_visible()
        await _add(page, "phenelzine", "15", soon)
        await _add(page, "sertraline", "50", soon)
        warning = page.locator("#meds-added")
        await expect(warning).to_contain_text("Serious interaction: phenelzine")
        await expect(warning).to_contain_text("serotonin syndrome")
        await expect(page.locator("#meds-interactions")).to_contain_text("phenelzine + sertraline")
        doses = page.locator("#meds-today li")
        await expect(doses).to_have_count(2)
        await page.get_by_role("button", name=f"Taken: {soon} sertraline").click()
        await expect(page.locator("#meds-today li[data-status=taken]")).to_contain_text("sertraline")
        await expect(page.get_by_role("button", name=f"Taken: {soon} sertraline")).to_have_count(0)

        # The agent answers from the record.
        await _nav(page, "Chat")
        await start_chat(page)
        await say(page, "Did I take my afternoon dose?")
        reply = page.locator("#chat-log .msg.agent").last
        await expect(reply).to_contain_text(f"your {soon} sertraline is logged as taken")
        await expect(reply).to_contain_text(f"{soon} phenelzine is not logged yet")

        # A notification arrives live on the badge while the socket is open.
        badge = page.locator("#inbox-badge")
        await expect(badge).to_be_hidden()
        async with web_db.unit_of_work(SYSTEM) as s:
            await inbox.notify(
                s,
                me,
                category=NotificationCategory.homework,
                title="New homework from your therapist",
                body="Open Homework to see it.",
                dedupe_key=f"web-test:{me}",
            )
        await expect(badge).to_have_text("1", timeout=20_000)
        await _nav(page, "Inbox")
        item = page.locator("#inbox-list li.unread")
        await expect(item).to_contain_text("New homework from your therapist")
        await page.get_by_role("button", name="Mark read: New homework from your therapist").click()
        await expect(page.locator("#inbox-list li.unread")).to_have_count(0)
        await expect(badge).to_be_hidden()
        assert not rec.errors, rec.errors
    finally:
        await context.close()
