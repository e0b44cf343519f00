"""The Settings & retention screen in Chromium, against the live service: an admin changes a runtime
setting (the API reports it and journal prompts follow it at once), a change based on a version
someone else replaced is refused with the server's message and the row shows what is stored, an
out-of-bounds value is refused, reset restores the default; the retention dry run shows the counts
the API reports and Run now applies them (an expired sign-in session is gone)."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hp_agent.config import Settings
from hp_agent.users.admin import create_user_cli
from hp_agent.users.models import UserSession
from tests import mfa_helpers
from tests.care.conftest import auth
from tests.conftest import LiveServer
from tests.escalation.conftest import PASSWORD
from tests.journal.people import patient
from tests.web.harness import open_client, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KEY = "journal.crisis_prompt_window_hours"


async def _nav(page: Page, name: str) -> None:
    await page.get_by_role("navigation", name="Main").get_by_role("button", name=name).click()


async def _admin_token(client: httpx.AsyncClient, settings: Settings) -> str:
    email = f"admin2.{uuid.uuid4().hex[:10]}@example.org"
    await create_user_cli(settings, email, PASSWORD, "admin")
    r = await mfa_helpers.login(client, email, PASSWORD)
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


async def _crisis_support(client: httpx.AsyncClient, headers: dict[str, str]) -> bool:
    r = await client.get("/v1/journal/prompts", params={"technique": "gratitude"}, headers=headers)
    assert r.status_code == 200, r.text
    return bool(r.json()["crisis_support"])


async def _stored(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    [setting] = [
        s for s in (await client.get("/v1/admin/settings", headers=headers)).json() if s["key"] == KEY
    ]
    return dict(setting)


async def _forget_override(owner_engine: AsyncEngine) -> None:
    # The live server commits and the setting is global: leave the default for later tests.
    async with owner_engine.begin() as conn:
        await conn.execute(text("DELETE FROM system_configurations WHERE key = :k"), {"k": KEY})


async def test_settings_and_retention_screen(
    web_server: LiveServer, web_settings: Settings, browser: Any, owner_engine: AsyncEngine
) -> None:
    await _forget_override(owner_engine)
    admin_email = f"admin.{uuid.uuid4().hex[:10]}@example.org"
    await create_user_cli(web_settings, admin_email, PASSWORD, "admin")
    async with httpx.AsyncClient(base_url=web_server.http_url, timeout=30) as client:
        other = auth(await _admin_token(client, web_settings))
        # A moderate+ detection three hours ago: inside the default 72-hour window, outside 2 hours.
        me = await patient(client)
        r = await client.post(
            "/v1/journal/gratitude",
            json={"items": ["Honestly nothing, I keep thinking everyone would be better off if I was dead"]},
            headers=me.headers,
        )
        assert r.status_code == 201, r.text
        assert r.json()["safety"]["level"] in ("moderate", "high", "imminent")
        session_id = uuid.uuid4()
        async with owner_engine.begin() as conn:
            await conn.execute(
                text(
                    "UPDATE crisis_detections SET detected_at = now() - interval '3 hours' WHERE user_id = :u"
                ),
                {"u": me.id},
            )
            # A sign-in session expired 45 days ago: past the 30-day retention (test_retention.py).
            await conn.execute(
                insert(UserSession).values(
                    id=session_id,
                    user_id=me.id,
                    token_hash=secrets.token_hex(32),
                    family_id=uuid.uuid4(),
                    expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=45),
                )
            )
        assert await _crisis_support(client, me.headers)

        ctx, page, rec = await open_client(browser, web_server)
        page.on("dialog", lambda dialog: dialog.accept())
        try:
            await sign_in(page, admin_email)
            await _nav(page, "Settings & retention")
            await expect(page.get_by_role("heading", name="Settings & retention")).to_be_visible()
            panel = page.locator("#settings-panel")
            row = panel.locator(f"tr[data-setting='{KEY}']")
            cells = row.locator("td")
            await expect(cells.nth(0)).to_have_text("int")
            await expect(cells.nth(1)).to_have_text("1 – 720")
            await expect(cells.nth(2)).to_have_text("72")
            await expect(cells.nth(3)).to_have_text("72")
            await expect(cells.nth(4)).to_have_text("no")
            await expect(row.get_by_role("button", name=f"Reset {KEY} to default")).to_be_disabled()

            # A change: stored (version 1), reported by the API, and prompts follow it at once.
            value = row.get_by_label(f"New value of {KEY}")
            await value.fill("2")
            await row.get_by_role("button", name=f"Save {KEY}").click()
            await expect(cells.nth(4)).to_contain_text("yes (version 1")
            await expect(cells.nth(3)).to_have_text("2")
            await expect(panel.locator("> .form-error")).to_be_empty()
            listed = await _stored(client, other)
            assert (listed["value"], listed["overridden"], listed["version"]) == (2, True, 1)
            assert (listed["minimum"], listed["maximum"]) == (1, 720)
            assert not await _crisis_support(client, me.headers)

            # Someone else changes it meanwhile: the screen's version 1 is refused, nothing is
            # overwritten and the row reloads to what they stored.
            r = await client.put(f"/v1/admin/settings/{KEY}", json={"value": 5, "version": 1}, headers=other)
            assert r.status_code == 200, r.text
            await value.fill("3")
            await row.get_by_role("button", name=f"Save {KEY}").click()
            await expect(panel.locator("> .form-error")).to_contain_text("changed meanwhile")
            await expect(cells.nth(3)).to_have_text("5")
            await expect(cells.nth(4)).to_contain_text("yes (version 2")
            await expect(row.get_by_label(f"New value of {KEY}")).to_have_value("5")

            # Out of bounds: the server's 422 message; the stored value stays.
            await row.get_by_label(f"New value of {KEY}").fill("721")
            await row.get_by_role("button", name=f"Save {KEY}").click()
            await expect(panel.locator("> .form-error")).to_contain_text("between 1 and 720")
            await expect(cells.nth(3)).to_have_text("5")
            assert (await _stored(client, other))["value"] == 5

            # Reset: the default again, for the API and for prompts.
            await row.get_by_role("button", name=f"Reset {KEY} to default").click()
            await expect(cells.nth(4)).to_have_text("no")
            await expect(cells.nth(3)).to_have_text("72")
            await expect(panel.locator("> .form-error")).to_be_empty()
            listed = await _stored(client, other)
            assert (listed["value"], listed["overridden"]) == (72, False)
            assert await _crisis_support(client, me.headers)

            # Retention: the dry run on screen is the API's; Run now applies exactly that.
            retention = page.locator("#retention-panel")
            await retention.get_by_role("button", name="Refresh dry run").click()
            report = (await client.get("/v1/admin/retention", headers=other)).json()
            assert report["expired_sessions"]["rows"] >= 1
            for category, entry in report.items():
                line = retention.locator(f"tr[data-category='{category}'] td")
                await expect(line.nth(1)).to_have_text(str(entry["retention_days"]))
                await expect(line.nth(2)).to_have_text(str(entry["rows"]))
            due = report["expired_sessions"]["rows"]
            await retention.get_by_role("button", name="Run now").click()
            sessions = retention.locator("tr[data-category='expired_sessions'] td")
            await expect(sessions.nth(3)).to_have_text(str(due))
            await expect(sessions.nth(2)).to_have_text("0")
            await expect(retention.locator("#retention-result")).to_contain_text("Retention applied")
            async with owner_engine.connect() as conn:
                left = (await conn.execute(select(UserSession.id).where(UserSession.id == session_id))).all()
            assert left == []
            assert rec.errors == []
        finally:
            await ctx.close()
            await _forget_override(owner_engine)
