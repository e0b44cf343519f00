"""Access tokens on protected endpoints: expired, forged, wrong type, revoked session → 401."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import httpx
import jwt
import pytest
from fastapi import Depends
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.app import create_app
from hp_agent.auth.dependencies import authenticate_token, require_role
from hp_agent.config import Settings
from hp_agent.db.session import Database, Principal
from hp_agent.errors import Unauthorized
from hp_agent.users.models import User, UserRole
from tests import mfa_helpers
from tests.api.auth_helpers import bearer, signed_in


def _claims(settings: Settings, tokens: dict[str, Any]) -> dict[str, Any]:
    return jwt.decode(tokens["access_token"], settings.jwt_secret.get_secret_value(), algorithms=["HS256"])


def _sign(settings: Settings, claims: dict[str, Any], key: str | None = None) -> str:
    return jwt.encode(claims, key or settings.jwt_secret.get_secret_value(), algorithm="HS256")


async def _assert_401(client: httpx.AsyncClient, headers: dict[str, str], code: str) -> None:
    r = await client.get("/v1/me", headers=headers)
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == code
    assert r.headers["www-authenticate"] == "Bearer"


async def test_valid_token_reaches_protected_endpoint(client: httpx.AsyncClient) -> None:
    _, tokens = await signed_in(client)
    assert (await client.get("/v1/me", headers=bearer(tokens))).status_code == 200


async def test_missing_or_malformed_header(client: httpx.AsyncClient) -> None:
    await _assert_401(client, {}, "not_authenticated")
    await _assert_401(client, {"Authorization": "Basic abc"}, "not_authenticated")
    await _assert_401(client, bearer("not-a-jwt"), "invalid_token")


async def test_expired_token(client: httpx.AsyncClient, settings: Settings) -> None:
    _, tokens = await signed_in(client)
    claims = _claims(settings, tokens)
    past = int(dt.datetime.now(dt.UTC).timestamp()) - 3600
    claims.update(iat=past, exp=past + 60)
    await _assert_401(client, bearer(_sign(settings, claims)), "invalid_token")


async def test_forged_signature(client: httpx.AsyncClient, settings: Settings) -> None:
    _, tokens = await signed_in(client)
    forged = _sign(settings, _claims(settings, tokens), key="an-attacker-guessed-this-secret-0123456789")
    await _assert_401(client, bearer(forged), "invalid_token")
    # alg=none is refused too.
    unsigned = jwt.encode(_claims(settings, tokens), "", algorithm="none")
    await _assert_401(client, bearer(unsigned), "invalid_token")


async def test_wrong_token_type(client: httpx.AsyncClient, settings: Settings) -> None:
    _, tokens = await signed_in(client)
    claims = _claims(settings, tokens)
    claims["typ"] = "refresh"
    await _assert_401(client, bearer(_sign(settings, claims)), "invalid_token")
    del claims["typ"]
    await _assert_401(client, bearer(_sign(settings, claims)), "invalid_token")


async def test_token_for_unknown_session(client: httpx.AsyncClient, settings: Settings) -> None:
    _, tokens = await signed_in(client)
    claims = _claims(settings, tokens)
    claims["sid"] = str(uuid.uuid4())
    await _assert_401(client, bearer(_sign(settings, claims)), "invalid_token")


async def test_revoked_session_after_logout(client: httpx.AsyncClient) -> None:
    _, tokens = await signed_in(client)
    r = await client.post("/v1/auth/logout", headers=bearer(tokens))
    assert r.status_code == 204
    await _assert_401(client, bearer(tokens), "session_revoked")


async def test_suspended_user_token_stops_working(
    client: httpx.AsyncClient, owner_db: AsyncSession, settings: Settings
) -> None:
    _, tokens = await signed_in(client)
    user_id = _claims(settings, tokens)["sub"]
    await owner_db.execute(update(User).where(User.id == uuid.UUID(user_id)).values(status="suspended"))
    await owner_db.commit()
    await _assert_401(client, bearer(tokens), "session_revoked")


async def test_role_comes_from_the_database(
    client: httpx.AsyncClient, owner_db: AsyncSession, settings: Settings
) -> None:
    """A token minted as 'patient' for someone promoted since carries the current role."""
    _, tokens = await signed_in(client)
    user_id = uuid.UUID(_claims(settings, tokens)["sub"])
    await owner_db.execute(update(User).where(User.id == user_id).values(role=UserRole.therapist))
    await owner_db.commit()
    # The database's role applies at once: a clinician without a second factor may only enrol one.
    r = await client.get("/v1/me", headers=bearer(tokens))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "mfa_enrollment_required"
    r = await client.get("/v1/auth/mfa", headers=bearer(tokens))
    assert r.status_code == 200
    assert r.json()["required"] is True
    await mfa_helpers.enrol(client, _claims(settings, tokens)["sub"], tokens["access_token"])
    r = await client.get("/v1/me", headers=bearer(tokens))
    assert r.status_code == 200
    assert r.json()["role"] == "therapist"


async def test_authenticate_token_for_websockets(
    client: httpx.AsyncClient, app_db: Database, settings: Settings
) -> None:
    _, tokens = await signed_in(client)
    async with app_db.unit_of_work() as session:
        principal = await authenticate_token(session, tokens["access_token"], settings)
        assert str(principal.user_id) == _claims(settings, tokens)["sub"]
        assert principal.role == "patient"
        with pytest.raises(Unauthorized):
            await authenticate_token(session, "garbage", settings)


async def test_oversized_body_is_413(client: httpx.AsyncClient, settings: Settings) -> None:
    big = "x" * (settings.max_request_bytes + 1)
    r = await client.post(
        "/v1/auth/login",
        content=f'{{"email":"a@example.org","password":"{big}"}}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"


async def test_require_role(settings: Settings, app_db: Database, owner_db: AsyncSession) -> None:
    app = create_app(settings, database=app_db)

    @app.get("/_test/admin-only")
    async def admin_only(user: Annotated[Principal, Depends(require_role("admin"))]) -> dict[str, str]:
        return {"role": user.role}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        _, tokens = await signed_in(c)
        assert (await c.get("/_test/admin-only")).status_code == 401
        r = await c.get("/_test/admin-only", headers=bearer(tokens))
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "forbidden"
        await owner_db.execute(
            update(User).where(User.id == uuid.UUID(tokens["user_id"])).values(role="admin")
        )
        await owner_db.commit()
        # An admin must enrol a second factor before the session does anything else.
        assert (await c.get("/_test/admin-only", headers=bearer(tokens))).status_code == 403
        await mfa_helpers.enrol(c, tokens["user_id"], tokens["access_token"])
        r = await c.get("/_test/admin-only", headers=bearer(tokens))
        assert r.status_code == 200
        assert r.json() == {"role": "admin"}
