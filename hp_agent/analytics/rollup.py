"""One day's rollup: aggregates from the operational tables into the analytics tables.

Every statement counts rows or reads scores and timestamps; none selects a text column, and
nothing is decrypted. A day is a UTC calendar day. Each cell is written with an upsert on its
natural key (day, practice, clinician, metric, dimension) and cells of the recomputed metrics
that were not produced this time are deleted, so running a day again leaves the same rows.

Scopes (see docs/analytics.md): every patient counts in the whole-population scope; a patient
with a therapeutic relationship (active or ended) that overlaps the day also counts for that
clinician and for the clinician's practices on that day.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, DateTime, TextClause, bindparam, text
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.therapy.outcomes import INSTRUMENTS, classify

POPULATION = "population_health_metrics"
OUTCOMES = "clinical_outcome_metrics"
STREAK_WINDOW_DAYS = 90  # streaks are counted back at most this far
STREAK_THRESHOLDS = (3, 7, 14)
RETENTION_WEEKS = 12
HOMEWORK_WINDOW_DAYS = 28

# Patients per (practice, clinician) scope on the day; the NULL/NULL row is everyone.
SCOPE = """
rel AS (
  SELECT DISTINCT r.patient_id AS user_id, r.therapist_id
  FROM therapeutic_relationships r
  WHERE r.status IN ('active', 'ended') AND r.started_at < :e
    AND (r.ended_at IS NULL OR r.ended_at >= :s)
), mem AS (
  SELECT m.clinician_id, m.practice_id FROM care_practice_members m
  WHERE m.created_at < :e AND (m.left_at IS NULL OR m.left_at >= :s)
), scope AS (
  SELECT u.id AS user_id, NULL::uuid AS practice_id, NULL::uuid AS clinician_id
    FROM users u WHERE u.role = 'patient'
  UNION
  SELECT rel.user_id, mem.practice_id, NULL::uuid FROM rel JOIN mem ON mem.clinician_id = rel.therapist_id
  UNION
  SELECT rel.user_id, mem.practice_id, rel.therapist_id
    FROM rel LEFT JOIN mem ON mem.clinician_id = rel.therapist_id
)"""


def _activity(start: str, end: str) -> str:
    """People active in [start, end): a message, journal entry, mood check-in or assessment."""
    return f"""
  SELECT user_id FROM chat_messages WHERE role = 'user' AND created_at >= {start} AND created_at < {end}
  UNION SELECT user_id FROM journal_entries WHERE created_at >= {start} AND created_at < {end}
  UNION SELECT user_id FROM mood_entries WHERE recorded_at >= {start} AND recorded_at < {end}
  UNION SELECT user_id FROM user_assessments
    WHERE status = 'completed' AND completed_at >= {start} AND completed_at < {end}"""


def _count(metric: str, table: str, time_col: str, where: str = "true", dim: str = "''") -> str:
    return f"""
SELECT s.practice_id, s.clinician_id, '{metric}', {dim}, count(*), count(DISTINCT x.user_id)
FROM {table} x JOIN scope s USING (user_id)
WHERE x.{time_col} >= :s AND x.{time_col} < :e AND {where}
GROUP BY 1, 2, 4"""


def _streak(metric: str, table: str, time_col: str) -> str:
    thresholds = ", ".join(f"({n})" for n in STREAK_THRESHOLDS)
    return f"""
, days AS (
  SELECT DISTINCT user_id, ({time_col} AT TIME ZONE 'UTC')::date AS d FROM {table}
  WHERE {time_col} >= :s - make_interval(days => {STREAK_WINDOW_DAYS}) AND {time_col} < :e
), islands AS (
  SELECT user_id, d, d - (row_number() OVER (PARTITION BY user_id ORDER BY d))::int AS grp FROM days
), streak AS (
  SELECT user_id, count(*) AS len FROM islands GROUP BY user_id, grp HAVING max(d) = :d
)
SELECT s.practice_id, s.clinician_id, '{metric}', t.n::text, count(*), count(*)
FROM streak JOIN scope s USING (user_id) CROSS JOIN (VALUES {thresholds}) t(n)
WHERE streak.len >= t.n GROUP BY 1, 2, 4"""


# Each entry: (metric names it owns, SELECT producing practice, clinician, metric, dimension,
# value, sample_size). The metric names bound the stale-row delete.
DAILY: list[tuple[tuple[str, ...], str]] = [
    (
        ("active_people",),
        f"""
