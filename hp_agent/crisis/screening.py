"""Every text a person writes outside the chat (journal, mood, assessments, homework, medication
notes) passes through here: assessed in context, recorded, escalated.

The result carries the safety payload (crisis lines for the person's locale and their safety
plan) when the level is MODERATE or above, so the API can show help in the same response.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crisis_engine import Assessment, Category, Context, ContextMessage, RiskLevel
from hp_agent.crisis import assessor, engine, lexicon_overlay
from hp_agent.crisis import service as crisis
from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.models import CrisisDetection
from hp_agent.crisis.safety import safety_payload
from hp_agent.users.models import User


@dataclass(frozen=True, slots=True)
class Screening:
    level: RiskLevel
    detection_id: uuid.UUID | None
    escalation_id: uuid.UUID | None
    # The records behind it, for the chat's crisis turn (``gateway.respond``).
    outcome: crisis.CrisisOutcome | None = field(default=None, compare=False, repr=False)

    @property
    def needs_safety(self) -> bool:
        return self.level >= RiskLevel.MODERATE

    @property
    def opened_escalation(self) -> bool:
        """True when this detection opened a new escalation (not attached to an active one)."""
        o = self.outcome
        esc, det = (o.escalation, o.detection) if o is not None else (None, None)
        return esc is not None and det is not None and esc.detection_id == det.id


NOTHING = Screening(RiskLevel.NONE, None, None)
# How far back an earlier HIGH+ detection still colours how new text is read.
HISTORY = dt.timedelta(days=14)
_HISTORY_ROWS = 20
_HIGH = (RiskLevel.HIGH, RiskLevel.IMMINENT)
_CATEGORIES = frozenset(c.value for c in Category)


def _from(outcome: crisis.CrisisOutcome) -> Screening:
    return Screening(
        outcome.assessment.level,
        outcome.detection.id if outcome.detection else None,
        outcome.escalation.id if outcome.escalation else None,
        outcome,
    )


async def _recent_high(session: AsyncSession, user_id: uuid.UUID) -> tuple[Assessment, ...]:
    """The person's HIGH+ detections of the last days, from any source, for the engine's
    history rule (an earlier high-risk assessment makes any new risk at least MODERATE)."""
    since = dt.datetime.now(dt.UTC) - HISTORY
    d = CrisisDetection
    rows = (
        await session.execute(
            select(d.risk_level, d.score, d.categories, d.explanation)
            .where(d.user_id == user_id, d.detected_at >= since, d.risk_level.in_(_HIGH))
            .order_by(d.detected_at)
            .limit(_HISTORY_ROWS)
        )
    ).all()
    return tuple(
        Assessment(
            level=RiskLevel(level),
            score=float(score),
            categories=tuple(Category(c) for c in categories if c in _CATEGORIES),
            matches=(),
            explanation=explanation or "",
        )
        for level, score, categories, explanation in rows
    )


async def screen(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    source: DetectionSource,
    source_id: uuid.UUID,
    text: str,
    earlier_texts: Sequence[str] = (),
    assessment: Assessment | None = None,
    chat_session_id: uuid.UUID | None = None,
) -> Screening:
    """Assess ``text`` and record a detection (and escalation at HIGH+) tied to its row.

    ``earlier_texts``: what the person wrote just before in the same piece (earlier steps of a
    thought record), oldest first, so risk spread over several answers is scored together.
    ``assessment``: the engine's reading made already (a chat message is assessed before its
    transaction, with the conversation as context: ``gateway.assess_message``); it is then
    remembered by message id as the context of later messages.
    """
    # Admins' lexicon changes: a chat message assessed before this transaction gets them from
    # its next message on.
    await lexicon_overlay.refresh(session)
    if assessment is None:
        if not text.strip():
            return NOTHING
        context = Context(
            recent_messages=tuple(ContextMessage(t) for t in earlier_texts if t.strip()),
            recent_assessments=await _recent_high(session, user_id),
        )
        assessment = await engine.assess(text, context)
    elif source == DetectionSource.CHAT_MESSAGE:
        assessor.remembered.put(source_id, assessment)
    outcome = await crisis.record(
        session,
        user_id=user_id,
        source=source,
        source_id=source_id,
        text=text,
        assessment=assessment,
        chat_session_id=chat_session_id,
    )
    return _from(outcome)


async def record_rule(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    source: DetectionSource,
    source_id: uuid.UUID,
    level: RiskLevel,
    score: float,
    categories: Sequence[Category],
    explanation: str,
    version: str,
) -> Screening:
    """Record a rule's finding (e.g. PHQ-9 item 9) through the same crisis path as assessed text.

    The explanation is also the detection's excerpt: it names the rule and the answers, never
    the person's words.
    """
    assessment = Assessment(
        level=level,
        score=score,
        categories=tuple(categories),
        matches=(),
        explanation=explanation,
        engine_version=version,
    )
    outcome = await crisis.record(
        session,
        user_id=user_id,
        source=source,
        source_id=source_id,
        text=explanation,
        assessment=assessment,
    )
    return _from(outcome)


def worst(*screenings: Screening) -> Screening:
    """The most severe screening; its detection is the one a row links to."""
    return max(screenings, key=lambda s: s.level, default=NOTHING)


async def safety_for(
    session: AsyncSession, user_id: uuid.UUID, screening: Screening
) -> dict[str, Any] | None:
    """The safety payload for MODERATE and above, else None (the response then omits ``safety``)."""
    if not screening.needs_safety:
        return None
    user = (
        await session.execute(select(User.country_code, User.locale).where(User.id == user_id))
    ).one_or_none()
    country, locale = (user[0], user[1]) if user is not None else (None, None)
    return await safety_payload(session, user_id, screening.level, country, locale)
