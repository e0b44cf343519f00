"""An administrator moves an on-call shift: escalation routing follows the new hours; overlaps,
past times, cancelled shifts and other people are refused with nothing changed; audited."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.models import ClinicianOnCallShift
from hp_agent.compliance.models import AuditLog
from hp_agent.crisis.deadlines import on_call_now
from hp_agent.db.session import Database
from hp_agent.users.models import UserRole
from tests.api.auth_helpers import owner_all
from tests.care.conftest import Care, auth
from tests.journal.people import patient

COUNTRY = "TV"  # a country no other test rosters, so routing's own-country rank picks this shift


BASE = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=2)


def _at(hours: float) -> dt.datetime:
    return BASE + dt.timedelta(hours=hours)


async def _shift(
    client: httpx.AsyncClient, headers: dict[str, str], clinician: uuid.UUID, start: float, end: float
) -> str:
    r = await client.post(
        "/v1/care/on-call-shifts",
        json={
            "clinician_id": str(clinician),
            "starts_at": _at(start).isoformat(),
            "ends_at": _at(end).isoformat(),
            "country_code": COUNTRY,
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def test_moving_a_shift(client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession) -> None:
    care = Care(client, app_db)
    admin_id, admin_token = await care.user(UserRole.admin)
    headers = auth(admin_token)
    clinician, clinician_token = await care.clinician(admin_token)
    first = await _shift(client, headers, clinician, 0, 8)
    await _shift(client, headers, clinician, 20, 28)

    # Before: hour 10 is not covered by this clinician.
    assert await on_call_now(owner_db, COUNTRY, None, _at(10)) != clinician

    r = await client.patch(
        f"/v1/admin/on-call-shifts/{first}",
        json={"starts_at": _at(9).isoformat(), "ends_at": _at(17).isoformat(), "tier": "backup"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["tier"] == "backup"
    assert await on_call_now(owner_db, COUNTRY, None, _at(10)) == clinician
    (entry,) = await owner_all(
        owner_db,
        select(AuditLog).where(
            AuditLog.subject_id == uuid.UUID(first), AuditLog.action == "admin.on_call.shift_changed"
        ),
    )
    assert entry.actor_id == admin_id
    assert entry.details["fields"] == ["ends_at", "starts_at", "tier"]

    # Refused, nothing changed.
    for body, status, code in (
        ({"ends_at": _at(21).isoformat()}, 409, "shift_overlap"),
        ({"starts_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()}, 422, "shift_in_past"),
        ({"ends_at": _at(9 + 24 * 8).isoformat()}, 422, "validation_error"),
        ({"ends_at": _at(8).isoformat()}, 422, "validation_error"),
        ({}, 422, "validation_error"),
        ({"tier": "chief"}, 422, "validation_error"),
    ):
        r = await client.patch(f"/v1/admin/on-call-shifts/{first}", json=body, headers=headers)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), body
    (stored,) = await owner_all(
        owner_db, select(ClinicianOnCallShift).where(ClinicianOnCallShift.id == uuid.UUID(first))
    )
    assert (stored.starts_at, stored.ends_at) == (_at(9), _at(17))

    # Only administrators; unknown and cancelled shifts.
    me = await patient(client)
    for token_headers in (me.headers, auth(clinician_token)):
        r = await client.patch(
            f"/v1/admin/on-call-shifts/{first}", json={"tier": "primary"}, headers=token_headers
        )
        assert r.status_code == 403
    r = await client.patch(
        f"/v1/admin/on-call-shifts/{uuid.uuid4()}", json={"tier": "primary"}, headers=headers
    )
    assert r.status_code == 404
    assert (await client.post(f"/v1/care/on-call-shifts/{first}/cancel", headers=headers)).status_code == 200
    r = await client.patch(f"/v1/admin/on-call-shifts/{first}", json={"tier": "primary"}, headers=headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "shift_cancelled")
    assert await on_call_now(owner_db, COUNTRY, None, _at(10)) != clinician
