"""Scheduling in Chromium: a clinician sets weekly hours, a patient (phone width) books a free time,
sees the video room, gets a calendar link and cancels; the clinician sees it on their schedule.
Every screen labelled and phone-width safe; no token in any URL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from hp_agent.db.session import Database
from tests.conftest import LiveServer
from tests.factories import link_as_patient
from tests.scheduling.live import verified_clinician
from tests.web.harness import PHONE, new_email, open_client, sign_in, sign_up, user_id
from tests.web.test_web_screens import screen

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def _nav(page: Page, name: str) -> None:
    await page.get_by_role("navigation", name="Main").get_by_role("button", name=name).click()


def _next_monday() -> dt.date:
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7)
    while day.isoweekday() != 1:
        day += dt.timedelta(days=1)
    return day


async def test_schedule_and_booking_in_the_browser(
    web_server: LiveServer, web_db: Database, browser: Any
) -> None:
    doc, doc_email = await verified_clinician(web_db, tz="America/New_York")
    pat_email = new_email("book")

    clin_ctx, clin, clin_rec = await open_client(browser, web_server)
    pat_ctx, pat, pat_rec = await open_client(browser, web_server, PHONE)
    try:
        await sign_in(clin, doc_email)
        await expect(clin.get_by_role("heading", name="Escalation queue")).to_be_visible()
        await _nav(clin, "Schedule")
        sched = clin.locator("#view-schedule")
        await expect(clin.locator("#schedule-windows")).to_contain_text("No weekly hours yet")
        await sched.get_by_label("Day", exact=True).select_option("1")
        await sched.get_by_label("From", exact=True).fill("09:00")
        await sched.get_by_label("Until", exact=True).fill("12:00")
        await sched.get_by_label("Time zone", exact=True).fill("America/New_York")
        await clin.get_by_role("button", name="Add weekly hours").click()
        await expect(clin.locator("#schedule-windows")).to_contain_text(
            "Monday 09:00–12:00 (America/New_York)"
        )
        # Overlapping hours are refused with the server's message, nothing added.
        await sched.get_by_label("From", exact=True).fill("11:00")
        await sched.get_by_label("Until", exact=True).fill("13:00")
        await clin.get_by_role("button", name="Add weekly hours").click()
        await expect(clin.locator("#schedule-add .form-error")).to_contain_text("overlaps")
        await expect(clin.locator("#schedule-windows li")).to_have_count(1)
        await screen(clin, "schedule-clinician")

        await sign_up(pat, pat_email)
        await link_as_patient(web_db, await user_id(web_db, pat_email), doc)
        await _nav(pat, "Appointments")
        book = pat.locator("#view-book")
        await book.get_by_label("Appointment type", exact=True).select_option(
            label="Individual therapy (50 min)"
        )
        await book.get_by_label("Week starting", exact=True).fill(_next_monday().isoformat())
        await pat.get_by_role("button", name="Show free times").click()
        slots = pat.locator("#book-slots button")
        await expect(slots).to_have_count(3)
        await screen(pat, "phone-book")
        await slots.first.click()
        booked = pat.locator("#book-list .appt")
        await expect(booked).to_have_count(1)
        await expect(booked).to_contain_text("scheduled")
        href = await booked.get_by_role("link", name="Video room").get_attribute("href")
        assert (href or "").startswith("https://video.happypath.invalid/room/")

        # The calendar link works and shows the appointment.
        await pat.get_by_role("button", name="Get a calendar link").click()
        url = await book.get_by_label("Your calendar link (shown only now)", exact=True).input_value()
        async with httpx.AsyncClient() as c:
            feed = await c.get(url)
        assert feed.status_code == 200
        assert "BEGIN:VEVENT" in feed.text

        await _nav(clin, "Escalations")
        await _nav(clin, "Schedule")
        await expect(clin.locator("#schedule-list .appt")).to_have_count(1)

        # The clinician cancels: the patient finds the update on the Appointments screen.
        await clin.locator("#schedule-list .appt").get_by_role("button", name="Cancel appointment").click()
        await expect(clin.locator("#schedule-list .appt")).to_contain_text("cancelled")
        await _nav(pat, "Care team")
        await _nav(pat, "Appointments")
        await expect(pat.locator("#book-updates")).to_contain_text("Appointment cancelled")
        await expect(pat.locator("#book-list .appt")).to_contain_text("cancelled")
        await screen(pat, "phone-appointments")
        await pat.get_by_role("button", name="Dismiss: Appointment cancelled").click()
        await expect(pat.locator("#book-updates li")).to_have_count(0)
        await pat.get_by_role("button", name="Stop calendar link").click()
        async with httpx.AsyncClient() as c:
            assert (await c.get(url)).status_code == 404

        for rec in (clin_rec, pat_rec):
            assert rec.errors == []
            leaked = [u for u in rec.urls for t in rec.tokens if t in u]
            assert leaked == []
    finally:
        await clin_ctx.close()
        await pat_ctx.close()
