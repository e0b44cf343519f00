"""The original guided endpoints: the step-by-step thought record and the one-shot flows.

The thought record's state lives in its row (``current_step``), so a record paused on one device
resumes on another. Every flow (thought record included) can also run step by step with pause and
resume through ``guided_sessions`` (REST and ``/v1/ws/guided``), which reuses the pieces here to
file its results. Each answered step's text is screened before the next is asked.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.gateway import NOTHING, Screening, safety_for, screen, worst
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, NotFound
from hp_agent.journal import repository as repo
from hp_agent.journal import service as journal
from hp_agent.journal.access import own_id, readable_subject
from hp_agent.journal.common import InvalidInput, Page
from hp_agent.journal.guided import Flow, distortions, get_flow, suggest_distortions
from hp_agent.journal.models import CBTTechnique, ThoughtRecord, ThoughtRecordStatus
from hp_agent.journal.schemas import (
    FlowResult,
    GratitudeIn,
    GuidedState,
    JournalEntryIn,
    JournalEntryOut,
    ThoughtRecordOut,
)

THOUGHT_RECORD = "thought_record"
_NOT_FOUND = "Thought record not found."
_TEXT_TYPES = ("text", "list")


def flow_named(name: str) -> Flow:
    flow = get_flow(name)
    if flow is None:
        raise NotFound("There is no guided flow with that name.")
    return flow


def record_out(row: ThoughtRecord) -> ThoughtRecordOut:
    return ThoughtRecordOut.model_validate(row, from_attributes=True)


def _state(row: ThoughtRecord, screening: Screening = NOTHING) -> GuidedState:
    flow = flow_named(THOUGHT_RECORD)
    done = row.status == ThoughtRecordStatus.COMPLETED
    step = None if done else flow.step(row.current_step)
    suggestions = None
    if step is not None and step.suggests_distortions:
        catalogue = distortions()
        suggestions = [
            {"code": c, "name": catalogue[c].name, "description": catalogue[c].description}
            for c in suggest_distortions(row.situation, row.automatic_thought)
        ]
    return GuidedState(
        flow=THOUGHT_RECORD,
        record=record_out(row),
        next_step=step.describe() if step else None,
        suggested_distortions=suggestions,
        completion_message=flow.completion if done else None,
    )


async def start_thought_record(session: AsyncSession, principal: Principal) -> GuidedState:
    row = ThoughtRecord(id=uuid.uuid4(), user_id=own_id(principal), current_step=1)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return _state(row)


async def _own_record(session: AsyncSession, principal: Principal, record_id: uuid.UUID) -> ThoughtRecord:
    row = await repo.get_thought_record(session, record_id, for_update=True)
    if row is None or row.user_id != own_id(principal):
        raise NotFound(_NOT_FOUND)
    return row


async def get_thought_record(
    session: AsyncSession, principal: Principal, record_id: uuid.UUID
) -> GuidedState:
    row = await repo.get_thought_record(session, record_id)
    if row is None:
        raise NotFound(_NOT_FOUND)
    if row.user_id != principal.user_id:
        await readable_subject(session, principal, row.user_id, journal=True)
        await journal.audit_therapist_read(
            session, principal, "journal.thought_record.read", "thought_record", row.id
        )
    return _state(row)


async def list_thought_records(
    session: AsyncSession,
    principal: Principal,
    *,
    user_id: uuid.UUID | None,
    status: ThoughtRecordStatus | None,
    limit: int,
    offset: int,
) -> Page[ThoughtRecordOut]:
    subject = await readable_subject(session, principal, user_id, journal=True)
    rows, total = await repo.thought_records_page(
        session, subject, status.value if status else None, limit, offset
    )
    if subject != principal.user_id:
        await journal.audit_therapist_read(
            session, principal, "journal.thought_records.listed", "user", subject
        )
    return Page(items=[record_out(r) for r in rows], total=total, limit=limit, offset=offset)


def _compose_record(row: ThoughtRecord) -> str:
    def emotions(items: list[Any]) -> str:
        return ", ".join(f"{e['name']} {e['intensity']}" for e in items)

    names = distortions()
    parts = [
        f"Situation: {row.situation}",
        f"Automatic thought: {row.automatic_thought}",
        f"Emotions: {emotions(row.emotions)}",
    ]
    if row.distortions:
        parts.append(
            "Thinking traps: " + ", ".join(names[c].name if c in names else c for c in row.distortions)
        )
    parts += [
        f"Evidence for: {row.evidence_for}",
        f"Evidence against: {row.evidence_against}",
        f"Balanced thought: {row.balanced_thought}",
        f"Emotions now: {emotions(row.rerated_emotions)}",
    ]
    return "\n\n".join(parts)


async def finish_record(session: AsyncSession, row: ThoughtRecord) -> None:
    """Mark a fully answered record complete and file it in the journal (REST and guided sessions)."""
    # The texts were screened step by step; the entry carries that detection rather than a
    # second one for the same words.
    entry = await journal.add_entry(
        session,
        row.user_id,
        JournalEntryIn(
            title="Thought record", content=_compose_record(row), cbt_technique=CBTTechnique.THOUGHT_RECORD
        ),
        detection_id=row.crisis_detection_id,
    )
    row.journal_entry_id = entry.id
    row.status = ThoughtRecordStatus.COMPLETED
    row.completed_at = dt.datetime.now(dt.UTC)


def _earlier_texts(flow: Flow, row: ThoughtRecord, before: int) -> list[str]:
    """The record's written answers to steps before ``before``, oldest first."""
    out = []
    for s in flow.steps[: before - 1]:
        for f in s.fields:
            value = getattr(row, f.name, None)
            if f.type == "text" and isinstance(value, str) and value:
                out.append(value)
    return out


