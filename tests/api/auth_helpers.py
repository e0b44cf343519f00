"""Helpers shared by the auth and /v1/me API tests (and usable by other domains' API tests)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.mfa_helpers import finish_login

PASSWORD = "Quiet-Harbor-Lantern-72"
CONSENTS = ["terms", "privacy"]


def new_email(prefix: str = "user") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.org"


async def register(
    client: httpx.AsyncClient, email: str | None = None, password: str = PASSWORD, **extra: Any
) -> httpx.Response:
    body: dict[str, Any] = {"email": email or new_email(), "password": password, "consents": CONSENTS}
    body.update(extra)
    return await client.post("/v1/auth/register", json=body)


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    """Sign in; clinicians and admins also pass the second step (tests/mfa_helpers.py)."""
    r = await client.post("/v1/auth/login", json={"email": email, "password": password})
    return await finish_login(client, email, r)


async def signed_in(client: httpx.AsyncClient, prefix: str = "user") -> tuple[str, dict[str, Any]]:
    """Register and log in a fresh patient; returns (email, token response body)."""
    email = new_email(prefix)
    r = await register(client, email)
    assert r.status_code == 201, r.text
    r = await login(client, email)
    assert r.status_code == 200, r.text
    return email, r.json()


def bearer(tokens: dict[str, Any] | str) -> dict[str, str]:
    token = tokens if isinstance(tokens, str) else tokens["access_token"]
    return {"Authorization": f"Bearer {token}"}


async def owner_all(owner_db: AsyncSession, stmt: Select[Any]) -> list[Any]:
    """Run ``stmt`` as the owner (RLS bypassed) in a fresh savepoint.

    The commit starts a new savepoint whose after_begin resets the role: the app's requests on the
    shared connection leave ``SET LOCAL ROLE`` behind them.
    """
    await owner_db.commit()
    # populate_existing: the app changed rows behind this session's identity map.
    return list((await owner_db.execute(stmt.execution_options(populate_existing=True))).scalars().all())
