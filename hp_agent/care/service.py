"""The patient's consents on a therapeutic relationship (what their therapist may read)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.models import TherapeuticRelationship
from hp_agent.care.schemas import ConsentIn
from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import NotFound

_FIELDS = {
    "share_safety_plan": "consent_to_share_safety_plan",
    "share_chat": "consent_to_share_chat",
    "share_journal": "consent_to_share_journal",
}


async def my_relationships(session: AsyncSession, patient: Principal) -> list[TherapeuticRelationship]:
    rel = TherapeuticRelationship
    stmt = select(rel).where(rel.patient_id == patient.user_id).order_by(rel.created_at)
    return list((await session.execute(stmt)).scalars().all())


async def set_consent(
    session: AsyncSession, patient: Principal, relationship_id: uuid.UUID, body: ConsentIn
) -> TherapeuticRelationship:
    rel = (
        await session.execute(
            select(TherapeuticRelationship)
            .where(
                TherapeuticRelationship.id == relationship_id,
                # The patient only: a therapist is a participant of the row but may not grant consent.
                TherapeuticRelationship.patient_id == patient.user_id,
            )
            .with_for_update()
        )
    ).scalar_one_or_none()
    if rel is None:
        raise NotFound("No such care relationship.")
    changes: dict[str, bool] = {}
    for field, column in _FIELDS.items():
        value = getattr(body, field)
        if value is not None and getattr(rel, column) != value:
            setattr(rel, column, value)
            changes[column] = value
    await session.flush()
    if changes:
        await audit.record(
            session,
            "care.consent.updated",
            actor=patient,
            subject_type="therapeutic_relationship",
            subject_id=rel.id,
            details={"therapist_id": rel.therapist_id, **changes},
        )
    return rel
