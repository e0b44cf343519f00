"""The Accounts & audit and Agents & on-call screens in Chromium, against the live service: an admin
finds accounts, suspends one (its token stops working), changes a role, resets another admin's
two-step sign-in, searches the audit log for those changes; disables an agent (people no longer
get it offered, no restart); rosters a verified clinician on call (an overlapping shift is refused)
moves and cancels the shift."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hp_agent.config import Settings
from hp_agent.users.admin import create_user_cli
from tests import mfa_helpers
from tests.agents.test_agent_api import new_agent
from tests.care.conftest import Care, auth
from tests.conftest import LiveServer
from tests.escalation.conftest import PASSWORD
from tests.journal.people import patient
from tests.web.harness import open_client, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


async def _nav(page: Page, name: str) -> None:
    await page.get_by_role("navigation", name="Main").get_by_role("button", name=name).click()


async def _admin_token(client: httpx.AsyncClient, settings: Settings) -> tuple[str, str]:
    email = f"admin2.{uuid.uuid4().hex[:10]}@example.org"
    await create_user_cli(settings, email, PASSWORD, "admin")
    r = await mfa_helpers.login(client, email, PASSWORD)
    assert r.status_code == 200, r.text
    return email, str(r.json()["access_token"])


async def test_admin_console_screens(
    web_server: LiveServer, web_settings: Settings, browser: Any, owner_engine: AsyncEngine
) -> None:
    admin_email = f"admin.{uuid.uuid4().hex[:10]}@example.org"
    await create_user_cli(web_settings, admin_email, PASSWORD, "admin")
    slug = f"web-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=web_server.http_url, timeout=30) as client:
        one, two = await patient(client), await patient(client)
        one_email = (await client.get("/v1/me", headers=one.headers)).json()["email"]
        two_email = (await client.get("/v1/me", headers=two.headers)).json()["email"]
        other_email, other_token = await _admin_token(client, web_settings)
        r = await client.post("/v1/agents", json=new_agent(slug), headers=auth(other_token))
        assert r.status_code == 201, r.text
        clinician_name = f"Dr Web {uuid.uuid4().hex[:6]}"
        clinician_id, clinician_token = await Care(client, None).clinician(  # type: ignore[arg-type]
            other_token, display_name=clinician_name
        )

        ctx, page, rec = await open_client(browser, web_server)
        page.on("dialog", lambda dialog: dialog.accept())
        try:
            await sign_in(page, admin_email)
            await _nav(page, "Accounts & audit")
            await expect(page.get_by_role("heading", name="Accounts & audit")).to_be_visible()
            accounts = page.locator("#accounts-panel")

            # Search by address prefix: exactly the patient.
            await accounts.get_by_label("Address starts with").fill(one_email.split("@")[0])
            await accounts.get_by_role("button", name="Search").click()
            row = accounts.locator(f"tr[data-account='{one.id}']")
            await expect(row).to_be_visible()
            await expect(accounts.locator("#accounts-count")).to_have_text("1 account.")

            # A change needs a reason; then it is stored (the list reloads from the server).
            await row.get_by_label(f"Status of {one_email}").select_option("suspended")
            await expect(accounts.locator("> .form-error")).to_contain_text("reason")
            await expect(row.get_by_label(f"Status of {one_email}")).to_have_value("active")
            await accounts.get_by_label("Reason for a change").fill("abuse_report")
            # (The select shows the choice at once: wait for the list reloaded after the change.)
            async with page.expect_response(lambda r: "/v1/admin/users?" in r.url) as reloaded:
                await row.get_by_label(f"Status of {one_email}").select_option("suspended")
            await (await reloaded.value).finished()
            await expect(accounts.locator("> .form-error")).to_be_empty()
            await expect(row.get_by_label(f"Status of {one_email}")).to_have_value("suspended")
            assert (await client.get("/v1/me", headers=one.headers)).status_code == 401

            await accounts.get_by_label("Address starts with").fill(two_email)
            await accounts.get_by_role("button", name="Search").click()
            row = accounts.locator(f"tr[data-account='{two.id}']")
            async with page.expect_response(lambda r: "/v1/admin/users?" in r.url) as reloaded:
                await row.get_by_label(f"Role of {two_email}").select_option("therapist")
            await (await reloaded.value).finished()
            await expect(row.get_by_label(f"Role of {two_email}")).to_have_value("therapist")

            # Your own account: refused, with the server's reason.
            await accounts.get_by_label("Address starts with").fill(admin_email)
            await accounts.get_by_role("button", name="Search").click()
            mine = accounts.locator("tbody tr").first
            await expect(mine).to_contain_text(admin_email)
            await mine.get_by_label(f"Role of {admin_email}").select_option("patient")
            await expect(accounts.locator("> .form-error")).to_contain_text("own account")
            await expect(mine.get_by_label(f"Role of {admin_email}")).to_have_value("admin")

            # Resetting another admin's second factor: their session is restricted at once.
            await accounts.get_by_label("Address starts with").fill(other_email)
            await accounts.get_by_role("button", name="Search").click()
            other = accounts.locator("tbody tr").first
            await expect(other).to_contain_text(other_email)
            await other.get_by_role("button", name=f"Reset two-step sign-in of {other_email}").click()
            await expect(other.locator("td").nth(2)).to_have_text("off")
            r = await client.get("/v1/admin/users", headers=auth(other_token))
            assert r.json()["error"]["code"] == "mfa_enrollment_required"

            # The audit log shows the three changes, newest first.
            audit = page.locator("#audit-panel")
            await audit.get_by_label("Action (or its start, e.g. admin.)").fill("admin.user.")
            await audit.get_by_role("button", name="Search audit log").click()
            await expect(audit.locator("#audit-rows tr").first).to_contain_text("admin.user.mfa_reset")
            actions = await audit.locator("#audit-rows th").all_inner_texts()
            assert {"admin.user.status_changed", "admin.user.role_changed"} <= set(actions)
            await audit.get_by_label("Search the archive").check()
            await audit.get_by_role("button", name="Search audit log").click()
            await expect(audit.locator("#audit-count")).to_contain_text("in the archive")

            # Agents: disabling one takes it out of what people are offered, no restart.
            await _nav(page, "Agents & on-call")
            agents = page.locator("#agents-panel")
            agent = agents.locator(f"tr[data-agent='{slug}']")
            await expect(agent.locator("td").nth(2)).to_have_text("on")
            await agent.get_by_label(f"Description of {slug}").fill("Short, kind conversations.")
            await agent.get_by_role("button", name=f"Save {slug}").click()
            await expect(agent.locator("td").nth(3)).to_have_text("2")
            await agent.get_by_role("button", name=f"Disable {slug}").click()
            await expect(agent.locator("td").nth(2)).to_have_text("off")
            # (``two`` is a clinician now, restricted until a second factor is set up.)
            three = await patient(client)
            offered = [a["slug"] for a in (await client.get("/v1/agents", headers=three.headers)).json()]
            assert slug not in offered

            # On-call: a shift for a verified clinician; an overlapping one is refused; cancel.
            shifts = page.locator("#shifts-panel")
            start = (dt.datetime.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
            await shifts.get_by_label("Clinician (verified)").select_option(str(clinician_id))
            await shifts.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT%H:%M"))
            await shifts.get_by_label("Ends").fill((start + dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"))
            await shifts.get_by_role("button", name="Add shift").click()
            mine_shifts = shifts.locator("#shifts-rows tr", has_text=clinician_name)
            await expect(mine_shifts).to_have_count(1)
            await shifts.get_by_label("Starts").fill(
                (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
            )
            await shifts.get_by_role("button", name="Add shift").click()
            await expect(shifts.locator("form .form-error")).to_contain_text("already has a shift")
            await expect(mine_shifts).to_have_count(1)
            # Moved to the next day: the roster shows the stored hours.
            later = start + dt.timedelta(days=1)
            await shifts.get_by_label("Starts").fill(later.strftime("%Y-%m-%dT%H:%M"))
            await shifts.get_by_label("Ends").fill((later + dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"))
            before = await mine_shifts.first.locator("td").nth(1).inner_text()
            await mine_shifts.first.get_by_role("button", name="Move").click()
            await expect(mine_shifts.first.locator("td").nth(1)).not_to_have_text(before)
            r = await client.get(
                "/v1/care/on-call-shifts",
                params={
                    "from": start.astimezone().isoformat(),
                    "to": (later + dt.timedelta(days=1)).astimezone().isoformat(),
                },
                headers=auth(clinician_token),
            )
            stored = [s for s in r.json() if s["clinician_id"] == str(clinician_id)]
            assert [dt.datetime.fromisoformat(s["starts_at"]) for s in stored] == [later.astimezone()]
            await mine_shifts.first.get_by_role("button", name="Cancel").click()
            await expect(mine_shifts).to_have_count(0)
            assert rec.errors == []
        finally:
            await ctx.close()
            # The live server commits: remove the test agent so later tests see the shipped ones.
            async with owner_engine.begin() as conn:
                await conn.execute(text("DELETE FROM ai_agent_configurations WHERE slug = :s"), {"s": slug})
