"""Rules enforced by triggers and WITH CHECK clauses, run as the application role."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.db.models import load_all
from hp_agent.db.session import Database, Principal
from tests.db.rowgen import NOW, RowFactory

METADATA = load_all().metadata
REL = METADATA.tables["therapeutic_relationships"]


async def _user(owner_db: AsyncSession, role: str) -> uuid.UUID:
    uid = uuid.uuid4()
    await owner_db.execute(
        insert(METADATA.tables["users"]).values(
            id=uid, email=f"{uid.hex[:10]}@example.org", password_hash="x", role=role
        )
    )
    return uid


async def test_therapist_cannot_grant_themselves_a_patient(owner_db: AsyncSession, app_db: Database) -> None:
    patient, therapist = await _user(owner_db, "patient"), await _user(owner_db, "therapist")
    await owner_db.flush()
    with pytest.raises(DBAPIError, match="only the patient"):
        async with app_db.unit_of_work(Principal(therapist, "therapist")) as s:
            await s.execute(
                insert(REL).values(
                    patient_id=patient,
                    therapist_id=therapist,
                    status="active",
                    started_at=NOW,
                    patient_consented_at=NOW,
                )
            )


async def test_therapist_request_then_patient_accepts(owner_db: AsyncSession, app_db: Database) -> None:
    patient, therapist = await _user(owner_db, "patient"), await _user(owner_db, "therapist")
    await owner_db.flush()
    async with app_db.unit_of_work(Principal(therapist, "therapist")) as s:
        rel_id = (
            await s.execute(
                insert(REL)
                .values(patient_id=patient, therapist_id=therapist, status="pending")
                .returning(REL.c.id)
            )
        ).scalar_one()
    with pytest.raises(DBAPIError, match="only the patient"):
        async with app_db.unit_of_work(Principal(therapist, "therapist")) as s:
            await s.execute(
                update(REL)
                .where(REL.c.id == rel_id)
                .values(status="active", started_at=NOW, patient_consented_at=NOW)
            )
    async with app_db.unit_of_work(Principal(patient, "patient")) as s:
        await s.execute(
            update(REL)
            .where(REL.c.id == rel_id)
            .values(status="active", started_at=NOW, patient_consented_at=NOW)
        )
    async with app_db.unit_of_work(Principal(therapist, "therapist")) as s:
        status = (await s.execute(select(REL.c.status).where(REL.c.id == rel_id))).scalar_one()
    assert status == "active"


async def test_co_owner_cannot_write_rows_for_people_they_do_not_treat(
    owner_db: AsyncSession, app_db: Database
) -> None:
    appointments = METADATA.tables["appointments"]
    patient, therapist = await _user(owner_db, "patient"), await _user(owner_db, "therapist")
    await owner_db.flush()
    with pytest.raises(DBAPIError, match="row-level security"):
        async with app_db.unit_of_work(Principal(therapist, "therapist")) as s:
            await RowFactory(s, patient, therapist).create(
                appointments, "patient_id", patient_id=patient, therapist_id=therapist
            )


async def test_signed_session_note_cannot_be_edited(owner_db: AsyncSession) -> None:
    notes = METADATA.tables["session_notes"]
    patient, therapist = await _user(owner_db, "patient"), await _user(owner_db, "therapist")
    row = await RowFactory(owner_db, patient, therapist).create(
        notes, "patient_id", patient_id=patient, status="signed", signed_at=NOW, signed_by=therapist
    )
    with pytest.raises(DBAPIError, match="cannot be edited"):
        async with owner_db.begin_nested():
            await owner_db.execute(update(notes).where(notes.c.id == row["id"]).values(content="changed"))
    async with owner_db.begin_nested():
        await owner_db.execute(update(notes).where(notes.c.id == row["id"]).values(status="amended"))
