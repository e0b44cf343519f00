"""``/v1/analytics``: de-identified reports (JSON or CSV) for clinic leads and administrators,
and back-filling rollup days (administrators)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from hp_agent.analytics import service, tasks
from hp_agent.analytics.schemas import BackfillIn, BackfillOut, Report, ReportOut, ScopesOut
from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser
from hp_agent.compliance import audit
from hp_agent.config import Settings
from hp_agent.errors import Forbidden

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/scopes", response_model=ScopesOut)
async def scopes(request: Request, user: CurrentUser, db: DbSession) -> ScopesOut:
    return await service.scopes(db, user, _settings(request).analytics_min_cell)


@router.get("/{name}", response_model=ReportOut)
async def report(
    request: Request,
    name: Report,
    user: CurrentUser,
    db: DbSession,
    practice_id: uuid.UUID | None = None,
    clinician_id: uuid.UUID | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> ReportOut | Response:
    data = await service.report(
        db,
        user,
        name,
        practice_id=practice_id,
        clinician_id=clinician_id,
        start=start,
        end=end,
        min_cell=_settings(request).analytics_min_cell,
    )
    if format == "json":
        return data
    await audit.record(
        db,
        "analytics.export",
        actor=user,
        subject_type="analytics_report",
        subject_id=practice_id,
        details={"report": name, "rows": len(data.rows)},
    )
    filename = f"{name}-{data.start.isoformat()}-{data.end.isoformat()}.csv"
    return Response(
        service.to_csv(data),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/backfill", response_model=BackfillOut, status_code=202)
async def backfill(request: Request, body: BackfillIn, user: CurrentUser, db: DbSession) -> BackfillOut:
    """Queue the rollup of every day in [start, end] (the worker computes them)."""
    if user.role != "admin":
        raise Forbidden("Only administrators back-fill analytics.", code="analytics_forbidden")
    first, last = service.date_range(body.start, body.end)
    queued = await tasks.enqueue_in(db, first, last)
    await audit.record(db, "analytics.backfill", actor=user, details={"days": queued})
    return BackfillOut(queued=queued)
