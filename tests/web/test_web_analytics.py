"""The Analytics screen in Chromium: a clinic lead sees their practice's charts, cohort table and
outcome funnel with small cells hidden, downloads a table as CSV; a clinician who leads no practice
is told analytics are not for them; a patient has no Analytics entry at all."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect
from sqlalchemy import select, text

from hp_agent.db.session import Database
from hp_agent.users.models import User, UserRole
from hp_agent.users.repository import SYSTEM
from tests.conftest import LiveServer
from tests.escalation.conftest import make_user
from tests.web.harness import new_email, open_client, sign_in, sign_up
from tests.web.test_web_screens import screen

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TODAY = dt.datetime.now(dt.UTC).date()
DAYS = [TODAY - dt.timedelta(days=n) for n in (3, 2, 1)]


async def _email(db: Database, uid: uuid.UUID) -> str:
    async with db.unit_of_work(SYSTEM) as s:
        return (await s.execute(select(User.email).where(User.id == uid))).scalar_one()


async def _clinic(db: Database, lead: uuid.UUID) -> tuple[uuid.UUID, str]:
    """A practice led by ``lead`` with rolled-up figures (as the rollup job writes them)."""
    name = f"Riverside {uuid.uuid4().hex[:4]}"
    cohort = (DAYS[0] - dt.timedelta(days=DAYS[0].weekday() + 7)).isoformat()
    week = DAYS[-1] - dt.timedelta(days=DAYS[-1].weekday())
    async with db.unit_of_work(SYSTEM) as s:
        pid: uuid.UUID = (
            await s.execute(text("INSERT INTO care_practices (name) VALUES (:n) RETURNING id"), {"n": name})
        ).scalar_one()
        await s.execute(
            text(
                "INSERT INTO care_practice_members (practice_id, clinician_id, role) VALUES (:p, :c, 'lead')"
            ),
            {"p": pid, "c": lead},
        )
        rows: list[tuple[str, dt.date, str, str, float, int]] = []
        for i, day in enumerate(DAYS):
            rows += [
                ("population_health_metrics", day, "active_people", "", 25 + i, 25 + i),
                ("population_health_metrics", day, "weekly_active_people", "", 40 + i, 40 + i),
                ("population_health_metrics", day, "chat_messages", "", 120, 22),
                ("population_health_metrics", day, "agent_replies", "cbt-coach", 30, 4),  # small: hidden
                ("population_health_metrics", day, "escalations_opened", "", 12, 11),
            ]
        last = DAYS[-1]
        rows += [
            ("population_health_metrics", week, "cohort_size", cohort, 31, 31),
            ("population_health_metrics", week, "retention_active", f"{cohort}/w1", 17, 17),
            ("clinical_outcome_metrics", last, "patients_with_change", "phq9", 30, 30),
            ("clinical_outcome_metrics", last, "recovery_eligible", "phq9", 24, 24),
            ("clinical_outcome_metrics", last, "reliable_improvement", "phq9", 15, 15),
            ("clinical_outcome_metrics", last, "recovered", "phq9", 11, 11),
            ("clinical_outcome_metrics", last, "deteriorated", "phq9", 3, 3),
        ]
        for table, day, metric, dim, value, n in rows:
            await s.execute(
                text(
                    f"INSERT INTO {table} (metric_date, practice_id, metric, dimension, value, sample_size) "
                    "VALUES (:d, :p, :m, :dim, :v, :n)"
                ),
                {"d": day, "p": pid, "m": metric, "dim": dim, "v": value, "n": n},
            )
    return pid, name


async def _open_analytics(page: Page) -> None:
    await page.get_by_role("navigation", name="Main").get_by_role("button", name="Analytics").click()
    await expect(page.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()


async def test_clinic_lead_dashboard_and_csv(browser: Any, web_server: LiveServer, web_db: Database) -> None:
    lead = await make_user(web_db, UserRole.therapist, prefix="lead")
    other = await make_user(web_db, UserRole.therapist, prefix="th")
    _, name = await _clinic(web_db, lead)
    ctx, page, rec = await open_client(browser, web_server)
    try:
        await sign_in(page, await _email(web_db, lead))
        await _open_analytics(page)
        await expect(page.get_by_label("Scope")).to_contain_text(name)
        engagement = page.locator("#an-reports > section", has=page.get_by_role("heading", name="Engagement"))
        await expect(engagement.get_by_role("img", name="Engagement per day")).to_be_visible()
        table = engagement.get_by_role("table")
        await expect(table).to_contain_text("27")  # active people on the last day
        await expect(table.locator("td.suppressed").first).to_have_text("fewer than 10")
        # The agent-replies cells (4 people behind each) are the hidden ones, one per day.
        await expect(table.locator("td.suppressed")).to_have_count(3)
        outcomes = page.locator(
            "#an-reports > section", has=page.get_by_role("heading", name="Clinical outcomes")
        )
        await expect(outcomes.get_by_role("img", name=f"PHQ-9 outcome funnel on {DAYS[-1]}")).to_be_visible()
        await expect(outcomes).to_contain_text("Recovered")
        retention = page.locator(
            "#an-reports > section", has=page.get_by_role("heading", name="Retention by sign-up week")
        )
        await expect(retention.get_by_role("table")).to_contain_text("Week 1")
        await expect(retention.get_by_role("table")).to_contain_text("17")
        await screen(page, "analytics-lead")

        async with page.expect_download() as info:
            await engagement.get_by_role("button", name="Download engagement (CSV)").click()
        download = await info.value
        saved = Path(await download.path())
        rows = list(csv.DictReader(io.StringIO(await asyncio.to_thread(saved.read_text))))
        active = [r for r in rows if r["metric"] == "active_people"]
        assert [r["value"] for r in active] == ["25", "26", "27"]
        hidden = [r for r in rows if r["metric"] == "agent_replies"]
        assert hidden
        assert all(r["value"] == r["people"] == "" and r["suppressed"] == "yes" for r in hidden)
        assert rec.errors == []
    finally:
        await ctx.close()

    ctx, page, _ = await open_client(browser, web_server)
    try:
        await sign_in(page, await _email(web_db, other))
        await _open_analytics(page)
        await expect(page.get_by_text("Analytics are for clinic leads and administrators.")).to_be_visible()
        await expect(page.locator("#an-controls")).to_be_hidden()
    finally:
        await ctx.close()

    ctx, page, _ = await open_client(browser, web_server)
    try:
        await sign_up(page, new_email("pt"))
        nav = page.get_by_role("navigation", name="Main")
        await expect(nav.get_by_role("button", name="Chat")).to_be_visible()
        await expect(nav.get_by_role("button", name="Analytics")).to_be_hidden()
    finally:
        await ctx.close()
