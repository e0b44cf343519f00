"""Operator-side account creation (``hp-agent create-user``): any role, audited as the system."""

from __future__ import annotations

import uuid

from hp_agent.auth.service import create_user
from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.db.urls import app_database_url
from hp_agent.errors import HPError
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM


async def create_user_cli(settings: Settings, email: str, password: str, role: str) -> uuid.UUID:
    db = Database(app_database_url(settings))
    try:
        async with db.unit_of_work(SYSTEM) as session:
            try:
                user = await create_user(
                    session,
                    email,
                    password,
                    UserRole(role),
                    actor=SYSTEM,
                    audit_action="user.created_by_operator",
                )
            except HPError as exc:
                raise RuntimeError(exc.message) from None
            return user.id
    finally:
        await db.dispose()
