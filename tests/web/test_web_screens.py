"""Every screen at desktop and phone size: nothing overflows a 375 px screen, every form control
has a label, and the keyboard reaches the skip link first. With ``HP_SCREENSHOTS_DIR`` set (see
``scripts/screenshots.py``) each screen is also saved as a PNG for the README."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from hp_agent.db.session import Database
from tests.conftest import LiveServer
from tests.escalation.conftest import PASSWORD
from tests.web.harness import PHONE, new_email, open_client, say, sign_in, sign_up, start_chat, therapist_for
from tests.web.test_web_chat import CRISIS
from tests.web.test_web_wellbeing import check_in, phq9, safety_plan

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OUT = Path(os.environ["HP_SCREENSHOTS_DIR"]) if os.environ.get("HP_SCREENSHOTS_DIR") else None

UNLABELLED = """() => Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter((el) => el.offsetParent !== null)
  .filter((el) => !((el.labels && el.labels.length) || el.getAttribute('aria-label')
                    || el.getAttribute('aria-labelledby') || el.textContent.trim()))
  .map((el) => el.outerHTML.slice(0, 80))"""


async def screen(page: Page, name: str) -> None:
    """Check the screen as it stands, then save it when screenshots are wanted."""
    await page.wait_for_timeout(150)  # let a focus ring or flash settle before measuring
    assert await page.evaluate(UNLABELLED) == [], f"{name}: controls without a label"
    width = page.viewport_size["width"] if page.viewport_size else 0
    scroll_width = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{name}: {scroll_width}px wide on a {width}px screen"
    if OUT is not None:
        OUT.mkdir(parents=True, exist_ok=True)
        # Phone shots show one screenful, as a person would see it.
        await page.screenshot(path=str(OUT / f"{name}.png"), full_page=not name.startswith("phone"))


async def _past_check_ins(server: LiveServer, email: str) -> None:
    # A month of history makes the chart worth looking at; written through the API as an app would.
    async with httpx.AsyncClient(base_url=server.http_url) as c:
        token = (await c.post("/v1/auth/login", json={"email": email, "password": PASSWORD})).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        today = dt.date.today()
        for back in range(1, 29, 2):
            mood = 4 + (back * 7 % 5)
            day = (today - dt.timedelta(days=back)).isoformat()
            r = await c.post("/v1/mood/entries", json={"mood": mood, "entry_date": day}, headers=headers)
            assert r.status_code == 201, r.text


async def test_every_screen(browser: Any, web_server: LiveServer, web_db: Database) -> None:
    context, page, _ = await open_client(browser, web_server)
    await screen(page, "sign-in")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    email = new_email("shots")
    await sign_up(page, email, name="Robin")
    therapist_email = await therapist_for(web_db, email)
    await _past_check_ins(web_server, email)

    await start_chat(page, "Sam")
    await say(page, "I have an exam on Friday and want to plan my revision.")
    await expect(page.locator("#chat-log .msg.agent")).to_have_count(2)
    await screen(page, "chat")

    await check_in(page)
    await screen(page, "mood")

    await page.get_by_role("navigation", name="Main").get_by_role("button", name="Thought record").click()
    await page.get_by_role("button", name="Start a thought record").click()
    await page.get_by_label(re.compile(r"^What was happening")).fill("My manager moved our meeting.")
    await page.get_by_role("button", name="Next").click()
    await page.get_by_label(re.compile(r"^What went through")).fill("I always mess everything up at work.")
    await page.get_by_role("button", name="Next").click()
    await page.get_by_label("Emotion 1").fill("anxious")
    await screen(page, "thought-record")

    await page.get_by_role("navigation", name="Main").get_by_role("button", name="Check-ins").click()
    await page.locator("input[name=phq9_1][value='1']").check()
    await page.locator("input[name=phq9_2][value='2']").check()
    await screen(page, "assessments")
    await page.get_by_role("button", name="PHQ-9 (mood)").click()  # a fresh form for phq9()
    await phq9(page)
    await screen(page, "assessment-result")
    await safety_plan(page)
    await screen(page, "safety-plan")

    await page.get_by_role("navigation", name="Main").get_by_role("button", name="Chat").click()
    await say(page, CRISIS)
    await expect(page.locator("#crisis-panel")).to_be_visible()
    await screen(page, "crisis")

    th_ctx, console, _ = await open_client(browser, web_server)
    await sign_in(console, therapist_email)
    alert = console.locator("#queue > li").first
    await expect(alert).to_be_visible()
    await alert.get_by_role("button", name="Risk timeline").click()
    await expect(console.locator("#timeline")).to_be_focused()
    await console.locator("#queue").scroll_into_view_if_needed()
    await screen(console, "console")
    await th_ctx.close()

    # Phone size: the same person's sign-in, chat with the crisis panel, and the console.
    await page.set_viewport_size(PHONE)
    await page.reload()
    await expect(page.locator("#chat-log .msg.safety.resources")).to_have_count(1)
    await screen(page, "phone-chat")
    await page.get_by_role("button", name="Get help now").click()
    await expect(page.locator("#crisis-panel a[href='tel:988']").first).to_be_visible()
    await screen(page, "phone-crisis")
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert await page.evaluate("sessionStorage.length") == 0  # no refresh token, no chat session left
    await screen(page, "phone-sign-in")
    await context.close()
