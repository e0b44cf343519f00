"""``/v1/agents``: list and read for signed-in people; create and edit for admins, audited."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.agents.models import AIAgentConfiguration
from hp_agent.compliance.models import AuditLog
from tests.agents.agent_fixtures import SHIPPED, shipped_row
from tests.api.auth_helpers import bearer, owner_all, signed_in
from tests.factories import admin_headers


@pytest.fixture
async def shipped_agents(owner_db: AsyncSession) -> None:
    """The four shipped agents, as seeding would store them (a no-op if already there)."""
    for slug in SHIPPED:
        await owner_db.execute(
            insert(AIAgentConfiguration).values(**shipped_row(slug)).on_conflict_do_nothing()
        )
    await owner_db.commit()


def new_agent(slug: str | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "slug": slug or f"test-{uuid.uuid4().hex[:8]}",
        "name": "Kai — MI guide",
        "description": "Helps people explore their own reasons for change.",
        "approach": "motivational_interviewing",
        "persona": "Kai is warm and curious and never pushes.",
        "tone": "warm, curious",
        "boundaries": ["Never diagnose.", "Never give medication advice."],
        "greeting": "Hi, I'm Kai, an AI guide. What's on your mind?",
        "tools_allowed": ["mood_history", "goals"],
        "model_provider": "scripted",
        "model_name": "mi-v1",
        "model_params": {"dialogue": "motivational_interviewing", "seed": 3},
        "system_prompt": "You are Kai, an AI guide using motivational interviewing. Be brief and kind.",
    }
    body.update(overrides)
    return body


async def test_list_shows_active_agents_with_public_fields(
    client: httpx.AsyncClient, owner_db: AsyncSession, shipped_agents: None
) -> None:
    _, tokens = await signed_in(client)
    r = await client.get("/v1/agents", headers=bearer(tokens))
    assert r.status_code == 200, r.text
    agents = {a["slug"]: a for a in r.json()}
    assert set(SHIPPED) <= set(agents)
    cbt = agents["cbt-coach"]
    assert cbt["approach"] == "cbt"
    assert cbt["greeting"].startswith("Hi, I'm Sam")
    assert set(cbt) == {"slug", "name", "approach", "description", "greeting", "tone"}


async def test_list_requires_sign_in(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/agents")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "not_authenticated"


async def test_get_one_agent_and_unknown_is_404(
    client: httpx.AsyncClient, owner_db: AsyncSession, shipped_agents: None
) -> None:
    _, tokens = await signed_in(client)
    r = await client.get("/v1/agents/listener", headers=bearer(tokens))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["approach"] == "supportive_listening"
    assert body["boundaries"]
    assert body["version"] >= 1
    assert "model_params" not in body
    assert "system_prompt" not in body
    r = await client.get("/v1/agents/no-such-agent", headers=bearer(tokens))
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    r = await client.get("/v1/agents/Bad Slug!", headers=bearer(tokens))
    assert r.status_code == 422


async def test_admin_creates_an_agent_audited(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    headers = await admin_headers(client, owner_db)
    body = new_agent()
    r = await client.post("/v1/agents", headers=headers, json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["source"] == "api"
    assert created["version"] == 1
    assert created["system_prompt"] == body["system_prompt"]
    assert created["system_prompt_path"] is None

    rows = await owner_all(
        owner_db, select(AIAgentConfiguration).where(AIAgentConfiguration.slug == body["slug"])
    )
    assert rows[0].created_by is not None
    audits = await owner_all(
        owner_db,
        select(AuditLog).where(AuditLog.action == "agent.created", AuditLog.subject_id == rows[0].id),
    )
    assert len(audits) == 1
    assert audits[0].details["slug"] == body["slug"]

    # Visible to people, and it talks.
    _, tokens = await signed_in(client)
    r = await client.get(f"/v1/agents/{body['slug']}", headers=bearer(tokens))
    assert r.status_code == 200

    r = await client.post("/v1/agents", headers=headers, json=body)
    assert r.status_code == 409


async def test_admin_edits_an_agent_bumps_version_and_audits(
    client: httpx.AsyncClient, owner_db: AsyncSession, shipped_agents: None
) -> None:
    headers = await admin_headers(client, owner_db)
    before = (await client.get("/v1/agents/act-guide", headers=headers)).json()
    r = await client.patch(
        "/v1/agents/act-guide",
        headers=headers,
        json={"tone": "calm, spacious", "model_params": {"dialogue": "act", "seed": 2}},
    )
    assert r.status_code == 200, r.text
    after = r.json()
    assert after["tone"] == "calm, spacious"
    assert after["version"] == before["version"] + 1
    assert after["source"] == "api"
    assert after["system_prompt_path"] == "prompts/system/act-guide.md"  # prompt unchanged
    rows = await owner_all(owner_db, select(AuditLog).where(AuditLog.action == "agent.updated"))
    assert any(
        a.details.get("slug") == "act-guide" and set(a.details["fields"]) == {"tone", "model_params"}
        for a in rows
    )

    # Deactivating hides it from people.
    r = await client.patch("/v1/agents/act-guide", headers=headers, json={"is_active": False})
    assert r.status_code == 200
    assert r.json()["version"] == before["version"] + 2
    _, tokens = await signed_in(client)
    listed = {a["slug"] for a in (await client.get("/v1/agents", headers=bearer(tokens))).json()}
    assert "act-guide" not in listed
    assert (await client.get("/v1/agents/act-guide", headers=bearer(tokens))).status_code == 404


async def test_non_admin_cannot_create_or_edit(
    client: httpx.AsyncClient, owner_db: AsyncSession, shipped_agents: None
) -> None:
    _, tokens = await signed_in(client)
    r = await client.post("/v1/agents", headers=bearer(tokens), json=new_agent())
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"
    r = await client.patch("/v1/agents/cbt-coach", headers=bearer(tokens), json={"tone": "blunt"})
    assert r.status_code == 403


@pytest.mark.parametrize(
    "changes",
    [
        {"crisis_layer": False},  # no such field: nothing can turn the crisis layer off
        {"disable_crisis_detection": True},
        {"approach": "hypnotherapy"},
        {"slug": "Not A Slug"},
        {"boundaries": []},
        {"tools_allowed": ["read_all_messages"]},
        {"model_provider": "magic"},
        {"model_params": {"dialogue": "freestyle"}},
        {"model_provider": "transformers", "model_params": {}},
        {"model_provider": "openai_compatible", "model_params": {"temperature": "hot"}},
        {"system_prompt": ""},
        {"tone": "x" * 201},
        {"version": 7},
    ],
)
async def test_bad_create_is_422(
    client: httpx.AsyncClient, owner_db: AsyncSession, changes: dict[str, Any]
) -> None:
    headers = await admin_headers(client, owner_db)
    r = await client.post("/v1/agents", headers=headers, json=new_agent(**changes))
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    "patch",
    [
        {"crisis_layer": False},
        {"slug": "renamed"},
        {"version": 9},
        {"boundaries": []},
        {"tools_allowed": ["shell"]},
        {"model_provider": "ollama", "model_name": None},
        {},
    ],
)
async def test_bad_edit_is_422(
    client: httpx.AsyncClient, owner_db: AsyncSession, shipped_agents: None, patch: dict[str, Any]
) -> None:
    headers = await admin_headers(client, owner_db)
    r = await client.patch("/v1/agents/cbt-coach", headers=headers, json=patch)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "validation_error"


async def test_edit_unknown_agent_is_404(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    headers = await admin_headers(client, owner_db)
    r = await client.patch("/v1/agents/no-such-agent", headers=headers, json={"tone": "kind"})
    assert r.status_code == 404
