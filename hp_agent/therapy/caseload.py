"""A therapist's caseload: every actively treated patient with what needs attention, in one query.

One statement over the therapist's active relationships, with a LATERAL subquery per fact, each
an index probe on the patient's own rows (latest detection, open escalations, the last two PHQ-9
scores, next appointment, open homework, latest mood check-in, assessment and completed homework).
It runs under the therapist's principal, so row-level security applies to every table it reads.

"Last activity" is the latest thing the patient did that their therapist may see without extra
consent: a mood check-in, an assessment, a completed homework, or any text the crisis engine
flagged. Journal and chat are left out on purpose (they are shared only with consent).
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.crisis.enums import RiskLevel
from hp_agent.db.session import Principal
from hp_agent.errors import Forbidden
from hp_agent.therapy.access import me

CASELOAD_SQL = text(
    """
SELECT r.patient_id, r.is_primary, r.started_at AS treating_since, p.display_name,
       risk.risk_level AS latest_risk_level, risk.detected_at AS latest_risk_at,
       coalesce(esc.open_count, 0) AS open_escalations, esc.top_level AS open_escalation_risk,
       phq.scores AS phq9_scores, phq.latest_at AS phq9_at,
       appt.next_at AS next_appointment_at,
       coalesce(hw.open_count, 0) AS open_homework, coalesce(hw.overdue, 0) AS overdue_homework,
       GREATEST(mood.at, asmt.at, hwdone.at, risk.detected_at) AS last_activity_at
FROM therapeutic_relationships r
LEFT JOIN LATERAL (
    SELECT up.display_name FROM user_profiles up WHERE up.user_id = r.patient_id) p ON true
LEFT JOIN LATERAL (
    SELECT d.risk_level, d.detected_at FROM crisis_detections d
    WHERE d.user_id = r.patient_id ORDER BY d.detected_at DESC LIMIT 1) risk ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS open_count, max(e.risk_level) AS top_level FROM crisis_escalations e
    WHERE e.user_id = r.patient_id
      AND e.status IN ('open', 'notified', 'acknowledged', 'in_progress')) esc ON true
LEFT JOIN LATERAL (
    SELECT array_agg(s.total_score ORDER BY s.completed_at DESC) AS scores, max(s.completed_at) AS latest_at
    FROM (SELECT a.total_score, a.completed_at FROM user_assessments a
          WHERE a.user_id = r.patient_id AND a.status = 'completed'
            AND a.template_id = (SELECT t.id FROM assessment_templates t WHERE t.code = 'phq9')
          ORDER BY a.completed_at DESC LIMIT 2) s) phq ON true
LEFT JOIN LATERAL (
    SELECT min(a.starts_at) AS next_at FROM appointments a
    WHERE a.patient_id = r.patient_id AND a.therapist_id = r.therapist_id AND a.starts_at > now()
      AND a.status IN ('requested', 'scheduled', 'confirmed', 'checked_in')) appt ON true
LEFT JOIN LATERAL (
    SELECT count(*) AS open_count, count(*) FILTER (WHERE h.due_at < now()) AS overdue
    FROM homework_assignments h
    WHERE h.patient_id = r.patient_id AND h.status IN ('assigned', 'in_progress')) hw ON true
LEFT JOIN LATERAL (
    SELECT m.created_at AS at FROM mood_entries m
    WHERE m.user_id = r.patient_id ORDER BY m.entry_date DESC LIMIT 1) mood ON true
LEFT JOIN LATERAL (
    SELECT a.created_at AS at FROM user_assessments a
    WHERE a.user_id = r.patient_id ORDER BY a.created_at DESC LIMIT 1) asmt ON true
LEFT JOIN LATERAL (
    SELECT h.completed_at AS at FROM homework_assignments h
    WHERE h.patient_id = r.patient_id AND h.status = 'completed'
    ORDER BY h.completed_at DESC LIMIT 1) hwdone ON true
