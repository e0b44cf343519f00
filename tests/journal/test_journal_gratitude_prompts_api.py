"""Gratitude entries and prompt selection (by technique, by mood, crisis prompts when risk is elevated)."""

from __future__ import annotations

import httpx
import pytest

from hp_agent.db.session import Database
from tests.journal.people import patient, relate, therapist

pytestmark = pytest.mark.usefixtures("seeded")


async def test_gratitude_crud_and_validation(client: httpx.AsyncClient) -> None:
    me, other = await patient(client), await patient(client)
    r = await client.post(
        "/v1/journal/gratitude",
        json={"items": ["Warm tea", "A kind message"], "mood_after": 7},
        headers=me.headers,
    )
    assert r.status_code == 201, r.text
    assert "safety" not in r.json()
    gid = r.json()["id"]
    page = (await client.get("/v1/journal/gratitude", headers=me.headers)).json()
    assert page["total"] == 1
    assert page["items"][0]["items"] == ["Warm tea", "A kind message"]
    own = await client.get(f"/v1/journal/gratitude/{gid}", headers=me.headers)
    assert own.status_code == 200
    assert own.json()["items"] == ["Warm tea", "A kind message"]
    assert own.json()["mood_after"] == 7
    assert (await client.get(f"/v1/journal/gratitude/{gid}", headers=other.headers)).status_code == 404
    assert (await client.delete(f"/v1/journal/gratitude/{gid}", headers=other.headers)).status_code == 404
    for bad in ({"items": []}, {"items": ["x"] * 11}, {"items": [""]}, {"items": ["ok"], "mood_after": 12}):
        assert (await client.post("/v1/journal/gratitude", json=bad, headers=me.headers)).status_code == 422
    assert (await client.delete(f"/v1/journal/gratitude/{gid}", headers=me.headers)).status_code == 204


async def test_gratitude_needs_journal_consent_for_therapists(
    client: httpx.AsyncClient, app_db: Database
) -> None:
    pat = await patient(client)
    doc = await therapist(client, app_db)
    gid = (await client.post("/v1/journal/gratitude", json={"items": ["Sun"]}, headers=pat.headers)).json()[
        "id"
    ]
    await relate(app_db, pat.id, doc.id, journal=False)
    assert (await client.get(f"/v1/journal/gratitude/{gid}", headers=doc.headers)).status_code == 404
    r = await client.get("/v1/journal/gratitude", params={"user_id": str(pat.id)}, headers=doc.headers)
    assert r.status_code == 403


async def test_prompts_by_technique_and_mood(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    r = await client.get(
        "/v1/journal/prompts", params={"technique": "gratitude", "limit": 20}, headers=me.headers
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["crisis_support"] is False
    assert body["prompts"]
    assert {p["technique"] for p in body["prompts"]} == {"gratitude"}

    r = await client.get("/v1/journal/prompts", params={"mood": 2, "limit": 20}, headers=me.headers)
    for p in r.json()["prompts"]:
        assert p["category"] != "crisis"
        assert (p["mood_min"] or 1) <= 2 <= (p["mood_max"] or 10)
    assert (
        await client.get("/v1/journal/prompts", params={"mood": 11}, headers=me.headers)
    ).status_code == 422
    assert (
        await client.get("/v1/journal/prompts", params={"technique": "x"}, headers=me.headers)
    ).status_code == 422


async def test_crisis_prompts_when_recent_risk_is_elevated(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    r = await client.post(
        "/v1/journal/gratitude",
        json={"items": ["Honestly nothing, I keep thinking everyone would be better off if I was dead"]},
        headers=me.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["safety"]["level"] in ("moderate", "high", "imminent")
    r = await client.get("/v1/journal/prompts", params={"technique": "gratitude"}, headers=me.headers)
    body = r.json()
    assert body["crisis_support"] is True
    assert body["prompts"]
    assert {p["category"] for p in body["prompts"]} == {"crisis"}
