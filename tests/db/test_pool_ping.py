"""Pooled connections are pinged only after sitting idle, and a dead one is replaced, not used."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncEngine

from hp_agent.db import session as db_session
from hp_agent.db.session import Database


@pytest.fixture
async def one_connection_db(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, pool_size=1, max_overflow=0)
    yield db
    await db.dispose()


async def _backend_pid(db: Database) -> int:
    async with db.unit_of_work() as s:
        return int((await s.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _kill(owner_engine: AsyncEngine, pid: int) -> None:
    async with owner_engine.connect() as conn:
        killed = (await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})).scalar_one()
    assert killed


async def test_idle_connection_is_pinged_and_replaced(
    one_connection_db: Database, owner_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await _backend_pid(one_connection_db)
    await _kill(owner_engine, first)
    monkeypatch.setattr(db_session, "PING_AFTER_IDLE_SECONDS", 0.0)  # everything counts as idle

    # The ping finds the connection dead; the pool opens a new one and the work succeeds.
    second = await _backend_pid(one_connection_db)
    assert second != first


async def test_recently_used_connection_is_not_pinged(
    one_connection_db: Database, owner_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_session, "PING_AFTER_IDLE_SECONDS", 3600.0)
    first = await _backend_pid(one_connection_db)
    await _kill(owner_engine, first)

    # No ping, so the dead connection is used and fails once...
    with pytest.raises(exc.DBAPIError) as caught:
        await _backend_pid(one_connection_db)
    assert caught.value.connection_invalidated
    # ...and disconnect handling has dropped it: the next unit of work gets a live one.
    assert await _backend_pid(one_connection_db) != first
