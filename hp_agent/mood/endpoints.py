"""``/v1/mood``: daily check-ins, goals, patterns and insights, summaries and a chart image."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser
from hp_agent.journal.common import MAX_PAGE, Page, check_range
from hp_agent.mood import goals, service, summaries
from hp_agent.mood.chart import MEDIA_TYPES
from hp_agent.mood.models import GoalStatus
from hp_agent.mood.schemas import (
    ComputeIn,
    ComputeOut,
    GoalIn,
    GoalOut,
    GoalPatch,
    GoalResult,
    InsightOut,
    MoodCheckIn,
    MoodEntryOut,
    MoodEntryResult,
    PatternOut,
    SummaryOut,
)
from hp_agent.subscriptions import entitlements

router = APIRouter(prefix="/v1/mood", tags=["mood"])

PatientId = Annotated[uuid.UUID | None, Query(description="A patient's id (therapists); default: yourself.")]


@router.post("/entries", response_model=MoodEntryResult, status_code=201)
async def check_in(body: MoodCheckIn, user: CurrentUser, db: DbSession) -> MoodEntryResult:
    return await service.check_in(db, user, body)


@router.get("/entries", response_model=Page[MoodEntryOut])
async def list_entries(
    user: CurrentUser,
    db: DbSession,
    user_id: PatientId = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 31,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[MoodEntryOut]:
    check_range(date_from, date_to)
    return await service.list_entries(
        db, user, user_id=user_id, date_from=date_from, date_to=date_to, limit=limit, offset=offset
    )


@router.get("/entries/{entry_id}", response_model=MoodEntryOut)
async def get_entry(entry_id: uuid.UUID, user: CurrentUser, db: DbSession) -> MoodEntryOut:
    return await service.get_entry(db, user, entry_id)


@router.delete("/entries/{entry_id}", status_code=204)
async def delete_entry(entry_id: uuid.UUID, user: CurrentUser, db: DbSession) -> Response:
    await service.delete_entry(db, user, entry_id)
    return Response(status_code=204)


@router.post("/goals", response_model=GoalResult, status_code=201)
async def create_goal(body: GoalIn, user: CurrentUser, db: DbSession) -> GoalResult:
    return await goals.create_goal(db, user, body)


@router.get("/goals", response_model=list[GoalOut])
async def list_goals(
    user: CurrentUser, db: DbSession, user_id: PatientId = None, status: GoalStatus | None = None
) -> list[GoalOut]:
    return await goals.list_goals(db, user, user_id, status)


@router.patch("/goals/{goal_id}", response_model=GoalResult)
async def update_goal(goal_id: uuid.UUID, body: GoalPatch, user: CurrentUser, db: DbSession) -> GoalResult:
    return await goals.update_goal(db, user, goal_id, body)


@router.delete("/goals/{goal_id}", status_code=204)
async def delete_goal(goal_id: uuid.UUID, user: CurrentUser, db: DbSession) -> Response:
    await goals.delete_goal(db, user, goal_id)
    return Response(status_code=204)


@router.post("/insights/compute", response_model=ComputeOut)
async def compute_insights(body: ComputeIn, user: CurrentUser, db: DbSession) -> ComputeOut:
    """Insights over the last ``days`` (the free tier: 30; advanced insights: up to a year)."""
    await entitlements.check(db, user, entitlements.MOOD_INSIGHTS, body.days)
    return await service.compute_insights(db, user, body.days)


@router.get("/insights", response_model=list[InsightOut])
async def list_insights(
    user: CurrentUser,
    db: DbSession,
    user_id: PatientId = None,
    include_dismissed: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
) -> list[InsightOut]:
    return await service.list_insights(db, user, user_id, include_dismissed, limit)


@router.post("/insights/{insight_id}/dismiss", response_model=InsightOut)
async def dismiss_insight(insight_id: uuid.UUID, user: CurrentUser, db: DbSession) -> InsightOut:
    return await service.dismiss_insight(db, user, insight_id)


@router.get("/patterns", response_model=list[PatternOut])
async def list_patterns(
    user: CurrentUser,
    db: DbSession,
    user_id: PatientId = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
) -> list[PatternOut]:
    return await service.list_patterns(db, user, user_id, limit)


@router.get("/summary", response_model=SummaryOut)
async def summary(
    user: CurrentUser,
    db: DbSession,
    period: Literal["week", "month"] = "week",
    date: Annotated[dt.date | None, Query(description="Any day in the period; default: today.")] = None,
    user_id: PatientId = None,
) -> SummaryOut:
    return await summaries.summary(db, user, user_id=user_id, period=period, anchor=date)


@router.get(
    "/chart",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/svg+xml": {}}, "description": "The mood chart."}},
)
async def chart(
    user: CurrentUser,
    db: DbSession,
    format: Literal["png", "svg"] = "png",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    user_id: PatientId = None,
) -> Response:
    image = await summaries.render_chart(
        db, user, user_id=user_id, date_from=date_from, date_to=date_to, fmt=format
    )
    # Health data: never cached by shared caches.
    return Response(image, media_type=MEDIA_TYPES[format], headers={"Cache-Control": "private, no-store"})
