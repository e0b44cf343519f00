"""Guided sessions: every guided flow answered step by step, paused and resumed from the database.

Transport-neutral: the REST endpoints and the ``/v1/ws/guided`` socket both call these functions
inside their own unit of work, which commits before anything is acknowledged. The session row is
locked while an answer is applied, so two devices (or a resent frame) cannot interleave.

Each answer's text is screened by the crisis layer before the next step is asked, with the
session's earlier answers as context. Detections name the row the flow will produce (the thought
record, journal entry or gratitude entry, which take the session's id on completion); when the
flow completes, those rows link the most severe detection made for them, so the words are not
assessed twice. Errors name steps and fields, never what the person wrote.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.crisis.enums import DetectionSource, RiskLevel
from hp_agent.crisis.gateway import NOTHING, Screening, safety_for, screen
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, HPError, NotFound
from hp_agent.journal import guided_results
from hp_agent.journal import repository as repo
from hp_agent.journal.access import own_id
from hp_agent.journal.common import InvalidInput
from hp_agent.journal.guided import Flow, Step, distortions, suggest_distortions
from hp_agent.journal.guided_service import THOUGHT_RECORD, flow_named
from hp_agent.journal.models import GuidedSession, GuidedSessionStatus
from hp_agent.journal.schemas import GuidedSessionState, GuidedSessionSummary

# An untouched unfinished session stays resumable this long (every change pushes it forward).
TTL = dt.timedelta(days=30)
# Idempotency keys remembered per session: plenty for a few steps, each revised a few times.
MAX_CLIENT_IDS = 50
OPEN = (GuidedSessionStatus.ACTIVE, GuidedSessionStatus.PAUSED)
_TEXT_TYPES = ("text", "list")
_NOT_FOUND = "Guided session not found."


class SessionExpired(HPError):
    status_code = 410
    code = "session_expired"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _answers(row: GuidedSession) -> dict[str, dict[str, Any]]:
    data = json.loads(row.answers or "{}")
    return data if isinstance(data, dict) else {}


def _expired(row: GuidedSession, now: dt.datetime) -> bool:
    return row.status in OPEN and row.expires_at <= now


def detection_source(flow: str, step_key: str) -> DetectionSource:
    """The kind of row this step's words end up in (what a detection made from them names)."""
    if flow == THOUGHT_RECORD:
        return DetectionSource.THOUGHT_RECORD
    if flow == "gratitude" and step_key == "items":
        return DetectionSource.GRATITUDE
    return DetectionSource.JOURNAL_ENTRY


def input_kind(step: Step) -> str:
    """What the client renders: the one field's type, or ``form`` for several fields."""
    return step.fields[0].type if len(step.fields) == 1 else "form"


def _suggestions(step: Step, answers: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, str]]] | None:
    if not step.suggests_distortions:
        return None
    catalogue = distortions()
    texts = [v for a in answers.values() for k, v in a.items() if k in ("situation", "automatic_thought")]
    codes = suggest_distortions(*[t for t in texts if isinstance(t, str)])
    return {
        "distortions": [
            {"code": c, "name": catalogue[c].name, "description": catalogue[c].description} for c in codes
        ]
    }


def summary(row: GuidedSession) -> GuidedSessionSummary:
    flow = flow_named(row.flow)
    return GuidedSessionSummary(
        id=row.id,
        flow=row.flow,
        title=flow.title,
        status=row.status,
        step=row.step,
        steps_total=flow.last,
        created_at=row.created_at,
        updated_at=row.updated_at,
        paused_at=row.paused_at,
        expires_at=row.expires_at,
    )


def state(row: GuidedSession) -> GuidedSessionState:
    flow = flow_named(row.flow)
    answers = _answers(row)
    live = row.status in OPEN
    step = flow.step(row.step) if live else None
    current = {**step.describe(), "input": input_kind(step)} if step else None
    return GuidedSessionState(
        **summary(row).model_dump(),
        flow_version=row.flow_version,
        current_step=current,
        suggestions=_suggestions(step, answers) if step else None,
        answers=answers,
        thought_record_id=row.thought_record_id,
        journal_entry_id=row.journal_entry_id,
        gratitude_entry_id=row.gratitude_entry_id,
        completion_message=flow.completion if row.status == GuidedSessionStatus.COMPLETED else None,
        completed_at=row.completed_at,
        abandoned_at=row.abandoned_at,
        expired=_expired(row, _now()),
    )


async def _own(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID, *, for_update: bool = True
) -> GuidedSession:
    row = await repo.get_guided_session(session, session_id, for_update=for_update)
    # Someone else's session is "not found", exactly like one that does not exist.
    if row is None or row.user_id != own_id(principal):
        raise NotFound(_NOT_FOUND, code="session_not_found")
    return row


def _require_open(row: GuidedSession, now: dt.datetime) -> None:
    if row.status == GuidedSessionStatus.COMPLETED:
        raise Conflict("This guided session is already complete.", code="session_ended")
    if row.status == GuidedSessionStatus.ABANDONED:
        raise Conflict("This guided session was abandoned; start a new one.", code="session_ended")
    if _expired(row, now):
        raise SessionExpired("This guided session has expired; start a new one.")


async def _saved(session: AsyncSession, row: GuidedSession) -> GuidedSessionState:
    await session.flush()
    await session.refresh(row)  # updated_at is set by the database
    return state(row)


