"""Every router the service mounts, in one list."""

from __future__ import annotations

from fastapi import APIRouter

from hp_agent.api.health import router as health_router
from hp_agent.auth.endpoints import router as auth_router
from hp_agent.users.endpoints import router as me_router


def all_routers() -> list[APIRouter]:
    return [health_router, auth_router, me_router]
