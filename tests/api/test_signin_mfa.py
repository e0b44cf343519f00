"""Two-step sign-in through the API: enrolment, the login challenge, recovery codes, throttling,
turning it off, and the restricted session of a clinician without a factor."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import httpx
import jwt
import pyotp
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth.security_models import MfaFactor, MfaRecoveryCode
from hp_agent.auth.service import create_user
from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.users.models import UserRole, UserSession
from hp_agent.users.repository import SYSTEM
from tests import mfa_helpers
from tests.api.auth_helpers import PASSWORD, bearer, new_email, owner_all, signed_in


async def clinician(app_db: Database, role: UserRole = UserRole.therapist) -> tuple[uuid.UUID, str]:
    email = new_email(role.value)
    async with app_db.unit_of_work(SYSTEM) as s:
        user = await create_user(s, email, PASSWORD, role, actor=SYSTEM)
        return user.id, email


async def password_step(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> dict[str, Any]:
    r = await client.post("/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def sessions_of(owner_db: AsyncSession, user_id: uuid.UUID) -> int:
    return len(await owner_all(owner_db, select(UserSession).where(UserSession.user_id == user_id)))


async def test_a_clinician_without_a_factor_can_only_enrol_one(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    user_id, email = await clinician(app_db)
    tokens = await password_step(client, email)
    assert tokens["mfa_enrollment_required"] is True
    auth = bearer(tokens)
    r = await client.get("/v1/me", headers=auth)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "mfa_enrollment_required"
    assert (await client.get("/v1/therapist/caseload", headers=auth)).status_code == 403
    r = await client.post("/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert r.status_code == 200
    assert r.json()["mfa_enrollment_required"] is True
    auth = bearer(r.json())

    r = await client.get("/v1/auth/mfa", headers=auth)
    assert r.json() == {"enabled": False, "required": True, "confirmed_at": None, "recovery_codes_left": 0}
    r = await client.post("/v1/auth/mfa/totp", headers=auth)
    assert r.status_code == 201
    secret = r.json()["secret"]
    assert r.json()["otpauth_uri"].startswith("otpauth://totp/Happy%20Path:")
    assert f"secret={secret}" in r.json()["otpauth_uri"]
    # A wrong first code: still restricted, nothing turned on.
    wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
    r = await client.post("/v1/auth/mfa/totp/confirm", json={"code": wrong}, headers=auth)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "mfa_code_invalid"
    assert (await client.get("/v1/me", headers=auth)).status_code == 403

    mfa_helpers.SECRETS[email] = secret
    r = await client.post(
        "/v1/auth/mfa/totp/confirm", json={"code": await mfa_helpers.next_code(email)}, headers=auth
    )
    assert r.status_code == 200, r.text
    codes = r.json()["recovery_codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    # The same session is a full one now.
    assert (await client.get("/v1/me", headers=auth)).status_code == 200
    r = await client.get("/v1/auth/mfa", headers=auth)
    assert r.json()["enabled"] is True
    assert r.json()["recovery_codes_left"] == 10

    # At rest: the secret encrypted, the recovery codes as digests only.
    [factor] = await owner_all(owner_db, select(MfaFactor).where(MfaFactor.user_id == user_id))
    raw = (
        await owner_db.execute(text("SELECT secret FROM mfa_factors WHERE id = :id"), {"id": factor.id})
    ).scalar_one()
    assert secret.encode() not in bytes(raw)
    stored = await owner_all(owner_db, select(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id))
    assert len(stored) == 10
    for row in stored:
        assert all(c.replace("-", "") not in row.code_hash for c in codes)


async def test_sign_in_with_a_factor_needs_a_fresh_code_or_an_unused_recovery_code(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    user_id, email = await clinician(app_db, UserRole.admin)
    first = await password_step(client, email)
    codes = await mfa_helpers.enrol(client, email, first["access_token"])
    before = await sessions_of(owner_db, user_id)

    challenge = await password_step(client, email)
    assert challenge["mfa_required"] is True
    assert "access_token" not in challenge
    assert await sessions_of(owner_db, user_id) == before  # the password alone opened nothing
    code = await mfa_helpers.next_code(email)
    r = await client.post("/v1/auth/login/mfa", json={"mfa_token": challenge["mfa_token"], "code": code})
    assert r.status_code == 200, r.text
    assert r.json()["recovery_codes_left"] == 10
    assert (await client.get("/v1/me", headers=bearer(r.json()))).status_code == 200

    # The same code again (a replay), even with a new challenge: refused, no session.
    challenge = await password_step(client, email)
    opened = await sessions_of(owner_db, user_id)
    r = await client.post("/v1/auth/login/mfa", json={"mfa_token": challenge["mfa_token"], "code": code})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "mfa_code_invalid"
    assert await sessions_of(owner_db, user_id) == opened

    # A recovery code works once.
    r = await client.post(
        "/v1/auth/login/mfa", json={"mfa_token": challenge["mfa_token"], "recovery_code": codes[0].upper()}
    )
    assert r.status_code == 200, r.text
    assert r.json()["recovery_codes_left"] == 9
    challenge = await password_step(client, email)
    r = await client.post(
        "/v1/auth/login/mfa", json={"mfa_token": challenge["mfa_token"], "recovery_code": codes[0]}
    )
    assert r.status_code == 401
    # Both or neither factor: a validation error.
    r = await client.post("/v1/auth/login/mfa", json={"mfa_token": challenge["mfa_token"]})
    assert r.status_code == 422


async def test_wrong_codes_are_throttled_like_passwords(
    client: httpx.AsyncClient, app_db: Database, settings: Settings
) -> None:
    _, email = await clinician(app_db)
    await mfa_helpers.enrol(client, email, (await password_step(client, email))["access_token"])
    challenge = (await password_step(client, email))["mfa_token"]
    secret = mfa_helpers.SECRETS[email]
    valid = {pyotp.TOTP(secret).at(time.time() + d) for d in (-30, 0, 30)}
    wrong = next(c for c in ("123456", "654321", "111111", "222222") if c not in valid)
    statuses = []
    for _ in range(settings.login_max_failures):
        r = await client.post("/v1/auth/login/mfa", json={"mfa_token": challenge, "code": wrong})
        statuses.append(r.status_code)
    assert statuses == [401] * (settings.login_max_failures - 1) + [429]
    assert int(r.headers["Retry-After"]) > 0
    # While refused, even the right code does not get in.
    r = await client.post(
        "/v1/auth/login/mfa", json={"mfa_token": challenge, "code": await mfa_helpers.next_code(email)}
    )
    assert r.status_code == 429


async def test_expired_forged_or_foreign_challenges_are_refused(
    client: httpx.AsyncClient, app_db: Database, settings: Settings
) -> None:
    _, email = await clinician(app_db)
    first = await password_step(client, email)
    await mfa_helpers.enrol(client, email, first["access_token"])
    real = (await password_step(client, email))["mfa_token"]
    claims = jwt.decode(real, settings.jwt_secret.get_secret_value(), algorithms=["HS256"])
    expired = jwt.encode(
        {**claims, "exp": int((dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).timestamp())},
        settings.jwt_secret.get_secret_value(),
        algorithm="HS256",
    )
    forged = jwt.encode(claims, "not-the-server-secret-" + "x" * 20, algorithm="HS256")
    code = pyotp.TOTP(mfa_helpers.SECRETS[email]).now()  # right, but never reaches the check
    for token in (expired, forged, first["access_token"], "nonsense"):
        r = await client.post("/v1/auth/login/mfa", json={"mfa_token": token, "code": code})
        assert r.status_code == 401, token
        assert r.json()["error"]["code"] == "mfa_challenge_invalid"


async def test_turning_it_off_needs_the_password_and_a_code(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    user_id, email = await clinician(app_db)
    tokens = await password_step(client, email)
    await mfa_helpers.enrol(client, email, tokens["access_token"])
    auth = bearer(tokens)
    r = await client.post(
        "/v1/auth/mfa/disable",
        json={"password": "Not-The-Password-1", "code": await mfa_helpers.next_code(email)},
        headers=auth,
    )
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "wrong_password"
    r = await client.post("/v1/auth/mfa/disable", json={"password": PASSWORD, "code": "12345x"}, headers=auth)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "mfa_code_invalid"
    assert len(await owner_all(owner_db, select(MfaFactor).where(MfaFactor.user_id == user_id))) == 1

    r = await client.post(
        "/v1/auth/mfa/disable",
        json={"password": PASSWORD, "code": await mfa_helpers.next_code(email)},
        headers=auth,
    )
    assert r.status_code == 204
    assert await owner_all(owner_db, select(MfaFactor).where(MfaFactor.user_id == user_id)) == []
    assert await owner_all(owner_db, select(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id)) == []
    # A clinician is back to a session that can only enrol.
    r = await client.get("/v1/me", headers=auth)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "mfa_enrollment_required"
    r = await client.post("/v1/auth/mfa/disable", json={"password": PASSWORD, "code": "123456"}, headers=auth)
    assert r.status_code == 403  # nothing to turn off, and not a full session either


async def test_a_patient_may_turn_it_on_and_is_then_asked_for_a_code(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    email, tokens = await signed_in(client, "patient")
    assert tokens["mfa_enrollment_required"] is False
    r = await client.get("/v1/auth/mfa", headers=bearer(tokens))
    assert r.json()["required"] is False
    await mfa_helpers.enrol(client, email, tokens["access_token"])
    challenge = await password_step(client, email)
    assert challenge["mfa_required"] is True
    r = await client.post(
        "/v1/auth/login/mfa",
        json={"mfa_token": challenge["mfa_token"], "code": await mfa_helpers.next_code(email)},
    )
    assert r.status_code == 200
    assert r.json()["role"] == "patient"
    # Enrolling again while on: refused, nothing replaced.
    r = await client.post("/v1/auth/mfa/totp", headers=bearer(tokens))
    assert r.status_code == 409


async def test_sockets_refuse_a_restricted_session(
    client: httpx.AsyncClient, app_db: Database, settings: Settings
) -> None:
    """The sockets authenticate through the same check: a clinician who has not enrolled is
    refused there too (as ``Unauthorized``, which every socket closes on), until they enrol."""
    from hp_agent.auth.dependencies import MfaEnrollmentRequired, authenticate_token
    from hp_agent.errors import Unauthorized

    _, email = await clinician(app_db)
    tokens = await password_step(client, email)
    async with app_db.unit_of_work() as session:
        with pytest.raises(MfaEnrollmentRequired) as refused:
            await authenticate_token(session, tokens["access_token"], settings)
    assert isinstance(refused.value, Unauthorized)
    await mfa_helpers.enrol(client, email, tokens["access_token"])
    async with app_db.unit_of_work() as session:
        principal = await authenticate_token(session, tokens["access_token"], settings)
    assert principal.role == "therapist"
