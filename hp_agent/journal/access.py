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
from hp_agent.privacy import access_log


def own_id(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise Unauthorized("Authentication required.", code="not_authenticated")
    return principal.user_id


# Which relationship flag covers which kind of record (the same flags the RLS policies read).
SHARE_FLAGS = {
    "journal": TherapeuticRelationship.consent_to_share_journal,
    "mood": TherapeuticRelationship.consent_to_share_mood,
    "assessments": TherapeuticRelationship.consent_to_share_assessments,
}
_NOT_SHARED = {
    "journal": ("This person has not chosen to share their journal with you.", "journal_not_shared"),
    "mood": ("This person has not chosen to share their mood records with you.", "mood_not_shared"),
    "assessments": (
        "This person has not chosen to share their assessment results with you.",
        "assessments_not_shared",
    ),
}


async def readable_subject(
    session: AsyncSession,
    principal: Principal,
    user_id: uuid.UUID | None,
    *,
    journal: bool = False,
    share: str | None = None,
) -> uuid.UUID:
    """The person whose records the caller reads (``user_id`` None means the caller).

    ``share``: which of the patient's sharing flags covers the records (``journal``, ``mood``,
    ``assessments``); a therapist reads them only while the patient grants it on the relationship.
    ``journal=True`` is the older spelling of ``share="journal"``. A read of someone else's
    records is written to ``data_access_logs`` (the person sees it in ``GET /v1/me/access-log``).
    """
    me = own_id(principal)
    if user_id is None or user_id == me:
        return me
    if principal.role != "therapist":
        raise Forbidden("You can only read your own records.")
    kind = "journal" if journal else share
    rel = TherapeuticRelationship
    flag = SHARE_FLAGS[kind] if kind is not None else rel.status
    row = (
        await session.execute(
            select(flag).where(
                rel.patient_id == user_id,
                rel.therapist_id == me,
                rel.status == RelationshipStatus.active,
            )
        )
    ).first()
    if row is None:
        raise Forbidden(
            "You do not have an active care relationship with this person.", code="no_active_relationship"
        )
    if kind is not None and not row[0]:
        message, code = _NOT_SHARED[kind]
        raise Forbidden(message, code=code)
    await access_log.record(session, principal, user_id, resource=kind or "records", reason="treatment")
    return user_id
