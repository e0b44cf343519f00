"""Mood check-in and chart, a guided thought record, the PHQ-9 and the safety plan, in Chromium."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.conftest import LiveServer
from tests.web.harness import new_email, open_client, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def _nav(page: Page, name: str) -> None:
    await page.get_by_role("navigation", name="Main").get_by_role("button", name=name).click()


async def check_in(page: Page) -> None:
    await _nav(page, "Mood")
    await page.get_by_label(re.compile(r"^Mood today")).fill("7")
    await page.get_by_label("Hours slept").fill("7.5")
    await page.get_by_role("button", name="Save check-in").click()
    await expect(page.locator("#mood-form .form-ok")).to_have_text("Saved today's check-in (mood 7 of 10).")


async def thought_record(page: Page) -> None:
    await _nav(page, "Thought record")
    await page.get_by_role("button", name="Start a thought record").click()
    await page.get_by_label(re.compile(r"^What was happening")).fill(
        "My manager moved our one-to-one without saying why."
    )
    await page.get_by_role("button", name="Next").click()
    await page.get_by_label(re.compile(r"^What went through your mind")).fill(
        "I always mess everything up at work."
    )
    await page.get_by_label("How much do you believe it (0-100)?").fill("80")
    await page.get_by_role("button", name="Next").click()
    await page.get_by_label("Emotion 1").fill("anxious")
    await page.get_by_label("Strength (0-100)").fill("70")
    await page.get_by_role("button", name="Add another emotion").click()
    await page.get_by_label("Emotion 2").fill("ashamed")
    await page.get_by_role("button", name="Next").click()
    await expect(page.get_by_role("heading", name="Thinking traps")).to_be_focused()
    await page.get_by_role("button", name="Next").click()
    await page.get_by_label("Evidence for the thought").fill("I missed a deadline last month.")
    await page.get_by_label("Evidence against the thought").fill("My last review was good.")
    await page.get_by_role("button", name="Next").click()
    await page.get_by_label(re.compile(r"^Taking all the evidence")).fill("Meetings move for many reasons.")
    await page.get_by_role("button", name="Next").click()
    # Step 7 starts from the emotions named in step 3, to be re-rated.
    await expect(page.get_by_label("Emotion 1")).to_have_value("anxious")
    await page.get_by_label("Strength (0-100)").first.fill("35")
    await page.get_by_role("button", name="Finish").click()
    await expect(page.get_by_role("heading", name="Thought record complete")).to_be_visible()
    await expect(page.locator("#thought-body dl")).to_contain_text("anxious 35")


async def phq9(page: Page) -> None:
    await _nav(page, "Check-ins")
    form = page.locator("#assess-form")
    await expect(form.get_by_role("heading", name="Patient Health Questionnaire-9")).to_be_visible()
    await form.get_by_role("button", name="See my result").click()
    await expect(form.locator(".form-error")).to_contain_text("Please answer question 1, 2")
    for item in range(1, 10):
        value = "1" if item <= 5 else "0"
        await form.locator(f"input[name=phq9_{item}][value='{value}']").check()
    await form.locator("input[name=phq9_difficulty][value='1']").check()
    await form.get_by_role("button", name="See my result").click()
    result = page.locator("#assess-result")
    await expect(result.get_by_role("heading")).to_have_text("Patient Health Questionnaire-9: 5 of 27")
    await expect(result).to_be_focused()
    await expect(page.locator("#assess-history ol li")).to_have_count(1)
    await expect(page.locator("#crisis-panel")).to_be_hidden()  # item 9 was "not at all"


async def safety_plan(page: Page) -> None:
    await _nav(page, "Safety plan")
    await expect(page.locator("#plan-version")).to_have_text("You have not saved a plan yet.")
    await page.get_by_label("Warning signs that a crisis may be developing").fill(
        "Not sleeping\nAvoiding friends"
    )
    await page.get_by_label("My reasons for living").fill("My sister")
    await page.get_by_label("Name 1").first.fill("Sam (sister)")
    await page.get_by_label("Phone 1").first.fill("+1 555 0100")
    await page.get_by_role("button", name="Save my plan").click()
    await expect(page.locator("#plan-form .form-ok")).to_have_text("Saved as version 1.")
    await page.get_by_label("My reasons for living").fill("My sister\nMy dog")
    await page.get_by_role("button", name="Save my plan").click()
    await expect(page.locator("#plan-form .form-ok")).to_have_text("Saved as version 2.")
    await expect(page.get_by_label("My reasons for living")).to_have_value("My sister\nMy dog")
    await expect(page.get_by_label("Name 1").first).to_have_value("Sam (sister)")
    await expect(page.locator("#plan-lines a[href='tel:988']").first).to_be_visible()


async def test_wellbeing_screens(browser: Any, web_server: LiveServer) -> None:
    context, page, rec = await open_client(browser, web_server)
    await sign_up(page, new_email("well"))
    await check_in(page)
    chart = page.get_by_role("img", name="Mood over the last 30 days")
    await expect(chart.locator("circle")).to_have_count(1)
    await expect(page.locator("#mood-summary")).to_have_text(
        "1 check-ins in the last 30 days, average mood 7.0 of 10."
    )
    await thought_record(page)
    await phq9(page)
    await safety_plan(page)
    assert not rec.errors, rec.errors
    await context.close()


async def test_critical_phq9_answer_brings_up_crisis_lines(browser: Any, web_server: LiveServer) -> None:
    context, page, _rec = await open_client(browser, web_server)
    await sign_up(page, new_email("phq"))
    await _nav(page, "Check-ins")
    form = page.locator("#assess-form")
    for item in range(1, 10):
        await form.locator(f"input[name=phq9_{item}][value='{2 if item == 9 else 0}']").check()
    await form.get_by_role("button", name="See my result").click()
    panel = page.locator("#crisis-panel")
    await expect(panel).to_be_visible()
    await expect(panel.locator("a[href^='tel:']").first).to_be_visible()
    await context.close()
