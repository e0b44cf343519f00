"""SQL for agent configurations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.agents.models import AIAgentConfiguration


async def list_active(session: AsyncSession) -> list[AIAgentConfiguration]:
    rows = await session.scalars(
        select(AIAgentConfiguration).where(AIAgentConfiguration.is_active).order_by(AIAgentConfiguration.name)
    )
    return list(rows.all())


async def get_by_slug(
    session: AsyncSession, slug: str, *, for_update: bool = False
) -> AIAgentConfiguration | None:
    stmt = select(AIAgentConfiguration).where(AIAgentConfiguration.slug == slug)
    if for_update:
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def add(session: AsyncSession, values: dict[str, Any]) -> AIAgentConfiguration:
    row = AIAgentConfiguration(**values)
    session.add(row)
    await session.flush()
    return row