, act AS ({_activity(":s", ":e")})
SELECT s.practice_id, s.clinician_id, 'active_people', '', count(*), count(*)
FROM act JOIN scope s USING (user_id) GROUP BY 1, 2""",
    ),
    (
        ("weekly_active_people",),
        f"""
, act AS ({_activity(":s - interval '6 days'", ":e")})
SELECT s.practice_id, s.clinician_id, 'weekly_active_people', '', count(*), count(*)
FROM act JOIN scope s USING (user_id) GROUP BY 1, 2""",
    ),
    (("chat_messages",), "\n" + _count("chat_messages", "chat_messages", "created_at", "x.role = 'user'")),
    (("journal_entries",), "\n" + _count("journal_entries", "journal_entries", "created_at")),
    (("mood_entries",), "\n" + _count("mood_entries", "mood_entries", "recorded_at")),
    (
        ("assessments_completed",),
        "\n" + _count("assessments_completed", "user_assessments", "completed_at", "x.status = 'completed'"),
    ),
    (
        ("agent_replies",),
        """
SELECT s.practice_id, s.clinician_id, 'agent_replies', coalesce(a.slug, 'unassigned'),
       count(*), count(DISTINCT x.user_id)
FROM chat_messages x JOIN scope s USING (user_id)
JOIN chat_sessions cs ON cs.id = x.session_id
LEFT JOIN ai_agent_configurations a ON a.id = cs.agent_id
WHERE x.role = 'agent' AND x.created_at >= :s AND x.created_at < :e
GROUP BY 1, 2, 4""",
    ),
    (("mood_streak_people",), _streak("mood_streak_people", "mood_entries", "recorded_at")),
    (("journal_streak_people",), _streak("journal_streak_people", "journal_entries", "created_at")),
    (
        ("detections",),
        "\n"
        + _count(
            "detections",
            "crisis_detections",
            "detected_at",
            dim="x.source::text || ':' || x.risk_level::text",
        ),
    ),
    (
        (
            "escalations_opened",
            "escalations_acknowledged",
            "ack_seconds_p50",
            "ack_seconds_p90",
            "deadline_breaches",
            "fallback_backup",
            "fallback_oncall",
        ),
        """
, esc AS (
  SELECT x.*, extract(epoch FROM x.acknowledged_at - x.created_at) AS ack_s,
         (x.ack_deadline IS NOT NULL AND x.ack_deadline < now()
          AND coalesce(x.acknowledged_at, 'infinity') > x.ack_deadline) AS breached
  FROM crisis_escalations x WHERE x.created_at >= :s AND x.created_at < :e
), g AS (
  SELECT s.practice_id, s.clinician_id,
    count(*) AS opened, count(DISTINCT e.user_id) AS opened_n,
    count(*) FILTER (WHERE e.ack_s IS NOT NULL) AS acked,
    count(DISTINCT e.user_id) FILTER (WHERE e.ack_s IS NOT NULL) AS acked_n,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY e.ack_s) AS p50,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY e.ack_s) AS p90,
    count(*) FILTER (WHERE e.breached) AS breaches,
    count(DISTINCT e.user_id) FILTER (WHERE e.breached) AS breaches_n,
    count(*) FILTER (WHERE e.escalated_to_backup_at IS NOT NULL) AS backup,
    count(DISTINCT e.user_id) FILTER (WHERE e.escalated_to_backup_at IS NOT NULL) AS backup_n,
    count(*) FILTER (WHERE e.escalated_to_oncall_at IS NOT NULL) AS oncall,
    count(DISTINCT e.user_id) FILTER (WHERE e.escalated_to_oncall_at IS NOT NULL) AS oncall_n
  FROM esc e JOIN scope s USING (user_id) GROUP BY 1, 2
)
SELECT g.practice_id, g.clinician_id, v.metric, '', v.value, v.n FROM g
CROSS JOIN LATERAL (VALUES
  ('escalations_opened', g.opened::numeric, g.opened_n),
  ('escalations_acknowledged', g.acked::numeric, g.acked_n),
  ('ack_seconds_p50', g.p50::numeric, g.acked_n),
  ('ack_seconds_p90', g.p90::numeric, g.acked_n),
  ('deadline_breaches', g.breaches::numeric, g.breaches_n),
  ('fallback_backup', g.backup::numeric, g.backup_n),
  ('fallback_oncall', g.oncall::numeric, g.oncall_n)
) v(metric, value, n) WHERE v.value IS NOT NULL""",
    ),
]

# Metrics of the week containing the day (metric_date = that Monday), recomputed week-to-date.
WEEKLY: list[tuple[tuple[str, ...], str]] = [
    (
        (
            "reviewed_true_positive",
            "reviewed_false_positive",
            "review_precision",
            "false_alarms_self_reported",
        ),
        """
