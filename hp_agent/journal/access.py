"""Whose records a request may read: the caller's own, or a patient's through an active relationship.

Row-level security enforces the same rules in SQL; checking here as well turns "RLS returned no
rows" into a clear 403 instead of an empty list that looks like the patient wrote nothing.
Used by the journal, mood and assessment services.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.models import RelationshipStatus, TherapeuticRelationship
from hp_agent.db.session import Principal
from hp_agent.errors import Forbidden, Unauthorized


def own_id(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise Unauthorized("Authentication required.", code="not_authenticated")
    return principal.user_id


async def readable_subject(
    session: AsyncSession, principal: Principal, user_id: uuid.UUID | None, *, journal: bool
) -> uuid.UUID:
    """The person whose records the caller reads (``user_id`` None means the caller).

    ``journal``: the records are journal content (entries, thought records, gratitude), which a
    therapist may read only while the patient grants journal sharing on the relationship.
    """
    me = own_id(principal)
    if user_id is None or user_id == me:
        return me
    if principal.role != "therapist":
        raise Forbidden("You can only read your own records.")
    rel = TherapeuticRelationship
    row = (
        await session.execute(
            select(rel.consent_to_share_journal).where(
                rel.patient_id == user_id,
                rel.therapist_id == me,
                rel.status == RelationshipStatus.active,
            )
        )
    ).scalar_one_or_none()
    if row is None:
        raise Forbidden(
            "You do not have an active care relationship with this person.", code="no_active_relationship"
        )
    if journal and not row:
        raise Forbidden(
            "This person has not chosen to share their journal with you.", code="journal_not_shared"
        )
    return user_id
