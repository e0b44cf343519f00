"""Liveness and readiness (docs/operations.md).

- ``/healthz`` and ``/livez``: the process answers. No dependency is touched, so an outage of the
  database does not get every instance restarted at once by its orchestrator.
- ``/readyz``: the instance can serve: PostgreSQL answers as the application role and Redis
  answers a PING (when one is configured). Otherwise 503 with which check failed, so a load
  balancer stops sending it traffic until they are back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from hp_agent.config import Settings
from hp_agent.db.session import Database

log = logging.getLogger("hp_agent.health")
router = APIRouter(tags=["health"])
CHECK_SECONDS = 2.0


@router.get("/healthz")
@router.get("/livez")
async def live() -> dict[str, str]:
    return {"status": "ok"}


async def _database(db: Database) -> None:
    async with db.unit_of_work() as session:
        await session.execute(text("SELECT 1"))


async def _redis(request: Request, settings: Settings) -> None:
    # Without the lifespan (an app under a bare ASGI transport) there is no state and no broker.
    hp = getattr(request.app.state, "hp", None)
    client = hp.redis if hp is not None else None
    if client is not None:
        await client.ping()
        return
    # No lifespan-owned client (an app without its lifespan, or the broker is not started yet).
    import redis.asyncio as aioredis

    assert settings.redis_url is not None
    transient = aioredis.Redis.from_url(
        settings.redis_url, socket_connect_timeout=CHECK_SECONDS, socket_timeout=CHECK_SECONDS
    )
    try:
        await transient.ping()
    finally:
        await transient.aclose()


async def _check(name: str, probe: Coroutine[Any, Any, None]) -> tuple[str, str]:
    try:
        await asyncio.wait_for(probe, CHECK_SECONDS)
    except Exception as exc:
        # The cause goes to the operator's log (by type: messages can quote connection strings).
        log.warning("readiness: %s unavailable (%s)", name, type(exc).__name__)
        return name, "unavailable"
    return name, "ok"


@router.get("/readyz", responses={503: {"description": "a dependency is unreachable"}})
async def ready(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    probes = [_check("database", _database(request.app.state.db))]
    if settings.redis_url is not None:
        probes.append(_check("redis", _redis(request, settings)))
    checks = dict(await asyncio.gather(*probes))
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": checks},
        status_code=200 if ok else 503,
        headers={"Cache-Control": "no-store"},
    )
