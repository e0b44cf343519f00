"""What replaced the API's system actor (#14 finding 9, migration 0021) keeps its promises: the
definer functions answer only their one question, and an administrator is an account, not a
setting the API's role can write."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hp_agent.db import security
from hp_agent.db.models import load_all
from hp_agent.scheduling.models import LIVE_STATUSES
from tests.conftest import APP_ROLE

METADATA = load_all().metadata
USERS = METADATA.tables["users"]
PROFILES = METADATA.tables["clinician_profiles"]


def test_the_busy_definer_counts_the_live_statuses_scheduling_does() -> None:
    in_sql = {s.strip().strip("'") for s in security.LIVE_APPOINTMENT_STATUSES.split(",")}
    assert in_sql == {s.value for s in LIVE_STATUSES}


async def _person(owner_db: AsyncSession, role: str) -> uuid.UUID:
    uid = uuid.uuid4()
    await owner_db.execute(
        insert(USERS).values(id=uid, email=f"{uid.hex[:10]}@example.org", password_hash="x", role=role)
    )
    return uid


async def _as(conn: AsyncConnection, user_id: uuid.UUID, role: str) -> None:
    await conn.execute(text(f'SET LOCAL ROLE "{APP_ROLE}"'))
    await conn.execute(
        text("SELECT set_config('app.current_user_id', :u, true), set_config('app.current_role', :r, true)"),
        {"u": str(user_id), "r": role},
    )


async def test_claiming_admin_without_an_admin_account_verifies_no_one(
    owner_db: AsyncSession, db_connection: AsyncConnection
) -> None:
    clinician = await _person(owner_db, "therapist")
    patient = await _person(owner_db, "patient")
    admin = await _person(owner_db, "admin")
    await owner_db.execute(
        insert(PROFILES).values(
            id=uuid.uuid4(),
            user_id=clinician,
            display_name="Dr Pending",
            license_number=uuid.uuid4().hex[:12],
            license_country="US",
        )
    )
    await owner_db.flush()
    verify = (
        update(PROFILES)
        .where(PROFILES.c.user_id == clinician)
        .values(status="active", license_verified_at=dt.datetime.now(dt.UTC))
    )
    try:
        # A patient's session that claims the admin role (SQL injected into the API could).
        await _as(db_connection, patient, "admin")
        assert (await db_connection.execute(verify)).rowcount == 0
        # A real administrator's session may.
        await _as(db_connection, admin, "admin")
        assert (await db_connection.execute(verify)).rowcount == 1
    finally:
        await db_connection.execute(text("RESET ROLE"))


async def test_a_clinicians_busy_times_say_when_not_whose(
    seeded: None, owner_db: AsyncSession, db_connection: AsyncConnection
) -> None:
    clinician = await _person(owner_db, "therapist")
    booked = await _person(owner_db, "patient")
    asking = await _person(owner_db, "patient")
    atype = (await owner_db.execute(select(METADATA.tables["appointment_types"].c.id).limit(1))).scalar_one()
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=3)
    appointments = METADATA.tables["appointments"]
    await owner_db.execute(
        insert(appointments).values(
            id=uuid.uuid4(),
            patient_id=booked,
            therapist_id=clinician,
            appointment_type_id=atype,
            status="scheduled",
            starts_at=start,
            ends_at=start + dt.timedelta(minutes=50),
            timezone="UTC",
            modality="video",
        )
    )
    await owner_db.flush()
    try:
        await _as(db_connection, asking, "patient")
        busy = (
            await db_connection.execute(
                text("SELECT * FROM app_clinician_busy(:c, :s, :e, NULL)"),
                {"c": clinician, "s": start - dt.timedelta(days=1), "e": start + dt.timedelta(days=1)},
            )
        ).all()
        assert [(r.starts_at, r.ends_at) for r in busy] == [(start, start + dt.timedelta(minutes=50))]
        assert list(busy[0]._mapping) == ["starts_at", "ends_at"]  # nothing about whose
        seen = (await db_connection.execute(select(appointments.c.id))).all()
        assert seen == []
    finally:
        await db_connection.execute(text("RESET ROLE"))
