"""Safety plans (versioned, exactly one current) and crisis resources (never empty)."""

from __future__ import annotations

import httpx

from tests.api.auth_helpers import bearer, signed_in

PLAN_V1 = {"warning_signs": ["Can't sleep"], "reasons_for_living": ["My cat"]}
PLAN_V2 = {
    "warning_signs": ["Can't sleep", "Skipping meals"],
    "internal_coping_strategies": ["Cold water on my face"],
    "distraction_people_places": ["The library", {"name": "Ana", "phone": "+44 20 7946 0000"}],
    "people_to_ask_for_help": [{"name": "Mum", "phone": "+44 20 7946 0001"}],
    "professionals_and_crisis_lines": [{"name": "Dr Lee", "phone": "+44 20 7946 0002"}],
    "making_environment_safe": ["Pills kept by my partner"],
    "reasons_for_living": ["My cat", "Finishing my degree"],
}


async def test_escalation_safety_plan_versions(client: httpx.AsyncClient, seeded: None) -> None:
    _, tokens = await signed_in(client, "plan")
    h = bearer(tokens)
    r = await client.get("/v1/safety-plan", headers=h)
    assert r.status_code == 404
    r = await client.put("/v1/safety-plan", json=PLAN_V1, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1
    r = await client.put("/v1/safety-plan", json=PLAN_V2, headers=h)
    assert r.status_code == 200
    assert r.json()["version"] == 2
    plan = (await client.get("/v1/safety-plan", headers=h)).json()
    assert plan["version"] == 2
    assert plan["distraction_people_places"][1]["name"] == "Ana"
    assert plan["making_environment_safe"] == ["Pills kept by my partner"]
    versions = (await client.get("/v1/safety-plan/versions", headers=h)).json()
    assert [v["version"] for v in versions] == [2, 1]
    assert [v["is_current"] for v in versions] == [True, False]
    r = await client.put("/v1/safety-plan", json={"warning_signs": ["x"], "diary": "free text"}, headers=h)
    assert r.status_code == 422
    assert (await client.get("/v1/safety-plan")).status_code == 401


async def test_escalation_crisis_resources_by_country_language_and_fallback(
    client: httpx.AsyncClient, seeded: None
) -> None:
    r = await client.get("/v1/crisis-resources", params={"country": "US", "language": "en"})
    assert r.status_code == 200
    lines = r.json()["lines"]
    assert lines[0]["country_code"] == "US"
    assert any(line["last_verified"] for line in lines)
    assert any(line["country_code"] == "INT" for line in lines)

    # A country we do not cover still gets lines that work.
    lines = (await client.get("/v1/crisis-resources", params={"country": "ZZ"})).json()["lines"]
    assert lines
    assert {line["country_code"] for line in lines} == {"INT"}

    # A signed-in person's own country is the default.
    _, tokens = await signed_in(client, "gb")
    assert (
        await client.patch("/v1/me", json={"country_code": "GB"}, headers=bearer(tokens))
    ).status_code == 200
    body = (await client.get("/v1/crisis-resources", headers=bearer(tokens))).json()
    assert body["country"] == "GB"
    assert body["lines"][0]["country_code"] == "GB"
