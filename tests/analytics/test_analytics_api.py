"""``/v1/analytics``: who sees which clinic, small-cell suppression in JSON and CSV, back-fill."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.analytics import rollup
from hp_agent.analytics.history import Plan
from hp_agent.auth.service import create_user
from hp_agent.db.session import Database, Principal
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests import mfa_helpers
from tests.api.auth_helpers import PASSWORD, new_email

PEOPLE_COUNTS = {
    "active_people",
    "weekly_active_people",
    "cohort_size",
    "retention_active",
    "patients_with_change",
    "reliable_improvement",
    "recovered",
    "recovery_eligible",
    "deteriorated",
    "no_reliable_change",
    "mood_streak_people",
    "journal_streak_people",
}


@pytest.fixture
async def rolled(history: Plan, app_db: Database) -> dt.date:
    for day in (history.end - dt.timedelta(days=1), history.end):
        async with app_db.unit_of_work(SYSTEM) as s:
            await rollup.rollup_day(s, day)
    return history.end


async def account(
    client: httpx.AsyncClient, app_db: Database, role: UserRole
) -> tuple[uuid.UUID, dict[str, str]]:
    email = new_email(role.value)
    async with app_db.unit_of_work(SYSTEM) as s:
        uid = (await create_user(s, email, PASSWORD, role, actor=SYSTEM)).id
    r = await mfa_helpers.login(client, email, PASSWORD)  # clinicians and admins pass the second step
    assert r.status_code == 200, r.text
    return uid, {"Authorization": f"Bearer {r.json()['access_token']}"}


async def member(owner_db: AsyncSession, practice: uuid.UUID, clinician: uuid.UUID, role: str) -> None:
    await owner_db.execute(
        text("INSERT INTO care_practice_members (practice_id, clinician_id, role) VALUES (:p, :c, :r)"),
        {"p": practice, "c": clinician, "r": role},
    )
    await owner_db.commit()


async def test_leads_see_their_clinic_only_and_others_are_refused(
    history: Plan, rolled: dt.date, client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    clinic = history.practices[0]
    other = (
        await owner_db.execute(text("INSERT INTO care_practices (name) VALUES ('Elsewhere') RETURNING id"))
    ).scalar()
    await owner_db.commit()
    _, admin = await account(client, app_db, UserRole.admin)
    lead_id, lead = await account(client, app_db, UserRole.therapist)
    member_id, ordinary = await account(client, app_db, UserRole.therapist)
    _, patient = await account(client, app_db, UserRole.patient)
    await member(owner_db, clinic, lead_id, "lead")
    await member(owner_db, clinic, member_id, "member")
    q = f"start={rolled}&end={rolled}"

    whole = await client.get(f"/v1/analytics/engagement?{q}", headers=admin)
    assert whole.status_code == 200, whole.text
    assert any(r["metric"] == "active_people" and not r["suppressed"] for r in whole.json()["rows"])
    as_admin = await client.get(f"/v1/analytics/outcomes?{q}&practice_id={clinic}", headers=admin)
    as_lead = await client.get(f"/v1/analytics/outcomes?{q}&practice_id={clinic}", headers=lead)
    assert as_lead.status_code == 200, as_lead.text
    assert as_lead.json()["rows"] == as_admin.json()["rows"] != []

    for headers, url in [
        (lead, f"/v1/analytics/engagement?{q}"),  # the whole population is for administrators
        (lead, f"/v1/analytics/engagement?{q}&practice_id={other}"),
        (ordinary, f"/v1/analytics/engagement?{q}&practice_id={clinic}"),
        (patient, f"/v1/analytics/engagement?{q}&practice_id={clinic}"),
        (patient, "/v1/analytics/scopes"),
        (ordinary, "/v1/analytics/scopes"),
    ]:
        r = await client.get(url, headers=headers)
        assert r.status_code == 403, (url, r.text)
        assert r.json()["error"]["code"] == "analytics_forbidden"

    scopes = (await client.get("/v1/analytics/scopes", headers=lead)).json()
    assert scopes["whole_population"] is False
    assert [p["id"] for p in scopes["practices"]] == [str(clinic)]
    assert set(scopes["practices"][0]["clinician_ids"]) == {
        str(c) for c, p in history.clinician_practice.items() if p == clinic
    } - {None}
    assert (await client.get("/v1/analytics/scopes", headers=admin)).json()["whole_population"] is True

    # Row-level security says the same without the service's check.
    for who, expect in (
        (Principal(lead_id, "therapist"), {clinic}),
        (Principal(member_id, "therapist"), set()),
    ):
        async with app_db.unit_of_work(who) as s:
            seen = set(
                (
                    await s.execute(text("SELECT DISTINCT practice_id FROM population_health_metrics"))
                ).scalars()
            )
        assert seen == expect


async def test_no_exported_cell_counts_fewer_people_than_the_minimum(
    history: Plan, rolled: dt.date, client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    _, admin = await account(client, app_db, UserRole.admin)
    clinic = history.practices[0]
    scopes = ["", f"&practice_id={clinic}"] + [
        f"&practice_id={p}&clinician_id={c}" for c, p in history.clinician_practice.items()
    ]
    shown = hidden = 0
    for report in ("engagement", "crisis", "retention", "outcomes"):
        for scope in scopes:
            r = await client.get(
                f"/v1/analytics/{report}?start={rolled - dt.timedelta(days=1)}&end={rolled}"
                f"&format=csv{scope}",
                headers=admin,
            )
            assert r.status_code == 200, r.text
            assert r.headers["content-type"].startswith("text/csv")
            rows = list(csv.DictReader(io.StringIO(r.text)))
            for row in rows:
                if row["suppressed"] == "yes":
                    assert row["value"] == row["people"] == ""
                    hidden += 1
                    continue
                shown += 1
                assert int(row["people"]) >= 10, row
                if row["metric"] in PEOPLE_COUNTS:
                    assert float(row["value"]) >= 10, row
    # Both branches ran: the seeded clinics have small cells, the whole population large ones.
    small = (
        await owner_db.execute(text("SELECT count(*) FROM clinical_outcome_metrics WHERE sample_size < 10"))
    ).scalar()
    assert small
    assert hidden
    assert shown


async def test_min_cell_is_configurable(
    history: Plan, rolled: dt.date, client: httpx.AsyncClient, app_db: Database
) -> None:
    _, admin = await account(client, app_db, UserRole.admin)
    q = f"/v1/analytics/engagement?start={rolled}&end={rolled}"
    default = (await client.get(q, headers=admin)).json()
    assert default["min_cell"] == 10
    client_app = client._transport.app  # type: ignore[attr-defined]
    client_app.state.settings = client_app.state.settings.model_copy(update={"analytics_min_cell": 1})
    everything = (await client.get(q, headers=admin)).json()
    assert everything["min_cell"] == 1
    assert not any(r["suppressed"] for r in everything["rows"])
    assert any(r["suppressed"] for r in default["rows"])  # the default hid something
    assert len(everything["rows"]) == len(default["rows"])


async def test_backfill_is_for_administrators(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    _, admin = await account(client, app_db, UserRole.admin)
    _, patient = await account(client, app_db, UserRole.patient)
    body = {"start": "2026-10-01", "end": "2026-10-03"}
    assert (await client.post("/v1/analytics/backfill", json=body, headers=patient)).status_code == 403
    r = await client.post("/v1/analytics/backfill", json=body, headers=admin)
    assert r.status_code == 202, r.text
    assert r.json() == {"queued": 3}
    await owner_db.commit()
    pending = (
        await owner_db.execute(
            text(
                "SELECT count(*) FROM analytics_rollup_jobs WHERE status = 'pending' "
                "AND metric_date BETWEEN '2026-10-01' AND '2026-10-03'"
            )
        )
    ).scalar()
    assert pending == 3
    bad = await client.post(
        "/v1/analytics/backfill", json={"start": "2026-10-03", "end": "2026-10-01"}, headers=admin
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "bad_range"
