"""Homework: a clinician assigns it, the patient sees it in the app and completes it.

The patient's response is text they wrote, so it goes through the crisis layer exactly like a
journal entry (``screen``): a detection above NONE, an escalation to the treating clinician
at HIGH and above, and the safety payload in the response at MODERATE and above.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import NotificationCategory
from hp_agent.compliance import audit
from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.gateway import safety_for, screen
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, NotFound
from hp_agent.notifications import service as inbox
from hp_agent.therapy import repository as repo
from hp_agent.therapy.access import me, readable_patient, require_treating
from hp_agent.therapy.models import HomeworkAssignment, HomeworkStatus, TherapySession, TreatmentGoal
from hp_agent.therapy.schemas import (
    HomeworkComplete,
    HomeworkFeedback,
    HomeworkIn,
    HomeworkOut,
    HomeworkResult,
)
from hp_agent.therapy.service import field_error

_NOT_FOUND = "No such homework."


def homework_out(row: HomeworkAssignment, now: dt.datetime | None = None) -> HomeworkOut:
    now = now or dt.datetime.now(dt.UTC)
    out = HomeworkOut.model_validate(row, from_attributes=True)
    out.overdue = row.status in repo.OPEN_HOMEWORK and row.due_at is not None and row.due_at < now
    return out


async def assign(
    session: AsyncSession, principal: Principal, patient_id: uuid.UUID, body: HomeworkIn
) -> HomeworkAssignment:
    clinician = await require_treating(session, principal, patient_id)
    now = dt.datetime.now(dt.UTC)
    if body.due_at is not None and body.due_at <= now:
        raise field_error("due_at", "in the past", "The due date must be in the future.")
    if body.treatment_goal_id is not None:
        goal = await session.get(TreatmentGoal, body.treatment_goal_id)
        if goal is None or goal.patient_id != patient_id:
            raise field_error("treatment_goal_id", "not this patient's goal", "Unknown treatment goal.")
    if body.therapy_session_id is not None:
        ts = await session.get(TherapySession, body.therapy_session_id)
        if ts is None or ts.patient_id != patient_id:
            raise field_error("therapy_session_id", "not this patient's session", "Unknown therapy session.")
    row = HomeworkAssignment(
        id=uuid.uuid4(),
        patient_id=patient_id,
        therapist_id=clinician,
        therapy_session_id=body.therapy_session_id,
        treatment_goal_id=body.treatment_goal_id,
        homework_type=body.homework_type,
        title=body.title,
        instructions=body.instructions,
        assigned_at=now,
        due_at=body.due_at,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        "therapy.homework.assigned",
        actor=principal,
        subject_type="homework_assignment",
        subject_id=row.id,
        details={"patient_id": patient_id, "type": row.homework_type.value},
    )
    # The patient's inbox (and a live frame); says that there is homework, not what it is.
    await inbox.notify(
        session,
        patient_id,
        category=NotificationCategory.homework,
        title="New homework from your therapist",
        body="Open Homework to see it.",
        action_url="/#homework",
        resource_type="homework_assignment",
        resource_id=row.id,
        dedupe_key=f"homework-assigned:{row.id}",
    )
    return row


async def list_for(
    session: AsyncSession, principal: Principal, patient_id: uuid.UUID
) -> list[HomeworkAssignment]:
    await readable_patient(session, principal, patient_id)
    return await repo.homework_of(session, patient_id)


async def complete(
    session: AsyncSession, principal: Principal, homework_id: uuid.UUID, body: HomeworkComplete
) -> HomeworkResult:
    patient = me(principal)
    row = await repo.get_homework(session, homework_id)
    if row is None or row.patient_id != patient:
        raise NotFound(_NOT_FOUND)
    if row.status not in repo.OPEN_HOMEWORK:
        raise Conflict("This homework is no longer open.", code="homework_closed")
    now = dt.datetime.now(dt.UTC)
    row.patient_response = body.response
    row.status = HomeworkStatus.completed
    row.completed_at = now
    await session.flush()
    screening = await screen(
        session, user_id=patient, source=DetectionSource.HOMEWORK, source_id=row.id, text=body.response
    )
    row.crisis_detection_id = screening.detection_id
    await session.flush()
    await session.refresh(row)
    await audit.record(
        session,
        "therapy.homework.completed",
        actor=principal,
        subject_type="homework_assignment",
        subject_id=row.id,
        details={"risk_level": screening.level.value},
    )
    out = HomeworkResult.model_validate(homework_out(row, now).model_dump())
    return out.model_copy(update={"safety": await safety_for(session, patient, screening)})


async def feedback(
    session: AsyncSession, principal: Principal, homework_id: uuid.UUID, body: HomeworkFeedback
) -> HomeworkAssignment:
    row = await repo.get_homework(session, homework_id)
    if row is None:
        raise NotFound(_NOT_FOUND)
    clinician = await require_treating(session, principal, row.patient_id)
    if row.therapist_id != clinician:
        raise NotFound(_NOT_FOUND)
    row.therapist_feedback = body.feedback
    await session.flush()
    await session.refresh(row)
    await audit.record(
        session,
        "therapy.homework.feedback",
        actor=principal,
        subject_type="homework_assignment",
        subject_id=row.id,
        details={"patient_id": row.patient_id},
    )
    return row
