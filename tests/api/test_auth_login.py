"""POST /v1/auth/login: tokens, wrong passwords, lockout, unknown accounts, rehash, audit."""

from __future__ import annotations

import datetime as dt

import httpx
import jwt
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth import security
from hp_agent.auth.models import LoginThrottle
from hp_agent.compliance.models import AuditLog
from hp_agent.config import Settings
from hp_agent.users.models import User, UserSession, UserStatus
from tests.api.auth_helpers import PASSWORD, login, new_email, owner_all, register


async def _user(owner_db: AsyncSession, email: str) -> User:
    user: User = (await owner_all(owner_db, select(User).where(User.email == email)))[0]
    return user


async def test_login_returns_access_and_refresh_tokens(
    client: httpx.AsyncClient, owner_db: AsyncSession, settings: Settings
) -> None:
    email = new_email()
    assert (await register(client, email)).status_code == 201
    r = await login(client, email.upper())
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.access_token_ttl_seconds
    assert body["role"] == "patient"

    claims = jwt.decode(body["access_token"], settings.jwt_secret.get_secret_value(), algorithms=["HS256"])
    assert claims["typ"] == "access"
    assert claims["role"] == "patient"
    assert claims["sub"] == body["user_id"]
    assert claims["exp"] - claims["iat"] == settings.access_token_ttl_seconds
    assert claims["jti"]

    user = await _user(owner_db, email)
    assert user.last_login_at is not None
    sessions = await owner_all(owner_db, select(UserSession).where(UserSession.user_id == user.id))
    assert [str(s.id) for s in sessions] == [claims["sid"]]
    # Only the digest is stored, never the token.
    assert sessions[0].token_hash == security.token_digest(body["refresh_token"])
    assert body["refresh_token"] not in sessions[0].token_hash

    audit = await owner_all(owner_db, select(AuditLog).where(AuditLog.actor_id == user.id))
    assert "auth.login.succeeded" in [a.action for a in audit]
    for row in audit:
        assert body["refresh_token"] not in str(row.details)
        assert PASSWORD not in str(row.details)


async def test_wrong_password_is_401_and_counted(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    email = new_email()
    await register(client, email)
    r = await login(client, email, "Wrong-Password-123")
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "Incorrect email or password."
    assert r.headers["www-authenticate"] == "Bearer"

    user = await _user(owner_db, email)
    assert user.failed_login_count == 1
    failures = await owner_all(
        owner_db,
        select(AuditLog).where(AuditLog.subject_id == user.id, AuditLog.action == "auth.login.failed"),
    )
    assert len(failures) == 1
    assert failures[0].outcome.value == "failure"
    assert failures[0].details == {"reason": "bad_password", "failures": 1}

    # Success resets the counter.
    assert (await login(client, email)).status_code == 200
    assert (await _user(owner_db, email)).failed_login_count == 0


async def test_unknown_email_gets_the_same_answer(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    email = new_email("ghost")
    r = await login(client, email)
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "Incorrect email or password."
    rows = await owner_all(owner_db, select(AuditLog).where(AuditLog.action == "auth.login.failed"))
    assert any(a.details == {"reason": "unknown_account"} and a.actor_id is None for a in rows)
    # The attempted email is personal data: it is not written to the audit log.
    assert all(email not in str(a.details) for a in rows)


async def test_lockout_after_max_failures(
    client: httpx.AsyncClient, owner_db: AsyncSession, settings: Settings
) -> None:
    """Per address and client IP (hp_agent/auth/throttle.py); the account itself is not locked."""
    email = new_email()
    await register(client, email)
    for _ in range(settings.login_max_failures - 1):
        assert (await login(client, email, "Wrong-Password-123")).status_code == 401
    r = await login(client, email, "Wrong-Password-123")
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "too_many_attempts"
    assert int(r.headers["retry-after"]) == settings.login_lockout_seconds

    # While throttled, even the right password is refused from here (and not checked).
    r = await login(client, email)
    assert r.status_code == 429
    assert 0 < int(r.headers["retry-after"]) <= settings.login_lockout_seconds

    user = await _user(owner_db, email)
    assert user.locked_until is None
    actions = [
        a.action
        for a in await owner_all(
            owner_db, select(AuditLog).where(AuditLog.subject_id == user.id).order_by(AuditLog.occurred_at)
        )
    ]
    assert actions.count("auth.login.failed") == settings.login_max_failures

    # Once the block has expired the right password works again.
    await owner_db.execute(
        update(LoginThrottle).values(blocked_until=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    )
    await owner_db.commit()
    assert (await login(client, email)).status_code == 200


async def test_suspended_account_cannot_log_in(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    email = new_email()
    await register(client, email)
    await owner_db.execute(update(User).where(User.email == email).values(status=UserStatus.suspended))
    await owner_db.commit()
    r = await login(client, email)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "account_inactive"
    # A wrong password must not reveal the account state.
    assert (await login(client, email, "Wrong-Password-123")).status_code == 401


async def test_login_rehashes_when_parameters_change(
    client: httpx.AsyncClient, owner_db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = new_email()
    await register(client, email)
    old_hash = (await _user(owner_db, email)).password_hash
    monkeypatch.setattr(security, "_hasher", PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    assert (await login(client, email)).status_code == 200
    new_hash = (await _user(owner_db, email)).password_hash
    assert new_hash != old_hash
    assert "m=2048,t=2,p=1" in new_hash
    assert (await login(client, email)).status_code == 200


async def test_login_validation_does_not_echo_password(client: httpx.AsyncClient) -> None:
    r = await client.post("/v1/auth/login", json={"email": "a@example.org"})
    assert r.status_code == 422
    r = await client.post("/v1/auth/login", json={"email": "a@example.org", "password": "x" * 300})
    assert r.status_code == 422
    assert "x" * 300 not in r.text
