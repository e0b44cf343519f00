"""``/v1/me``: the signed-in person's own account and profile."""

from __future__ import annotations

from fastapi import APIRouter

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser
from hp_agent.users import service
from hp_agent.users.schemas import MeOut, MePatch

router = APIRouter(prefix="/v1/me", tags=["me"])


@router.get("", response_model=MeOut)
async def get_me(user: CurrentUser, db: DbSession) -> MeOut:
    return service.me_out(*await service.load_me(db, user))


@router.patch("", response_model=MeOut)
async def patch_me(body: MePatch, user: CurrentUser, db: DbSession) -> MeOut:
    return await service.update_me(db, user, body)
