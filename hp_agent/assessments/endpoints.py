"""``/v1/assessments``: instruments, taking one, results and score history."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from hp_agent.api.deps import DbSession
from hp_agent.assessments import service
from hp_agent.assessments.schemas import (
    AssessmentIn,
    AssessmentOut,
    AssessmentResult,
    HistoryOut,
    TemplateOut,
    TemplateSummary,
)
from hp_agent.auth.dependencies import CurrentUser
from hp_agent.journal.common import MAX_PAGE, Page

router = APIRouter(prefix="/v1/assessments", tags=["assessments"])

PatientId = Annotated[uuid.UUID | None, Query(description="A patient's id (therapists); default: yourself.")]
Code = Annotated[str, Query(min_length=1, max_length=40)]


@router.get("/templates", response_model=list[TemplateSummary])
async def list_templates(user: CurrentUser, db: DbSession) -> list[TemplateSummary]:
    return await service.list_templates(db)


@router.get("/templates/{code}", response_model=TemplateOut)
async def get_template(code: str, user: CurrentUser, db: DbSession) -> TemplateOut:
    return await service.get_template(db, code)


@router.post("", response_model=AssessmentResult, status_code=201)
async def submit(body: AssessmentIn, user: CurrentUser, db: DbSession) -> AssessmentResult:
    return await service.submit(db, user, body)


@router.get("", response_model=Page[AssessmentOut])
async def list_assessments(
    user: CurrentUser,
    db: DbSession,
    user_id: PatientId = None,
    code: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[AssessmentOut]:
    return await service.list_assessments(db, user, user_id=user_id, code=code, limit=limit, offset=offset)


@router.get("/history", response_model=HistoryOut)
async def history(user: CurrentUser, db: DbSession, code: Code, user_id: PatientId = None) -> HistoryOut:
    return await service.history(db, user, user_id=user_id, code=code)


@router.get("/{assessment_id}", response_model=AssessmentOut)
async def get_assessment(assessment_id: uuid.UUID, user: CurrentUser, db: DbSession) -> AssessmentOut:
    return await service.get(db, user, assessment_id)
