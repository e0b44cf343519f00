"""The migrations are the schema: they match the models, cover every module, and reverse cleanly."""

from __future__ import annotations

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hp_agent.db import scratch
from hp_agent.db.models import load_all

METADATA = load_all().metadata


async def _scalar(conn: AsyncConnection, sql: str) -> object:
    return (await conn.execute(text(sql))).scalar_one()


async def test_migrations_create_every_table(raw_owner: AsyncConnection) -> None:
    tables = set(
        (
            await raw_owner.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        ).scalars()
    )
    tables.discard("alembic_version")
    assert len(tables) >= 98
    assert tables == set(METADATA.tables)
    for required in ("system_configurations", "audit_logs_archive", "outbox_events"):
        assert required in tables


async def test_models_and_migrations_agree(raw_owner: AsyncConnection) -> None:
    def diff(sync_conn: object) -> list[object]:
        ctx = MigrationContext.configure(sync_conn, opts={"compare_type": True})  # type: ignore[arg-type]
        return list(compare_metadata(ctx, METADATA))

    assert await raw_owner.run_sync(diff) == []


async def test_no_timestamp_without_time_zone(raw_owner: AsyncConnection) -> None:
    rows = (
        (
            await raw_owner.execute(
                text(
                    "SELECT table_name || '.' || column_name FROM information_schema.columns "
                    "WHERE table_schema = 'public' AND data_type = 'timestamp without time zone'"
                )
            )
        )
        .scalars()
        .all()
    )
    assert rows == []


async def test_domains_and_enums_exist(raw_owner: AsyncConnection) -> None:
    domains = set(
        (
            await raw_owner.execute(
                text("SELECT domain_name FROM information_schema.domains WHERE domain_schema='public'")
            )
        ).scalars()
    )
    assert {"mood_scale", "normalized_score"} <= domains
    mood_col = await _scalar(
        raw_owner,
        "SELECT domain_name FROM information_schema.columns "
        "WHERE table_name='mood_entries' AND column_name='mood'",
    )
    assert mood_col == "mood_scale"
    n_enums = await _scalar(raw_owner, "SELECT count(*) FROM pg_type WHERE typtype = 'e'")
    assert int(n_enums) >= 40  # type: ignore[call-overload]


async def test_domain_rejects_out_of_range(raw_owner: AsyncConnection) -> None:
    for sql in ("SELECT 11::mood_scale", "SELECT 0::mood_scale", "SELECT 1.5::normalized_score"):
        with pytest.raises(Exception, match="violates check constraint"):
            async with raw_owner.begin_nested() if raw_owner.in_transaction() else raw_owner.begin():
                await raw_owner.execute(text(sql))


@pytest.mark.slow
async def test_downgrade_to_base_and_upgrade_again(pg_server_url: str) -> None:
    from hp_agent.db.migrate import downgrade, upgrade

    url = await scratch.create_database(pg_server_url, "hp_mig")
    try:
        upgrade(url)
        downgrade(url, "base")
        conn = await asyncpg.connect(scratch.plain_url(url))
        try:
            left = await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
            )
            types = await conn.fetch(
                "SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid=t.typnamespace "
                "WHERE n.nspname='public' AND t.typtype IN ('e','d')"
            )
        finally:
            await conn.close()
        assert [r[0] for r in left] == []
        assert [r[0] for r in types] == []
        upgrade(url)
    finally:
        await scratch.drop_database(pg_server_url, url)
