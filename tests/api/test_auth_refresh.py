"""Refresh-token rotation, reuse detection, logout, revoke-all and the sessions list."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance.models import AuditLog
from hp_agent.users.models import SessionRevokeReason, UserSession
from tests.api.auth_helpers import bearer, login, owner_all, signed_in


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/v1/auth/refresh", json={"refresh_token": token})


async def _family(owner_db: AsyncSession, user_id: str) -> list[UserSession]:
    return await owner_all(
        owner_db,
        # Within the test's one transaction now() is the same for every row: a rotated row
        # (the older one of a pair) sorts first when the creation times tie.
        select(UserSession)
        .where(UserSession.user_id == user_id)
        .order_by(UserSession.created_at, UserSession.rotated_at.is_(None), UserSession.id),
    )


async def test_refresh_rotates_within_the_family(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    _, first = await signed_in(client)
    r = await _refresh(client, first["refresh_token"])
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert (await client.get("/v1/me", headers=bearer(second))).status_code == 200

    rows = await _family(owner_db, first["user_id"])
    assert len(rows) == 2
    old, new = rows
    assert old.family_id == new.family_id
    assert old.rotated_at is not None
    assert old.replaced_by == new.id
    assert new.rotated_at is None
    assert new.revoked_at is None

    # The new token rotates again.
    third = await _refresh(client, second["refresh_token"])
    assert third.status_code == 200
    actions = [
        a.action
        for a in await owner_all(owner_db, select(AuditLog).where(AuditLog.actor_id == first["user_id"]))
    ]
    assert actions.count("auth.refresh") == 2


async def _past_grace(owner_db: AsyncSession, user_id: str) -> None:
    """Move the family's rotations back beyond the parallel-refresh grace window."""
    await owner_db.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.rotated_at.is_not(None))
        .values(rotated_at=UserSession.rotated_at - dt.timedelta(minutes=5))
    )
    await owner_db.commit()


async def test_reusing_a_rotated_token_revokes_the_family(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    _, first = await signed_in(client)
    second = (await _refresh(client, first["refresh_token"])).json()
    await _past_grace(owner_db, first["user_id"])

    r = await _refresh(client, first["refresh_token"])  # replayed (stolen?) token
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthorized"

    rows = await _family(owner_db, first["user_id"])
    assert all(row.revoked_at is not None for row in rows)
    assert {row.revoked_reason for row in rows} == {SessionRevokeReason.reuse_detected}
    # The legitimate holder of the newest token is signed out too.
    assert (await _refresh(client, second["refresh_token"])).status_code == 401
    assert (await client.get("/v1/me", headers=bearer(second))).status_code == 401

    audit = await owner_all(
        owner_db, select(AuditLog).where(AuditLog.action == "auth.refresh_reuse_detected")
    )
    assert len(audit) == 1
    assert str(audit[0].actor_id) == first["user_id"]
    assert audit[0].outcome.value == "denied"


async def test_reuse_detection_leaves_other_devices_alone(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    email, phone = await signed_in(client)
    laptop = (await login(client, email)).json()
    await _refresh(client, phone["refresh_token"])
    await _past_grace(owner_db, phone["user_id"])
    assert (await _refresh(client, phone["refresh_token"])).status_code == 401
    assert (await _refresh(client, laptop["refresh_token"])).status_code == 200


async def test_unknown_and_expired_refresh_tokens(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    assert (await _refresh(client, "nope")).status_code == 401
    _, tokens = await signed_in(client)
    await owner_db.execute(
        update(UserSession)
        .where(UserSession.user_id == tokens["user_id"])
        .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    )
    await owner_db.commit()
    assert (await _refresh(client, tokens["refresh_token"])).status_code == 401


async def test_logout_revokes_the_current_family_only(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    email, phone = await signed_in(client)
    laptop = (await login(client, email)).json()
    assert (await client.post("/v1/auth/logout", headers=bearer(phone))).status_code == 204
    assert (await _refresh(client, phone["refresh_token"])).status_code == 401
    assert (await client.get("/v1/me", headers=bearer(laptop))).status_code == 200
    audit = await owner_all(
        owner_db,
        select(AuditLog).where(AuditLog.action == "auth.logout", AuditLog.actor_id == phone["user_id"]),
    )
    assert len(audit) == 1


async def test_sessions_list_and_revoke_all(client: httpx.AsyncClient) -> None:
    email, phone = await signed_in(client)
    laptop = (await login(client, email)).json()
    await _refresh(client, laptop["refresh_token"])  # rotation keeps one entry per device

    r = await client.get("/v1/auth/sessions", headers=bearer(phone))
    assert r.status_code == 200
    listed = r.json()
    assert len(listed) == 2
    assert [s["current"] for s in listed].count(True) == 1
    assert all(s["ip"] == "127.0.0.1" for s in listed)
    assert "token" not in r.text

    assert (await client.post("/v1/auth/sessions/revoke-all", headers=bearer(phone))).status_code == 204
    assert (await client.get("/v1/me", headers=bearer(laptop))).status_code == 401
    assert (await client.get("/v1/me", headers=bearer(phone))).status_code == 401
    assert (await _refresh(client, laptop["refresh_token"])).status_code == 401


async def test_sessions_are_private(client: httpx.AsyncClient) -> None:
    _, alice = await signed_in(client, "alice")
    _, bob = await signed_in(client, "bob")
    listed = (await client.get("/v1/auth/sessions", headers=bearer(alice))).json()
    assert len(listed) == 1
    assert (await client.get("/v1/auth/sessions", headers=bearer(bob))).json()[0]["id"] != listed[0]["id"]


async def test_revoke_one_device(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    email, phone = await signed_in(client)
    laptop = (await login(client, email)).json()
    listed = (await client.get("/v1/auth/sessions", headers=bearer(phone))).json()
    laptop_id = next(s["id"] for s in listed if not s["current"])

    r = await client.delete(f"/v1/auth/sessions/{laptop_id}", headers=bearer(phone))
    assert r.status_code == 204
    assert (await client.get("/v1/me", headers=bearer(laptop))).status_code == 401
    assert (await client.get("/v1/me", headers=bearer(phone))).status_code == 200
    # Already revoked, or someone else's: 404 either way.
    assert (await client.delete(f"/v1/auth/sessions/{laptop_id}", headers=bearer(phone))).status_code == 404
    _, other = await signed_in(client, "other")
    other_id = (await client.get("/v1/auth/sessions", headers=bearer(other))).json()[0]["id"]
    assert (await client.delete(f"/v1/auth/sessions/{other_id}", headers=bearer(phone))).status_code == 404
    assert (await client.get("/v1/me", headers=bearer(other))).status_code == 200
