"""Announcements: an admin drafts and publishes a banner; people see it only when published, inside
its window, and when they are its audience (role, country)."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance.models import AuditLog
from hp_agent.db.session import Database
from hp_agent.users.models import UserRole
from tests.api.auth_helpers import owner_all
from tests.care.conftest import Care, auth
from tests.journal.people import patient


async def test_banners_reach_their_audience_once_published(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    admin_id, token = await Care(client, app_db).user(UserRole.admin)
    headers = auth(token)
    me = await patient(client)
    now = dt.datetime.now(dt.UTC)

    async def titles() -> list[str]:
        r = await client.get("/v1/announcements", headers=me.headers)
        assert r.status_code == 200, r.text
        return [a["title"] for a in r.json()]

    body = {
        "title": "Scheduled maintenance",
        "body": "Short outage.",
        "kind": "maintenance",
        "display_from": (now - dt.timedelta(minutes=1)).isoformat(),
    }
    r = await client.post("/v1/admin/announcements", json=body, headers=headers)
    assert r.status_code == 422  # maintenance without its window
    body |= {
        "maintenance_starts_at": (now + dt.timedelta(days=1)).isoformat(),
        "maintenance_ends_at": (now + dt.timedelta(days=1, hours=1)).isoformat(),
    }
    assert (await client.post("/v1/admin/announcements", json=body, headers=me.headers)).status_code == 403
    r = await client.post("/v1/admin/announcements", json=body, headers=headers)
    assert r.status_code == 201, r.text
    ann = r.json()
    assert ann["status"] == "draft"
    assert "Scheduled maintenance" not in await titles()

    for_clinicians = {
        "title": "For clinicians",
        "body": "x",
        "audience_roles": ["therapist"],
        "display_from": (now - dt.timedelta(minutes=1)).isoformat(),
    }
    other = (await client.post("/v1/admin/announcements", json=for_clinicians, headers=headers)).json()
    later = {"title": "Next week", "body": "x", "display_from": (now + dt.timedelta(days=7)).isoformat()}
    future = (await client.post("/v1/admin/announcements", json=later, headers=headers)).json()
    for a in (ann, other, future):
        r = await client.post(f"/v1/admin/announcements/{a['id']}/publish", headers=headers)
        assert r.status_code == 200, r.text
    assert await titles() == ["Scheduled maintenance"]
    assert (
        await client.post(f"/v1/admin/announcements/{ann['id']}/publish", headers=headers)
    ).status_code == 409

    assert (
        await client.post(f"/v1/admin/announcements/{ann['id']}/archive", headers=headers)
    ).status_code == 200
    assert await titles() == []
    actions = await owner_all(
        owner_db,
        select(AuditLog.action).where(
            AuditLog.actor_id == admin_id, AuditLog.action.like("admin.announcement.%")
        ),
    )
    assert actions.count("admin.announcement.created") == 3
    assert actions.count("admin.announcement.published") == 3
    assert actions.count("admin.announcement.archived") == 1
