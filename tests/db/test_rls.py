"""Row-level security, tested as the application role against real PostgreSQL.

Every table that declares an owner is exercised: person B cannot read, update or delete person
A's row; A can read it; with no principal nothing is visible. A meta-test checks the catalogue so
that a new table with a user_id/patient_id column cannot ship without forced RLS and a policy.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Table, delete, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.db import security
from hp_agent.db.models import load_all
from hp_agent.db.session import ANONYMOUS, Database, Principal
from tests.db.rowgen import RowFactory

METADATA = load_all().metadata
RLS_TABLES = [t for t in METADATA.sorted_tables if "rls" in t.info and t.name != "users"]
DIRECTORY_TABLES = {"clinician_profiles"}


async def _make_user(owner_db: AsyncSession, role: str = "patient") -> uuid.UUID:
    users = METADATA.tables["users"]
    uid = uuid.uuid4()
    await owner_db.execute(
        insert(users).values(
            id=uid, email=f"{uid.hex[:10]}@example.org", password_hash="not-a-hash", role=role
        )
    )
    return uid


async def _count(app_db: Database, principal: Principal, table: Table, row_id: object) -> int:
    async with app_db.unit_of_work(principal) as s:
        return int(
            (
                await s.execute(select(func.count()).select_from(table).where(table.c.id == row_id))
            ).scalar_one()
        )


async def test_every_person_table_has_forced_rls_and_policy(owner_db: AsyncSession) -> None:
    rows = (
        await owner_db.execute(
            text(
                """
                SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind = 'r'
                  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND NOT a.attisdropped
                              AND a.attname IN ('user_id', 'patient_id'))
                """
            )
        )
    ).all()
    assert len(rows) >= 40
    unprotected = [r.relname for r in rows if not (r.relrowsecurity and r.relforcerowsecurity and r.policies)]
    assert unprotected == []


def test_declared_owner_tables_cover_user_columns() -> None:
    undeclared = [
        t.name
        for t in METADATA.sorted_tables
        if ({"user_id", "patient_id"} & set(t.c.keys())) and "rls" not in t.info and not t.info.get("audit")
    ]
    assert undeclared == []


@pytest.mark.parametrize("table", RLS_TABLES, ids=lambda t: t.name)
async def test_other_person_cannot_touch_row(table: Table, owner_db: AsyncSession, app_db: Database) -> None:
    alice = await _make_user(owner_db)
    bob = await _make_user(owner_db)
    neutral = await _make_user(owner_db, role="therapist")
    owner_col = table.info["rls"]["owner"]
    row = await RowFactory(owner_db, alice, neutral).create(table, owner_col, **{owner_col: alice})
    await owner_db.flush()
    row_id = row["id"]

    as_bob = Principal(bob, "patient")
    # The clinician directory is readable by every signed-in person by design; writes are not.
    assert await _count(app_db, as_bob, table, row_id) == (1 if table.name in DIRECTORY_TABLES else 0)
    async with app_db.unit_of_work(as_bob) as s:
        upd = await s.execute(update(table).where(table.c.id == row_id).values({owner_col: bob}))
        dele = await s.execute(delete(table).where(table.c.id == row_id))
    assert (upd.rowcount, dele.rowcount) == (0, 0)
    assert await _count(app_db, ANONYMOUS, table, row_id) == 0
    assert await _count(app_db, Principal(alice, "patient"), table, row_id) == 1


async def test_users_row_visible_only_to_its_owner(owner_db: AsyncSession, app_db: Database) -> None:
    users = METADATA.tables["users"]
    alice, bob = await _make_user(owner_db), await _make_user(owner_db)
    assert await _count(app_db, Principal(bob, "patient"), users, alice) == 0
    assert await _count(app_db, Principal(alice, "patient"), users, alice) == 1
    assert await _count(app_db, ANONYMOUS, users, alice) == 0


async def test_person_cannot_write_row_for_someone_else(owner_db: AsyncSession, app_db: Database) -> None:
    mood = METADATA.tables["mood_entries"]
    alice, bob = await _make_user(owner_db), await _make_user(owner_db)
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="row-level security"):
        async with app_db.unit_of_work(Principal(bob, "patient")) as s:
            await RowFactory(s, alice, bob).create(mood, "user_id", user_id=alice)


async def _relationship(
    owner_db: AsyncSession, patient: uuid.UUID, therapist: uuid.UUID, status: str, **consents: bool
) -> None:
    rel = METADATA.tables["therapeutic_relationships"]
    from tests.db.rowgen import NOW

    await RowFactory(owner_db, patient, therapist).create(
        rel,
        "patient_id",
        patient_id=patient,
        therapist_id=therapist,
        status=status,
        started_at=NOW,
        patient_consented_at=NOW,
        ended_at=NOW if status == "ended" else None,
        **consents,
    )


@pytest.mark.parametrize("table_name", ["mood_entries", "crisis_detections", "user_assessments"])
async def test_therapist_reads_only_active_patients(
    table_name: str, owner_db: AsyncSession, app_db: Database
) -> None:
    table = METADATA.tables[table_name]
    patient, other = await _make_user(owner_db), await _make_user(owner_db)
    therapist = await _make_user(owner_db, role="therapist")
    ended_therapist = await _make_user(owner_db, role="therapist")
    # Mood and assessments are read only with the patient's flags (the consent test below).
    shares = {"consent_to_share_mood": True, "consent_to_share_assessments": True}
    await _relationship(owner_db, patient, therapist, "active", **shares)
    await _relationship(owner_db, patient, ended_therapist, "ended", **shares)
    mine = await RowFactory(owner_db, patient, therapist).create(table, "user_id", user_id=patient)
    theirs = await RowFactory(owner_db, other, therapist).create(table, "user_id", user_id=other)
    await owner_db.flush()

    as_therapist = Principal(therapist, "therapist")
    assert await _count(app_db, as_therapist, table, mine["id"]) == 1
    assert await _count(app_db, as_therapist, table, theirs["id"]) == 0
    assert await _count(app_db, Principal(ended_therapist, "therapist"), table, mine["id"]) == 0
    # Read access only: a therapist cannot change the patient's own record.
    async with app_db.unit_of_work(as_therapist) as s:
        res = await s.execute(delete(table).where(table.c.id == mine["id"]))
    assert res.rowcount == 0


async def test_therapist_read_needs_therapist_role(owner_db: AsyncSession, app_db: Database) -> None:
    table = METADATA.tables["mood_entries"]
    patient, therapist = await _make_user(owner_db), await _make_user(owner_db, role="therapist")
    await _relationship(owner_db, patient, therapist, "active")
    row = await RowFactory(owner_db, patient, therapist).create(table, "user_id", user_id=patient)
    await owner_db.flush()
    assert await _count(app_db, Principal(therapist, "patient"), table, row["id"]) == 0


async def test_audit_logs_are_append_only(owner_db: AsyncSession, app_db: Database) -> None:
    audit = METADATA.tables["audit_logs"]
    actor = await _make_user(owner_db)
    from hp_agent.compliance.audit import record

    async with app_db.unit_of_work(Principal(actor, "patient")) as s:
        await record(s, "test.event", actor=Principal(actor, "patient"))
    from sqlalchemy.exc import DBAPIError

    for stmt in (update(audit).values(action="tampered"), delete(audit)):
        with pytest.raises(DBAPIError, match="append-only"):
            async with owner_db.begin_nested():
                await owner_db.execute(stmt.where(audit.c.actor_id == actor))


async def test_account_deletion_removes_everything(owner_db: AsyncSession) -> None:
    alice, neutral = await _make_user(owner_db), await _make_user(owner_db, role="therapist")
    factory = RowFactory(owner_db, alice, neutral)
    for table in RLS_TABLES:
        owner_col = table.info["rls"]["owner"]
        await factory.create(table, owner_col, **{owner_col: alice})
    users = METADATA.tables["users"]
    await owner_db.execute(delete(users).where(users.c.id == alice))
    left = []
    for table in RLS_TABLES:
        owner_col = table.info["rls"]["owner"]
        n = (
            await owner_db.execute(select(func.count()).select_from(table).where(table.c[owner_col] == alice))
        ).scalar_one()
        if n:
            left.append(table.name)
    assert left == []
    # The neutral person's account is untouched by Alice's deletion.
    assert (
        await owner_db.execute(select(func.count()).select_from(users).where(users.c.id == neutral))
    ).scalar_one() == 1


# SERVICE_STATE tables (sign-in throttle counters) are written by everyone on purpose.
REFERENCE_TABLES = [
    t
    for t in METADATA.sorted_tables
    if "rls" not in t.info and not t.info.get("audit") and t.name not in security.SERVICE_STATE
]


@pytest.mark.parametrize("table", REFERENCE_TABLES, ids=lambda t: t.name)
async def test_people_cannot_write_reference_tables(
    table: Table, owner_db: AsyncSession, app_db: Database
) -> None:
    alice = await _make_user(owner_db)
    row = await RowFactory(owner_db, alice, alice).create(table)
    await owner_db.flush()
    key = next(iter(table.primary_key.columns))
    as_alice = Principal(alice, "patient")
    async with app_db.unit_of_work(as_alice) as s:
        dele = await s.execute(delete(table).where(key == row[key.name]))
    assert dele.rowcount == 0
    from hp_agent.db.security import APPEND_BY_ANYONE, PUBLIC_READ

    visible = await _count_by(app_db, as_alice, table, key, row[key.name])
    assert visible == (1 if table.name in PUBLIC_READ else 0)
    if table.name not in APPEND_BY_ANYONE:
        from sqlalchemy.exc import DBAPIError

        with pytest.raises(DBAPIError, match="row-level security"):
            async with app_db.unit_of_work(as_alice) as s:
                await RowFactory(s, alice, alice).create(table)


async def _count_by(app_db: Database, principal: Principal, table: Table, key: object, value: object) -> int:
    async with app_db.unit_of_work(principal) as s:
        return int(
            (await s.execute(select(func.count()).select_from(table).where(key == value))).scalar_one()
        )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("table_name", "consent"),
    [
        ("safety_plans", "consent_to_share_safety_plan"),
        ("journal_entries", "consent_to_share_journal"),
        ("chat_messages", "consent_to_share_chat"),
        ("mood_entries", "consent_to_share_mood"),
        ("mood_patterns", "consent_to_share_mood"),
        ("user_assessments", "consent_to_share_assessments"),
        ("assessment_responses", "consent_to_share_assessments"),
        ("conversation_analytics", "consent_to_share_chat"),
    ],
)
async def test_therapist_reads_shared_data_only_with_consent(
    table_name: str, consent: str, owner_db: AsyncSession, app_db: Database
) -> None:
    table = METADATA.tables[table_name]
    rel = METADATA.tables["therapeutic_relationships"]
    patient, therapist = await _make_user(owner_db), await _make_user(owner_db, role="therapist")
    await _relationship(owner_db, patient, therapist, "active")
    row = await RowFactory(owner_db, patient, therapist).create(table, "user_id", user_id=patient)
    await owner_db.flush()
    as_therapist = Principal(therapist, "therapist")
    assert await _count(app_db, as_therapist, table, row["id"]) == 0
    async with app_db.unit_of_work(Principal(patient, "patient")) as s:  # the patient grants it
        await s.execute(update(rel).where(rel.c.patient_id == patient).values({consent: True}))
    assert await _count(app_db, as_therapist, table, row["id"]) == 1
    async with app_db.unit_of_work(Principal(patient, "patient")) as s:  # ...and takes it back
        await s.execute(update(rel).where(rel.c.patient_id == patient).values({consent: False}))
    assert await _count(app_db, as_therapist, table, row["id"]) == 0