, g AS (
  SELECT s.practice_id, s.clinician_id,
    count(*) FILTER (WHERE x.review_label = 'true_positive') AS tp,
    count(DISTINCT x.user_id) FILTER (WHERE x.review_label = 'true_positive') AS tp_n,
    count(*) FILTER (WHERE x.review_label = 'false_positive') AS fp,
    count(DISTINCT x.user_id) FILTER (WHERE x.review_label = 'false_positive') AS fp_n,
    count(DISTINCT x.user_id) FILTER (WHERE x.review_label IN ('true_positive', 'false_positive')) AS rev_n,
    count(*) FILTER (WHERE x.false_alarm_reported_at IS NOT NULL) AS self_fa,
    count(DISTINCT x.user_id) FILTER (WHERE x.false_alarm_reported_at IS NOT NULL) AS self_fa_n
  FROM crisis_detections x JOIN scope s USING (user_id)
  WHERE x.detected_at >= :w AND x.detected_at < :e GROUP BY 1, 2
)
SELECT g.practice_id, g.clinician_id, v.metric, '', v.value, v.n FROM g
CROSS JOIN LATERAL (VALUES
  ('reviewed_true_positive', g.tp::numeric, g.tp_n),
  ('reviewed_false_positive', g.fp::numeric, g.fp_n),
  ('review_precision', g.tp::numeric / nullif(g.tp + g.fp, 0), g.rev_n),
  ('false_alarms_self_reported', g.self_fa::numeric, g.self_fa_n)
) v(metric, value, n) WHERE v.value IS NOT NULL""",
    ),
    (
        ("cohort_size", "retention_active"),
        f"""
, cohort AS (
  SELECT u.id AS user_id, date_trunc('week', u.created_at AT TIME ZONE 'UTC')::date AS wk
  FROM users u WHERE u.role = 'patient' AND u.created_at < :e
    AND u.created_at >= :w - make_interval(days => {7 * RETENTION_WEEKS})
), act AS ({_activity(":w", ":e")})
SELECT s.practice_id, s.clinician_id, 'cohort_size', c.wk::text, count(*), count(*)
FROM cohort c JOIN scope s USING (user_id) GROUP BY 1, 2, 4
UNION ALL
SELECT s.practice_id, s.clinician_id, 'retention_active',
       c.wk::text || '/w' || ((:wd - c.wk) / 7)::text, count(*), count(*)
FROM cohort c JOIN act USING (user_id) JOIN scope s USING (user_id) GROUP BY 1, 2, 4""",
    ),
]

OUTCOME_SQL: list[tuple[tuple[str, ...], str]] = [
    (
        ("days_in_treatment_median",),
        """
