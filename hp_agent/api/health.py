from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from hp_agent.api.deps import DbSession

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(db: DbSession) -> dict[str, str]:
    await db.execute(text("SELECT 1"))
    return {"status": "ok"}
