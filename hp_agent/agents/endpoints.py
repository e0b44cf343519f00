"""``/v1/agents``: the agents a person can talk to; admins create and edit them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from hp_agent.agents import service
from hp_agent.agents.schemas import AgentAdminDetail, AgentCreate, AgentDetail, AgentPatch, AgentSummary
from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser, require_role
from hp_agent.db.session import Principal

router = APIRouter(prefix="/v1/agents", tags=["agents"])

Admin = Annotated[Principal, Depends(require_role("admin"))]
Slug = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")]


@router.get("", response_model=list[AgentSummary])
async def list_agents(user: CurrentUser, db: DbSession) -> list[AgentSummary]:
    return [AgentSummary.model_validate(a) for a in await service.list_agents(db)]


@router.get("/{slug}", response_model=AgentDetail)
async def get_agent(slug: Slug, user: CurrentUser, db: DbSession) -> AgentDetail:
    return AgentDetail.model_validate(await service.get_agent(db, slug, user))


@router.post("", response_model=AgentAdminDetail, status_code=201)
async def create_agent(body: AgentCreate, admin: Admin, db: DbSession) -> AgentAdminDetail:
    return AgentAdminDetail.model_validate(await service.create_agent(db, admin, body))


@router.patch("/{slug}", response_model=AgentAdminDetail)
async def update_agent(slug: Slug, body: AgentPatch, admin: Admin, db: DbSession) -> AgentAdminDetail:
    return AgentAdminDetail.model_validate(await service.update_agent(db, admin, slug, body))
