"""``/v1/journal``: entries, gratitude, prompts and guided CBT sessions."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import AppSettings, CurrentUser
from hp_agent.journal import guided_service, guided_sessions, prompts, service
from hp_agent.journal.common import MAX_PAGE, Page, check_range
from hp_agent.journal.guided import flows
from hp_agent.journal.models import CBTTechnique, GuidedSessionStatus, PromptCategory, ThoughtRecordStatus
from hp_agent.journal.schemas import (
    FlowResult,
    FlowSubmission,
    GratitudeIn,
    GratitudeOut,
    GratitudeResult,
    GuidedSessionAnswer,
    GuidedSessionStart,
    GuidedSessionState,
    GuidedSessionSummary,
    GuidedState,
    JournalEntryIn,
    JournalEntryOut,
    JournalEntryPatch,
    JournalEntryResult,
    PromptsOut,
    StepAnswer,
    ThoughtRecordOut,
)

router = APIRouter(prefix="/v1/journal", tags=["journal"])

Limit = Annotated[int, Query(ge=1, le=MAX_PAGE)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
PatientId = Annotated[uuid.UUID | None, Query(description="A patient's id (therapists); default: yourself.")]


@router.post("/entries", response_model=JournalEntryResult, status_code=201)
async def create_entry(body: JournalEntryIn, user: CurrentUser, db: DbSession) -> JournalEntryResult:
    return await service.create_entry(db, user, body)


@router.get("/entries", response_model=Page[JournalEntryOut])
async def list_entries(
    user: CurrentUser,
    db: DbSession,
    user_id: PatientId = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    technique: CBTTechnique | None = None,
    tag: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[JournalEntryOut]:
    check_range(date_from, date_to)
    return await service.list_entries(
        db,
        user,
        user_id=user_id,
        date_from=date_from,
        date_to=date_to,
        technique=technique,
        tag=tag,
        limit=limit,
        offset=offset,
    )


@router.get("/entries/{entry_id}", response_model=JournalEntryOut)
async def get_entry(entry_id: uuid.UUID, user: CurrentUser, db: DbSession) -> JournalEntryOut:
    return await service.get_entry(db, user, entry_id)


@router.patch("/entries/{entry_id}", response_model=JournalEntryResult)
async def update_entry(
    entry_id: uuid.UUID, body: JournalEntryPatch, user: CurrentUser, db: DbSession
) -> JournalEntryResult:
    return await service.update_entry(db, user, entry_id, body)


@router.delete("/entries/{entry_id}", status_code=204)
async def delete_entry(entry_id: uuid.UUID, user: CurrentUser, db: DbSession) -> Response:
    await service.delete_entry(db, user, entry_id)
    return Response(status_code=204)


@router.post("/gratitude", response_model=GratitudeResult, status_code=201)
async def create_gratitude(body: GratitudeIn, user: CurrentUser, db: DbSession) -> GratitudeResult:
    return await service.create_gratitude(db, user, body)


@router.get("/gratitude", response_model=Page[GratitudeOut])
async def list_gratitude(
    user: CurrentUser,
    db: DbSession,
    user_id: PatientId = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[GratitudeOut]:
    check_range(date_from, date_to)
    return await service.list_gratitude(
        db, user, user_id=user_id, date_from=date_from, date_to=date_to, limit=limit, offset=offset
    )


@router.get("/gratitude/{entry_id}", response_model=GratitudeOut)
async def get_gratitude(entry_id: uuid.UUID, user: CurrentUser, db: DbSession) -> GratitudeOut:
    return await service.get_gratitude(db, user, entry_id)


@router.delete("/gratitude/{entry_id}", status_code=204)
async def delete_gratitude(entry_id: uuid.UUID, user: CurrentUser, db: DbSession) -> Response:
    await service.delete_gratitude(db, user, entry_id)
    return Response(status_code=204)


@router.get("/prompts", response_model=PromptsOut)
async def suggest_prompts(
    user: CurrentUser,
    db: DbSession,
    settings: AppSettings,
    technique: CBTTechnique | None = None,
    category: PromptCategory | None = None,
    mood: Annotated[
        int | None, Query(ge=1, le=10, description="Current mood; default: latest logged.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> PromptsOut:
    return await prompts.suggest_prompts(
        db, user, settings, technique=technique, category=category, mood=mood, limit=limit
    )


# ----------------------------------------------------------------------------- guided sessions


@router.get("/guided")
async def list_flows(user: CurrentUser) -> list[dict[str, Any]]:
    return [f.describe() for f in flows().values()]


@router.post("/guided/thought-records", response_model=GuidedState, status_code=201)
async def start_thought_record(user: CurrentUser, db: DbSession) -> GuidedState:
    return await guided_service.start_thought_record(db, user)


@router.get("/guided/thought-records", response_model=Page[ThoughtRecordOut])
async def list_thought_records(
    user: CurrentUser,
    db: DbSession,
    user_id: PatientId = None,
    status: ThoughtRecordStatus | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> Page[ThoughtRecordOut]:
    return await guided_service.list_thought_records(
        db, user, user_id=user_id, status=status, limit=limit, offset=offset
    )


@router.get("/guided/thought-records/{record_id}", response_model=GuidedState)
async def resume_thought_record(record_id: uuid.UUID, user: CurrentUser, db: DbSession) -> GuidedState:
    return await guided_service.get_thought_record(db, user, record_id)


@router.post("/guided/thought-records/{record_id}/steps", response_model=GuidedState)
async def answer_step(
    record_id: uuid.UUID, body: StepAnswer, user: CurrentUser, db: DbSession
) -> GuidedState:
    return await guided_service.answer_step(db, user, record_id, body.step, body.answer)


# Pause and resume for every flow (the same service the /v1/ws/guided socket uses). Declared
# before POST /guided/{flow}, which would otherwise take "sessions" for a flow name.


@router.post("/guided/sessions", response_model=GuidedSessionState, status_code=201)
async def start_session(body: GuidedSessionStart, user: CurrentUser, db: DbSession) -> GuidedSessionState:
    return await guided_sessions.start(db, user, body.flow)


@router.get("/guided/sessions", response_model=list[GuidedSessionSummary])
async def list_sessions(
    user: CurrentUser,
    db: DbSession,
    status: Annotated[
        list[GuidedSessionStatus] | None, Query(description="Default: active and paused.")
    ] = None,
    limit: Limit = 20,
) -> list[GuidedSessionSummary]:
    return await guided_sessions.list_mine(db, user, status or [], limit)


@router.get("/guided/sessions/{session_id}", response_model=GuidedSessionState)
async def get_session(session_id: uuid.UUID, user: CurrentUser, db: DbSession) -> GuidedSessionState:
    return await guided_sessions.get(db, user, session_id)


@router.post("/guided/sessions/{session_id}/answers", response_model=GuidedSessionState)
async def answer_session_step(
    session_id: uuid.UUID, body: GuidedSessionAnswer, user: CurrentUser, db: DbSession
) -> GuidedSessionState:
    return await guided_sessions.answer(db, user, session_id, body.step, body.answer, body.client_id)


@router.post("/guided/sessions/{session_id}/pause", response_model=GuidedSessionState)
async def pause_session(session_id: uuid.UUID, user: CurrentUser, db: DbSession) -> GuidedSessionState:
    return await guided_sessions.pause(db, user, session_id)


@router.post("/guided/sessions/{session_id}/resume", response_model=GuidedSessionState)
async def resume_session(session_id: uuid.UUID, user: CurrentUser, db: DbSession) -> GuidedSessionState:
    return await guided_sessions.resume(db, user, session_id)


@router.post("/guided/sessions/{session_id}/abandon", response_model=GuidedSessionState)
async def abandon_session(session_id: uuid.UUID, user: CurrentUser, db: DbSession) -> GuidedSessionState:
    return await guided_sessions.abandon(db, user, session_id)


@router.post("/guided/{flow}", response_model=FlowResult, status_code=201)
async def complete_flow(flow: str, body: FlowSubmission, user: CurrentUser, db: DbSession) -> FlowResult:
    return await guided_service.complete_flow(db, user, flow, body.answers)
