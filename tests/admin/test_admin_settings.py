"""Admin: whitelisted runtime settings; a change is what the service uses at its next read."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import SystemConfiguration
from hp_agent.compliance.models import AuditLog
from hp_agent.crisis.models import CrisisDetection
from hp_agent.db.session import Database
from hp_agent.users.models import UserRole
from tests.api.auth_helpers import owner_all
from tests.care.conftest import Care, auth
from tests.journal.people import patient

KEY = "journal.crisis_prompt_window_hours"
URL = f"/v1/admin/settings/{KEY}"


async def _crisis_support(client: httpx.AsyncClient, headers: dict[str, str]) -> bool:
    r = await client.get("/v1/journal/prompts", params={"technique": "gratitude"}, headers=headers)
    assert r.status_code == 200, r.text
    return bool(r.json()["crisis_support"])


async def test_a_setting_changes_what_the_service_does(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    admin_id, token = await Care(client, app_db).user(UserRole.admin)
    headers = auth(token)
    me = await patient(client)
    r = await client.post(
        "/v1/journal/gratitude",
        json={"items": ["Honestly nothing, I keep thinking everyone would be better off if I was dead"]},
        headers=me.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["safety"]["level"] in ("moderate", "high", "imminent")
    three_hours_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)
    await owner_db.execute(
        update(CrisisDetection).where(CrisisDetection.user_id == me.id).values(detected_at=three_hours_ago)
    )
    await owner_db.commit()
    assert await _crisis_support(client, me.headers)  # within the default 72 hours

    [listed] = [
        s for s in (await client.get("/v1/admin/settings", headers=headers)).json() if s["key"] == KEY
    ]
    assert (listed["value"], listed["default"], listed["overridden"]) == (72, 72, False)
    assert (await client.put(URL, json={"value": 2}, headers=me.headers)).status_code == 403

    r = await client.put(URL, json={"value": 2}, headers=headers)
    assert r.status_code == 200, r.text
    assert (r.json()["value"], r.json()["overridden"], r.json()["version"]) == (2, True, 1)
    assert not await _crisis_support(client, me.headers)  # the detection is now outside the window

    assert (await client.put(URL, json={"value": 4, "version": 7}, headers=headers)).status_code == 409
    r = await client.put(URL, json={"value": 4, "version": 1}, headers=headers)
    assert r.status_code == 200
    assert r.json()["version"] == 2
    assert await _crisis_support(client, me.headers)

    r = await client.delete(URL, headers=headers)
    assert r.status_code == 200
    assert (r.json()["value"], r.json()["overridden"]) == (72, False)
    assert await _crisis_support(client, me.headers)

    actions = await owner_all(
        owner_db,
        select(AuditLog.details["new"].as_integer()).where(
            AuditLog.actor_id == admin_id, AuditLog.action.like("admin.setting.%")
        ),
    )
    assert sorted(actions) == [2, 4, 72]


async def test_bad_settings_are_refused_and_change_nothing(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    admin_id, token = await Care(client, app_db).user(UserRole.admin)
    headers = auth(token)
    assert (await client.put(URL, json={"value": 24}, headers=headers)).status_code == 200
    for body in (
        {"value": "48"},
        {"value": True},
        {"value": 1.5},
        {"value": 0},
        {"value": 721},
        {},
        {"value": 5, "x": 1},
    ):
        r = await client.put(URL, json=body, headers=headers)
        assert r.status_code == 422, (body, r.text)
    r = await client.put("/v1/admin/settings/jwt_secret", json={"value": 1}, headers=headers)
    assert r.status_code == 404
    assert (await client.delete("/v1/admin/settings/jwt_secret", headers=headers)).status_code == 404
    rows = await owner_all(
        owner_db, select(SystemConfiguration).where(SystemConfiguration.updated_by == admin_id)
    )
    assert [(c.key, c.value, c.version) for c in rows] == [(KEY, 24, 1)]
