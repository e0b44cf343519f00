"""Escalation policy and the events an escalation announces.

The policy comes from settings (``HP_ESCALATION_*``): which risk level escalates, how long each
assignee has to acknowledge, and the cooldown that keeps one conversation (or one burst of
journal entries) from raising ten alerts. The app's lifespan installs it with :func:`configure`;
callers may also pass a policy explicitly.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crisis_engine import RiskLevel
from hp_agent.compliance import audit
from hp_agent.config import Settings, get_settings
from hp_agent.crisis import repository
from hp_agent.crisis.models import (
    CrisisEscalation,
    EscalationOutcome,
    EscalationStatus,
)
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, Forbidden, HPError, NotFound
from hp_agent.events.models import OutboxEvent
from hp_agent.observability import metrics

ACTIVE = (
    EscalationStatus.OPEN,
    EscalationStatus.NOTIFIED,
    EscalationStatus.ACKNOWLEDGED,
    EscalationStatus.IN_PROGRESS,
)
# Not yet in a human's hands: the deadline watcher moves these on.
UNACKNOWLEDGED = (EscalationStatus.OPEN, EscalationStatus.NOTIFIED)

OPENED = "crisis.escalation.opened"
RAISED = "crisis.escalation.raised"
REASSIGNED = "crisis.escalation.reassigned"
ACKNOWLEDGED = "crisis.escalation.acknowledged"
RESOLVED = "crisis.escalation.resolved"


@dataclass(frozen=True, slots=True)
class EscalationPolicy:
    min_level: RiskLevel = RiskLevel.HIGH
    ack_high: dt.timedelta = dt.timedelta(minutes=10)
    ack_imminent: dt.timedelta = dt.timedelta(minutes=3)
    ack_backup: dt.timedelta = dt.timedelta(minutes=5)
    ack_oncall: dt.timedelta = dt.timedelta(minutes=5)
    cooldown: dt.timedelta = dt.timedelta(minutes=30)

    @classmethod
    def from_settings(cls, s: Settings) -> EscalationPolicy:
        return cls(
            min_level=RiskLevel[s.escalation_min_level.upper()],
            ack_high=dt.timedelta(seconds=s.escalation_ack_seconds_high),
            ack_imminent=dt.timedelta(seconds=s.escalation_ack_seconds_imminent),
            ack_backup=dt.timedelta(seconds=s.escalation_ack_seconds_backup),
            ack_oncall=dt.timedelta(seconds=s.escalation_ack_seconds_oncall),
            cooldown=dt.timedelta(seconds=s.escalation_cooldown_seconds),
        )

    def ack_window(self, risk: RiskLevel) -> dt.timedelta:
        return self.ack_imminent if risk >= RiskLevel.IMMINENT else self.ack_high

    def level_window(self, level: int, risk: RiskLevel) -> dt.timedelta:
        """Deadline for an escalation level; imminent risk never waits longer than its own window."""
        window = {2: self.ack_backup, 3: self.ack_oncall}.get(level, self.ack_window(risk))
        return min(window, self.ack_window(risk))


_policy: EscalationPolicy | None = None


def configure(settings: Settings) -> None:
    global _policy
    _policy = EscalationPolicy.from_settings(settings)


def current_policy() -> EscalationPolicy:
    global _policy
    if _policy is None:
        _policy = EscalationPolicy.from_settings(get_settings())
    return _policy


async def emit(
    session: AsyncSession, escalation: CrisisEscalation, event_type: str, **extra: Any
) -> uuid.UUID:
    """Write the outbox row announcing ``escalation`` (ids and codes only: it reaches Redis).

    A Core insert without RETURNING: outbox rows are readable only by the relay (system), and
    PostgreSQL applies the read policy to returned rows, so an ORM flush would be refused.
    """
    await session.flush()
    payload: dict[str, Any] = {
        "escalation_id": str(escalation.id),
        "user_id": str(escalation.user_id),
        "risk_level": escalation.risk_level.value,
        "level": escalation.level,
        "status": escalation.status.value,
        "assigned_to": str(escalation.assigned_to) if escalation.assigned_to else None,
        "chat_session_id": str(escalation.chat_session_id) if escalation.chat_session_id else None,
        "detection_count": escalation.detection_count,
        **extra,
    }
    event_id = uuid.uuid4()
    await session.execute(
        insert(OutboxEvent).values(
            id=event_id,
            aggregate_type="crisis_escalation",
            aggregate_id=escalation.id,
            event_type=event_type,
            payload=payload,
        )
    )
    return event_id


# ---------------------------------------------------------------------------------------------
# Therapist actions. Authorisation is checked here (assignee or treating therapist) and again by
# row-level security: crisis_escalations_clinician_acts lets the clinician who may see the
# escalation update it (backup and on-call clinicians included), as themselves.
# ---------------------------------------------------------------------------------------------


async def _authorised(session: AsyncSession, actor: Principal, escalation_id: uuid.UUID) -> CrisisEscalation:
    if actor.role != "therapist" or actor.user_id is None:
        raise Forbidden("Only clinicians can act on escalations.")
    e = await repository.get_escalation(session, actor.user_id, escalation_id, lock=True)
    if e is None:
        # Same answer whether it does not exist or is someone else's patient.
        raise NotFound("No such escalation.")
    return e


async def _audit(
    session: AsyncSession, action: str, actor: Principal, e: CrisisEscalation, **details: Any
) -> None:
    await audit.record(
        session, action, actor=actor, subject_type="crisis_escalation", subject_id=e.id, details=details
    )
    # The last step of every action: reload server-set columns (updated_at) for the response.
    await session.refresh(e)


def _open(e: CrisisEscalation) -> None:
    if e.status not in ACTIVE:
        raise Conflict("This escalation is already closed.", code="escalation_closed")


async def acknowledge(session: AsyncSession, actor: Principal, escalation_id: uuid.UUID) -> CrisisEscalation:
    """The assignee (or a treating therapist) takes it; idempotent for the same person."""
    e = await _authorised(session, actor, escalation_id)
    _open(e)
    if e.status in UNACKNOWLEDGED:
        now = dt.datetime.now(dt.UTC)
        e.status = EscalationStatus.ACKNOWLEDGED
        e.acknowledged_at = now
        e.acknowledged_by = actor.user_id
        await emit(session, e, ACKNOWLEDGED, acknowledged_by=str(actor.user_id))
        await _audit(
            session,
            "crisis.escalation.acknowledged",
            actor,
            e,
            level=e.level,
            seconds_to_ack=round((now - e.created_at).total_seconds(), 3),
        )
        ack_seconds = (now - e.created_at).total_seconds()
        metrics.ESCALATION_ACK.labels(str(getattr(e.risk_level, "value", e.risk_level))).observe(ack_seconds)
    return e


def _append_note(e: CrisisEscalation, author: uuid.UUID | None, text: str) -> None:
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    entry = f"[{stamp} {author}] {text.strip()}"
    e.notes = f"{e.notes}\n{entry}" if e.notes else entry


async def add_note(
    session: AsyncSession, actor: Principal, escalation_id: uuid.UUID, text: str
) -> CrisisEscalation:
    e = await _authorised(session, actor, escalation_id)
    _open(e)
    _append_note(e, actor.user_id, text)
    if e.status == EscalationStatus.ACKNOWLEDGED:
        e.status = EscalationStatus.IN_PROGRESS
    elif e.status in UNACKNOWLEDGED:  # writing a note is taking the case
        e.status = EscalationStatus.IN_PROGRESS
        e.acknowledged_at = dt.datetime.now(dt.UTC)
        e.acknowledged_by = actor.user_id
    await _audit(session, "crisis.escalation.note_added", actor, e, chars=len(text))  # never the text
    return e


async def _close(
    session: AsyncSession,
    actor: Principal,
    e: CrisisEscalation,
    status: EscalationStatus,
    outcome: EscalationOutcome,
) -> None:
    now = dt.datetime.now(dt.UTC)
    e.status = status
    e.outcome = outcome
    e.resolved_at = now
    e.resolved_by = actor.user_id
    if e.acknowledged_at is None:
        e.acknowledged_at = now
        e.acknowledged_by = actor.user_id
    await emit(session, e, RESOLVED, outcome=outcome.value)


async def resolve(
    session: AsyncSession,
    actor: Principal,
    escalation_id: uuid.UUID,
    outcome: EscalationOutcome,
    note: str | None = None,
) -> CrisisEscalation:
    e = await _authorised(session, actor, escalation_id)
    _open(e)
    if outcome == EscalationOutcome.FALSE_POSITIVE:
        raise Conflict("Use the false-positive action, which records structured feedback.")
    if note:
        _append_note(e, actor.user_id, note)
    await _close(session, actor, e, EscalationStatus.RESOLVED, outcome)
    await _audit(session, "crisis.escalation.resolved", actor, e, outcome=outcome.value)
    return e


async def mark_false_positive(
    session: AsyncSession, actor: Principal, escalation_id: uuid.UUID, feedback: dict[str, Any]
) -> CrisisEscalation:
    """Close as a false alarm and label its detections, so the evaluation set learns from it."""
    e = await _authorised(session, actor, escalation_id)
    _open(e)
    detection = await repository.get_detection(session, e.detection_id)
    known_terms = {
        str(m.get("term") or m.get("label") or "") for m in ((detection.matches or []) if detection else [])
    }
    unknown = [t for t in feedback.get("wrong_terms", []) if t not in known_terms]
    if unknown:
        raise HPError("wrong_terms must name terms matched in this detection.", 422, code="validation_error")
    now = dt.datetime.now(dt.UTC)
    e.false_positive_feedback = {
        **feedback,
        "reviewed_by": str(actor.user_id),
        "reviewed_at": now.isoformat(),
    }
    await _close(session, actor, e, EscalationStatus.FALSE_POSITIVE, EscalationOutcome.FALSE_POSITIVE)
    # The detections are the patient's (a backup clinician cannot read them): labelled through
    # app_label_false_positive, which checks the caller may act on this escalation.
    await session.execute(select(func.app_label_false_positive(e.id)))
    await _audit(
        session,
        "crisis.escalation.false_positive",
        actor,
        e,
        reasons=",".join(feedback.get("reasons", [])),
    )
    return e
