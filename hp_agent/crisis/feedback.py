"""Clinicians' feedback on detection (issue #18 item 6): "this message needed the crisis flow".

``POST /v1/patients/{patient_id}/missed-risk`` — a treating clinician who may read the person's
chat (active relationship, chat shared) reports that one of the person's own messages, named by
its conversation and sequence number as the escalation context shows it, needed MODERATE or
more. The report holds the level and categories only, never words; it is audited. The other
half of the feedback, false alarms, is the escalation's false-positive action, which labels the
detections (``crisis_detections.review_label``). Both become the evaluation set of
``python -m evals crisis --dataset feedback`` (``evals/feedback.py``), read for people who
consented to research use only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import require_role
from hp_agent.chat.models import ChatMessage, MessageRole
from hp_agent.compliance import audit
from hp_agent.crisis import repository
from hp_agent.crisis.enums import Category, RiskLevel
from hp_agent.crisis.models import MissedRiskReport
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, Forbidden, NotFound

Therapist = Annotated[Principal, Depends(require_role("therapist"))]

router = APIRouter(tags=["crisis"])


class MissedRiskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # no place for free text

    chat_session_id: uuid.UUID
    seq: int = Field(ge=1, le=2**62, description="the message's sequence number in the conversation")
    expected_level: Literal["moderate", "high", "imminent"]
    categories: list[Category] = Field(min_length=1, max_length=9)


class MissedRiskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    user_id: uuid.UUID
    chat_message_id: uuid.UUID
    engine_level: RiskLevel | None
    expected_level: RiskLevel
    categories: list[Category]
    created_at: dt.datetime


@router.post(
    "/v1/patients/{patient_id}/missed-risk",
    response_model=MissedRiskOut,
    status_code=status.HTTP_201_CREATED,
)
async def report_missed_risk(
    patient_id: uuid.UUID, body: MissedRiskIn, user: Therapist, db: DbSession
) -> MissedRiskOut:
    assert user.user_id is not None
    rel = await repository.relationship(db, user.user_id, patient_id)
    if rel is None:
        raise NotFound("No such patient.")
    if not rel.consent_to_share_chat:
        raise Forbidden("The patient does not share their chat with you.")
    message = (
        await db.execute(
            select(ChatMessage).where(
                ChatMessage.session_id == body.chat_session_id,
                ChatMessage.seq == body.seq,
                ChatMessage.user_id == patient_id,
            )
        )
    ).scalar_one_or_none()
    if message is None:
        raise NotFound("No such message in this patient's conversations.")
    if message.role != MessageRole.USER:
        # The engine reads what the person wrote; agent and scripted frames are not its input.
        raise Conflict("Only the patient's own messages can be reported as missed risk.")
    report = MissedRiskReport(
        user_id=patient_id,
        chat_message_id=message.id,
        engine_level=message.risk_level,
        expected_level=RiskLevel(body.expected_level),
        categories=[c.value for c in dict.fromkeys(body.categories)],
        reported_by=user.user_id,
    )
    try:
        async with db.begin_nested():
            db.add(report)
            await db.flush()
    except IntegrityError:
        raise Conflict("You have already reported this message.") from None
    await audit.record(
        db,
        "crisis.feedback.missed_risk",
        actor=user,
        subject_type="chat_message",
        subject_id=message.id,
        details={
            "patient_id": str(patient_id),
            "report_id": str(report.id),
            "engine_level": message.risk_level.value if message.risk_level else None,
            "expected_level": body.expected_level,
        },
    )
    return MissedRiskOut.model_validate(report)
