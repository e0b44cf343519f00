"""Every piece of text a person writes goes through here: assess, record, escalate.

Callers (chat, journal, mood, assessments) run inside their own unit of work; this module only
adds rows and flushes, so the detection, the escalation and its outbox row commit together with
the text they are about.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crisis_engine import Assessment, Context, RiskLevel
from hp_agent.care.models import TherapeuticRelationship
from hp_agent.compliance import audit
from hp_agent.crisis import engine, lexicon_overlay
from hp_agent.crisis import escalations as policy_mod
from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.escalations import EscalationPolicy, current_policy
from hp_agent.crisis.models import CrisisDetection, CrisisEscalation, EscalationStatus
from hp_agent.db.session import ANONYMOUS, Principal

_ACTIVE = policy_mod.ACTIVE
_EXCERPT_CHARS = 500


@dataclass(frozen=True, slots=True)
class CrisisOutcome:
    assessment: Assessment
    detection: CrisisDetection | None
    escalation: CrisisEscalation | None


def classifier_only_moderate(a: Assessment, context: Context | None = None) -> bool:
    """Uncertain evidence: MODERATE from the classifier alone (docs/crisis-engine.md, "Graded
    response"). The one place that reads it from an assessment, so a dedicated engine field can
    replace the derivation here without touching the callers.

    Today's assessment says so by what it lacks: no lexicon match and no keyword score (nothing in
    the person's words the lexicon knows). A level the conversation context raised counts too when
    no message the engine read with it (``context``) had lexicon evidence either: then the build-up
    is the classifier's readings of ordinary messages ("3 concerning messages in a row"). Any
    context message without its assessment makes it not uncertain (it cannot be shown). Whatever
    category the classifier names: on its own that is the least reliable part of its reading, and
    the full flow asks about suicide whatever the category. The chat adds the conversation's own
    record (an uncleared detection at moderate or above earlier means the full flow).
    """
    if a.level != RiskLevel.MODERATE or a.matches or a.keyword_score > 0:
        return False
    details = a.details.get("context") if isinstance(a.details, dict) else None
    if not a.context_adjusted and not (isinstance(details, dict) and details.get("reasons")):
        return True
    if context is None or context.recent_assessments:
        return False
    earlier = [m.assessment for m in context.recent_messages]
    return all(e is not None and not e.matches and e.keyword_score <= 0 for e in earlier)


def excerpt_for(text: str, a: Assessment, limit: int = _EXCERPT_CHARS) -> str:
    """The part of ``text`` a reviewer needs: around the first matched term, not just the start.

    Match spans index the normalised text, so the matched words are looked up in the original
    (case-insensitively); risk found by the classifier alone falls back to the opening.
    """
    if len(text) <= limit:
        return text
    lowered = text.lower()
    for m in a.matches:
        needle = (m.matched_text or m.term).lower()
        at = lowered.find(needle) if needle else -1
        if at >= 0:
            start = max(0, min(at - limit // 3, len(text) - limit))
            return text[start : start + limit]
    return text[:limit]


def _detection(
    user_id: uuid.UUID,
    source: DetectionSource,
    source_id: uuid.UUID | None,
    text: str,
    a: Assessment,
    chat_session_id: uuid.UUID | None,
) -> CrisisDetection:
    return CrisisDetection(
        id=uuid.uuid4(),
        user_id=user_id,
        source=source,
        source_id=source_id,
        chat_session_id=chat_session_id,
        risk_level=a.level,
        score=min(1.0, max(0.0, a.score)),
        keyword_score=min(1.0, max(0.0, a.keyword_score)),
        classifier_score=min(1.0, max(0.0, a.classifier_score)),
        context_adjusted=a.context_adjusted,
        categories=[c.value for c in a.categories],
        # Terms, spans and modifiers only (a CHECK refuses matched text): the person's own words
        # are kept encrypted in `excerpt`.
        matches=[{k: v for k, v in m.to_dict().items() if k != "matched_text"} for m in a.matches],
        explanation=a.explanation,
        excerpt=excerpt_for(text, a),
        # The engine reports "<engine>; lexicon ...; classifier ..." which overflows the 64-char column.
        engine_version=_version_part(a.engine_version, 0, 64) or "unknown",
        lexicon_version=_version_part(a.engine_version, 1, 200),
    )


def _version_part(version: str | None, index: int, limit: int) -> str | None:
    parts = (version or "").split("; ", 1)
    return parts[index][:limit] if len(parts) > index and parts[index] else None


async def primary_therapist(session: AsyncSession, patient_id: uuid.UUID) -> uuid.UUID | None:
    rel = TherapeuticRelationship
    row = (
        await session.execute(
            select(rel.therapist_id)
            .where(rel.patient_id == patient_id, rel.status == "active")
            .order_by(rel.is_primary.desc(), rel.started_at)
            .limit(1)
        )
    ).scalar_one_or_none()
    return row


async def _active_escalation(
    session: AsyncSession, detection: CrisisDetection, policy: EscalationPolicy
) -> CrisisEscalation | None:
    """The escalation a new detection attaches to: same conversation, or (outside chat) the same
    person's active escalation opened within the cooldown window."""
    stmt = select(CrisisEscalation).where(CrisisEscalation.status.in_(_ACTIVE))
    if detection.chat_session_id is not None:
        stmt = stmt.where(CrisisEscalation.chat_session_id == detection.chat_session_id)
    else:
        since = dt.datetime.now(dt.UTC) - policy.cooldown
        stmt = stmt.where(
            CrisisEscalation.user_id == detection.user_id,
            CrisisEscalation.chat_session_id.is_(None),
            CrisisEscalation.created_at >= since,
        )
    stmt = stmt.order_by(CrisisEscalation.created_at.desc()).limit(1).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def escalate(
    session: AsyncSession, detection: CrisisDetection, *, policy: EscalationPolicy | None = None
) -> CrisisEscalation:
    """Open an escalation, or attach to the active one (cooldown); the outbox row commits with it."""
    policy = policy or current_policy()
    actor: Principal = session.info.get("principal", ANONYMOUS)
    active = await _active_escalation(session, detection, policy)
    if active is not None:
        active.detection_count += 1
        active.last_detection_id = detection.id
        if detection.risk_level > active.risk_level:
            active.risk_level = detection.risk_level
            deadline = dt.datetime.now(dt.UTC) + policy.level_window(active.level, detection.risk_level)
            if active.ack_deadline is None or deadline < active.ack_deadline:
                active.ack_deadline = deadline
            await policy_mod.emit(session, active, policy_mod.RAISED)
        await audit.record(
            session,
            "crisis.escalation.attached",
            actor=actor,
            subject_type="crisis_escalation",
            subject_id=active.id,
            details={"detection_id": detection.id, "risk_level": active.risk_level.value},
        )
        await session.flush()
        return active
    escalation = CrisisEscalation(
        id=uuid.uuid4(),
        detection_id=detection.id,
        last_detection_id=detection.id,
        user_id=detection.user_id,
        source=detection.source,
        source_id=detection.source_id,
        chat_session_id=detection.chat_session_id,
        risk_level=detection.risk_level,
        status=EscalationStatus.OPEN,
        level=1,
        assigned_to=await primary_therapist(session, detection.user_id),
        ack_deadline=dt.datetime.now(dt.UTC) + policy.ack_window(detection.risk_level),
    )
    session.add(escalation)
    await session.flush()
    await policy_mod.emit(session, escalation, policy_mod.OPENED)
    await audit.record(
        session,
        "crisis.escalation.opened",
        actor=actor,
        subject_type="crisis_escalation",
        subject_id=escalation.id,
        details={
            "detection_id": detection.id,
            "risk_level": escalation.risk_level.value,
            "assigned_to": escalation.assigned_to,
            "level": 1,
        },
    )
    await session.flush()
    return escalation


async def record(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    source: DetectionSource,
    source_id: uuid.UUID | None,
    text: str,
    assessment: Assessment,
    chat_session_id: uuid.UUID | None = None,
    policy: EscalationPolicy | None = None,
) -> CrisisOutcome:
    """Store a detection for anything above NONE and escalate at the policy's level or above."""
    if assessment.level == RiskLevel.NONE:
        return CrisisOutcome(assessment, None, None)
    policy = policy or current_policy()
    detection = _detection(user_id, source, source_id, text, assessment, chat_session_id)
    session.add(detection)
    await session.flush()
    escalation = (
        await escalate(session, detection, policy=policy) if assessment.level >= policy.min_level else None
    )
    return CrisisOutcome(assessment, detection, escalation)


async def assess_and_record(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    source: DetectionSource,
    source_id: uuid.UUID | None,
    text: str,
    context: Context | None = None,
    chat_session_id: uuid.UUID | None = None,
    policy: EscalationPolicy | None = None,
) -> CrisisOutcome:
    await lexicon_overlay.refresh(session)
    assessment = await engine.assess(text, context)
    return await record(
        session,
        user_id=user_id,
        source=source,
        source_id=source_id,
        text=text,
        assessment=assessment,
        chat_session_id=chat_session_id,
        policy=policy,
    )
