"""The care network in Chromium: an admin invites a clinician and verifies them, the clinician
accepts the invitation from the sign-in page, a patient finds and requests them, the clinician
accepts, and the patient changes what they share; every screen labelled and phone-width safe."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.async_api import Page, expect

from hp_agent.config import Settings
from hp_agent.users.admin import create_user_cli
from tests.conftest import LiveServer
from tests.escalation.conftest import PASSWORD
from tests.web.harness import PHONE, new_email, open_client, second_step, sign_in, sign_up
from tests.web.test_web_screens import screen

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def _nav(page: Page, name: str) -> None:
    await page.get_by_role("navigation", name="Main").get_by_role("button", name=name).click()


async def test_care_network_in_the_browser(
    web_server: LiveServer, web_settings: Settings, browser: Any
) -> None:
    admin_email = new_email("admin")
    await create_user_cli(web_settings, admin_email, PASSWORD, "admin")
    clinician_email = new_email("clin")
    specialty = f"care{uuid.uuid4().hex[:8]}"
    name = f"Dr Imani {uuid.uuid4().hex[:4]}"
    licence = f"LIC{uuid.uuid4().hex[:8]}"

    admin_ctx, admin, admin_rec = await open_client(browser, web_server)
    clin_ctx, clin, clin_rec = await open_client(browser, web_server)
    pat_ctx, pat, pat_rec = await open_client(browser, web_server, PHONE)
    try:
        await sign_in(admin, admin_email)
        await expect(admin.get_by_role("heading", name="Clinicians", exact=True)).to_be_visible()
        await admin.get_by_label("Clinician's email").fill(clinician_email)
        await admin.get_by_role("button", name="Send invitation").click()
        out = admin.locator("#admin-invite-out")
        await expect(out).to_contain_text("shown only now")
        token = re.search(r"shown only now: (\S+)", await out.inner_text())
        assert token is not None
        await screen(admin, "care-admin")

        await clin.get_by_text("Accept a clinician invitation").click()
        await clin.get_by_label("Invitation code", exact=True).fill(token.group(1))
        await clin.get_by_label("Choose a password").fill(PASSWORD)
        await clin.get_by_label("Name shown to patients").fill(name)
        await clin.get_by_label("Licence number").fill(licence)
        await clin.get_by_label("Licensed in (country code, e.g. GB)").fill("us")
        await clin.get_by_label("Specialties (comma separated)").fill(f"{specialty}, anxiety")
        await clin.get_by_label("Time zone").fill("America/Chicago")
        await clin.get_by_label("Accepting new patients").check()
        await clin.get_by_label("I agree to the terms of service and the privacy policy").check()
        await clin.get_by_role("button", name="Create my clinician account").click()
        await second_step(clin, clinician_email)  # a clinician sets up two-step sign-in first
        await expect(clin.get_by_role("heading", name="Escalation queue")).to_be_visible()
        await _nav(clin, "Patients and profile")
        await expect(clin.locator("#clinic-status")).to_have_text(
            "Waiting for an administrator to verify your licence."
        )

        await _nav(admin, "Clinicians")
        await admin.get_by_role("button", name=f"Verify licence of {name}").click()
        await expect(admin.get_by_role("button", name=f"Verify licence of {name}")).to_have_count(0)

        await sign_up(pat, new_email("pat"))
        await _nav(pat, "Care team")
        await expect(pat.locator("#care-team")).to_contain_text("You have no clinician yet")
        await pat.get_by_label("Specialty (e.g. anxiety, trauma)").fill(specialty)
        await pat.get_by_role("button", name="Search").click()
        await expect(pat.locator("#care-results .clinician")).to_have_count(1)
        await expect(pat.locator("#care-results")).not_to_contain_text(licence)  # private field
        await pat.get_by_role("button", name=f"Request {name}").click()
        await expect(pat.locator("#care-team")).to_contain_text("Waiting for the clinician to accept.")
        await screen(pat, "phone-care-team")

        await _nav(clin, "Escalations")
        await _nav(clin, "Patients and profile")
        await expect(clin.locator("#clinic-status")).to_have_text(
            "Licence verified: you are listed in the directory."
        )
        await clin.get_by_role("button", name="Accept patient").click()
        await expect(clin.get_by_role("button", name="Accept patient")).to_have_count(0)
        await expect(clin.locator("#clinic-requests")).to_contain_text("active")
        await screen(clin, "care-clinician")

        await _nav(pat, "Chat")
        await _nav(pat, "Care team")
        team = pat.locator("#care-team")
        await expect(team).to_contain_text(f"{name} · primary therapist")
        await team.get_by_label("Journal").check()
        await team.get_by_role("button", name="Save what I share").click()
        await _nav(pat, "Chat")
        await _nav(pat, "Care team")
        await expect(pat.locator("#care-team").get_by_label("Journal")).to_be_checked()

        await _nav(clin, "Escalations")
        await _nav(clin, "Patients and profile")
        await expect(clin.locator("#clinic-requests")).to_contain_text("Journal")
        for rec in (admin_rec, clin_rec, pat_rec):
            assert rec.errors == []
            assert not any(t in u for u in rec.urls for t in rec.tokens)
            assert not any(token.group(1) in u for u in rec.urls)
    finally:
        for ctx in (admin_ctx, clin_ctx, pat_ctx):
            await ctx.close()
