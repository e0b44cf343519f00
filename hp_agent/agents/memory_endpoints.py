"""``/v1/me/memory``: what the agents remember of the person across sessions, and the switch for it;
``POST /v1/chat/sessions/{id}/exercises/{n}/save``: an exercise finished in chat, into the journal."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel

from hp_agent.agents import memory
from hp_agent.agents.memory_exercises import save_exercise
from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser
from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import HPError
from hp_agent.journal.schemas import JournalEntryResult

router = APIRouter(tags=["memory"])


class MemorySummary(BaseModel):
    topics: list[str] = []
    exercises_done: list[str] = []
    exercises_paused: list[str] = []
    plans: list[str] = []
    helped: list[str] = []


class MemoryOut(BaseModel):
    consent: bool
    summary: MemorySummary | None
    # The line the next conversation opens with.
    recall: str | None
    updated_at: dt.datetime | None


class MemoryConsentIn(BaseModel):
    consent: bool


def _me(user: Principal) -> uuid.UUID:
    if user.user_id is None:
        raise HPError("Authentication required.", 401, code="not_authenticated")
    return user.user_id


def _out(row: memory.ConversationMemory | None) -> MemoryOut:
    summary = memory.decoded(row)
    return MemoryOut(
        consent=bool(row and row.consent),
        summary=MemorySummary(**summary) if summary else None,
        recall=memory.recall_line(summary) if summary else None,
        updated_at=row.updated_at if row is not None and summary else None,
    )


@router.get("/v1/me/memory", response_model=MemoryOut)
async def get_memory(user: CurrentUser, db: DbSession) -> MemoryOut:
    """The summary as it stands, with any finished sessions folded in first."""
    return _out(await memory.refresh(db, _me(user)))


@router.delete("/v1/me/memory", status_code=204)
async def delete_memory(user: CurrentUser, db: DbSession) -> Response:
    me = _me(user)
    await memory.forget(db, me)
    await audit.record(
        db, "agent_memory.delete", actor=user, subject_type="conversation_memory", subject_id=me
    )
    return Response(status_code=204)


@router.put("/v1/me/memory/consent", response_model=MemoryOut)
async def put_memory_consent(body: MemoryConsentIn, user: CurrentUser, db: DbSession) -> MemoryOut:
    """Off by default. Switching it off deletes the summary; on, later sessions are remembered."""
    me = _me(user)
    row = await memory.set_consent(db, me, body.consent)
    await audit.record(
        db,
        "agent_memory.consent",
        actor=user,
        subject_type="conversation_memory",
        subject_id=me,
        details={"consent": body.consent},
    )
    return _out(row)


@router.post(
    "/v1/chat/sessions/{session_id}/exercises/{number}/save",
    response_model=JournalEntryResult,
    status_code=201,
)
async def save_chat_exercise(
    session_id: uuid.UUID, number: Annotated[int, Path(ge=1, le=1000)], user: CurrentUser, db: DbSession
) -> JournalEntryResult:
    """Save the number-th exercise finished in this chat session (1 = the first) as a journal entry."""
    return await save_exercise(db, user, session_id, number)
