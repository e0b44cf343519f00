"""Row-level security on the clinical tables (migration 0007), as the application role: access
follows *active* relationships, whoever wrote the row."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.models import RelationshipStatus, TherapeuticRelationship
from hp_agent.db.models import load_all
from hp_agent.db.session import Database, Principal
from tests.db.rowgen import RowFactory

METADATA = load_all().metadata
CLINICAL = {
    "therapy_sessions": "therapist_id",
    "session_notes": "author_id",
    "treatment_plans": "therapist_id",
    "diagnoses": "therapist_id",
    "homework_assignments": "therapist_id",
}


async def _user(owner_db: AsyncSession, role: str) -> uuid.UUID:
    uid = uuid.uuid4()
    await owner_db.execute(
        insert(METADATA.tables["users"]).values(
            id=uid, email=f"{uid.hex[:10]}@example.org", password_hash="x", role=role
        )
    )
    return uid


async def _visible(app_db: Database, who: Principal, table: Table, row_id: object) -> int:
    async with app_db.unit_of_work(who) as s:
        return int(
            (
                await s.execute(select(func.count()).select_from(table).where(table.c.id == row_id))
            ).scalar_one()
        )


@pytest.mark.parametrize("name", sorted(CLINICAL))
async def test_clinical_rows_follow_the_active_relationship(
    name: str, owner_db: AsyncSession, app_db: Database
) -> None:
    table = METADATA.tables[name]
    col = CLINICAL[name]
    patient = await _user(owner_db, "patient")
    doc, stranger = await _user(owner_db, "therapist"), await _user(owner_db, "therapist")
    rel = uuid.uuid4()
    await RowFactory(owner_db, patient, doc).create(
        METADATA.tables["therapeutic_relationships"],
        "patient_id",
        id=rel,
        patient_id=patient,
        therapist_id=doc,
        status="active",
        started_at=func.now(),
        patient_consented_at=func.now(),
    )
    row = await RowFactory(owner_db, patient, doc).create(
        table, "patient_id", patient_id=patient, **{col: doc}
    )
    await owner_db.flush()
    as_doc, as_stranger = Principal(doc, "therapist"), Principal(stranger, "therapist")

    assert await _visible(app_db, as_doc, table, row["id"]) == 1
    assert await _visible(app_db, Principal(patient, "patient"), table, row["id"]) == 1
    assert await _visible(app_db, as_stranger, table, row["id"]) == 0
    # Nobody writes a row naming someone else as its clinician, nor for a patient they do not treat.
    with pytest.raises(DBAPIError, match="row-level security"):
        async with app_db.unit_of_work(as_stranger) as s:
            await RowFactory(s, patient, stranger).create(
                table, "patient_id", patient_id=patient, **{col: stranger}
            )
    # The patient reads but does not edit the clinical record (homework: only their response).
    as_patient = Principal(patient, "patient")
    if name == "homework_assignments":
        with pytest.raises(DBAPIError, match="only record their homework response"):
            async with app_db.unit_of_work(as_patient) as s:
                await s.execute(update(table).where(table.c.id == row["id"]).values({col: None}))
        async with app_db.unit_of_work(as_patient) as s:
            res = await s.execute(
                update(table).where(table.c.id == row["id"]).values(patient_response="done")
            )
        assert res.rowcount == 1
    else:
        async with app_db.unit_of_work(as_patient) as s:
            res = await s.execute(update(table).where(table.c.id == row["id"]).values({col: None}))
        assert res.rowcount == 0

    # Once the relationship ends, the clinician who wrote the row no longer sees it.
    await owner_db.execute(
        update(TherapeuticRelationship)
        .where(TherapeuticRelationship.id == rel)
        .values(status=RelationshipStatus.ended, ended_at=func.now(), is_primary=False)
    )
    await owner_db.flush()
    await owner_db.execute(update(table).where(table.c.id == row["id"]).values({col: doc}))
    await owner_db.flush()
    assert await _visible(app_db, as_doc, table, row["id"]) == 0