async def start(session: AsyncSession, principal: Principal, flow_name: str) -> GuidedSessionState:
    flow = flow_named(flow_name)
    row = GuidedSession(
        id=uuid.uuid4(),
        user_id=own_id(principal),
        flow=flow.name,
        flow_version=flow.version,
        step=1,
        answers="{}",
        status=GuidedSessionStatus.ACTIVE,
        client_ids=[],
        expires_at=_now() + TTL,
    )
    session.add(row)
    return await _saved(session, row)


async def get(session: AsyncSession, principal: Principal, session_id: uuid.UUID) -> GuidedSessionState:
    return state(await _own(session, principal, session_id, for_update=False))


async def list_mine(
    session: AsyncSession, principal: Principal, statuses: list[GuidedSessionStatus], limit: int
) -> list[GuidedSessionSummary]:
    rows = await repo.guided_sessions(session, own_id(principal), statuses or list(OPEN), _now(), limit)
    return [summary(r) for r in rows]


async def pause(session: AsyncSession, principal: Principal, session_id: uuid.UUID) -> GuidedSessionState:
    row = await _own(session, principal, session_id)
    now = _now()
    _require_open(row, now)
    if row.status != GuidedSessionStatus.PAUSED:  # pausing twice is not an error
        row.status = GuidedSessionStatus.PAUSED
        row.paused_at = now
        row.expires_at = now + TTL
    return await _saved(session, row)


async def resume(session: AsyncSession, principal: Principal, session_id: uuid.UUID) -> GuidedSessionState:
    row = await _own(session, principal, session_id)
    now = _now()
    _require_open(row, now)
    if row.status != GuidedSessionStatus.ACTIVE:
        row.status = GuidedSessionStatus.ACTIVE
        row.paused_at = None
        row.expires_at = now + TTL
    return await _saved(session, row)


async def abandon(session: AsyncSession, principal: Principal, session_id: uuid.UUID) -> GuidedSessionState:
    row = await _own(session, principal, session_id)
    if row.status == GuidedSessionStatus.ABANDONED:
        return state(row)
    if row.status == GuidedSessionStatus.COMPLETED:
        raise Conflict("This guided session is already complete.", code="session_ended")
    row.status = GuidedSessionStatus.ABANDONED
    row.abandoned_at = _now()
    return await _saved(session, row)


def _texts(step: Step, cleaned: dict[str, Any]) -> list[str]:
    return [
        v if isinstance(v, str) else "\n".join(v)
        for f in step.fields
        if f.type in _TEXT_TYPES and (v := cleaned.get(f.name))
    ]


def _earlier_texts(flow: Flow, answers: dict[str, dict[str, Any]], before: int) -> list[str]:
    out: list[str] = []
    for s in flow.steps[: before - 1]:
        out += _texts(s, answers.get(s.key) or {})
    return out


async def _duplicate(session: AsyncSession, row: GuidedSession, entry: dict[str, Any]) -> GuidedSessionState:
    """The resent answer's original outcome again: nothing stored, nothing re-assessed."""
    out = state(row).model_copy(update={"saved_step": entry.get("step"), "duplicate": True})
    level = RiskLevel(entry.get("level", RiskLevel.NONE.value))
    safety = await safety_for(session, row.user_id, Screening(level, None, None))
    return out.model_copy(update={"safety": safety})


async def answer(
    session: AsyncSession,
    principal: Principal,
    session_id: uuid.UUID,
    step_key: str,
    value: dict[str, Any],
    client_id: str | None = None,
) -> GuidedSessionState:
    """Save one step's answer: the current step advances (the last completes), an earlier one is revised."""
    row = await _own(session, principal, session_id)
    if client_id is not None:
        seen = next((e for e in row.client_ids if e.get("id") == client_id), None)
        if seen is not None:
            return await _duplicate(session, row, seen)
    now = _now()
    _require_open(row, now)
    if row.status == GuidedSessionStatus.PAUSED:
        raise Conflict("This guided session is paused; resume it first.", code="session_paused")
    flow = flow_named(row.flow)
    step = flow.step_by_key(step_key)
    if step is None:
        raise InvalidInput(
            "Unknown step.",
            code="unknown_step",
            details={"fields": [{"field": "step", "message": "not a step of this flow"}]},
        )
    if step.number > row.step:
        raise Conflict(
            f"Answer step {row.step} first.",
            code="step_out_of_order",
            details={"current_step": row.step, "requested_step": step.number},
        )
    cleaned = step.validate(value)
    answers = _answers(row)
    answers[step.key] = cleaned
    row.answers = json.dumps(answers, ensure_ascii=False)
    screening = NOTHING
    texts = _texts(step, cleaned)
    if texts:
        screening = await screen(
            session,
            user_id=row.user_id,
            source=detection_source(flow.name, step.key),
            source_id=row.id,
            text="\n\n".join(texts),
            earlier_texts=_earlier_texts(flow, answers, step.number),
        )
        if screening.detection_id is not None:
            row.crisis_detection_id = await repo.worst_detection(
                session, row.user_id, row.id, [s.value for s in DetectionSource]
            )
    if client_id is not None:
        entry = {"id": client_id, "step": step.key, "level": screening.level.value}
        row.client_ids = [*row.client_ids, entry][-MAX_CLIENT_IDS:]
    row.expires_at = now + TTL
    if step.number == row.step:
        if step.number < flow.last:
            row.step = step.number + 1
        else:
            await guided_results.complete(session, row, flow, answers)
            row.status = GuidedSessionStatus.COMPLETED
            row.completed_at = now
    out = (await _saved(session, row)).model_copy(update={"saved_step": step.key})
    return out.model_copy(update={"safety": await safety_for(session, row.user_id, screening)})
