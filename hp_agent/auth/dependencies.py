"""Who is calling: bearer-token authentication for HTTP (and, via authenticate_token, websockets).

A valid signature is not enough: the token's session must still exist and be unrevoked and the
account active, so logout and "sign out everywhere" take effect before the token expires.
The role comes from the database, not the token, so a role change applies at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.api.deps import DbSession
from hp_agent.auth import mfa
from hp_agent.auth import repository as sessions_repo
from hp_agent.auth.schemas import ClientInfo
from hp_agent.auth.security import InvalidToken, decode_access_token
from hp_agent.config import Settings, get_settings
from hp_agent.db.session import ANONYMOUS, Principal, set_principal
from hp_agent.errors import Forbidden, Unauthorized
from hp_agent.users.models import UserRole, UserSession, UserStatus

_bearer = HTTPBearer(auto_error=False, description="Access token from /v1/auth/login")
_NOT_AUTHENTICATED = "Authentication required."
_INVALID = "The access token is invalid or has expired."


@dataclass(frozen=True, slots=True)
class Authenticated:
    principal: Principal
    session: UserSession


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AppSettings = Annotated[Settings, Depends(app_settings)]


def client_info(request: Request) -> ClientInfo:
    # The direct peer only: forwarded headers are spoofable unless a trusted proxy is configured.
    return ClientInfo(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


Client = Annotated[ClientInfo, Depends(client_info)]


class MfaEnrollmentRequired(Unauthorized):
    """A role that must use a second factor has none yet: only enrolment is open (403). An
    ``Unauthorized`` so that sockets, which close on that, close on this too."""

    status_code = 403
    code = "mfa_enrollment_required"


async def authenticate(
    session: AsyncSession, token: str, settings: Settings, *, allow_restricted: bool = False
) -> Authenticated:
    """Verify the JWT and its session; on success the session's principal is the token's user.

    ``allow_restricted``: also accept a clinician or admin who has not enrolled a second factor yet
    (only the enrolment endpoints and sign-out pass it; hp_agent/auth/mfa.py)."""
    try:
        claims = decode_access_token(settings, token)
    except InvalidToken:
        raise Unauthorized(_INVALID, code="invalid_token") from None
    # Act as the claimed user (signature checked) to read their own session row through the RLS
    # owner policy. The role is not trusted until read from the database, so the lookup carries
    # none that a policy grants anything to.
    await set_principal(session, Principal(claims.user_id, ANONYMOUS.role))
    found = await sessions_repo.get_with_user(session, claims.session_id, claims.user_id)
    if found is None:
        await set_principal(session, ANONYMOUS)
        raise Unauthorized(_INVALID, code="invalid_token")
    row, user = found
    if row.revoked_at is not None or user.status != UserStatus.active or user.role == UserRole.system:
        await set_principal(session, ANONYMOUS)
        raise Unauthorized("This session has been signed out.", code="session_revoked")
    principal = Principal(user.id, user.role.value)
    await set_principal(session, principal)
    if not allow_restricted and await mfa.enrollment_required(session, user, settings):
        raise MfaEnrollmentRequired(
            "Set up two-step sign-in to continue (required for clinicians and administrators)."
        )
    return Authenticated(principal, row)


async def authenticate_token(
    session: AsyncSession, token: str, settings: Settings | None = None
) -> Principal:
    """For the websocket layer: the principal of a bearer token, or Unauthorized."""
    return (await authenticate(session, token, settings or get_settings())).principal


async def _current(
    db: DbSession,
    settings: AppSettings,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Authenticated:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized(_NOT_AUTHENTICATED, code="not_authenticated")
    return await authenticate(db, credentials.credentials, settings)


async def _current_user(auth: Annotated[Authenticated, Depends(_current)]) -> Principal:
    return auth.principal


async def _current_enrolling(
    db: DbSession,
    settings: AppSettings,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Authenticated:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized(_NOT_AUTHENTICATED, code="not_authenticated")
    return await authenticate(db, credentials.credentials, settings, allow_restricted=True)


# The caller, even in a restricted session (second factor required but not set up yet).
EnrollingAuth = Annotated[Authenticated, Depends(_current_enrolling)]


CurrentAuth = Annotated[Authenticated, Depends(_current)]
CurrentUser = Annotated[Principal, Depends(_current_user)]


def require_role(*roles: str) -> Callable[..., Awaitable[Principal]]:
    """Dependency: the current user, refused with 403 unless their role is one of ``roles``."""
    allowed = frozenset(roles)

    async def dependency(user: CurrentUser) -> Principal:
        if user.role not in allowed:
            raise Forbidden("You do not have permission to do this.")
        return user

    return dependency
