"""Admin: crisis lexicon entries, picked up by the running service without a restart."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance.models import AuditLog
from hp_agent.config import get_settings
from hp_agent.crisis import engine, lexicon_overlay
from hp_agent.crisis.enums import Category
from hp_agent.crisis.models import CrisisDetection, CrisisKeyword
from hp_agent.db.session import Database
from hp_agent.users.models import UserRole
from tests.api.auth_helpers import owner_all
from tests.care.conftest import Care, auth
from tests.conftest import APP_ROLE
from tests.journal.people import patient

# A made-up phrase the packaged lexicon cannot know.
PHRASE = "zorblatt the lanterns"
MESSAGE = "tonight i will zorblatt the lanterns"
REFRESH = 0.3


@pytest.fixture
def quick_refresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(get_settings(), "crisis_lexicon_refresh_seconds", REFRESH)
    lexicon_overlay.reset()
    yield
    lexicon_overlay.reset()  # the rows are rolled back; later tests start from the packaged lexicon


async def _journal(client: httpx.AsyncClient, headers: dict[str, str], content: str) -> dict[str, Any]:
    r = await client.post("/v1/journal/entries", json={"content": content}, headers=headers)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def _detection(owner_db: AsyncSession, entry_id: str) -> CrisisDetection | None:
    rows = await owner_all(
        owner_db, select(CrisisDetection).where(CrisisDetection.source_id == uuid.UUID(entry_id))
    )
    return rows[0] if rows else None


@pytest.mark.slow
async def test_an_added_phrase_is_matched_without_a_restart(
    quick_refresh: None, client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    admin_id, token = await Care(client, app_db).user(UserRole.admin)
    headers = auth(token)
    me = await patient(client)

    before = await _journal(client, me.headers, MESSAGE)
    first = await _detection(owner_db, before["id"])
    assert first is None or "imminent" not in first.categories

    entry = {"term": PHRASE, "category": "imminent", "weight": 0.95, "note": "test"}
    assert (await client.post("/v1/admin/lexicon", json=entry, headers=me.headers)).status_code == 403
    r = await client.post("/v1/admin/lexicon", json=entry, headers=headers)
    assert r.status_code == 201, r.text
    entry_id = r.json()["id"]
    assert (await client.post("/v1/admin/lexicon", json=entry, headers=headers)).status_code == 409

    await asyncio.sleep(REFRESH + 0.1)  # the service looks at most every REFRESH seconds
    after = await _journal(client, me.headers, MESSAGE)
    detection = await _detection(owner_db, after["id"])
    assert detection is not None
    assert "imminent" in detection.categories
    assert detection.lexicon_version is not None
    assert "+db@" in detection.lexicon_version
    assert after["safety"], "an imminent match shows the safety response"

    # Disabled: the next look drops it again.
    r = await client.patch(f"/v1/admin/lexicon/{entry_id}", json={"enabled": False}, headers=headers)
    assert r.status_code == 200
    assert r.json()["enabled"] is False
    await asyncio.sleep(REFRESH + 0.1)
    again = await _detection(owner_db, (await _journal(client, me.headers, MESSAGE))["id"])
    assert again is None or "imminent" not in again.categories

    listed = (await client.get("/v1/admin/lexicon", headers=headers)).json()
    assert [(e["term"], e["enabled"]) for e in listed if e["id"] == entry_id] == [(PHRASE, False)]
    actions = await owner_all(
        owner_db,
        select(AuditLog.action).where(
            AuditLog.actor_id == admin_id, AuditLog.action.like("admin.lexicon_entry.%")
        ),
    )
    assert sorted(actions) == ["admin.lexicon_entry.created", "admin.lexicon_entry.updated"]


async def test_the_service_does_not_look_again_within_the_interval(
    quick_refresh: None, app_db: Database, owner_db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "crisis_lexicon_refresh_seconds", 60)
    async with app_db.unit_of_work() as session:
        assert await lexicon_overlay.refresh(session) is False  # first look: nothing in the table
    owner_db.add(CrisisKeyword(term=PHRASE, category=Category.IMMINENT, weight=0.9))
    await owner_db.commit()
    async with app_db.unit_of_work() as session:
        assert await lexicon_overlay.refresh(session) is False  # too soon: not even asked
        assert await lexicon_overlay.refresh(session, force=True) is True
        assert await lexicon_overlay.refresh(session, force=True) is False  # same digest
        # Whoever screens can use the digest, yet cannot read the table itself.
        assert (await session.execute(text("SELECT count(*) FROM crisis_keywords"))).scalar_one() == 0
    assert PHRASE.split()[0] in engine.get_detector().keyword_scorer._vocab


BAD = [
    {"term": "", "category": "imminent", "weight": 0.5},
    {"term": "   ", "category": "imminent", "weight": 0.5},
    {"term": "x" * 201, "category": "imminent", "weight": 0.5},
    {"term": "!!! ???", "category": "imminent", "weight": 0.5},
    {"term": "some words", "category": "astrology", "weight": 0.5},
    {"term": "some words", "category": "imminent", "weight": 0},
    {"term": "some words", "category": "imminent", "weight": 1.5},
    {"term": "some words", "category": "imminent", "weight": "severe"},
    {"term": "some words", "pattern": "some", "category": "imminent", "weight": 0.5},
    {"category": "imminent", "weight": 0.5},
    {"pattern": "(unclosed", "category": "imminent", "weight": 0.5},
    {"term": "some words", "category": "imminent", "weight": 0.5, "created_by": str(uuid.uuid4())},
]


async def test_bad_entries_are_refused_and_change_nothing(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    admin_id, token = await Care(client, app_db).user(UserRole.admin)
    headers = auth(token)
    for body in BAD:
        r = await client.post("/v1/admin/lexicon", json=body, headers=headers)
        assert r.status_code == 422, (body, r.text)
    good = {"term": "some words", "category": "self_harm", "weight": 0.4}
    r = await client.post("/v1/admin/lexicon", json=good, headers=headers)
    assert r.status_code == 201, r.text
    entry_id = r.json()["id"]
    for patch in ({"weight": 2}, {"category": "nonsense"}, {"enabled": None}, {"term": "other"}):
        r = await client.patch(f"/v1/admin/lexicon/{entry_id}", json=patch, headers=headers)
        assert r.status_code == 422, (patch, r.text)
    r = await client.patch(f"/v1/admin/lexicon/{uuid.uuid4()}", json={"weight": 0.5}, headers=headers)
    assert r.status_code == 404
    # Browser tests of the same run commit their own entries: only this admin's count here.
    rows = await owner_all(owner_db, select(CrisisKeyword).where(CrisisKeyword.created_by == admin_id))
    assert [(k.term, k.category.value, k.weight, k.enabled) for k in rows] == [
        ("some words", "self_harm", 0.4, True)
    ]


async def test_the_overlay_functions_are_pinned_and_for_the_app_role_only(owner_db: AsyncSession) -> None:
    signatures = ("app_crisis_lexicon_digest()", "app_crisis_lexicon_entries()", "app_system_setting(text)")
    for signature in signatures:
        row = (
            await owner_db.execute(
                text(
                    "SELECT p.prosecdef, p.proconfig,"
                    " has_function_privilege(:app, p.oid, 'EXECUTE') AS app_may,"
                    " has_function_privilege('public', p.oid, 'EXECUTE') AS public_may"
                    " FROM pg_proc p WHERE p.oid = to_regprocedure(:sig)"
                ),
                {"app": APP_ROLE, "sig": signature},
            )
        ).one()
        assert row.prosecdef, signature
        assert row.proconfig == ["search_path=pg_catalog, pg_temp"], signature
        assert (row.app_may, row.public_may) == (True, False), signature
