"""Engine, sessions and the per-transaction principal that row-level security reads.

One unit of work per HTTP request or inbound websocket frame: :meth:`Database.unit_of_work`
commits when the block ends without error and rolls back otherwise. Services flush, never commit.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, SessionTransaction


@dataclass(frozen=True, slots=True)
class Principal:
    """Who the current transaction acts for; RLS policies read it through ``app.*`` settings."""

    user_id: uuid.UUID | None
    role: str = "anonymous"  # patient | therapist | admin | system | anonymous


ANONYMOUS = Principal(None, "anonymous")
_SET_PRINCIPAL = text(
    "SELECT set_config('app.current_user_id', :uid, true), set_config('app.current_role', :role, true)"
)


class HPSession(Session):
    """Session class whose transactions carry the principal in ``info['principal']``."""


def _principal_params(principal: Principal) -> dict[str, str]:
    return {"uid": str(principal.user_id) if principal.user_id else "", "role": principal.role}


@event.listens_for(HPSession, "after_begin")
def _apply_principal(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    principal: Principal = session.info.get("principal", ANONYMOUS)
    connection.execute(_SET_PRINCIPAL, _principal_params(principal))


async def set_principal(session: AsyncSession, principal: Principal) -> None:
    """Switch the principal; applies at once if the transaction already has a connection."""
    session.info["principal"] = principal
    if session.in_transaction():
        await session.execute(_SET_PRINCIPAL, _principal_params(principal))


def async_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (as pgserver and operators write them) for asyncpg."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"):
        u = u.set(drivername="postgresql+asyncpg")
    return u.render_as_string(hide_password=False)


def as_role(url: str, role: str, password: str | None) -> str:
    """The same server and database, connecting as ``role`` (the application role)."""
    u = make_url(url).set(username=role, password=password or None)
    return u.render_as_string(hide_password=False)


class Database:
    def __init__(self, url: str, **engine_kw: Any) -> None:
        self.engine: AsyncEngine | None = create_async_engine(async_url(url), pool_pre_ping=True, **engine_kw)
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
