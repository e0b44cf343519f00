"""Reading the rollups: who may see which scope, and small-cell suppression.

Admins (and the system actor) see every scope. A clinician sees a practice they currently lead
and that practice's clinicians; patients and other clinicians are refused (403). Row-level
security on the aggregate tables enforces the same (migration 0012). Every cell counting fewer
people than ``HP_ANALYTICS_MIN_CELL`` leaves the service without its value or count.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.analytics.models import ClinicalOutcomeMetric, PopulationHealthMetric
from hp_agent.analytics.rollup import OUTCOME_COUNTS, OUTCOME_MEANS
from hp_agent.analytics.schemas import MetricRow, PracticeScope, Report, ReportOut, ScopesOut
from hp_agent.analytics.tasks import MAX_BACKFILL_DAYS
from hp_agent.care.network_models import CarePractice
from hp_agent.db.session import Principal
from hp_agent.errors import Forbidden, HPError

STAFF = ("admin", "system")
REPORTS: dict[str, tuple[type[PopulationHealthMetric] | type[ClinicalOutcomeMetric], tuple[str, ...]]] = {
    "engagement": (
        PopulationHealthMetric,
        (
            "active_people",
            "weekly_active_people",
            "chat_messages",
            "journal_entries",
            "mood_entries",
            "assessments_completed",
            "agent_replies",
            "mood_streak_people",
            "journal_streak_people",
        ),
    ),
    "crisis": (
        PopulationHealthMetric,
        (
            "detections",
            "escalations_opened",
            "escalations_acknowledged",
            "ack_seconds_p50",
            "ack_seconds_p90",
            "deadline_breaches",
            "fallback_backup",
            "fallback_oncall",
            "reviewed_true_positive",
            "reviewed_false_positive",
            "review_precision",
            "false_alarms_self_reported",
        ),
    ),
    "retention": (PopulationHealthMetric, ("cohort_size", "retention_active")),
    "outcomes": (
        ClinicalOutcomeMetric,
        (*OUTCOME_COUNTS, *OUTCOME_MEANS, "days_in_treatment_median", "homework_due", "homework_completed"),
    ),
}


class BadRange(HPError):
    status_code = 422
    code = "bad_range"


async def _leads(session: AsyncSession, practice_id: uuid.UUID) -> bool:
    return bool(
        (await session.execute(text("SELECT analytics_is_practice_lead(:p)"), {"p": practice_id})).scalar()
    )


async def authorise(
    session: AsyncSession, principal: Principal, practice_id: uuid.UUID | None, clinician_id: uuid.UUID | None
) -> None:
    if principal.role in STAFF:
        return
    if principal.role != "therapist":
        raise Forbidden("Analytics are for clinic leads and administrators.", code="analytics_forbidden")
    if practice_id is None or not await _leads(session, practice_id):
        raise Forbidden("You can see the analytics of a practice you lead only.", code="analytics_forbidden")


async def scopes(session: AsyncSession, principal: Principal, min_cell: int) -> ScopesOut:
    staff = principal.role in STAFF
    if staff:
        rows = (
            await session.execute(select(CarePractice.id, CarePractice.name).order_by(CarePractice.name))
        ).all()
    elif principal.role == "therapist":
        rows = (await session.execute(text("SELECT id, name FROM analytics_led_practices()"))).all()
    else:
        rows = []
    if not staff and not rows:
        raise Forbidden("Analytics are for clinic leads and administrators.", code="analytics_forbidden")
    practices = []
    for pid, name in rows:
        clinicians = (
            await session.execute(
                select(ClinicalOutcomeMetric.clinician_id)
                .where(
                    ClinicalOutcomeMetric.practice_id == pid, ClinicalOutcomeMetric.clinician_id.is_not(None)
                )
                .distinct()
            )
        ).scalars()
        practices.append(PracticeScope(id=pid, name=name, clinician_ids=sorted(c for c in clinicians if c)))
    return ScopesOut(whole_population=staff, practices=practices, min_cell=min_cell)


def date_range(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    end = end or dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    start = start or end - dt.timedelta(days=29)
    if start > end:
        raise BadRange("start must not be after end.")
    if (end - start).days >= MAX_BACKFILL_DAYS:
        raise BadRange(f"A range covers at most {MAX_BACKFILL_DAYS} days.")
    return start, end


async def report(
    session: AsyncSession,
    principal: Principal,
    name: Report,
    *,
    practice_id: uuid.UUID | None,
    clinician_id: uuid.UUID | None,
    start: dt.date | None,
    end: dt.date | None,
    min_cell: int,
) -> ReportOut:
    await authorise(session, principal, practice_id, clinician_id)
    first, last = date_range(start, end)
    model, metrics = REPORTS[name]
    # Weekly metrics are dated by their Monday: include the week that contains ``first``.
    rows = (
        await session.execute(
            select(model.metric_date, model.metric, model.dimension, model.value, model.sample_size)
            .where(
                model.metric.in_(metrics),
                model.metric_date >= first - dt.timedelta(days=first.weekday()),
                model.metric_date <= last,
                model.practice_id.is_not_distinct_from(practice_id),
                model.clinician_id.is_not_distinct_from(clinician_id),
            )
            .order_by(model.metric_date, model.metric, model.dimension)
        )
    ).all()
    out = []
    for day, metric, dimension, value, people in rows:
        hidden = people < min_cell
        out.append(
            MetricRow(
                date=day,
                metric=metric,
                dimension=dimension,
                value=None if hidden else float(value),
                people=None if hidden else people,
                suppressed=hidden,
            )
        )
    return ReportOut(
        report=name,
        practice_id=practice_id,
        clinician_id=clinician_id,
        start=first,
        end=last,
        min_cell=min_cell,
        rows=out,
    )


def to_csv(data: ReportOut) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["date", "metric", "dimension", "value", "people", "suppressed"])
    for r in data.rows:
        w.writerow(
            [
                r.date.isoformat(),
                r.metric,
                r.dimension,
                "" if r.value is None else f"{r.value:g}",
                "" if r.people is None else r.people,
                "yes" if r.suppressed else "no",
            ]
        )
    return buf.getvalue()
