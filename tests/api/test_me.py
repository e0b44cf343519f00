"""GET/PATCH /v1/me: the owner's own account, and nothing else."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.users.models import User, UserProfile
from tests.api.auth_helpers import bearer, login, new_email, owner_all, register, signed_in


async def test_get_me(client: httpx.AsyncClient) -> None:
    email = new_email()
    await register(
        client, email, display_name="Robin", locale="de", timezone="Europe/Berlin", country_code="de"
    )
    tokens = (await login(client, email)).json()
    r = await client.get("/v1/me", headers=bearer(tokens))
    assert r.status_code == 200
    me = r.json()
    assert me["email"] == email
    assert me["role"] == "patient"
    assert me["status"] == "active"
    assert me["email_verified"] is False
    assert (me["locale"], me["timezone"], me["country_code"]) == ("de", "Europe/Berlin", "DE")
    assert me["profile"]["display_name"] == "Robin"
    assert "password" not in r.text


async def test_patch_me(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    _, tokens = await signed_in(client)
    r = await client.patch(
        "/v1/me",
        headers=bearer(tokens),
        json={
            "display_name": "  Alex  ",
            "locale": "pt-BR",
            "timezone": "America/Sao_Paulo",
            "country_code": "br",
        },
    )
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["profile"]["display_name"] == "Alex"
    assert (me["locale"], me["timezone"], me["country_code"]) == ("pt-BR", "America/Sao_Paulo", "BR")

    user = (await owner_all(owner_db, select(User).where(User.id == tokens["user_id"])))[0]
    assert (user.locale, user.timezone, user.country_code) == ("pt-BR", "America/Sao_Paulo", "BR")
    profile = (await owner_all(owner_db, select(UserProfile).where(UserProfile.user_id == user.id)))[0]
    assert profile.display_name == "Alex"

    # Partial update leaves the rest alone; null clears the optional country.
    r = await client.patch("/v1/me", headers=bearer(tokens), json={"country_code": None})
    assert r.status_code == 200
    assert r.json()["country_code"] is None
    assert r.json()["locale"] == "pt-BR"


@pytest.mark.parametrize(
    "body",
    [
        {"timezone": "Mars/Olympus"},
        {"locale": "not a locale"},
        {"country_code": "XYZ"},
        {"display_name": "   "},
        {"role": "admin"},
        {"email": "other@example.org"},
        {"locale": None},
    ],
)
async def test_patch_me_rejects_invalid_or_forbidden_fields(
    client: httpx.AsyncClient, owner_db: AsyncSession, body: dict[str, Any]
) -> None:
    _, tokens = await signed_in(client)
    r = await client.patch("/v1/me", headers=bearer(tokens), json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "validation_error"
    user = (await owner_all(owner_db, select(User).where(User.id == tokens["user_id"])))[0]
    assert user.role.value == "patient"
    assert user.locale == "en"


async def test_me_requires_authentication(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/me")).status_code == 401
    assert (await client.patch("/v1/me", json={"locale": "en"})).status_code == 401


async def test_each_user_sees_only_themselves(client: httpx.AsyncClient) -> None:
    _, alice = await signed_in(client, "alice")
    _, bob = await signed_in(client, "bob")
    a = (await client.get("/v1/me", headers=bearer(alice))).json()
    b = (await client.get("/v1/me", headers=bearer(bob))).json()
    assert a["id"] == alice["user_id"]
    assert b["id"] == bob["user_id"]
