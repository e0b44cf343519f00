"""The clinic admin's insurance claims page in Chromium: a claim a clinician made from a completed
session is listed as ready, submitted from the page (its 837P lands in the clearing house's outbox
and passes pyx12), and once the payer's 835 is in the inbox, reading it from the page shows the
claim paid with the patient's share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from hp_agent.billing.clearinghouse import FileDrop
from hp_agent.billing.x12.check import problems
from hp_agent.care.models import (
    ClinicianProfile,
)
from hp_agent.config import Settings
from hp_agent.db.session import Database, Principal
from hp_agent.users.models import User, UserRole
from hp_agent.users.repository import SYSTEM
from tests import mfa_helpers
from tests.conftest import LiveServer
from tests.escalation.conftest import PASSWORD, make_user
from tests.factories import link_as_patient
from tests.insurance.world import CLINICIAN_NPI, policy_body, sample
from tests.web.harness import open_client, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def claims_house(tmp_path_factory: pytest.TempPathFactory) -> FileDrop:
    return FileDrop(tmp_path_factory.mktemp("clearinghouse"))


@pytest.fixture(scope="module")
def claims_server(
    web_settings: Settings, seeded: None, chromium_path: Path, claims_house: FileDrop
) -> Iterator[LiveServer]:
    # Two-step sign-in has its own browser tests; the admin here signs in with a password.
    server = LiveServer(web_settings.model_copy(update={"mfa_required_roles": ""}))
    server.app.state.clearinghouse = claims_house
    server.start()
    yield server
    server.stop()


async def _login(c: httpx.AsyncClient, db: Database, user_id: Any) -> dict[str, str]:
    from sqlalchemy import select

    async with db.unit_of_work(SYSTEM) as s:
        email = (await s.execute(select(User.email).where(User.id == user_id))).scalar_one()
    r = await mfa_helpers.login(c, email, PASSWORD)  # clinicians and admins pass the second step
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_admin_submits_a_claim_and_sees_it_paid(
    browser: Any, claims_server: LiveServer, web_db: Database, claims_house: FileDrop
) -> None:
    admin = await make_user(web_db, UserRole.admin, prefix="billing")
    patient = await make_user(web_db, UserRole.patient, prefix="pt")
    doc = await make_user(web_db, UserRole.therapist, prefix="th")
    await link_as_patient(web_db, patient, doc)
    async with web_db.unit_of_work(Principal(doc, "therapist")) as s:  # their own profile
        s.add(
            ClinicianProfile(
                user_id=doc,
                display_name="Dr Alex Smith",
                license_number=f"L-{doc.hex[:10]}",
                license_country="US",
                npi_number=CLINICIAN_NPI,
            )
        )
    async with httpx.AsyncClient(base_url=claims_server.http_url) as c:
        a, p, d = [await _login(c, web_db, u) for u in (admin, patient, doc)]
        r = await c.post(
            "/v1/insurance/payers", json={"name": "Acme Health Plan", "payer_code": "ACME1"}, headers=a
        )
        assert r.status_code == 201, r.text
        assert (
            await c.post("/v1/insurance/policies", json=policy_body(r.json()["id"]), headers=p)
        ).status_code == 201
        r = await c.post(f"/v1/patients/{patient}/diagnoses", json={"icd10_code": "F33.1"}, headers=d)
        assert r.status_code == 201, r.text
        start = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).replace(
            hour=14, minute=0, second=0, microsecond=0
        )
        r = await c.post(
            f"/v1/patients/{patient}/therapy-sessions",
            headers=d,
            json={
                "modality": "video",
                "status": "completed",
                "started_at": start.isoformat(),
                "ended_at": (start + dt.timedelta(minutes=47)).isoformat(),
            },
        )
        assert r.status_code == 201, r.text
        r = await c.post("/v1/insurance/claims", json={"therapy_session_id": r.json()["id"]}, headers=d)
        assert r.status_code == 201, r.text
        claim = r.json()

    admin_email = await _email(web_db, admin)
    ctx, page, rec = await open_client(browser, claims_server)
    try:
        await sign_in(page, admin_email)
        await (
            page.get_by_role("navigation", name="Main").get_by_role("button", name="Insurance claims").click()
        )
        await expect(page.get_by_role("heading", name="Insurance claims")).to_be_focused()
        row = page.locator(f"#claims-rows tr[data-claim='{claim['id']}']")
        await expect(row).to_contain_text(claim["claim_number"])
        await expect(row).to_contain_text("Ready to submit")
        await expect(row).to_contain_text("90834-95")
        await expect(row).to_contain_text("F33.1")
        await row.get_by_role("button", name=f"Submit claim {claim['claim_number']}").click()
        await expect(row).to_contain_text("Submitted")
        await expect(row.get_by_role("button")).to_have_count(0)
        [x837] = [f for f in claims_house.outbox.iterdir() if f.name.startswith("837_")]
        assert problems(x837.read_text()) == []

        (claims_house.inbox / "remit.835").write_text(
            sample("sample_835.x12", CLAIM=claim["claim_number"], DOS=start.strftime("%Y%m%d"))
        )
        await page.get_by_role("button", name="Read clearing-house inbox").click()
        await expect(page.locator("#claims-poll-result")).to_contain_text("1 posted, 0 set aside")
        await expect(row).to_contain_text("Paid")
        await expect(row.locator("td.num").nth(1)).to_have_text("$110.00")
        await expect(row.locator("td.num").nth(2)).to_have_text("$30.00")
        await page.get_by_label("Status").select_option("denied")
        await page.get_by_role("button", name="Show").click()
        await expect(page.locator("#claims-empty")).to_be_visible()
        assert rec.errors == []
    finally:
        await ctx.close()
    # The patient sees their share.
    async with httpx.AsyncClient(base_url=claims_server.http_url) as c:
        statements = (
            await c.get("/v1/me/insurance/statements", headers=await _login(c, web_db, patient))
        ).json()
    assert [s["amount_due"] for s in statements] == ["30.00"]


async def _email(db: Database, user_id: Any) -> str:
    from sqlalchemy import select

    async with db.unit_of_work(SYSTEM) as s:
        return str((await s.execute(select(User.email).where(User.id == user_id))).scalar_one())
