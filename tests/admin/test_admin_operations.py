"""Admin operations over the API: audit-log search, feature flags, account status; every change
audited, non-admins refused, bad input refused with nothing changed."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import FeatureFlag
from hp_agent.compliance.models import AuditLog
from hp_agent.db.session import Database
from hp_agent.users.models import UserRole
from tests.api.auth_helpers import PASSWORD, owner_all
from tests.care.conftest import Care, auth
from tests.journal.people import patient


async def _admin(client: httpx.AsyncClient, app_db: Database) -> tuple[object, dict[str, str]]:
    uid, token = await Care(client, app_db).user(UserRole.admin)
    return uid, auth(token)


async def test_only_admins_reach_the_operations(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    for method, path in (
        ("GET", "/v1/admin/audit-log"),
        ("GET", "/v1/admin/feature-flags"),
        ("PUT", "/v1/admin/feature-flags/x"),
    ):
        r = await client.request(method, path, headers=me.headers, json={"enabled": True})
        assert r.status_code == 403, (method, path)


async def test_feature_flags_are_set_and_audited(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    admin_id, headers = await _admin(client, app_db)
    r = await client.put(
        "/v1/admin/feature-flags/new-journal.editor",
        json={"enabled": True, "rollout_percentage": 25},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["rollout_percentage"] == 25
    r = await client.put(
        "/v1/admin/feature-flags/new-journal.editor", json={"enabled": False}, headers=headers
    )
    assert r.json()["enabled"] is False
    flags = {f["key"]: f for f in (await client.get("/v1/admin/feature-flags", headers=headers)).json()}
    assert flags["new-journal.editor"]["enabled"] is False
    # Bad input: refused, nothing stored.
    assert (
        await client.put("/v1/admin/feature-flags/Bad Key", json={"enabled": True}, headers=headers)
    ).status_code == 422
    r = await client.put(
        "/v1/admin/feature-flags/ok", json={"enabled": True, "rollout_percentage": 101}, headers=headers
    )
    assert r.status_code == 422
    rows = await owner_all(owner_db, select(FeatureFlag.key).where(FeatureFlag.key.in_(["ok", "Bad Key"])))
    assert rows == []
    audits = await owner_all(
        owner_db,
        select(AuditLog).where(AuditLog.actor_id == admin_id, AuditLog.action == "admin.feature_flag.set"),
    )
    assert [a.details["enabled"] for a in sorted(audits, key=lambda a: a.occurred_at)] == [True, False]


async def test_suspending_an_account_stops_sign_in_and_is_searchable(
    client: httpx.AsyncClient, app_db: Database
) -> None:
    admin_id, headers = await _admin(client, app_db)
    me = await patient(client)
    email = (await client.get("/v1/me", headers=me.headers)).json()["email"]
    r = await client.put(
        f"/v1/admin/users/{me.id}/status",
        json={"status": "suspended", "reason": "abuse_report"},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "suspended"
    assert (await client.post("/v1/auth/login", json={"email": email, "password": PASSWORD})).status_code in (
        401,
        403,
    )
    r = await client.put(
        f"/v1/admin/users/{admin_id}/status", json={"status": "locked", "reason": "x"}, headers=headers
    )
    assert r.status_code == 409
    r = await client.put(
        f"/v1/admin/users/{me.id}/status", json={"status": "deleted", "reason": "x"}, headers=headers
    )
    assert r.status_code == 422

    r = await client.get(
        "/v1/admin/audit-log", params={"subject_id": str(me.id), "action": "admin.user."}, headers=headers
    )
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 1
    entry = page["items"][0]
    assert entry["action"] == "admin.user.status_changed"
    assert entry["actor_id"] == str(admin_id)
    assert entry["details"]["to"] == "suspended"
    # A LIKE wildcard in the filter is literal, not "everything".
    r = await client.get("/v1/admin/audit-log", params={"action": "%"}, headers=headers)
    assert r.json()["total"] == 0
