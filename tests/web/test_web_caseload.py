"""The therapist's caseload and patient page, and the patient's homework, in Chromium: the
clinician writes a plan, a goal, a note (signed), a diagnosis and homework; the patient completes
the homework on a phone; a risky answer brings up the crisis panel and shows on the caseload."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.async_api import Page, expect

from hp_agent.db.session import Database
from tests.conftest import LiveServer
from tests.web.harness import PHONE, new_email, open_client, sign_in, sign_up, therapist_for
from tests.web.test_web_screens import screen

pytestmark = [pytest.mark.browser, pytest.mark.slow]
RISKY = "I did it but honestly I have decided to kill myself tonight, I have the pills ready."


async def _nav(page: Page, name: str) -> None:
    await page.get_by_role("navigation", name="Main").get_by_role("button", name=name).click()


async def _assign(doc: Page, title: str) -> None:
    form = doc.locator("#pp-homework-form")
    await form.get_by_label("Homework title").fill(title)
    await form.get_by_label("Instructions").fill("One line a day about what you did.")
    await form.get_by_label("Due").fill((dt.date.today() + dt.timedelta(days=3)).isoformat())
    await form.get_by_role("button", name="Assign homework").click()
    await expect(doc.locator("#pp-homework-title + ul")).to_contain_text(title)


async def test_caseload_patient_page_and_homework(
    browser: Any, web_server: LiveServer, web_db: Database
) -> None:
    patient_email = new_email("hw")
    pat_ctx, pat, pat_rec = await open_client(browser, web_server, PHONE)
    doc_ctx, doc, doc_rec = await open_client(browser, web_server)
    try:
        await sign_up(pat, patient_email, name="Robin")
        doc_email = await therapist_for(web_db, patient_email)
        await sign_in(doc, doc_email)
        await _nav(doc, "Caseload")
        row = doc.locator("#caseload-rows tr")
        await expect(row).to_have_count(1)
        await expect(row).to_contain_text("Robin")
        await row.get_by_role("button", name="Robin").click()
        await expect(doc.get_by_role("heading", name="Robin")).to_be_focused()

        await doc.get_by_label("Plan title").fill("Low mood")
        await doc.get_by_role("button", name="Create plan").click()
        await expect(doc.get_by_role("heading", name="Treatment plan: Low mood")).to_be_visible()
        await doc.get_by_label("Goal", exact=True).fill("Walk three times a week")
        await doc.get_by_label("Target date").fill((dt.date.today() + dt.timedelta(days=60)).isoformat())
        await doc.get_by_role("button", name="Add goal").click()
        await expect(doc.locator(".goals")).to_contain_text("Walk three times a week")

        await doc.get_by_label("Subjective").fill("Sleeping badly.")
        await doc.get_by_label("Plan", exact=True).fill("Sleep diary.")
        await doc.get_by_role("button", name="Save draft note").click()
        await expect(doc.locator(".note-draft")).to_contain_text("Sleeping badly.")
        await doc.get_by_role("button", name="Sign note").click()
        await expect(doc.locator(".note-signed")).to_contain_text("SOAP progress, signed")
        await expect(doc.get_by_role("button", name="Sign note")).to_have_count(0)

        await doc.get_by_label("ICD-10 code").fill("F32.1x.")
        await doc.get_by_role("button", name="Add diagnosis").click()
        await expect(doc.locator("#pp-dx-form .form-error")).to_contain_text("ICD-10")
        await doc.get_by_label("ICD-10 code").fill("F32.1")
        await doc.get_by_role("button", name="Add diagnosis").click()
        await expect(doc.locator("#pp-dx-title + ul")).to_contain_text("F32.1 — provisional")

        await _assign(doc, "Activity diary")
        await _assign(doc, "Evening check")
        await screen(doc, "therapist-patient-page")

        # The patient answers on a phone.
        await _nav(pat, "Homework")
        await expect(pat.locator("form.homework")).to_have_count(2)
        await pat.get_by_label("Your answer: Activity diary").fill("Walked to the shop twice.")
        await (
            pat.locator("form.homework", has_text="Activity diary")
            .get_by_role("button", name="Mark as done")
            .click()
        )
        await expect(pat.locator("#homework-done")).to_contain_text("Walked to the shop twice.")
        await expect(pat.locator("#crisis-panel")).to_be_hidden()
        await screen(pat, "phone-homework")
        await pat.get_by_label("Your answer: Evening check").fill(RISKY)
        await pat.get_by_role("button", name="Mark as done").click()
        await expect(pat.locator("#crisis-panel")).to_be_visible()
        await expect(pat.locator("#crisis-lines li").first).to_be_visible()

        # The clinician's caseload shows the escalation the answer opened.
        await doc.get_by_role("button", name="Back to caseload").click()
        await expect(doc.locator("#caseload-rows tr.needs-attention")).to_contain_text("Robin")
        await expect(doc.locator("#caseload-rows tr")).to_contain_text(re.compile("high|imminent"))
        await screen(doc, "therapist-caseload")
        for rec in (pat_rec, doc_rec):
            assert rec.errors == []
            assert not any(t in u for t in rec.tokens for u in rec.urls)
    finally:
        await pat_ctx.close()
        await doc_ctx.close()
