"""Retention: a dry run reports what would go and deletes nothing; a run deletes exactly that; a
policy row changes the period. Old audit entries move to the archive and stay searchable."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import httpx
import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from hp_agent.compliance.models import (
    AuditLog,
    AuditLogArchive,
    AuditOutcome,
    DataRetentionPolicy,
    RetentionAction,
)
from hp_agent.db.session import Database, Principal, async_url
from hp_agent.db.urls import as_role
from hp_agent.users.models import UserRole, UserSession
from tests.api.auth_helpers import owner_all
from tests.care.conftest import Care, auth
from tests.conftest import APP_ROLE, WORKER_ROLE
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


async def test_old_audit_entries_move_to_the_archive_and_stay_searchable(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    admin_id, token = await Care(client, app_db).user(UserRole.admin)
    headers = auth(token)
    subject = uuid.uuid4()
    now = dt.datetime.now(dt.UTC)
    old, recent = uuid.uuid4(), uuid.uuid4()
    for entry_id, days in ((old, 400), (recent, 100)):
        await owner_db.execute(
            insert(AuditLog).values(
                id=entry_id,
                occurred_at=now - dt.timedelta(days=days),
                actor_id=None,
                actor_role="system",
                action="test.archive",
                subject_type="user",
                subject_id=subject,
                outcome=AuditOutcome.success,
                details={"n": days},
            )
        )
    await owner_db.commit()

    report = (await client.get("/v1/admin/retention", headers=headers)).json()
    assert report["audit_archive"]["retention_days"] == 365
    would = report["audit_archive"]["rows"]
    assert would >= 1
    # The dry run moved nothing.
    assert (
        await owner_all(owner_db, select(AuditLogArchive.id).where(AuditLogArchive.subject_id == subject))
        == []
    )

    ran = (await client.post("/v1/admin/retention/run", headers=headers)).json()
    assert ran["audit_archive"]["rows"] == would
    assert await owner_all(owner_db, select(AuditLog.id).where(AuditLog.subject_id == subject)) == [recent]
    (moved,) = await owner_all(owner_db, select(AuditLogArchive).where(AuditLogArchive.subject_id == subject))
    assert (moved.id, moved.action, moved.details) == (old, "test.archive", {"n": 400})
    (run,) = await owner_all(
        owner_db,
        select(AuditLog).where(AuditLog.actor_id == admin_id, AuditLog.action == "admin.retention.run"),
    )
    assert run.details["audit_archive"] == would

    # Searchable by administrators with archived=true, and only there.
    r = await client.get(
        "/v1/admin/audit-log", params={"subject_id": str(subject), "archived": "true"}, headers=headers
    )
    assert r.status_code == 200, r.text
    assert [i["id"] for i in r.json()["items"]] == [str(old)]
    r = await client.get("/v1/admin/audit-log", params={"subject_id": str(subject)}, headers=headers)
    assert [i["id"] for i in r.json()["items"]] == [str(recent)]

    # A policy row sets the period; the function keeps at least 30 days online.
    await owner_db.execute(
        insert(DataRetentionPolicy).values(
            data_category="audit_archive",
            retention_days=90,
            action=RetentionAction.archive,
            legal_basis="test",
        )
    )
    await owner_db.commit()
    report = (await client.get("/v1/admin/retention", headers=headers)).json()
    assert report["audit_archive"] == {"retention_days": 90, "rows": report["audit_archive"]["rows"]}
    assert report["audit_archive"]["rows"] >= 1


async def test_audit_entries_leave_only_through_the_archive(
    app_db: Database, raw_owner: AsyncConnection
) -> None:
    """The API's role cannot delete audit entries (no grant), even with the archiving marker set;
    the owner cannot either without it (the trigger); the function keeps 30 days online."""
    async with app_db.unit_of_work(Principal(None, "admin")) as session:
        await session.execute(text("SELECT set_config('app.audit_archiving', 'on', true)"))
        with pytest.raises(DBAPIError, match=r"permission denied|append-only"):
            async with session.begin_nested():
                await session.execute(text("DELETE FROM audit_logs WHERE action = 'admin.users.searched'"))
        with pytest.raises(DBAPIError, match="at least 30 days"):
            async with session.begin_nested():
                await session.execute(text("SELECT app_archive_audit(true, 1)"))
    try:
        entry = uuid.uuid4()
        await raw_owner.execute(
            text(
                "INSERT INTO audit_logs (id, actor_role, action, outcome)"
                " VALUES (:i, 'system', 'test.delete', 'success')"
            ),
            {"i": entry},
        )
        with pytest.raises(DBAPIError, match="append-only"):
            await raw_owner.execute(text("DELETE FROM audit_logs WHERE id = :i"), {"i": entry})
    finally:
        await raw_owner.rollback()


@pytest.mark.parametrize(("login", "allowed"), [(WORKER_ROLE, True), (APP_ROLE, False)])
async def test_the_worker_archives_as_system_and_the_api_role_cannot(
    database_url: str, login: str, allowed: bool
) -> None:
    """The worker's retention runs as the system actor on its own login role; the API's role
    claiming to be the system actor is refused (only an administrator may archive from the API)."""
    engine = create_async_engine(async_url(as_role(database_url, login, None)))
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT set_config('app.current_role', 'system', true)"))
            call = text("SELECT app_archive_audit(false, 365)")
            if allowed:
                assert (await conn.execute(call)).scalar_one() >= 0
            else:
                with pytest.raises(DBAPIError, match="administrator or the worker"):
                    await conn.execute(call)
            await conn.rollback()
    finally:
        await engine.dispose()
