"""``/v1/chat``: the signed-in person's chat sessions, history, analytics; and the websocket.

Owner only: every query filters on the caller's id and row-level security refuses anyone else's
rows; another person's session id is a 404, never a 403, so its existence is not revealed.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser
from hp_agent.chat import repository as repo
from hp_agent.chat import service
from hp_agent.chat.protocol import Code, ProtocolError
from hp_agent.chat.schemas import (
    AnalyticsOut,
    MessageOut,
    MessagePage,
    SessionCreate,
    SessionOut,
    SessionPage,
    StartedOut,
)
from hp_agent.chat.ws import router as ws_router
from hp_agent.db.session import Principal
from hp_agent.errors import HPError, NotFound

rest = APIRouter(prefix="/v1/chat", tags=["chat"])
MAX_PAGE = 200


def _http(err: ProtocolError) -> HPError:
    status = {Code.SESSION_NOT_FOUND: 404, Code.AGENT_NOT_FOUND: 404, Code.SESSION_ENDED: 409}.get(
        err.code, int(err.extra.pop("status", 400))
    )
    return HPError(err.message, status, code=err.code, details=err.extra)


def _me(user: Principal) -> uuid.UUID:
    assert user.user_id is not None
    return user.user_id


def _cursor_out(started: dt.datetime, sid: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{started.isoformat()}|{sid}".encode()).decode()


def _cursor_in(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        started, sid = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return dt.datetime.fromisoformat(started), uuid.UUID(sid)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HPError("The cursor is not valid.", 400, code="invalid_cursor") from None


@rest.get("/sessions", response_model=SessionPage)
async def list_sessions(
    user: CurrentUser,
    db: DbSession,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> SessionPage:
    rows = await repo.list_sessions(
        db, _me(user), limit=limit + 1, before=_cursor_in(cursor) if cursor else None
    )
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _cursor_out(rows[-1].started_at, rows[-1].id) if more and rows else None
    return SessionPage(items=[SessionOut.of(r) for r in rows], next_cursor=next_cursor)


@rest.post("/sessions", response_model=StartedOut, status_code=201)
async def create_session(body: SessionCreate, user: CurrentUser, db: DbSession) -> StartedOut:
    try:
        chat, _agent, greeting = await service.start(db, user, body.agent)
    except ProtocolError as err:
        raise _http(err) from None
    return StartedOut(session=SessionOut.of(chat), greeting=MessageOut.of(greeting))


@rest.get("/sessions/{session_id}", response_model=SessionOut)
async def get_session(session_id: uuid.UUID, user: CurrentUser, db: DbSession) -> SessionOut:
    chat = await repo.get_session(db, session_id, _me(user))
    if chat is None:
        raise NotFound("No such chat session.")
    return SessionOut.of(chat)


@rest.get("/sessions/{session_id}/messages", response_model=MessagePage)
async def list_messages(
    session_id: uuid.UUID,
    user: CurrentUser,
    db: DbSession,
    after_seq: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> MessagePage:
    if await repo.get_session(db, session_id, _me(user)) is None:
        raise NotFound("No such chat session.")
    rows = await repo.messages_after(db, session_id, _me(user), after_seq, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return MessagePage(items=[MessageOut.of(m) for m in rows], next_after_seq=rows[-1].seq if more else None)


@rest.post("/sessions/{session_id}/end", response_model=SessionOut)
async def end_session(session_id: uuid.UUID, user: CurrentUser, db: DbSession) -> SessionOut:
    try:
        await service.end(db, user, session_id)
    except ProtocolError as err:
        raise _http(err) from None
    chat = await repo.get_session(db, session_id, _me(user))
    assert chat is not None
    return SessionOut.of(chat)


@rest.get("/sessions/{session_id}/analytics", response_model=AnalyticsOut)
async def session_analytics(session_id: uuid.UUID, user: CurrentUser, db: DbSession) -> AnalyticsOut:
    if await repo.get_session(db, session_id, _me(user)) is None:
        raise NotFound("No such chat session.")
    row = await repo.get_analytics(db, session_id, _me(user))
    if row is None:
        raise NotFound("No analytics for this session yet.")
    return AnalyticsOut.of(row)


# One router to register: the REST routes and the websocket (which lives at /v1/ws/chat).
router = APIRouter()
router.include_router(rest)
router.include_router(ws_router)
