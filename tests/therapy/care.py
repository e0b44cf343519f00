"""A treating clinician and their patient, as the API tests need them."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.models import RelationshipStatus, TherapeuticRelationship
from hp_agent.db.session import Database
from hp_agent.users.repository import SYSTEM
from tests.journal.people import Person, patient, therapist


@dataclass
class Pair:
    doc: Person
    pat: Person


async def link(
    app_db: Database,
    patient_id: uuid.UUID,
    therapist_id: uuid.UUID,
    *,
    primary: bool = True,
    status: RelationshipStatus = RelationshipStatus.active,
) -> None:
    """A relationship as the patient accepted it (written as SYSTEM, which the guard trigger allows)."""
    now = dt.datetime.now(dt.UTC)
    # The patient shares mood and assessments (the caseload and outcomes read them), where the
    # relationship records those consents.
    shares = {
        c: True
        for c in ("consent_to_share_mood", "consent_to_share_assessments")
        if hasattr(TherapeuticRelationship, c)
    }
    async with app_db.unit_of_work(SYSTEM) as session:
        session.add(
            TherapeuticRelationship(
                patient_id=patient_id,
                therapist_id=therapist_id,
                status=status,
                is_primary=primary and status == RelationshipStatus.active,
                patient_consented_at=now - dt.timedelta(days=60),
                started_at=now - dt.timedelta(days=60),
                ended_at=now - dt.timedelta(days=1) if status == RelationshipStatus.ended else None,
                **shares,
            )
        )


async def treated(client: httpx.AsyncClient, app_db: Database) -> Pair:
    pat = await patient(client)
    doc = await therapist(client, app_db)
    await link(app_db, pat.id, doc.id)
    return Pair(doc, pat)


SOAP = {"subjective": "Reports low mood most days.", "plan": "Behavioural activation, weekly."}


async def appointment(
    owner_db: AsyncSession, patient_id: uuid.UUID, therapist_id: uuid.UUID, *, days: float
) -> tuple[uuid.UUID, dt.datetime]:
    """A booked appointment ``days`` from now (the scheduling API is another module's; the row
    factory builds a valid one, type included)."""
    from hp_agent.db.models import load_all
    from tests.db.rowgen import RowFactory

    table = load_all().metadata.tables["appointments"]
    starts = (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    row = await RowFactory(owner_db, patient_id, therapist_id).create(
        table,
        "patient_id",
        patient_id=patient_id,
        therapist_id=therapist_id,
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=50),
        status="confirmed",
    )
    await owner_db.commit()
    return row["id"], starts
