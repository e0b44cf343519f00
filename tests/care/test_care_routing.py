"""Practices, backups and on-call shifts through the API, and the escalation routing that reads
them (``hp_agent.crisis.deadlines``), on real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.models import ClinicianOnCallShift, ClinicianProfile
from hp_agent.crisis.deadlines import backup_of, on_call_now
from hp_agent.db.session import Database
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests.care.conftest import Care, auth


def _iso(t: dt.datetime) -> str:
    return t.isoformat()


async def _practice(care: Care, admin: str, lead: uuid.UUID) -> str:
    r = await care.c.post(
        "/v1/admin/practices", json={"name": "Riverside Clinic", "lead_id": str(lead)}, headers=auth(admin)
    )
    assert r.status_code == 201, r.text
    assert [m["role"] for m in r.json()["members"]] == ["lead"]
    return str(r.json()["id"])


async def test_lead_manages_backups_of_their_practice_only(
    care: Care, admin: str, owner_db: AsyncSession
) -> None:
    lead, lead_token = await care.clinician(admin)
    a, a_token = await care.clinician(admin)
    b, _ = await care.clinician(admin)
    outsider, _ = await care.clinician(admin)
    unverified, _ = await care.clinician(admin, verify=False)
    pid = await _practice(care, admin, lead)

    # A member cannot add members; the lead can; unverified clinicians cannot join.
    r = await care.c.post(
        f"/v1/care/practices/{pid}/members", json={"clinician_id": str(a)}, headers=auth(a_token)
    )
    assert r.status_code == 403
    for c in (a, b):
        r = await care.c.post(
            f"/v1/care/practices/{pid}/members", json={"clinician_id": str(c)}, headers=auth(lead_token)
        )
        assert r.status_code == 200, r.text
    r = await care.c.post(
        f"/v1/care/practices/{pid}/members", json={"clinician_id": str(a)}, headers=auth(lead_token)
    )
    assert r.status_code == 409
    r = await care.c.post(
        f"/v1/care/practices/{pid}/members", json={"clinician_id": str(unverified)}, headers=auth(lead_token)
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "clinician_not_verified"
    r = await care.c.get("/v1/care/practices", headers=auth(a_token))
    assert {m["clinician_id"] for m in r.json()[0]["members"]} == {str(lead), str(a), str(b)}

    r = await care.c.put(
        f"/v1/care/clinicians/{a}/backup", json={"backup_clinician_id": str(b)}, headers=auth(lead_token)
    )
    assert r.status_code == 200, r.text
    assert r.json()["backup_clinician_id"] == str(b)
    # Outside the lead's practice, or by a plain member: refused, nothing changed.
    r = await care.c.put(
        f"/v1/care/clinicians/{a}/backup",
        json={"backup_clinician_id": str(outsider)},
        headers=auth(lead_token),
    )
    assert r.status_code == 403
    r = await care.c.put(
        f"/v1/care/clinicians/{b}/backup", json={"backup_clinician_id": str(a)}, headers=auth(a_token)
    )
    assert r.status_code == 403
    r = await care.c.put(
        f"/v1/care/clinicians/{a}/backup", json={"backup_clinician_id": str(a)}, headers=auth(admin)
    )
    assert r.status_code == 422
    backup = await owner_db.scalar(
        select(ClinicianProfile.backup_clinician_id).where(ClinicianProfile.user_id == a)
    )
    assert backup == b
    assert await backup_of(owner_db, a) == b

    # A suspended backup is skipped: the practice's lead covers instead.
    r = await care.c.post(f"/v1/admin/clinicians/{b}/suspend", headers=auth(admin))
    assert r.status_code == 200
    assert await backup_of(owner_db, a) == lead
    # The lead, with no backup of their own, is not their own cover; neither is a leaver's lead.
    assert await backup_of(owner_db, lead) is None
    r = await care.c.delete(f"/v1/care/practices/{pid}/members/{a}", headers=auth(lead_token))
    assert r.status_code == 200
    r = await care.c.put(
        f"/v1/care/clinicians/{a}/backup", json={"backup_clinician_id": None}, headers=auth(admin)
    )
    assert r.status_code == 200
    assert await backup_of(owner_db, a) is None


async def test_on_call_shifts_refuse_overlap_and_route_by_country(
    care: Care, admin: str, owner_db: AsyncSession, app_db: Database
) -> None:
    lead, lead_token = await care.clinician(admin)
    local, _ = await care.clinician(admin, license_country="TV")
    anywhere, _ = await care.clinician(admin)
    pid = await _practice(care, admin, lead)
    for c in (local, anywhere):
        await care.c.post(
            f"/v1/care/practices/{pid}/members", json={"clinician_id": str(c)}, headers=auth(lead_token)
        )
    now = dt.datetime.now(dt.UTC)
    shift = {"starts_at": _iso(now - dt.timedelta(minutes=1)), "ends_at": _iso(now + dt.timedelta(hours=8))}
    # Tuvalu: no other test rosters it (the run's database is shared and shifts commit elsewhere).
    # The any-country shift starts later (a later handover), yet the local one wins.
    r = await care.c.post(
        "/v1/care/on-call-shifts",
        json={**shift, "clinician_id": str(local), "country_code": "TV"},
        headers=auth(lead_token),
    )
    assert r.status_code == 201, r.text
    r = await care.c.post(
        "/v1/care/on-call-shifts",
        json={
            "clinician_id": str(anywhere),
            "starts_at": _iso(now),
            "ends_at": _iso(now + dt.timedelta(hours=8)),
        },
        headers=auth(lead_token),
    )
    assert r.status_code == 201, r.text
    assert await on_call_now(owner_db, "TV", None, now + dt.timedelta(seconds=1)) == local

    overlapping = {
        "clinician_id": str(local),
        "starts_at": _iso(now + dt.timedelta(hours=7)),
        "ends_at": _iso(now + dt.timedelta(hours=9)),
    }
    r = await care.c.post("/v1/care/on-call-shifts", json=overlapping, headers=auth(lead_token))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "shift_overlap"
    bad = {
        "clinician_id": str(local),
        "starts_at": _iso(now + dt.timedelta(hours=10)),
        "ends_at": _iso(now + dt.timedelta(hours=9)),
    }
    r = await care.c.post("/v1/care/on-call-shifts", json=bad, headers=auth(lead_token))
    assert r.status_code == 422
    n = await owner_db.scalar(
        select(func.count())
        .select_from(ClinicianOnCallShift)
        .where(ClinicianOnCallShift.clinician_id == local)
    )
    assert n == 1

    # Patients do not see the roster; clinicians do.
    _, patient = await care.user(UserRole.patient)
    window = {"from": _iso(now - dt.timedelta(hours=1)), "to": _iso(now + dt.timedelta(days=1))}
    assert (
        await care.c.get("/v1/care/on-call-shifts", params=window, headers=auth(patient))
    ).status_code == 403
    r = await care.c.get("/v1/care/on-call-shifts", params=window, headers=auth(lead_token))
    assert {s["clinician_id"] for s in r.json()} >= {str(local), str(anywhere)}
    local_shift = next(s for s in r.json() if s["clinician_id"] == str(local))

    # Cancelling the local shift hands the country to someone else.
    r = await care.c.post(f"/v1/care/on-call-shifts/{local_shift['id']}/cancel", headers=auth(lead_token))
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    async with app_db.unit_of_work(SYSTEM) as s:
        assert await on_call_now(s, "TV", None, now + dt.timedelta(seconds=1)) != local


async def test_only_leads_and_admins_roster(care: Care, admin: str) -> None:
    c, c_token = await care.clinician(admin)
    now = dt.datetime.now(dt.UTC)
    body = {"clinician_id": str(c), "starts_at": _iso(now), "ends_at": _iso(now + dt.timedelta(hours=1))}
    r = await care.c.post("/v1/care/on-call-shifts", json=body, headers=auth(c_token))
    assert r.status_code == 403
    r = await care.c.post("/v1/care/on-call-shifts", json=body, headers=auth(admin))
    assert r.status_code == 201
    past = {
        **body,
        "starts_at": _iso(now - dt.timedelta(hours=3)),
        "ends_at": _iso(now - dt.timedelta(hours=2)),
    }
    r = await care.c.post("/v1/care/on-call-shifts", json=past, headers=auth(admin))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "shift_in_past"