WHERE r.therapist_id = :therapist AND r.status = 'active'
"""
)

# Row-level security adds a policy call per row read; its selectivity is unknowable to the planner,
# which then expects almost no rows, prefers bitmap scans and sorts over the newest-first index
# scans that stop after a row or two, and prices the query high enough to JIT-compile it (over
# 100 ms by itself). For this one statement (SET LOCAL: the rest of the transaction is the commit)
# the index scans are all it needs. Measured in docs/benchmarks.md (caseload).
PLANNER_SETTINGS = text(
    "SELECT set_config('jit', 'off', true), set_config('enable_bitmapscan', 'off', true),"
    " set_config('enable_sort', 'off', true)"
)


class CaseloadPatient(BaseModel):
    patient_id: uuid.UUID
    display_name: str | None
    is_primary: bool
    treating_since: dt.datetime | None
    latest_risk_level: RiskLevel | None
    latest_risk_at: dt.datetime | None
    open_escalations: int
    open_escalation_risk: RiskLevel | None
    last_activity_at: dt.datetime | None
    phq9_latest: int | None
    phq9_previous: int | None
    phq9_at: dt.datetime | None
    phq9_change: int | None
    # Direction of the last change (lower is better); "reliable" when it reaches the PHQ-9's
    # reliable-change threshold (hp_agent/therapy/outcomes.py).
    phq9_trend: str | None
    phq9_reliable_change: bool
    next_appointment_at: dt.datetime | None
    open_homework: int
    overdue_homework: int


class CaseloadOut(BaseModel):
    therapist_id: uuid.UUID
    generated_at: dt.datetime
    patients: list[CaseloadPatient]


PHQ9_RELIABLE_CHANGE = 6


def _patient(row: object) -> CaseloadPatient:
    m = row._mapping  # type: ignore[attr-defined]
    scores = list(m["phq9_scores"] or [])
    latest = scores[0] if scores else None
    previous = scores[1] if len(scores) > 1 else None
    change = latest - previous if latest is not None and previous is not None else None
    trend = None if change is None else "improving" if change < 0 else "worsening" if change > 0 else "stable"
    return CaseloadPatient(
        patient_id=m["patient_id"],
        display_name=m["display_name"],
        is_primary=m["is_primary"],
        treating_since=m["treating_since"],
        latest_risk_level=m["latest_risk_level"],
        latest_risk_at=m["latest_risk_at"],
        open_escalations=m["open_escalations"],
        open_escalation_risk=m["open_escalation_risk"],
        last_activity_at=m["last_activity_at"],
        phq9_latest=latest,
        phq9_previous=previous,
        phq9_at=m["phq9_at"],
        phq9_change=change,
        phq9_trend=trend,
        phq9_reliable_change=change is not None and abs(change) >= PHQ9_RELIABLE_CHANGE,
        next_appointment_at=m["next_appointment_at"],
        open_homework=m["open_homework"],
        overdue_homework=m["overdue_homework"],
    )


def _priority(p: CaseloadPatient) -> tuple[int, int, int, str]:
    """Open escalations first, then by the worst risk seen, then overdue homework, then name."""
    risk = p.open_escalation_risk or p.latest_risk_level
    return (
        -p.open_escalations,
        -(risk.rank if risk is not None else -1),
        -p.overdue_homework,
        (p.display_name or str(p.patient_id)).lower(),
    )


async def caseload(session: AsyncSession, principal: Principal) -> CaseloadOut:
    therapist = me(principal)
    if principal.role != "therapist":
        raise Forbidden("Only clinicians have a caseload.")
    await session.execute(PLANNER_SETTINGS)
    rows = (await session.execute(CASELOAD_SQL, {"therapist": therapist})).all()
    patients = sorted((_patient(r) for r in rows), key=_priority)
    return CaseloadOut(therapist_id=therapist, generated_at=dt.datetime.now(dt.UTC), patients=patients)
