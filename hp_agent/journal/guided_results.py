"""What a completed guided session leaves behind: a thought record, a journal entry, a gratitude entry.

The rows take the session's id, so detections made while the person was still answering
(``source_id`` = session id) already point at them; each row links the most severe of those made
from its own words instead of assessing the same text a second time.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.crisis.enums import DetectionSource
from hp_agent.journal import repository as repo
from hp_agent.journal import service as journal
from hp_agent.journal.guided import Flow
from hp_agent.journal.guided_service import THOUGHT_RECORD, compose_activation, finish_record
from hp_agent.journal.models import CBTTechnique, GuidedSession, ThoughtRecord, ThoughtRecordStatus
from hp_agent.journal.schemas import GratitudeIn, JournalEntryIn


async def _detection(session: AsyncSession, row: GuidedSession, source: DetectionSource) -> uuid.UUID | None:
    return await repo.worst_detection(session, row.user_id, row.id, [source.value])


async def complete(
    session: AsyncSession, row: GuidedSession, flow: Flow, answers: dict[str, dict[str, Any]]
) -> None:
    """Create the flow's rows from every step's answer and link them to the session."""
    # Every step was validated when answered; validating again merges them into one field dict
    # and guards against a flow definition that changed while the session was paused.
    values = flow.validate_all(answers)
    if flow.name == THOUGHT_RECORD:
        await _thought_record(session, row, values, flow.last)
    elif flow.name == "behavioural_activation":
        entry = await journal.add_entry(
            session,
            row.user_id,
            JournalEntryIn(
                title=f"Plan: {values['chosen_activity']}"[:200],
                content=compose_activation(values),
                mood_before=values["mood_before"],
                cbt_technique=CBTTechnique.BEHAVIOURAL_ACTIVATION,
            ),
            detection_id=await _detection(session, row, DetectionSource.JOURNAL_ENTRY),
            entry_id=row.id,
        )
        row.journal_entry_id = entry.id
    elif flow.name == "gratitude":
        await _gratitude(session, row, values)
    else:  # a new flow file without a result here must fail loudly, not complete silently
        raise RuntimeError(f"guided flow {flow.name!r} has no result builder")


async def _thought_record(
    session: AsyncSession, row: GuidedSession, values: dict[str, Any], last_step: int
) -> None:
    # The flow's field names are the record's columns (see prompts/guided/thought_record.yaml).
    record = ThoughtRecord(
        id=row.id,
        user_id=row.user_id,
        status=ThoughtRecordStatus.IN_PROGRESS,
        current_step=last_step,
        crisis_detection_id=await _detection(session, row, DetectionSource.THOUGHT_RECORD),
    )
    for name, value in values.items():
        if value is not None:
            setattr(record, name, value)
    session.add(record)
    await session.flush()
    await finish_record(session, record)
    row.thought_record_id = record.id
    row.journal_entry_id = record.journal_entry_id


async def _gratitude(session: AsyncSession, row: GuidedSession, values: dict[str, Any]) -> None:
    entry = await journal.add_gratitude(
        session,
        row.user_id,
        GratitudeIn(items=values["items"], mood_after=values.get("mood_after")),
        entry_id=row.id,
    )
    entry.crisis_detection_id = await _detection(session, row, DetectionSource.GRATITUDE)
    row.gratitude_entry_id = entry.id
    if values.get("reflection"):
        reflection = await journal.add_entry(
            session,
            row.user_id,
            JournalEntryIn(
                title="Gratitude",
                content=values["reflection"],
                mood_after=values.get("mood_after"),
                cbt_technique=CBTTechnique.GRATITUDE,
            ),
            detection_id=await _detection(session, row, DetectionSource.JOURNAL_ENTRY),
            entry_id=row.id,
        )
        row.journal_entry_id = reflection.id
