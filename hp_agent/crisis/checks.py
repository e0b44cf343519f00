"""What a person said about a detection: the one-question check and self-reported false alarms.

Graded response (docs/crisis-engine.md): on uncertain evidence the chat asks one direct question
instead of the screener, and the detection keeps when it was asked and the answer. A person who
steps out of the screener ("that's not what I meant") marks the detections that started it as a
self-reported false alarm. Nothing here deletes or lowers a detection, and an open escalation
stays open: the clinician sees the detection with what the person said beside it.

Like ``service.py``, this module only adds and flushes; the caller's unit of work commits.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance import audit
from hp_agent.crisis.enums import DetectionSource, RiskLevel
from hp_agent.crisis.escalations import ACTIVE
from hp_agent.crisis.models import CheckAnswer, CrisisDetection, CrisisEscalation
from hp_agent.db.session import ANONYMOUS, Principal

_ELEVATED = (RiskLevel.MODERATE, RiskLevel.HIGH, RiskLevel.IMMINENT)


def _actor(session: AsyncSession) -> Principal:
    principal: Principal = session.info.get("principal", ANONYMOUS)
    return principal


async def ask(session: AsyncSession, detection: CrisisDetection) -> None:
    detection.check_asked_at = dt.datetime.now(dt.UTC)
    await session.flush()


async def open_check(
    session: AsyncSession, user_id: uuid.UUID, chat_session_id: uuid.UUID
) -> CrisisDetection | None:
    """The detection whose check the conversation is waiting on (its next message answers it)."""
    stmt = (
        select(CrisisDetection)
        .where(
            CrisisDetection.user_id == user_id,
            CrisisDetection.chat_session_id == chat_session_id,
            CrisisDetection.check_asked_at.is_not(None),
            CrisisDetection.check_answer.is_(None),
        )
        .order_by(CrisisDetection.check_asked_at.desc())
        .limit(1)
        .with_for_update()
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def answer(session: AsyncSession, detection: CrisisDetection, value: CheckAnswer) -> None:
    detection.check_answer = value
    detection.check_answered_at = dt.datetime.now(dt.UTC)
    await audit.record(
        session,
        "crisis.check.answered",
        actor=_actor(session),
        subject_type="crisis_detection",
        subject_id=detection.id,
        details={"answer": value.value},
    )
    await session.flush()


async def denied_before(session: AsyncSession, user_id: uuid.UUID, chat_session_id: uuid.UUID) -> bool:
    """Whether the person already answered a check with no in this conversation."""
    stmt = select(CrisisDetection.id).where(
        CrisisDetection.user_id == user_id,
        CrisisDetection.chat_session_id == chat_session_id,
        CrisisDetection.check_answer == CheckAnswer.NO,
    )
    return (await session.execute(stmt.limit(1))).first() is not None


async def earlier_risk(
    session: AsyncSession, user_id: uuid.UUID, chat_session_id: uuid.UUID, *, exclude: uuid.UUID
) -> bool:
    """Risk earlier in the conversation: a detection at moderate or above that the person did not
    clear (a check answered no, or a self-reported false alarm, clears it)."""
    stmt = select(CrisisDetection.id).where(
        CrisisDetection.user_id == user_id,
        CrisisDetection.chat_session_id == chat_session_id,
        CrisisDetection.id != exclude,
        CrisisDetection.risk_level.in_(_ELEVATED),
        CrisisDetection.check_answer.is_distinct_from(CheckAnswer.NO),
        CrisisDetection.false_alarm_reported_at.is_(None),
    )
    return (await session.execute(stmt.limit(1))).first() is not None


async def report_false_alarm(
    session: AsyncSession, user_id: uuid.UUID, chat_session_id: uuid.UUID, screener_created_at: dt.datetime
) -> list[CrisisDetection]:
    """Mark the detections behind a screener as a self-reported false alarm; returns them, the
    one that started the screener first (empty if none is found).

    That one is the conversation's last message detection at moderate or above recorded before the
    screener began (both times are the database's ``now()``, so no clock is compared with another);
    the messages answered during the screener are marked with it.
    """
    base = select(CrisisDetection).where(
        CrisisDetection.user_id == user_id,
        CrisisDetection.chat_session_id == chat_session_id,
        CrisisDetection.source == DetectionSource.CHAT_MESSAGE,
        CrisisDetection.risk_level.in_(_ELEVATED),
    )
    trigger = (
        await session.execute(
            base.where(CrisisDetection.detected_at <= screener_created_at)
            .order_by(CrisisDetection.detected_at.desc(), CrisisDetection.created_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if trigger is None:
        return []
    later = (
        await session.execute(
            base.where(CrisisDetection.detected_at > trigger.detected_at, CrisisDetection.id != trigger.id)
        )
    ).scalars()
    marked = [trigger, *later]
    now = dt.datetime.now(dt.UTC)
    for det in marked:
        if det.false_alarm_reported_at is None:
            det.false_alarm_reported_at = now
    await audit.record(
        session,
        "crisis.detection.false_alarm_reported",
        actor=_actor(session),
        subject_type="crisis_detection",
        subject_id=trigger.id,
        details={"detections": len(marked), "chat_session_id": chat_session_id},
    )
    await session.flush()
    return marked


async def escalation_open(session: AsyncSession, user_id: uuid.UUID, chat_session_id: uuid.UUID) -> bool:
    """Whether the conversation has an active escalation (a self-report does not close it)."""
    stmt = select(CrisisEscalation.id).where(
        CrisisEscalation.user_id == user_id,
        CrisisEscalation.chat_session_id == chat_session_id,
        CrisisEscalation.status.in_(ACTIVE),
    )
    return (await session.execute(stmt.limit(1))).first() is not None