, first_start AS (
  SELECT r.patient_id AS user_id, min(r.started_at AT TIME ZONE 'UTC')::date AS started
  FROM therapeutic_relationships r
  WHERE r.status IN ('active', 'ended') AND r.started_at < :e AND (r.ended_at IS NULL OR r.ended_at >= :s)
  GROUP BY 1
)
SELECT s.practice_id, s.clinician_id, 'days_in_treatment_median', '',
       percentile_cont(0.5) WITHIN GROUP (ORDER BY :d - f.started), count(*)
FROM first_start f JOIN scope s USING (user_id) GROUP BY 1, 2""",
    ),
    (
        ("homework_due", "homework_completed"),
        f"""
, hw AS (
  SELECT x.patient_id AS user_id, x.completed_at FROM homework_assignments x
  WHERE x.due_at >= :s - make_interval(days => {HOMEWORK_WINDOW_DAYS - 1}) AND x.due_at < :e
    AND x.status <> 'cancelled'
)
SELECT s.practice_id, s.clinician_id, 'homework_due', '', count(*), count(DISTINCT h.user_id)
FROM hw h JOIN scope s USING (user_id) GROUP BY 1, 2
UNION ALL
SELECT s.practice_id, s.clinician_id, 'homework_completed', '', count(*), count(DISTINCT h.user_id)
FROM hw h JOIN scope s USING (user_id) WHERE h.completed_at < :e GROUP BY 1, 2""",
    ),
]

SCORES_SQL = f"""
WITH {SCOPE}, sc AS (
  SELECT ua.user_id, t.code,
    (array_agg(ua.total_score ORDER BY ua.completed_at, ua.id))[1] AS baseline,
    (array_agg(ua.total_score ORDER BY ua.completed_at DESC, ua.id DESC))[1] AS latest
  FROM user_assessments ua JOIN assessment_templates t ON t.id = ua.template_id
  WHERE ua.status = 'completed' AND ua.completed_at < :e AND ua.total_score IS NOT NULL
    AND t.code IN ({", ".join(f"'{c}'" for c in INSTRUMENTS)})
  GROUP BY 1, 2 HAVING count(*) >= 2
)
SELECT s.practice_id, s.clinician_id, sc.code, sc.baseline, sc.latest FROM sc JOIN scope s USING (user_id)"""
OUTCOME_COUNTS = (
    "patients_with_change",
    "reliable_improvement",
    "recovered",
    "recovery_eligible",
    "deteriorated",
    "no_reliable_change",
)
OUTCOME_MEANS = ("baseline_mean", "latest_mean", "change_mean")


_TYPES: dict[str, Any] = {
    "d": Date(),
    "wd": Date(),
    "target": Date(),
    "s": DateTime(timezone=True),
    "e": DateTime(timezone=True),
    "w": DateTime(timezone=True),
}


def typed(sql: str) -> TextClause:
    """``text()`` with the date/time parameters typed, so the driver sends them cast (the
    server cannot infer a type for ``$1 - interval`` on its own)."""
    clause = text(sql)
    names = [n for n in _TYPES if re.search(rf":{n}\b", sql)]
    return clause.bindparams(*(bindparam(n, type_=_TYPES[n]) for n in names))


def _insert(table: str, body: str) -> str:
    return f"""INSERT INTO {table}
  (practice_id, clinician_id, metric, dimension, value, sample_size, metric_date)
