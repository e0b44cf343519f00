"""People and medicines for the medication tests (real PostgreSQL, through the app)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.journal.people import Person


async def catalogue_id(client: httpx.AsyncClient, who: Person, name: str) -> str:
    r = await client.get("/v1/medications/catalogue", params={"q": name}, headers=who.headers)
    assert r.status_code == 200, r.text
    return str(next(m["id"] for m in r.json() if m["generic_name"] == name))


async def add(client: httpx.AsyncClient, who: Person, **body: Any) -> httpx.Response:
    payload: dict[str, Any] = {"dose_amount": 50, "schedule": {"times": ["08:00"], "timezone": "UTC"}} | body
    return await client.post("/v1/medications", json=payload, headers=who.headers)


async def add_catalogued(client: httpx.AsyncClient, who: Person, name: str, **body: Any) -> dict[str, Any]:
    r = await add(client, who, medication_id=await catalogue_id(client, who, name), **body)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data
