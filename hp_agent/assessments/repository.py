"""SQL for instrument templates, administrations and their responses."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.assessments.models import (
    AdministrationStatus,
    AssessmentResponse,
    AssessmentTemplate,
    UserAssessment,
)


async def templates(session: AsyncSession) -> list[AssessmentTemplate]:
    stmt = (
        select(AssessmentTemplate)
        .where(AssessmentTemplate.is_active.is_(True))
        .order_by(AssessmentTemplate.code)
    )
    return list((await session.execute(stmt)).scalars().all())


async def template_by_code(session: AsyncSession, code: str) -> AssessmentTemplate | None:
    stmt = select(AssessmentTemplate).where(
        AssessmentTemplate.code == code, AssessmentTemplate.is_active.is_(True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def template_by_id(session: AsyncSession, template_id: uuid.UUID) -> AssessmentTemplate | None:
    return await session.get(AssessmentTemplate, template_id)


async def get(session: AsyncSession, assessment_id: uuid.UUID) -> UserAssessment | None:
    return (
        await session.execute(select(UserAssessment).where(UserAssessment.id == assessment_id))
    ).scalar_one_or_none()


async def responses(session: AsyncSession, assessment_id: uuid.UUID) -> list[AssessmentResponse]:
    stmt = (
        select(AssessmentResponse)
        .where(AssessmentResponse.user_assessment_id == assessment_id)
        .order_by(AssessmentResponse.item_index)
    )
    return list((await session.execute(stmt)).scalars().all())


async def completed(
    session: AsyncSession,
    user_id: uuid.UUID,
    template_id: uuid.UUID | None,
    *,
    limit: int | None = None,
    offset: int = 0,
    oldest_first: bool = False,
) -> tuple[list[UserAssessment], int]:
    stmt = select(UserAssessment).where(
        UserAssessment.user_id == user_id, UserAssessment.status == AdministrationStatus.COMPLETED
    )
    if template_id is not None:
        stmt = stmt.where(UserAssessment.template_id == template_id)
    total = (await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one()
    order = UserAssessment.completed_at.asc() if oldest_first else UserAssessment.completed_at.desc()
    stmt = stmt.order_by(order, UserAssessment.id)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return list((await session.execute(stmt)).scalars().all()), int(total)
