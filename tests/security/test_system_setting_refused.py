"""Finding 9 of issue #14, table by table: the API's role claiming the system actor
(``set_config('app.current_role', 'system', true)``) reads, changes and adds nothing, on every
table. The worker's role, claiming the same, still can.

Rows are made by the owner (RowFactory); the attacker's statements run on the same connection
after ``SET LOCAL ROLE``, exactly as SQL injected into the API would run.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hp_agent.db import security
from hp_agent.db.models import load_all
from hp_agent.db.session import Database, Principal
from tests.conftest import APP_ROLE, WORKER_ROLE
from tests.db.rowgen import RowFactory

METADATA = load_all().metadata
# Readable by every principal by design (catalogues, sign-in throttle counters): not the system's.
_OPEN_READ = security.PUBLIC_READ | security.SERVICE_STATE
# Anyone may append (a patient's message produces an outbox event, every action an audit row);
# only the relay, or admins and the owner of the action, read them.
_OPEN_APPEND = (
    security.APPEND_BY_ANYONE | security.SERVICE_STATE | {t.name for t in security.audit_tables(METADATA)}
)
EVERY_TABLE = list(METADATA.sorted_tables)


async def _person(owner_db: AsyncSession) -> uuid.UUID:
    uid = uuid.uuid4()
    await owner_db.execute(
        insert(METADATA.tables["users"]).values(
            id=uid, email=f"{uid.hex[:10]}@example.org", password_hash="not-a-hash", role="patient"
        )
    )
    return uid


async def _row(owner_db: AsyncSession, table: Table) -> dict[str, Any]:
    alice = await _person(owner_db)
    therapist = await _person(owner_db)
    spec = table.info.get("rls")
    owner_col = spec["owner"] if spec else None
    given = {owner_col: alice} if owner_col and owner_col != "id" else {}
    row = await RowFactory(owner_db, alice, therapist).create(table, owner_col, **given)
    await owner_db.flush()
    return row


async def _claim_system(conn: AsyncConnection, role: str) -> None:
    await conn.execute(text(f'SET LOCAL ROLE "{role}"'))
    await conn.execute(text("SELECT set_config('app.current_user_id', '', true)"))
    await conn.execute(text("SELECT set_config('app.current_role', 'system', true)"))


def _pk(table: Table) -> Any:
    return next(iter(table.primary_key.columns))


@pytest.mark.parametrize("table", EVERY_TABLE, ids=lambda t: t.name)
async def test_the_app_role_claiming_system_gets_nothing(
    table: Table, owner_db: AsyncSession, db_connection: AsyncConnection
) -> None:
    row = await _row(owner_db, table)
    pk = _pk(table)
    key = row[pk.name]
    conn = db_connection

    await _claim_system(conn, APP_ROLE)
    try:
        if table.name not in _OPEN_READ:
            seen = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            assert seen == 0, f"{table.name}: the API role claiming system read {seen} rows"
        if table.info.get("audit"):
            changed = removed = 0  # no UPDATE or DELETE grant at all (append-only)
        else:
            async with conn.begin_nested() as sp:
                changed = (await conn.execute(update(table).where(pk == key).values({pk.name: pk}))).rowcount
                removed = (await conn.execute(delete(table).where(pk == key))).rowcount
                await sp.rollback()
        if table.name not in security.SERVICE_STATE:
            assert (changed, removed) == (0, 0), f"{table.name}: the API role claiming system changed rows"
        if table.name not in _OPEN_APPEND:
            copy = {**row, pk.name: uuid.uuid4()} if pk.name == "id" else dict(row)
            with pytest.raises(DBAPIError, match="row-level security"):
                async with conn.begin_nested():
                    await conn.execute(insert(table).values(**copy))
    finally:
        await conn.execute(text("RESET ROLE"))

    # The worker's role, claiming the same, is the system actor.
    await _claim_system(conn, WORKER_ROLE)
    try:
        found = (await conn.execute(select(func.count()).select_from(table).where(pk == key))).scalar_one()
        assert found == 1, f"{table.name}: the worker's role no longer acts as system"
    finally:
        await conn.execute(text("RESET ROLE"))


async def test_definer_functions_are_pinned_and_for_the_app_role_only(raw_owner: AsyncConnection) -> None:
    for signature, _create in security.DEFINER_FUNCTIONS:
        row = (
            await raw_owner.execute(
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
    await raw_owner.rollback()


async def test_signin_lookup_answers_an_id_and_nothing_else(
    owner_db: AsyncSession, db_connection: AsyncConnection
) -> None:
    alice = await _person(owner_db)
    email = (
        await owner_db.execute(
            select(METADATA.tables["users"].c.email).where(METADATA.tables["users"].c.id == alice)
        )
    ).scalar_one()
    await db_connection.execute(text(f'SET LOCAL ROLE "{APP_ROLE}"'))
    await db_connection.execute(
        text(
            "SELECT set_config('app.current_user_id', '', true),"
            " set_config('app.current_role', 'anonymous', true)"
        )
    )
    try:
        found = (
            await db_connection.execute(
                text("SELECT app_account_for_signin(:e)"), {"e": f"  {email.upper()} "}
            )
        ).scalar_one()
        assert found == alice
        # ... while the account's row itself stays out of reach without its owner's principal.
        seen = (
            await db_connection.execute(
                select(func.count())
                .select_from(METADATA.tables["users"])
                .where(METADATA.tables["users"].c.id == alice)
            )
        ).scalar_one()
        assert seen == 0
    finally:
        await db_connection.execute(text("RESET ROLE"))


@pytest.mark.parametrize("asked_by_patient", [True, False])
async def test_a_clinician_activates_only_what_the_patient_asked_for(
    asked_by_patient: bool, owner_db: AsyncSession, app_db: Database
) -> None:
    """Accepting a patient's request used to run as the system actor; now the guard lets the
    clinician activate a request the patient made and consented to, and nothing else."""
    patient, clinician = await _person(owner_db), await _person(owner_db)
    rels = METADATA.tables["therapeutic_relationships"]
    rel_id = uuid.uuid4()
    await owner_db.execute(
        insert(rels).values(
            id=rel_id,
            patient_id=patient,
            therapist_id=clinician,
            role="counselor",
            status="pending",
            created_by=patient if asked_by_patient else clinician,
            patient_consented_at=dt.datetime.now(dt.UTC) if asked_by_patient else None,
        )
    )
    await owner_db.flush()
    activate = (
        update(rels)
        .where(rels.c.id == rel_id)
        .values(
            status="active",
            started_at=dt.datetime.now(dt.UTC),
            patient_consented_at=rels.c.patient_consented_at,
        )
    )
    if asked_by_patient:
        async with app_db.unit_of_work(Principal(clinician, "therapist")) as s:
            assert (await s.execute(activate)).rowcount == 1
    else:
        with pytest.raises(DBAPIError, match="only the patient can activate"):
            async with app_db.unit_of_work(Principal(clinician, "therapist")) as s:
                await s.execute(activate)
