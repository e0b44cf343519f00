"""Retention: a dry run reports what would go and deletes nothing; a run deletes exactly that; a
policy row changes the period."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import httpx
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance.models import DataRetentionPolicy, RetentionAction
from hp_agent.db.session import Database
from hp_agent.users.models import UserRole, UserSession
from tests.api.auth_helpers import owner_all
from tests.care.conftest import Care, auth
from tests.journal.people import patient


async def _session(owner_db: AsyncSession, user_id: uuid.UUID, expired_days_ago: int) -> uuid.UUID:
    sid = uuid.uuid4()
    await owner_db.execute(
        insert(UserSession).values(
            id=sid,
            user_id=user_id,
            token_hash=secrets.token_hex(32),
            family_id=uuid.uuid4(),
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=expired_days_ago),
        )
    )
    return sid


async def test_dry_run_then_run(client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession) -> None:
    _, token = await Care(client, app_db).user(UserRole.admin)
    headers = auth(token)
    me = await patient(client)
    old = await _session(owner_db, me.id, 45)
    recent = await _session(owner_db, me.id, 10)
    await owner_db.commit()
    assert (await client.get("/v1/admin/retention", headers=me.headers)).status_code == 403

    report = (await client.get("/v1/admin/retention", headers=headers)).json()
    assert report["expired_sessions"]["retention_days"] == 30
    would = report["expired_sessions"]["rows"]
    assert would >= 1
    ids = {old, recent}
    assert {
        s for s in await owner_all(owner_db, select(UserSession.id).where(UserSession.id.in_(ids)))
    } == ids

    ran = (await client.post("/v1/admin/retention/run", headers=headers)).json()
    assert ran["expired_sessions"]["rows"] == would
    assert await owner_all(owner_db, select(UserSession.id).where(UserSession.id.in_(ids))) == [recent]

    # A policy row shortens the period: the 10-day-old expired session is now due.
    await owner_db.execute(
        insert(DataRetentionPolicy).values(
            data_category="expired_sessions",
            retention_days=7,
            action=RetentionAction.delete,
            legal_basis="test",
        )
    )
    await owner_db.commit()
    report = (await client.get("/v1/admin/retention", headers=headers)).json()
    assert report["expired_sessions"]["retention_days"] == 7
    assert report["expired_sessions"]["rows"] >= 1
    await client.post("/v1/admin/retention/run", headers=headers)
    assert await owner_all(owner_db, select(UserSession.id).where(UserSession.id.in_(ids))) == []
