"""Load reference data from the repository into the database (idempotent upserts).

Each ``hp_agent/seed/data/<table>.yaml`` file is a list of rows keyed by column name; a row is
matched on the table's natural key (a unique constraint or unique index over plain columns that
the row fills) and inserted or updated. Agent definitions come from ``prompts/agents/*.yaml``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Index, Table, UniqueConstraint
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from hp_agent.config import Settings
from hp_agent.db.models import load_all
from hp_agent.db.session import async_url
from hp_agent.db.urls import owner_database_url
from hp_agent.paths import prompts_dir

DATA_DIR = Path(__file__).resolve().parent / "data"


async def _drug_interactions(conn: AsyncConnection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from hp_agent.medication.interactions import seed_rows

    return await seed_rows(conn, rows)


# Tables whose seed rows name other reference rows (resolved to ids before the upsert).
RESOLVED: dict[str, Callable[[AsyncConnection, list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]] = {
    "drug_interactions": _drug_interactions,
}


class SeedError(ValueError):
    pass


def natural_key(table: Table, row: dict[str, Any]) -> list[str]:
    candidates: list[list[str]] = []
    for c in table.constraints:
        if isinstance(c, UniqueConstraint):
            candidates.append([col.name for col in c.columns])
    for ix in table.indexes:
        if isinstance(ix, Index) and ix.unique and ix.dialect_options["postgresql"].get("where") is None:
            names = [getattr(e, "name", None) for e in ix.expressions]
            if all(isinstance(n, str) and n in table.c for n in names):
                candidates.append([str(n) for n in names])
    for cols in candidates:
        if all(col in row for col in cols):
            return cols
    raise SeedError(f"{table.name}: no unique key among the seeded columns")


def read_rows(path: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict) and "rows" in data:
        data = data["rows"]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise SeedError(f"{path.name}: expected a list of rows (mappings)")
    return data


def _check_columns(table: Table, row: dict[str, Any], source: str) -> None:
    unknown = sorted(set(row) - set(table.c.keys()))
    if unknown:
        raise SeedError(f"{source}: unknown column(s) for {table.name}: {', '.join(unknown)}")


async def upsert(
    conn: AsyncConnection,
    table: Table,
    rows: list[dict[str, Any]],
    source: str,
    only_if: Any = None,
) -> int:
    """Insert or update each row on its natural key; ``only_if`` limits which existing rows change."""
    for row in rows:
        _check_columns(table, row, source)
        key = natural_key(table, row)
        stmt = insert(table).values(**row)
        update: dict[str, Any] = {c: stmt.excluded[c] for c in row if c not in key}
        if "updated_at" in table.c:
            update["updated_at"] = dt.datetime.now(dt.UTC)
        stmt = (
            stmt.on_conflict_do_update(index_elements=key, set_=update, where=only_if)
            if update
            else stmt.on_conflict_do_nothing(index_elements=key)
        )
        await conn.execute(stmt)
    return len(rows)


def agent_rows(directory: Path) -> list[dict[str, Any]]:
    """Agent YAML files as ``ai_agent_configurations`` rows, system prompt text inlined."""
    from hp_agent.agents.definitions import load_agent_file

    return [load_agent_file(path).as_row() for path in sorted(directory.glob("*.yaml"))]


async def seed_all(settings: Settings, data_dir: Path = DATA_DIR) -> dict[str, int]:
    metadata = load_all().metadata
    counts: dict[str, int] = {}
    engine = create_async_engine(async_url(owner_database_url(settings)))
    try:
        async with engine.begin() as conn:
            # Files whose rows refer to other seeded rows by name load after the plain ones.
            paths = sorted(data_dir.glob("*.yaml"), key=lambda p: (p.stem in RESOLVED, p.name))  # noqa: ASYNC240
            for path in paths:
                table = metadata.tables.get(path.stem)
                if table is None:
                    raise SeedError(f"{path.name}: no table named {path.stem}")
                rows = read_rows(path)
                if path.stem in RESOLVED:
                    rows = await RESOLVED[path.stem](conn, rows)
                counts[path.stem] = await upsert(conn, table, rows, path.name)
            agents_dir = prompts_dir() / "agents"
            if agents_dir.is_dir():
                table = metadata.tables["ai_agent_configurations"]
                # An agent an admin edited through the API is theirs now: files never overwrite it.
                counts[table.name] = await upsert(
                    conn, table, agent_rows(agents_dir), "prompts/agents", only_if=table.c.source == "file"
                )
    finally:
        await engine.dispose()
    return counts
