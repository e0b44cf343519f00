"""Opening a sign-in session: the refresh-token row and the access token that goes with it.

The one place sessions are opened: a password login (``service.py``), a second-factor login
(``mfa.py``) and a refresh all come here.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth.schemas import ClientInfo, TokenOut
from hp_agent.auth.security import issue_access_token, new_refresh_token, token_digest
from hp_agent.compliance.audit import clean_ip, clean_user_agent
from hp_agent.config import Settings
from hp_agent.db.session import Principal
from hp_agent.users.models import UserRole, UserSession


async def open_session(
    session: AsyncSession,
    principal: Principal,
    family_id: uuid.UUID,
    client: ClientInfo,
    settings: Settings,
    now: dt.datetime,
    refresh_token: str | None = None,
) -> tuple[UserSession, TokenOut]:
    assert principal.user_id is not None
    refresh_token = refresh_token or new_refresh_token()
    row = UserSession(
        id=uuid.uuid4(),
        user_id=principal.user_id,
        token_hash=token_digest(refresh_token),
        family_id=family_id,
        user_agent=clean_user_agent(client.user_agent),
        ip=clean_ip(client.ip),
        expires_at=now + dt.timedelta(seconds=settings.refresh_token_ttl_seconds),
    )
    session.add(row)
    await session.flush()
    access, ttl = issue_access_token(
        settings, user_id=principal.user_id, role=principal.role, session_id=row.id, now=now
    )
    tokens = TokenOut(
        access_token=access,
        expires_in=ttl,
        refresh_token=refresh_token,
        refresh_expires_in=settings.refresh_token_ttl_seconds,
        user_id=principal.user_id,
        role=UserRole(principal.role),
    )
    return row, tokens
