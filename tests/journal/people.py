"""People for journal, mood and assessment API tests: patients, therapists and relationships."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import httpx

from hp_agent.auth.service import create_user
from hp_agent.care.models import RelationshipStatus, TherapeuticRelationship
from hp_agent.db.session import Database
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests.api.auth_helpers import PASSWORD, bearer, login, new_email, signed_in


@dataclass
class Person:
    id: uuid.UUID
    headers: dict[str, str]


async def patient(client: httpx.AsyncClient) -> Person:
    _, tokens = await signed_in(client, "patient")
    me = await client.get("/v1/me", headers=bearer(tokens))
    assert me.status_code == 200, me.text
    return Person(uuid.UUID(me.json()["id"]), bearer(tokens))


async def therapist(client: httpx.AsyncClient, app_db: Database) -> Person:
    email = new_email("therapist")
    async with app_db.unit_of_work(SYSTEM) as session:
        user = await create_user(session, email, PASSWORD, UserRole.therapist, actor=SYSTEM)
        user_id = user.id
    r = await login(client, email)
    assert r.status_code == 200, r.text
    return Person(user_id, bearer(r.json()))


async def relate(
    app_db: Database,
    patient_id: uuid.UUID,
    therapist_id: uuid.UUID,
    *,
    status: RelationshipStatus = RelationshipStatus.active,
    journal: bool = False,
    mood: bool = False,
    assessments: bool = False,
) -> None:
    """A relationship as the patient would have accepted it (created as SYSTEM, as the trigger allows)."""
    now = dt.datetime.now(dt.UTC)
    async with app_db.unit_of_work(SYSTEM) as session:
        session.add(
            TherapeuticRelationship(
                patient_id=patient_id,
                therapist_id=therapist_id,
                status=status,
                is_primary=True,
                consent_to_share_journal=journal,
                consent_to_share_mood=mood,
                consent_to_share_assessments=assessments,
                patient_consented_at=now if status == RelationshipStatus.active else None,
                started_at=now if status == RelationshipStatus.active else None,
            )
        )
