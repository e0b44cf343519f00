"""Finding 9 of issue #14: row-level security must not trust a setting the API's role can change.

As the application role, ``set_config('app.current_role', 'system', true)`` used to read every
journal row. Every table now gives the system actor's access only to members of ``hp_system``,
i.e. the worker's login role; the API role is not one and cannot become one.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from hp_agent.db import security
from hp_agent.db.models import load_all
from hp_agent.db.session import Database, async_url
from hp_agent.db.urls import as_role
from hp_agent.users.repository import SYSTEM
from tests.conftest import APP_ROLE, WORKER_ROLE
from tests.db.rowgen import RowFactory

METADATA = load_all().metadata
CONTENT = security.rls_tables(METADATA)


async def _person(owner_db: AsyncSession) -> uuid.UUID:
    uid = uuid.uuid4()
    await owner_db.execute(
        insert(METADATA.tables["users"]).values(
            id=uid, email=f"{uid.hex[:10]}@example.org", password_hash="not-a-hash", role="patient"
        )
    )
    return uid


async def _count_as(conn: AsyncConnection, role: str, table: Table, row_id: object) -> int:
    await conn.execute(text(f'SET LOCAL ROLE "{role}"'))
    # What an attacker with SQL as that role would do: claim to be the system actor.
    await conn.execute(text("SELECT set_config('app.current_user_id', '', true)"))
    await conn.execute(text("SELECT set_config('app.current_role', 'system', true)"))
    n = (await conn.execute(select(func.count()).select_from(table).where(table.c.id == row_id))).scalar_one()
    await conn.execute(text("RESET ROLE"))
    return int(n)


@pytest.mark.parametrize("table", CONTENT, ids=lambda t: t.name)
async def test_app_role_claiming_system_reads_no_content(
    table: Table, owner_db: AsyncSession, db_connection: AsyncConnection
) -> None:
    alice = await _person(owner_db)
    therapist = await _person(owner_db)
    owner_col = table.info["rls"]["owner"]
    given = {owner_col: alice} if owner_col != "id" else {}  # users: the row is a new account
    row = await RowFactory(owner_db, alice, therapist).create(table, owner_col, **given)
    await owner_db.flush()
    assert await _count_as(db_connection, APP_ROLE, table, row["id"]) == 0
    assert await _count_as(db_connection, WORKER_ROLE, table, row["id"]) == 1


async def test_app_role_claiming_system_cannot_write_content(
    owner_db: AsyncSession, db_connection: AsyncConnection
) -> None:
    alice = await _person(owner_db)
    await owner_db.flush()
    await db_connection.execute(text(f'SET LOCAL ROLE "{APP_ROLE}"'))
    await db_connection.execute(text("SELECT set_config('app.current_role', 'system', true)"))
    with pytest.raises(DBAPIError, match="row-level security"):
        async with db_connection.begin_nested():
            await db_connection.execute(
                insert(METADATA.tables["journal_entries"]).values(
                    id=uuid.uuid4(), user_id=alice, content="x", entry_date=dt.date.today()
                )
            )
    await db_connection.execute(text("RESET ROLE"))


async def test_app_role_cannot_become_a_worker(database_url: str, db_connection: AsyncConnection) -> None:
    member = (
        await db_connection.execute(
            text("SELECT pg_has_role(:app, 'hp_system', 'MEMBER'), pg_has_role(:w, 'hp_system', 'USAGE')"),
            {"app": APP_ROLE, "w": WORKER_ROLE},
        )
    ).one()
    assert tuple(member) == (False, True)
    # Logged in as the application role itself (not SET ROLE from a superuser session).
    engine = create_async_engine(async_url(as_role(database_url, APP_ROLE, None)))
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT current_user"))).scalar_one() == APP_ROLE
            with pytest.raises(DBAPIError, match="permission denied"):
                await conn.execute(text("SET ROLE hp_system"))
    finally:
        await engine.dispose()


async def test_every_content_table_checks_the_role(raw_owner: AsyncConnection) -> None:
    rows = (
        await raw_owner.execute(
            text(
                "SELECT tablename, qual, with_check FROM pg_policies"
                " WHERE policyname = tablename || '_system'"
            )
        )
    ).all()
    by_table = {r.tablename: (r.qual, r.with_check) for r in rows}
    for name in (t.name for t in CONTENT):
        assert by_table[name] == ("app_is_worker_system()", "app_is_worker_system()"), name


async def test_the_worker_unit_of_work_still_acts_as_system(owner_db: AsyncSession, app_db: Database) -> None:
    """The test harness runs system units of work as the worker role, as production does."""
    alice = await _person(owner_db)
    table = METADATA.tables["journal_entries"]
    row = await RowFactory(owner_db, alice, alice).create(table, "user_id", user_id=alice)
    await owner_db.flush()
    async with app_db.unit_of_work(SYSTEM) as s:
        assert (await s.execute(text("SELECT current_user"))).scalar_one() == WORKER_ROLE
        n = (
            await s.execute(select(func.count()).select_from(table).where(table.c.id == row["id"]))
        ).scalar_one()
    assert n == 1
