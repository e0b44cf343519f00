"""Finding 7 of issue #14: two tabs refreshing at once must not sign the person out.

Within ``HP_REFRESH_REUSE_GRACE_SECONDS`` of a rotation, the rotated refresh token returns the
same successor refresh token (and an access token for its session) instead of revoking the
family; after the window, reuse is a replay and revokes the family as before.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.users.models import UserSession
from tests.api.auth_helpers import bearer, owner_all, signed_in
from tests.chat.chat_client import new_user
from tests.conftest import LiveServer


async def _refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/v1/auth/refresh", json={"refresh_token": token})


async def _rows(owner_db: AsyncSession, user_id: str) -> list[UserSession]:
    return await owner_all(owner_db, select(UserSession).where(UserSession.user_id == user_id))


async def test_parallel_refreshes_get_the_same_pair(live_server: LiveServer) -> None:
    """Through the real server (its own connections, so the two refreshes truly race)."""
    user = await new_user(live_server.http_url)
    async with httpx.AsyncClient(base_url=live_server.http_url, timeout=30) as http:
        a, b = await asyncio.gather(
            _refresh(http, user["refresh_token"]), _refresh(http, user["refresh_token"])
        )
        assert (a.status_code, b.status_code) == (200, 200), (a.text, b.text)
        assert a.json()["refresh_token"] == b.json()["refresh_token"] != user["refresh_token"]
        for tokens in (a.json(), b.json()):
            assert (await http.get("/v1/me", headers=bearer(tokens))).status_code == 200
        sessions = (await http.get("/v1/auth/sessions", headers=bearer(a.json()))).json()
        assert len(sessions) == 1  # one signed-in device, still live
        # The shared successor keeps rotating normally.
        assert (await _refresh(http, a.json()["refresh_token"])).status_code == 200


async def test_reuse_inside_the_window_then_after_it(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    _, first = await signed_in(client)
    second = (await _refresh(client, first["refresh_token"])).json()
    again = await _refresh(client, first["refresh_token"])  # the other tab, a moment later
    assert again.status_code == 200
    assert again.json()["refresh_token"] == second["refresh_token"]

    await owner_db.execute(
        update(UserSession)
        .where(UserSession.user_id == first["user_id"], UserSession.rotated_at.is_not(None))
        .values(rotated_at=UserSession.rotated_at - dt.timedelta(seconds=11))
    )
    await owner_db.commit()
    late = await _refresh(client, first["refresh_token"])
    assert late.status_code == 401
    assert all(r.revoked_at is not None for r in await _rows(owner_db, first["user_id"]))
    assert (await _refresh(client, second["refresh_token"])).status_code == 401


async def test_no_grace_once_the_successor_is_signed_out(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    _, first = await signed_in(client)
    second = (await _refresh(client, first["refresh_token"])).json()
    assert (await client.post("/v1/auth/logout", headers=bearer(second))).status_code == 204
    assert (await _refresh(client, first["refresh_token"])).status_code == 401


async def test_no_grace_once_the_successor_rotated(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    """The old token cannot be used to fork a rotated chain: that is a replay."""
    _, first = await signed_in(client)
    second = (await _refresh(client, first["refresh_token"])).json()
    assert (await _refresh(client, second["refresh_token"])).status_code == 200
    assert (await _refresh(client, first["refresh_token"])).status_code == 401
    assert all(r.revoked_at is not None for r in await _rows(owner_db, first["user_id"]))
