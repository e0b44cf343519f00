"""SQL for the therapist console: escalations, detections, context messages, relationships.

Every query also states the access rule it relies on (assignee or treating therapist) so the
service does not lean on row-level security alone: RLS is the second lock.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from hp_agent.care.models import RelationshipStatus, TherapeuticRelationship
from hp_agent.chat.models import ChatMessage
from hp_agent.crisis.models import CrisisDetection, CrisisEscalation, EscalationStatus


def _treats(therapist_id: uuid.UUID, patient_col: ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
    r = TherapeuticRelationship
    return exists().where(
        r.patient_id == patient_col,
        r.therapist_id == therapist_id,
        r.status == RelationshipStatus.active,
    )


def visible_to(therapist_id: uuid.UUID) -> ColumnElement[bool]:
    """Escalations a therapist may see: assigned to them, or about a patient they treat."""
    return or_(
        CrisisEscalation.assigned_to == therapist_id,
        _treats(therapist_id, CrisisEscalation.user_id),  # type: ignore[arg-type]
    )


async def list_escalations(
    session: AsyncSession,
    therapist_id: uuid.UUID,
    *,
    statuses: Sequence[EscalationStatus] | None = None,
    level: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int = 50,
) -> list[CrisisEscalation]:
    stmt = select(CrisisEscalation).where(visible_to(therapist_id))
    if statuses:
        stmt = stmt.where(CrisisEscalation.status.in_(statuses))
    if level is not None:
        stmt = stmt.where(CrisisEscalation.level == level)
    if since is not None:
        stmt = stmt.where(CrisisEscalation.created_at >= since)
    if until is not None:
        stmt = stmt.where(CrisisEscalation.created_at < until)
    stmt = stmt.order_by(CrisisEscalation.created_at.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars().all())


async def get_escalation(
    session: AsyncSession, therapist_id: uuid.UUID, escalation_id: uuid.UUID, *, lock: bool = False
) -> CrisisEscalation | None:
    stmt = select(CrisisEscalation).where(CrisisEscalation.id == escalation_id, visible_to(therapist_id))
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def relationship(
    session: AsyncSession, therapist_id: uuid.UUID, patient_id: uuid.UUID
) -> TherapeuticRelationship | None:
    r = TherapeuticRelationship
    return (
        await session.execute(
            select(r).where(
                r.patient_id == patient_id,
                r.therapist_id == therapist_id,
                r.status == RelationshipStatus.active,
            )
        )
    ).scalar_one_or_none()


async def get_detection(session: AsyncSession, detection_id: uuid.UUID) -> CrisisDetection | None:
    return await session.get(CrisisDetection, detection_id)


async def detections(
    session: AsyncSession, patient_id: uuid.UUID, *, since: dt.datetime | None = None, limit: int = 200
) -> list[CrisisDetection]:
    stmt = select(CrisisDetection).where(CrisisDetection.user_id == patient_id)
    if since is not None:
        stmt = stmt.where(CrisisDetection.detected_at >= since)
    stmt = stmt.order_by(CrisisDetection.detected_at.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars().all())


async def messages_around(
    session: AsyncSession, message_id: uuid.UUID, *, before: int = 5, after: int = 2
) -> list[ChatMessage]:
    anchor = await session.get(ChatMessage, message_id)
    if anchor is None:
        return []
    stmt = (
        select(ChatMessage)
        .where(
            ChatMessage.session_id == anchor.session_id,
            ChatMessage.seq >= anchor.seq - before,
            ChatMessage.seq <= anchor.seq + after,
        )
        .order_by(ChatMessage.seq)
    )
    return list((await session.execute(stmt)).scalars().all())
