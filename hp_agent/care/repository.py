"""SQL of the care network: clinicians, relationships, practices, on-call shifts, referrals.

The two checks other domains build on (scheduling books only verified clinicians; therapy writes
only for a patient the clinician actively treats) are :func:`is_verified_clinician` and
:func:`has_active_relationship`; the ``require_*`` forms raise the project's typed errors.
They read through RLS as the caller: ``clinician_profiles`` is readable by any signed-in
principal (directory policy) and a relationship row by its patient and its clinician.
"""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.models import (
    CareRole,
    ClinicianProfile,
    ClinicianProfileStatus,
    RelationshipStatus,
    TherapeuticRelationship,
)
from hp_agent.errors import Forbidden, HPError


def _verified(clinician_id: uuid.UUID) -> tuple[ColumnElement[bool], ...]:
    p = ClinicianProfile
    return (
        p.user_id == clinician_id,
        p.status == ClinicianProfileStatus.active,
        p.license_verified_at.is_not(None),
    )


async def is_verified_clinician(session: AsyncSession, clinician_id: uuid.UUID) -> bool:
    """True when an admin verified this clinician's licence and the profile is active."""
    stmt = select(exists().where(*_verified(clinician_id)))
    return bool((await session.execute(stmt)).scalar())


async def has_active_relationship(
    session: AsyncSession,
    clinician_id: uuid.UUID,
    patient_id: uuid.UUID,
    *,
    role: CareRole | None = None,
) -> bool:
    """True while clinician and patient have an *active* care relationship (optionally of ``role``)."""
    r = TherapeuticRelationship
    cond = [r.therapist_id == clinician_id, r.patient_id == patient_id, r.status == RelationshipStatus.active]
    if role is not None:
        cond.append(r.role == role)
    return bool((await session.execute(select(exists().where(*cond)))).scalar())


class ClinicianNotVerified(HPError):
    status_code = 409
    code = "clinician_not_verified"


async def require_verified_clinician(session: AsyncSession, clinician_id: uuid.UUID) -> None:
    if not await is_verified_clinician(session, clinician_id):
        raise ClinicianNotVerified("This clinician is not verified.")


async def require_active_relationship(
    session: AsyncSession, clinician_id: uuid.UUID, patient_id: uuid.UUID
) -> None:
    if not await has_active_relationship(session, clinician_id, patient_id):
        raise Forbidden("There is no active care relationship with this patient.", code="no_relationship")
