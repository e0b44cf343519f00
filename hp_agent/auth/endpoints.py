"""``/v1/auth``: register, login, refresh, logout and signed-in sessions."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status
from fastapi.responses import JSONResponse

from hp_agent.api.deps import DbSession
from hp_agent.api.errors import error_body
from hp_agent.auth import service
from hp_agent.auth.dependencies import AppSettings, Client, CurrentAuth, EnrollingAuth
from hp_agent.auth.schemas import (
    LoginIn,
    MfaChallengeOut,
    RefreshIn,
    RegisteredOut,
    RegisterIn,
    SessionOut,
    TokenOut,
)

router = APIRouter(prefix="/v1/auth", tags=["auth"])


def _rejection(rejected: service.Rejected) -> JSONResponse:
    # Returned, not raised, so the unit of work commits the counters, revocations and audit rows.
    error = rejected.error
    headers: dict[str, str] = {"Cache-Control": "no-store"}
    if error.status_code == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if rejected.retry_after is not None:
        headers["Retry-After"] = str(rejected.retry_after)
    return JSONResponse(
        error_body(error.code, error.message, error.details), status_code=error.status_code, headers=headers
    )


@router.post("/register", status_code=status.HTTP_201_CREATED, response_model=RegisteredOut)
async def register(body: RegisterIn, db: DbSession, client: Client, settings: AppSettings) -> RegisteredOut:
    """Create a patient account. A taken address gets the same answer (nothing is revealed); its
    owner is emailed instead. A new address is sent a verification link."""
    return await service.register(db, body, client, settings)


@router.post("/login", response_model=TokenOut | MfaChallengeOut, responses={401: {}, 403: {}, 429: {}})
async def login(
    body: LoginIn, db: DbSession, client: Client, settings: AppSettings, response: Response
) -> TokenOut | MfaChallengeOut | JSONResponse:
    """Tokens; or, for an account with a second factor, an ``mfa_token`` for ``/login/mfa``."""
    result = await service.login(db, body.email, body.password, client, settings)
    if isinstance(result, service.Rejected):
        return _rejection(result)
    response.headers["Cache-Control"] = "no-store"
    return result


@router.post("/refresh", response_model=TokenOut, responses={401: {}})
async def refresh(
    body: RefreshIn, db: DbSession, client: Client, settings: AppSettings, response: Response
) -> TokenOut | JSONResponse:
    result = await service.refresh(db, body.refresh_token, client, settings)
    if isinstance(result, service.Rejected):
        return _rejection(result)
    response.headers["Cache-Control"] = "no-store"
    return result


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(auth: EnrollingAuth, db: DbSession, client: Client) -> None:
    await service.logout(db, auth.principal, auth.session, client)


@router.post("/sessions/revoke-all", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_all(auth: CurrentAuth, db: DbSession, client: Client) -> None:
    await service.revoke_all(db, auth.principal, client)


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, responses={404: {}})
async def revoke_session(session_id: uuid.UUID, auth: CurrentAuth, db: DbSession, client: Client) -> None:
    await service.revoke_one(db, auth.principal, session_id, client)


@router.get("/sessions", response_model=list[SessionOut])
async def list_sessions(auth: CurrentAuth, db: DbSession) -> list[SessionOut]:
    return await service.list_sessions(db, auth.principal, auth.session)
