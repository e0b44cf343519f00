"""Therapist console (``/v1/escalations``, ``/v1/patients/{id}/...``), the person's own safety
plan (``/v1/safety-plan``) and crisis lines (``/v1/crisis-resources``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser, authenticate, require_role
from hp_agent.compliance import audit
from hp_agent.crisis import escalations, repository, safety_plans
from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.models import EscalationStatus
from hp_agent.crisis.resources import lines_for
from hp_agent.crisis.schemas import (
    ContextMessage,
    CrisisLineOut,
    CrisisResourcesOut,
    DetectionOut,
    EscalationContextOut,
    EscalationDetailOut,
    EscalationOut,
    FalsePositiveIn,
    NoteIn,
    ResolveIn,
    RiskTimelineOut,
    SafetyPlanIn,
    SafetyPlanOut,
    SafetyPlanVersionOut,
    TimelinePoint,
)
from hp_agent.db.session import Principal
from hp_agent.errors import Forbidden, HPError, NotFound
from hp_agent.privacy import access_log
from hp_agent.users.models import User

Therapist = Annotated[Principal, Depends(require_role("therapist"))]
Patient = Annotated[Principal, Depends(require_role("patient"))]

router = APIRouter(tags=["crisis"])


def _tid(p: Principal) -> uuid.UUID:
    assert p.user_id is not None
    return p.user_id


@router.get("/v1/escalations", response_model=list[EscalationOut])
async def list_escalations(
    user: Therapist,
    db: DbSession,
    status: Annotated[list[EscalationStatus] | None, Query()] = None,
    level: Annotated[int | None, Query(ge=1, le=3)] = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[EscalationOut]:
    rows = await repository.list_escalations(
        db, _tid(user), statuses=status, level=level, since=since, until=until, limit=limit
    )
    return [EscalationOut.model_validate(r) for r in rows]


@router.get("/v1/escalations/{escalation_id}", response_model=EscalationDetailOut)
async def get_escalation(escalation_id: uuid.UUID, user: Therapist, db: DbSession) -> EscalationDetailOut:
    e = await repository.get_escalation(db, _tid(user), escalation_id)
    if e is None:
        raise NotFound("No such escalation.")
    return EscalationDetailOut.model_validate(e)


@router.post("/v1/escalations/{escalation_id}/acknowledge", response_model=EscalationOut)
async def acknowledge(escalation_id: uuid.UUID, user: Therapist, db: DbSession) -> EscalationOut:
    return EscalationOut.model_validate(await escalations.acknowledge(db, user, escalation_id))


@router.post("/v1/escalations/{escalation_id}/notes", response_model=EscalationDetailOut)
async def add_note(
    escalation_id: uuid.UUID, body: NoteIn, user: Therapist, db: DbSession
) -> EscalationDetailOut:
    return EscalationDetailOut.model_validate(await escalations.add_note(db, user, escalation_id, body.text))


@router.post("/v1/escalations/{escalation_id}/resolve", response_model=EscalationOut)
async def resolve(escalation_id: uuid.UUID, body: ResolveIn, user: Therapist, db: DbSession) -> EscalationOut:
    e = await escalations.resolve(db, user, escalation_id, body.outcome, body.note)
    return EscalationOut.model_validate(e)


@router.post("/v1/escalations/{escalation_id}/false-positive", response_model=EscalationOut)
async def false_positive(
    escalation_id: uuid.UUID, body: FalsePositiveIn, user: Therapist, db: DbSession
) -> EscalationOut:
    e = await escalations.mark_false_positive(db, user, escalation_id, body.model_dump(mode="json"))
    return EscalationOut.model_validate(e)


@router.get("/v1/escalations/{escalation_id}/context", response_model=EscalationContextOut)
async def context(escalation_id: uuid.UUID, user: Therapist, db: DbSession) -> EscalationContextOut:
    """The triggering words (encrypted excerpt) and, with chat consent, the messages around them."""
    e = await repository.get_escalation(db, _tid(user), escalation_id)
    if e is None:
        raise NotFound("No such escalation.")
    rel = await repository.relationship(db, _tid(user), e.user_id)
    if rel is None:
        raise Forbidden("Only the patient's treating clinicians can read what was written.")
    detection = await repository.get_detection(db, e.last_detection_id or e.detection_id)
    if detection is None:
        raise NotFound("The detection is no longer available.")
    messages: list[ContextMessage] = []
    if rel.consent_to_share_chat and detection.source == DetectionSource.CHAT_MESSAGE and detection.source_id:
        for m in await repository.messages_around(db, detection.source_id):
            messages.append(
                ContextMessage(
                    seq=m.seq,
                    role=m.role.value,
                    content=m.content,
                    created_at=m.created_at,
                    is_trigger=m.id == detection.source_id,
                )
            )
    await access_log.record(
        db, user, e.user_id, resource="escalation_context", reason="crisis_review", resource_id=e.id
    )
    await audit.record(
        db,
        "crisis.escalation.context_viewed",
        actor=user,
        subject_type="crisis_escalation",
        subject_id=e.id,
        details={"patient_id": e.user_id, "messages": len(messages)},
    )
    return EscalationContextOut(
        escalation_id=e.id,
        detection=DetectionOut.model_validate(detection),
        excerpt=detection.excerpt,
        chat_shared=rel.consent_to_share_chat,
        messages=messages,
    )


@router.get("/v1/patients/{patient_id}/safety-plan", response_model=SafetyPlanOut)
async def patient_safety_plan(patient_id: uuid.UUID, user: Therapist, db: DbSession) -> SafetyPlanOut:
    plan = await safety_plans.for_therapist(db, user, patient_id)
    await access_log.record(db, user, patient_id, resource="safety_plan", reason="treatment")
    return plan


@router.get("/v1/patients/{patient_id}/risk-timeline", response_model=RiskTimelineOut)
async def risk_timeline(
    patient_id: uuid.UUID, user: Therapist, db: DbSession, days: Annotated[int, Query(ge=1, le=365)] = 90
) -> RiskTimelineOut:
    if await repository.relationship(db, _tid(user), patient_id) is None:
        raise NotFound("No such patient.")
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    rows = await repository.detections(db, patient_id, since=since)
    await access_log.record(db, user, patient_id, resource="risk_timeline", reason="treatment")
    await audit.record(
        db,
        "crisis.risk_timeline.viewed",
        actor=user,
        subject_type="user",
        subject_id=patient_id,
        details={"days": days, "points": len(rows)},
    )
    return RiskTimelineOut(
        patient_id=patient_id,
        points=[
            TimelinePoint(
                detection_id=d.id,
                detected_at=d.detected_at,
                risk_level=d.risk_level,
                score=d.score,
                source=d.source.value,
                categories=d.categories,
                check_asked_at=d.check_asked_at,
                check_answer=d.check_answer,
                check_answered_at=d.check_answered_at,
                false_alarm_reported_at=d.false_alarm_reported_at,
            )
            for d in reversed(rows)
        ],
    )


@router.get("/v1/safety-plan", response_model=SafetyPlanOut)
async def get_safety_plan(user: CurrentUser, db: DbSession) -> SafetyPlanOut:
    plan = await safety_plans.get_own(db, user)
    if plan is None:
        raise NotFound("You have not written a safety plan yet.", code="no_safety_plan")
    return plan


@router.put("/v1/safety-plan", response_model=SafetyPlanOut)
async def put_safety_plan(body: SafetyPlanIn, user: CurrentUser, db: DbSession) -> SafetyPlanOut:
    return await safety_plans.save(db, user, body)


@router.get("/v1/safety-plan/versions", response_model=list[SafetyPlanVersionOut])
async def safety_plan_versions(user: CurrentUser, db: DbSession) -> list[SafetyPlanVersionOut]:
    return await safety_plans.versions(db, user)


@router.get("/v1/crisis-resources", response_model=CrisisResourcesOut)
async def crisis_resources(
    request: Request,
    db: DbSession,
    country: Annotated[str | None, Query(pattern="^[A-Za-z]{2}$")] = None,
    language: Annotated[str | None, Query(max_length=35)] = None,
) -> CrisisResourcesOut:
    """Open to everyone (a person in crisis may be signed out); a signed-in person's country and
    language are the defaults."""
    if country is None or language is None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            try:
                auth = await authenticate(db, header[7:], request.app.state.settings)
            except HPError:
                auth = None
            if auth is not None:
                user = await db.get(User, auth.principal.user_id)
                if user is not None:
                    country = country or user.country_code
                    language = language or user.locale
    lines = await lines_for(db, country, language)
    lang = (language or "en").replace("_", "-").split("-")[0].lower()
    return CrisisResourcesOut(
        country=country.upper() if country else None,
        language=lang,
        lines=[CrisisLineOut(**line.to_dict()) for line in lines],
    )
