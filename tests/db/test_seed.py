"""Reference data loads from the repository, twice without duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hp_agent.config import Settings
from hp_agent.seed.loader import SeedError, read_rows, seed_all


async def _count(conn: AsyncConnection, sql: str) -> int:
    return int((await conn.execute(text(sql))).scalar_one())


async def test_seed_is_idempotent_and_complete(settings: Settings, raw_owner: AsyncConnection) -> None:
    first = await seed_all(settings)
    second = await seed_all(settings)
    assert first == second
    for table in (
        "crisis_resources",
        "journal_prompts",
        "assessment_templates",
        "medications",
        "subscription_plans",
        "ai_agent_configurations",
    ):
        assert first[table] > 0
        assert await _count(raw_owner, f"SELECT count(*) FROM {table}") == first[table]
    assert first["ai_agent_configurations"] >= 3
    assert first["journal_prompts"] >= 40


async def test_seeded_crisis_lines_include_the_core_numbers(
    settings: Settings, raw_owner: AsyncConnection
) -> None:
    await seed_all(settings)
    contacts = set(
        (
            await raw_owner.execute(text("SELECT country_code || ':' || contact FROM crisis_resources"))
        ).scalars()
    )
    for expected in ("US:988", "GB:116 123", "AU:13 11 14"):
        assert expected in contacts
    assert any(c.startswith("US:") and "741741" in c for c in contacts)
    assert await _count(raw_owner, "SELECT count(*) FROM crisis_resources WHERE country_code = 'INT'") >= 1
    assert await _count(raw_owner, "SELECT count(*) FROM crisis_resources WHERE last_verified IS NULL") == 0


async def test_seeded_instruments(settings: Settings, raw_owner: AsyncConnection) -> None:
    await seed_all(settings)
    codes = set((await raw_owner.execute(text("SELECT code FROM assessment_templates"))).scalars())
    assert {"phq9", "gad7", "pcl5", "cssrs_screener"} <= codes
    scored = await _count(
        raw_owner,
        "SELECT count(*) FROM assessment_templates t, jsonb_array_elements(t.items) i "
        "WHERE t.code = 'phq9' AND coalesce((i->>'scored')::boolean, true)",
    )
    assert scored == 9  # the unscored tenth question (functional difficulty) is on the published form


def test_bad_seed_file_is_rejected_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "crisis_resources.yaml"
    bad.write_text("just a string\n")
    with pytest.raises(SeedError, match="expected a list of rows"):
        read_rows(bad)


async def test_seeding_keeps_agents_edited_through_the_api(
    settings: Settings, raw_owner: AsyncConnection
) -> None:
    await seed_all(settings)
    await raw_owner.execute(
        text(
            "UPDATE ai_agent_configurations SET source = 'api', name = 'Edited by admin' "
            "WHERE slug = 'listener'"
        )
    )
    await raw_owner.commit()
    try:
        await seed_all(settings)
        name = (
            await raw_owner.execute(text("SELECT name FROM ai_agent_configurations WHERE slug = 'listener'"))
        ).scalar_one()
        assert name == "Edited by admin"
    finally:
        await raw_owner.execute(
            text("UPDATE ai_agent_configurations SET source = 'file' WHERE slug = 'listener'")
        )
        await raw_owner.commit()
        await seed_all(settings)
