"""Request-scoped dependencies: the unit of work and its principal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.db.session import ANONYMOUS, Database


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def _unit_of_work(request: Request) -> AsyncIterator[AsyncSession]:
    # scope="function": the commit happens after the endpoint returns and before the
    # response is sent, so a 2xx always means the write is durable.
    async with get_database(request).unit_of_work(ANONYMOUS) as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(_unit_of_work, scope="function")]