async def answer_step(
    session: AsyncSession, principal: Principal, record_id: uuid.UUID, step_key: str, answer: dict[str, Any]
) -> GuidedState:
    """Save one step's answer; the current step advances, an earlier step may be revised."""
    flow = flow_named(THOUGHT_RECORD)
    row = await _own_record(session, principal, record_id)
    if row.status == ThoughtRecordStatus.COMPLETED:
        raise Conflict("This thought record is already complete.", code="already_completed")
    step = flow.step_by_key(step_key)
    if step is None:
        raise InvalidInput(
            "Unknown step.", details={"fields": [{"field": "step", "message": "not a step of this flow"}]}
        )
    if step.number > row.current_step:
        raise Conflict(
            f"Answer step {row.current_step} first.",
            code="step_out_of_order",
            details={"current_step": row.current_step, "requested_step": step.number},
        )
    cleaned = step.validate(answer)
    for name, value in cleaned.items():
        setattr(row, name, value)
    await session.flush()
    texts = [
        v if isinstance(v, str) else "\n".join(v)
        for f in step.fields
        if f.type in _TEXT_TYPES and (v := cleaned.get(f.name))
    ]
    screening = NOTHING
    if texts:
        screening = await screen(
            session,
            user_id=row.user_id,
            source=DetectionSource.THOUGHT_RECORD,
            source_id=row.id,
            text="\n\n".join(texts),
            earlier_texts=_earlier_texts(flow, row, step.number),
        )
        if screening.detection_id is not None:
            row.crisis_detection_id = screening.detection_id
    if step.number == row.current_step:
        if step.number < flow.last:
            row.current_step = step.number + 1
        else:
            await finish_record(session, row)
    await session.flush()
    await session.refresh(row)
    state = _state(row)
    return state.model_copy(update={"safety": await safety_for(session, row.user_id, screening)})


# ----------------------------------------------------------------------------- one-shot flows


def compose_activation(v: dict[str, Any]) -> str:
    parts = [
        f"What matters to me: {v['values']}",
        "Ideas: " + "; ".join(v["activities"]),
        f"Plan: {v['chosen_activity']}, {v['when']}",
    ]
    if v.get("obstacles"):
        parts.append(f"Obstacles and how I'll handle them: {v['obstacles']}")
    return "\n\n".join(parts)


async def complete_flow(
    session: AsyncSession, principal: Principal, flow_name: str, answers: dict[str, dict[str, Any]]
) -> FlowResult:
    """Behavioural activation and gratitude, submitted in one request once every step is answered."""
    me = own_id(principal)
    flow = flow_named(flow_name)
    if flow.name == THOUGHT_RECORD:
        raise InvalidInput(
            "The thought record is answered step by step: start it with POST /thought-records."
        )
    v = flow.validate_all(answers)
    if flow.name == "behavioural_activation":
        text = compose_activation(v)
        entry = await journal.add_entry(
            session,
            me,
            JournalEntryIn(
                title=f"Plan: {v['chosen_activity']}"[:200],
                content=text,
                mood_before=v["mood_before"],
                cbt_technique=CBTTechnique.BEHAVIOURAL_ACTIVATION,
            ),
        )
        screening = await screen(
            session, user_id=me, source=DetectionSource.JOURNAL_ENTRY, source_id=entry.id, text=text
        )
        entry.crisis_detection_id = screening.detection_id
        await session.flush()
        await session.refresh(entry)
        return FlowResult(
            flow=flow.name,
            journal_entry=JournalEntryOut.model_validate(entry, from_attributes=True),
            completion_message=flow.completion,
            safety=await safety_for(session, me, screening),
        )
    # Gratitude: the items become a gratitude entry; a written reflection also goes to the journal.
    row = await journal.add_gratitude(
        session, me, GratitudeIn(items=v["items"], mood_after=v.get("mood_after"))
    )
    screening = await screen(
        session, user_id=me, source=DetectionSource.GRATITUDE, source_id=row.id, text="\n".join(v["items"])
    )
    row.crisis_detection_id = screening.detection_id
    entry_out = None
    if v.get("reflection"):
        entry = await journal.add_entry(
            session,
            me,
            JournalEntryIn(
                title="Gratitude",
                content=v["reflection"],
                mood_after=v.get("mood_after"),
                cbt_technique=CBTTechnique.GRATITUDE,
            ),
        )
        reflection = await screen(
            session,
            user_id=me,
            source=DetectionSource.JOURNAL_ENTRY,
            source_id=entry.id,
            text=v["reflection"],
        )
        entry.crisis_detection_id = reflection.detection_id
        screening = worst(screening, reflection)
        await session.flush()
        await session.refresh(entry)
        entry_out = JournalEntryOut.model_validate(entry, from_attributes=True)
    await session.flush()
    await session.refresh(row)
    return FlowResult(
        flow=flow.name,
        gratitude_entry=journal.gratitude_out(row),
        journal_entry=entry_out,
        completion_message=flow.completion,
        safety=await safety_for(session, me, screening),
    )
