"""Admin: crisis lines and their verification dates; a change is what people see at once."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance.models import AuditLog
from hp_agent.crisis.models import CrisisResource
from hp_agent.db.session import Database
from hp_agent.users.models import UserRole
from tests.api.auth_helpers import owner_all
from tests.care.conftest import Care, auth
from tests.journal.people import patient

LINE = {
    "key": "li-test-line",
    "name": "Test Helpline Liechtenstein",
    "country_code": "LI",
    "language": "de",
    "channel": "call",
    "contact": "+423 000 0000",
    "hours": "24/7",
}


async def _shown(client: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    r = await client.get("/v1/crisis-resources", params={"country": "LI"}, headers=headers)
    assert r.status_code == 200, r.text
    return [line["name"] for line in r.json()["lines"]]


async def test_lines_are_managed_and_verified(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    admin_id, token = await Care(client, app_db).user(UserRole.admin)
    headers = auth(token)
    me = await patient(client)
    assert LINE["name"] not in await _shown(client, me.headers)
    assert (await client.post("/v1/admin/crisis-lines", json=LINE, headers=me.headers)).status_code == 403

    r = await client.post("/v1/admin/crisis-lines", json=LINE, headers=headers)
    assert r.status_code == 201, r.text
    line = r.json()
    assert line["last_verified"] is None
    assert LINE["name"] in await _shown(client, me.headers)
    assert (await client.post("/v1/admin/crisis-lines", json=LINE, headers=headers)).status_code == 409
    bad = {**LINE, "key": "li-other", "country_code": "Liechtenstein"}
    assert (await client.post("/v1/admin/crisis-lines", json=bad, headers=headers)).status_code == 422

    r = await client.post(
        f"/v1/admin/crisis-lines/{line['id']}/verify", json={"note": "called, answered"}, headers=headers
    )
    assert r.status_code == 200
    assert r.json()["last_verified"] == dt.datetime.now(dt.UTC).date().isoformat()
    listed = (await client.get("/v1/admin/crisis-lines", params={"country": "LI"}, headers=headers)).json()
    assert [x["verification_note"] for x in listed if x["key"] == LINE["key"]] == ["called, answered"]

    r = await client.patch(f"/v1/admin/crisis-lines/{line['id']}", json={"contact": None}, headers=headers)
    assert r.status_code == 422
    r = await client.patch(f"/v1/admin/crisis-lines/{line['id']}", json={"is_active": False}, headers=headers)
    assert r.status_code == 200
    assert LINE["name"] not in await _shown(client, me.headers)
    [row] = await owner_all(owner_db, select(CrisisResource).where(CrisisResource.key == LINE["key"]))
    assert row.contact == LINE["contact"]  # the refused change changed nothing
    actions = await owner_all(
        owner_db,
        select(AuditLog.action).where(
            AuditLog.actor_id == admin_id, AuditLog.action.like("admin.crisis_line.%")
        ),
    )
    assert sorted(actions) == [
        "admin.crisis_line.created",
        "admin.crisis_line.updated",
        "admin.crisis_line.verified",
    ]
