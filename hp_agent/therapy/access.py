"""Who may read or write a patient's clinical record: the patient (read) and the clinicians who
actively treat them (read and write).

Row-level security enforces the same rule (migration 0007); checking here first turns an empty
result or a refused INSERT into a clear 403 with a code, before anything is written.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.repository import has_active_relationship
from hp_agent.db.session import Principal
from hp_agent.errors import Forbidden, Unauthorized
from hp_agent.privacy import access_log

NOT_YOUR_PATIENT = "You do not have an active care relationship with this person."


def me(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise Unauthorized("Authentication required.", code="not_authenticated")
    return principal.user_id


async def require_treating(session: AsyncSession, principal: Principal, patient_id: uuid.UUID) -> uuid.UUID:
    """The calling clinician's id, if they actively treat ``patient_id`` (any care role); else 403.

    The code matches the journal, mood and assessment APIs' refusal of the same case."""
    clinician = me(principal)
    if principal.role != "therapist" or not await has_active_relationship(session, clinician, patient_id):
        raise Forbidden(NOT_YOUR_PATIENT, code="no_active_relationship")
    return clinician


async def readable_patient(session: AsyncSession, principal: Principal, patient_id: uuid.UUID) -> bool:
    """Whether the caller reads ``patient_id``'s record as a clinician (True) or as the patient
    themself (False); anyone else gets 403. A clinician's read is written to the patient's access
    log (``GET /v1/me/access-log``)."""
    caller = me(principal)
    if caller == patient_id:
        return False
    await require_treating(session, principal, patient_id)
    await access_log.record(session, principal, patient_id, resource="clinical_record", reason="treatment")
    return True
