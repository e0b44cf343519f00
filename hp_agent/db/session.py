"""Engine, sessions and the per-transaction principal that row-level security reads.

One unit of work per HTTP request or inbound websocket frame: :meth:`Database.unit_of_work`
commits when the block ends without error and rolls back otherwise. Services flush, never commit.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

# Registers the per-person data-key hooks on HPSession and the v2 key resolver (data_keys.py),
# so every session that writes or reads encrypted columns has them.
from hp_agent.db import data_keys as _data_keys  # noqa: F401
from hp_agent.db.principal import ANONYMOUS as ANONYMOUS
from hp_agent.db.principal import HPSession as HPSession
from hp_agent.db.principal import Principal as Principal
from hp_agent.db.principal import set_principal as set_principal


def async_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (as pgserver and operators write them) for asyncpg."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        u = u.set(drivername="postgresql+asyncpg")
    return u.render_as_string(hide_password=False)


# A pooled connection unused for longer than this is pinged before it is handed out. SQLAlchemy's
# pool_pre_ping pings on every checkout, and with asyncpg a ping is three round trips (BEGIN, an
# empty query, ROLLBACK): on a busy chat that was a third of all statements for nothing, since a
# connection used a moment ago is alive. A connection that dies while in use is invalidated by
# SQLAlchemy's disconnect handling together with every older one in the pool.
PING_AFTER_IDLE_SECONDS = 5.0
_CHECKED_IN = "hp_checked_in_at"


def _note_checkin(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info[_CHECKED_IN] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
    idle_since = record.info.get(_CHECKED_IN)
    if idle_since is None or time.monotonic() - idle_since <= PING_AFTER_IDLE_SECONDS:
        return  # new (just connected) or recently used
    try:
        dbapi_connection.ping()
    except Exception as error:
        # The pool discards this connection and hands out another (or opens a new one).
        raise exc.DisconnectionError("stale pooled connection") from error


class Database:
    def __init__(self, url: str, **engine_kw: Any) -> None:
        # hide_parameters: a database error's message would otherwise quote the bound values,
        # which are what people typed, into any log line that prints it.
        engine_kw.setdefault("hide_parameters", True)
        self.engine: AsyncEngine | None = create_async_engine(async_url(url), **engine_kw)
        event.listen(self.engine.sync_engine, "checkin", _note_checkin)
        event.listen(self.engine.sync_engine, "checkout", _ping_if_idle)
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=HPSession
        )

    @classmethod
    def from_sessionmaker(cls, sessionmaker: async_sessionmaker[AsyncSession]) -> Database:
        """A database whose sessions come from ``sessionmaker`` (tests bind it to one connection)."""
        db = cls.__new__(cls)
        db.engine = None
        db.sessionmaker = sessionmaker
        return db

    @asynccontextmanager
    async def unit_of_work(self, principal: Principal = ANONYMOUS) -> AsyncIterator[AsyncSession]:
        async with self.sessionmaker() as session:
            session.info["principal"] = principal
            async with session.begin():
                yield session

    async def dispose(self) -> None:
        if self.engine is not None:
            await self.engine.dispose()
