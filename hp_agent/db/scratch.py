"""Throwaway databases on a PostgreSQL server.

The test run, the benchmarks, the live evaluations and the migration generator each create a
fresh database, use it and drop it; they do it the same way, here.
"""

from __future__ import annotations

import uuid

import asyncpg
from sqlalchemy.engine import make_url


def plain_url(url: str) -> str:
    """``url`` as asyncpg takes it (driver name ``postgresql``, password kept)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def execute(server_url: str, sql: str) -> None:
    """One statement on its own connection (CREATE/DROP DATABASE cannot run in a transaction)."""
    conn = await asyncpg.connect(plain_url(server_url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def create_database(server_url: str, prefix: str) -> str:
    """A new, empty database ``{prefix}_<random>`` on that server; its URL (same user, driver)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await execute(server_url, f'CREATE DATABASE "{name}"')
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


async def drop_database(server_url: str, url: str) -> None:
    """Drop the database ``url`` names, closing whatever is still connected to it."""
    await execute(server_url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
