"""The harness itself: real servers answer, the app role is confined by RLS."""

from __future__ import annotations

import redis.asyncio as aioredis
from sqlalchemy import text


async def test_postgres_answers_as_app_role(app_db) -> None:
    async with app_db.unit_of_work() as s:
        who = (await s.execute(text("select current_user"))).scalar_one()
    assert who == "hp_app"


async def test_app_role_cannot_bypass_rls(owner_db) -> None:
    row = (
        await owner_db.execute(text("select rolsuper, rolbypassrls from pg_roles where rolname = 'hp_app'"))
    ).one()
    assert tuple(row) == (False, False)


async def test_redis_answers(redis_url: str) -> None:
    r = aioredis.Redis.from_url(redis_url)
    try:
        assert await r.ping() is True
    finally:
        await r.aclose()


async def test_healthz(client) -> None:
    resp = await client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


async def test_live_server_serves_real_socket(live_server) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=live_server.http_url) as c:
        resp = await c.get("/healthz")
    assert resp.status_code == 200