SELECT q.*, :target FROM ({body}) q
ON CONFLICT ON CONSTRAINT uq_{table}_cell DO UPDATE
SET value = EXCLUDED.value, sample_size = EXCLUDED.sample_size, updated_at = now()"""


def _query(select_sql: str) -> str:
    # ``select_sql`` either continues the WITH list (starts with ",") or is a plain SELECT.
    head = f"WITH {SCOPE}"
    if select_sql.lstrip("\n").startswith(","):
        return head + select_sql
    return head + "\n" + select_sql


async def _write(
    session: AsyncSession,
    table: str,
    target: dt.date,
    metrics: tuple[str, ...],
    select_sql: str,
    params: dict[str, object],
) -> int:
    body = _query(select_sql)
    # The WITH clause must lead the statement: wrap it as a derived table.
    result = await session.execute(typed(_insert(table, body)), {**params, "target": target})
    await session.execute(
        typed(
            f"DELETE FROM {table} WHERE metric_date = :target AND metric = ANY(:metrics) "
            "AND updated_at < now()"
        ),
        {"target": target, "metrics": list(metrics)},
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass
class _Cell:
    count: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    baseline: int = 0
    latest: int = 0


async def _outcome_scores(session: AsyncSession, day: dt.date, params: dict[str, object]) -> int:
    """Jacobson–Truax categories per scope and instrument, classified by the therapy module's own
    ``classify`` so a clinician's patient page and these counts always agree."""
    rows = (await session.execute(typed(SCORES_SQL), params)).all()
    cells: dict[tuple[uuid.UUID | None, uuid.UUID | None, str], _Cell] = defaultdict(_Cell)
    for practice_id, clinician_id, code, baseline, latest in rows:
        instrument = INSTRUMENTS[code]
        _, _, category = classify(instrument, baseline, latest)
        cell = cells[(practice_id, clinician_id, code)]
        cell.count["patients_with_change"] += 1
        cell.count["recovery_eligible"] += int(baseline >= instrument.cutoff)
        cell.count["reliable_improvement"] += int(category in ("recovered", "improved"))
        cell.count["recovered"] += int(category == "recovered")
        cell.count["deteriorated"] += int(category == "deteriorated")
        cell.count["no_reliable_change"] += int(category == "no_reliable_change")
        cell.baseline += baseline
        cell.latest += latest
    values: list[dict[str, object]] = []
    for (practice_id, clinician_id, code), cell in cells.items():
        n = cell.count["patients_with_change"]
        out = {m: (float(cell.count[m]), cell.count[m]) for m in OUTCOME_COUNTS}
        out["baseline_mean"] = (cell.baseline / n, n)
        out["latest_mean"] = (cell.latest / n, n)
        out["change_mean"] = ((cell.latest - cell.baseline) / n, n)
        for metric, (value, size) in out.items():
            values.append(
                {
                    "p": practice_id,
                    "c": clinician_id,
                    "m": metric,
                    "dim": code,
                    "v": value,
                    "n": size,
                    "target": day,
                }
            )
    if values:
        await session.execute(
            typed(
                f"""INSERT INTO {OUTCOMES} (practice_id, clinician_id, metric, dimension, value,
                    sample_size, metric_date) VALUES (:p, :c, :m, :dim, :v, :n, :target)
                ON CONFLICT ON CONSTRAINT uq_{OUTCOMES}_cell DO UPDATE
                SET value = EXCLUDED.value, sample_size = EXCLUDED.sample_size, updated_at = now()"""
            ),
            values,
        )
    await session.execute(
        typed(
            f"DELETE FROM {OUTCOMES} WHERE metric_date = :target AND metric = ANY(:metrics) "
            "AND updated_at < now()"
        ),
        {"target": day, "metrics": [*OUTCOME_COUNTS, *OUTCOME_MEANS]},
    )
    return len(values)


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


async def rollup_day(session: AsyncSession, day: dt.date) -> int:
    """Compute every metric of ``day`` (and its week to date); returns the cells written."""
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    week = week_start(day)
    params: dict[str, object] = {
        "d": day,
        "s": start,
        "e": start + dt.timedelta(days=1),
        "w": dt.datetime.combine(week, dt.time(), dt.UTC),
        "wd": week,
    }
    written = 0
    for metrics, sql in DAILY:
        written += await _write(session, POPULATION, day, metrics, sql, params)
    for metrics, sql in WEEKLY:
        written += await _write(session, POPULATION, week, metrics, sql, params)
    for metrics, sql in OUTCOME_SQL:
        written += await _write(session, OUTCOMES, day, metrics, sql, params)
    written += await _outcome_scores(session, day, params)
    return written
