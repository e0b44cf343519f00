"""Outcome tracking: PHQ-9 and GAD-7 trajectories with reliable and clinically significant change.

Jacobson & Truax (1991) ask two questions of a change from a baseline score:

- Is it *reliable* (larger than measurement error)? RCI = (x2 - x1) / S_diff with
  S_diff = sqrt(2) * SD * sqrt(1 - r); |RCI| > 1.96 is reliable. For the PHQ-9 and GAD-7 the
  resulting thresholds are the published point values below.
- Is it *clinically significant*? The score crosses the cut-off between the clinical and the
  non-clinical population.

Categories (baseline = first completed administration, latest = most recent):
recovered (reliable improvement and moved from at/above the cut-off to below it), improved
(reliable improvement only), deteriorated (reliable worsening), no reliable change. A baseline
below the cut-off is flagged ``baseline_below_cutoff``: such a person cannot "recover".

Constants (see docs/therapy.md for the citations):
- PHQ-9: reliable change 6 points, cut-off 10 (Kroenke, Spitzer & Williams 2001; the NHS Talking
  Therapies manual uses the same pair).
- GAD-7: reliable change 4 points, cut-off 8 (NHS Talking Therapies manual; Spitzer et al. 2006
  give 10 for GAD itself, 8 is the caseness threshold used for any anxiety disorder).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.assessments.models import AdministrationStatus, AssessmentTemplate, UserAssessment
from hp_agent.db.session import Principal
from hp_agent.therapy.access import readable_patient


@dataclass(frozen=True, slots=True)
class Instrument:
    code: str
    reliable_change: int  # points; a change of at least this is reliable (|RCI| > 1.96)
    cutoff: int  # scores at or above are in the clinical range ("caseness")
    max_score: int


INSTRUMENTS = {
    "phq9": Instrument("phq9", reliable_change=6, cutoff=10, max_score=27),
    "gad7": Instrument("gad7", reliable_change=4, cutoff=8, max_score=21),
}
Category = Literal["recovered", "improved", "no_reliable_change", "deteriorated", "insufficient_data"]


class ScorePoint(BaseModel):
    completed_at: dt.datetime
    score: int


class Trajectory(BaseModel):
    instrument: str
    reliable_change_threshold: int
    clinical_cutoff: int
    points: list[ScorePoint]
    baseline: int | None
    latest: int | None
    change: int | None
    reliable_change: bool
    clinically_significant: bool
    baseline_below_cutoff: bool
    category: Category


class OutcomesOut(BaseModel):
    patient_id: uuid.UUID
    trajectories: list[Trajectory]


def classify(instrument: Instrument, baseline: int, latest: int) -> tuple[bool, bool, Category]:
    """(reliable, clinically significant, category) for a change from ``baseline`` to ``latest``
    (lower scores are better on both instruments)."""
    change = latest - baseline
    reliable = abs(change) >= instrument.reliable_change
    crossed = baseline >= instrument.cutoff and latest < instrument.cutoff
    if reliable and change < 0:
        return True, crossed, "recovered" if crossed else "improved"
    if reliable and change > 0:
        return True, False, "deteriorated"
    return False, False, "no_reliable_change"


def trajectory(instrument: Instrument, points: list[ScorePoint]) -> Trajectory:
    baseline = points[0].score if points else None
    latest = points[-1].score if points else None
    reliable, significant, category = False, False, "insufficient_data"
    if baseline is not None and latest is not None and len(points) >= 2:
        reliable, significant, category = classify(instrument, baseline, latest)
    return Trajectory(
        instrument=instrument.code,
        reliable_change_threshold=instrument.reliable_change,
        clinical_cutoff=instrument.cutoff,
        points=points,
        baseline=baseline,
        latest=latest,
        change=(latest - baseline) if baseline is not None and latest is not None else None,
        reliable_change=reliable,
        clinically_significant=significant,
        baseline_below_cutoff=baseline is not None and baseline < instrument.cutoff,
        category=category,
    )


async def outcomes(session: AsyncSession, principal: Principal, patient_id: uuid.UUID) -> OutcomesOut:
    await readable_patient(session, principal, patient_id)
    ua, t = UserAssessment, AssessmentTemplate
    rows = (
        await session.execute(
            select(t.code, ua.completed_at, ua.total_score)
            .join(t, t.id == ua.template_id)
            .where(
                ua.user_id == patient_id,
                ua.status == AdministrationStatus.COMPLETED,
                t.code.in_(tuple(INSTRUMENTS)),
            )
            .order_by(ua.completed_at)
        )
    ).all()
    by_code: dict[str, list[ScorePoint]] = {code: [] for code in INSTRUMENTS}
    for code, completed_at, score in rows:
        by_code[code].append(ScorePoint(completed_at=completed_at, score=score))
    return OutcomesOut(
        patient_id=patient_id,
        trajectories=[trajectory(INSTRUMENTS[c], pts) for c, pts in by_code.items()],
    )
