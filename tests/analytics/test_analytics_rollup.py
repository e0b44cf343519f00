"""Rollups against direct SQL over the raw rows, idempotent re-runs, back-fill and retries."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.analytics import rollup, tasks
from hp_agent.analytics.history import Plan
from hp_agent.db.session import Database
from hp_agent.therapy.outcomes import INSTRUMENTS
from hp_agent.users.repository import SYSTEM

Cells = dict[tuple[Any, ...], tuple[float, int]]


async def cells(owner_db: AsyncSession, table: str, day: dt.date) -> Cells:
    await owner_db.commit()
    rows = await owner_db.execute(
        text(
            f"SELECT practice_id, clinician_id, metric, dimension, value, sample_size FROM {table} "
            "WHERE metric_date = :d"
        ),
        {"d": day},
    )
    return {(p, c, m, dim): (float(v), n) for p, c, m, dim, v, n in rows}


def bounds(day: dt.date) -> dict[str, dt.datetime]:
    s = dt.datetime.combine(day, dt.time(), dt.UTC)
    return {"s": s, "e": s + dt.timedelta(days=1)}


def percentile_cont(values: list[float], q: float) -> float:
    xs = sorted(values)
    pos = q * (len(xs) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


async def scalar(owner_db: AsyncSession, sql: str, **params: Any) -> Any:
    return (await owner_db.execute(text(sql), params)).scalar()


async def test_backfill_matches_direct_sql(history: Plan, app_db: Database, owner_db: AsyncSession) -> None:
    now = dt.datetime.combine(history.end + dt.timedelta(days=1), dt.time(3), dt.UTC)
    assert await tasks.enqueue(app_db, history.start, history.end, due=now) == history.days
    # The pass also queues "yesterday" relative to ``now``: the history's last day, already queued.
    assert await tasks.run_due(app_db, now) == history.days
    assert await tasks.run_due(app_db, now) == 0  # nothing left: every day is done
    statuses = await scalar(
        owner_db,
        "SELECT array_agg(DISTINCT status::text) FROM analytics_rollup_jobs "
        "WHERE metric_date BETWEEN :a AND :b",
        a=history.start,
        b=history.end,
    )
    assert statuses == ["done"]

    seen_escalations = 0
    for i in range(history.days):
        day = history.start + dt.timedelta(days=i)
        b = bounds(day)
        got = await cells(owner_db, rollup.POPULATION, day)
        active = await scalar(
            owner_db,
            """
            SELECT count(DISTINCT user_id) FROM (
              SELECT user_id FROM chat_messages WHERE role = 'user' AND created_at >= :s AND created_at < :e
              UNION ALL SELECT user_id FROM journal_entries WHERE created_at >= :s AND created_at < :e
              UNION ALL SELECT user_id FROM mood_entries WHERE recorded_at >= :s AND recorded_at < :e
              UNION ALL SELECT user_id FROM user_assessments
                WHERE status = 'completed' AND completed_at >= :s AND completed_at < :e) a""",
            **b,
        )
        if active:
            assert got[(None, None, "active_people", "")] == (active, active)
        else:
            assert (None, None, "active_people", "") not in got
        # Detections by source and level, whole population.
        raw = (
            await owner_db.execute(
                text("""
            SELECT source::text || ':' || risk_level::text, count(*), count(DISTINCT user_id)
            FROM crisis_detections WHERE detected_at >= :s AND detected_at < :e GROUP BY 1"""),
                b,
            )
        ).all()
        want = {k: (float(n), p) for k, n, p in raw}
        assert {k[3]: v for k, v in got.items() if k[:3] == (None, None, "detections")} == want
        # Escalations and time to acknowledgement.
        esc = (
            await owner_db.execute(
                text("""
            SELECT user_id, extract(epoch FROM acknowledged_at - created_at) FROM crisis_escalations
            WHERE created_at >= :s AND created_at < :e"""),
                b,
            )
        ).all()
        if esc:
            seen_escalations += len(esc)
            assert got[(None, None, "escalations_opened", "")][0] == len(esc)
            acked = [float(x) for _, x in esc if x is not None]
            if acked:
                assert got[(None, None, "ack_seconds_p50", "")][0] == pytest.approx(
                    percentile_cont(acked, 0.5), abs=1e-3
                )
                assert got[(None, None, "ack_seconds_p90", "")][0] == pytest.approx(
                    percentile_cont(acked, 0.9), abs=1e-3
                )
        # User chat messages per clinician (the clinician's patients on that day).
        per = (
            await owner_db.execute(
                text("""
            SELECT r.therapist_id, count(*), count(DISTINCT m.user_id) FROM chat_messages m
            JOIN therapeutic_relationships r ON r.patient_id = m.user_id
              AND r.started_at < :e AND (r.ended_at IS NULL OR r.ended_at >= :s)
            WHERE m.role = 'user' AND m.created_at >= :s AND m.created_at < :e GROUP BY 1"""),
                b,
            )
        ).all()
        for therapist, n, people in per:
            key = (history.clinician_practice[therapist], therapist, "chat_messages", "")
            assert got[key] == (float(n), people)
    assert seen_escalations > 0  # the history exercised the crisis metrics


async def test_outcomes_streaks_and_cohorts_match_raw_rows(
    history: Plan, app_db: Database, owner_db: AsyncSession
) -> None:
    day = history.end
    async with app_db.unit_of_work(SYSTEM) as s:
        await rollup.rollup_day(s, day)
    got = await cells(owner_db, rollup.OUTCOMES, day)
    e = bounds(day)["e"]
    scores = (
        await owner_db.execute(
            text("""
        SELECT ua.user_id, t.code, ua.total_score FROM user_assessments ua
        JOIN assessment_templates t ON t.id = ua.template_id
        WHERE ua.status = 'completed' AND ua.completed_at < :e AND t.code IN ('phq9', 'gad7')
        ORDER BY ua.completed_at, ua.id"""),
            {"e": e},
        )
    ).all()
    series: dict[tuple[uuid.UUID, str], list[int]] = defaultdict(list)
    for uid, code, score in scores:
        series[(uid, code)].append(score)
    practice_of: dict[uuid.UUID, uuid.UUID] = dict(
        (
            await owner_db.execute(
                text("""
        SELECT DISTINCT r.patient_id, m.practice_id FROM therapeutic_relationships r
        JOIN care_practice_members m ON m.clinician_id = r.therapist_id
        WHERE r.started_at < :e AND (r.ended_at IS NULL OR r.ended_at >= :s)"""),
                bounds(day),
            )
        ).all()
    )
    want: dict[tuple[Any, str, str], int] = defaultdict(int)
    for (uid, code), xs in series.items():
        if len(xs) < 2:
            continue
        inst = INSTRUMENTS[code]
        improved = xs[0] - xs[-1] >= inst.reliable_change
        recovered = improved and xs[0] >= inst.cutoff and xs[-1] < inst.cutoff
        worse = xs[-1] - xs[0] >= inst.reliable_change
        for scope in (None, practice_of.get(uid, "none")):
            want[(scope, code, "patients_with_change")] += 1
            want[(scope, code, "reliable_improvement")] += improved
            want[(scope, code, "recovered")] += recovered
            want[(scope, code, "deteriorated")] += worse
    assert want[(None, "phq9", "patients_with_change")] > 10
    for (scope, code, metric), n in want.items():
        if scope == "none":
            continue
        key = (scope, None, metric, code)
        assert got.get(key, (0.0, 0))[0] == n, key

    # Mood streaks ending on the day, whole population.
    dates = (
        await owner_db.execute(
            text("""
        SELECT user_id, array_agg(DISTINCT (recorded_at AT TIME ZONE 'UTC')::date) FROM mood_entries
        WHERE recorded_at < :e GROUP BY 1"""),
            {"e": e},
        )
    ).all()
    streaks = []
    for _, ds in dates:
        have, n, d = set(ds), 0, day
        while d in have:
            n, d = n + 1, d - dt.timedelta(days=1)
        streaks.append(n)
    pop = await cells(owner_db, rollup.POPULATION, day)
    for k in rollup.STREAK_THRESHOLDS:
        n = sum(s >= k for s in streaks)
        assert pop.get((None, None, "mood_streak_people", str(k)), (0.0, 0)) == (float(n), n)

    # Sign-up cohorts of the week (whole population): cohort sizes from the users table.
    week = rollup.week_start(day)
    weekly = await cells(owner_db, rollup.POPULATION, week)
    sizes = (
        await owner_db.execute(
            text("""
        SELECT date_trunc('week', created_at AT TIME ZONE 'UTC')::date, count(*) FROM users
        WHERE role = 'patient' AND created_at < :e
          AND created_at >= CAST(:w AS timestamptz) - interval '84 days'
        GROUP BY 1"""),
            {"e": e, "w": dt.datetime.combine(week, dt.time(), dt.UTC)},
        )
    ).all()
    assert sizes
    for wk, n in sizes:
        assert weekly[(None, None, "cohort_size", wk.isoformat())] == (float(n), n)
    w = dt.datetime.combine(week, dt.time(), dt.UTC)
    active = (
        await owner_db.execute(
            text("""
        SELECT date_trunc('week', u.created_at AT TIME ZONE 'UTC')::date, count(DISTINCT u.id) FROM users u
        WHERE u.role = 'patient' AND u.created_at < :e
          AND u.created_at >= CAST(:w AS timestamptz) - interval '84 days'
          AND (EXISTS (SELECT 1 FROM chat_messages m WHERE m.user_id = u.id AND m.role = 'user'
                       AND m.created_at >= :w AND m.created_at < :e)
            OR EXISTS (SELECT 1 FROM mood_entries m WHERE m.user_id = u.id
                       AND m.recorded_at >= :w AND m.recorded_at < :e)
            OR EXISTS (SELECT 1 FROM journal_entries j WHERE j.user_id = u.id
                       AND j.created_at >= :w AND j.created_at < :e)
            OR EXISTS (SELECT 1 FROM user_assessments a WHERE a.user_id = u.id AND a.status = 'completed'
                       AND a.completed_at >= :w AND a.completed_at < :e))
        GROUP BY 1"""),
            {"e": e, "w": w},
        )
    ).all()
    assert active
    for wk, n in active:
        k = (week - wk).days // 7
        assert weekly[(None, None, "retention_active", f"{wk.isoformat()}/w{k}")] == (float(n), n)
    # Weekly review precision: detections of the week to date with a clinician's label.
    labels = dict(
        (
            await owner_db.execute(
                text(
                    "SELECT review_label::text, count(*) FROM crisis_detections "
                    "WHERE detected_at >= :w AND detected_at < :e AND review_label IS NOT NULL GROUP BY 1"
                ),
                {"e": e, "w": w},
            )
        ).all()
    )
    tp, fp = labels.get("true_positive", 0), labels.get("false_positive", 0)
    assert tp + fp > 0, "the seeded week has reviewed detections"
    assert weekly[(None, None, "review_precision", "")][0] == pytest.approx(tp / (tp + fp), abs=1e-6)
    assert weekly.get((None, None, "reviewed_false_positive", ""), (0.0, 0))[0] == fp


async def test_rerunning_a_day_changes_nothing(
    history: Plan, app_db: Database, owner_db: AsyncSession
) -> None:
    day = history.end - dt.timedelta(days=3)

    async def snapshot() -> set[tuple[Any, ...]]:
        await owner_db.commit()
        out: set[tuple[Any, ...]] = set()
        for table in (rollup.POPULATION, rollup.OUTCOMES):
            rows = await owner_db.execute(
                text(
                    f"SELECT '{table}', id, metric_date, practice_id, clinician_id, metric, dimension, "
                    f"value, sample_size FROM {table}"
                )
            )
            out |= {tuple(r) for r in rows}
        return out

    async with app_db.unit_of_work(SYSTEM) as s:
        first = await rollup.rollup_day(s, day)
    before = await snapshot()
    assert first > 0
    assert len(before) > 50
    async with app_db.unit_of_work(SYSTEM) as s:
        await rollup.rollup_day(s, day)
    assert await snapshot() == before


async def test_a_failed_day_is_recorded_and_retried(
    history: Plan, app_db: Database, owner_db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = history.end
    now = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(3), dt.UTC)
    await tasks.enqueue(app_db, day, day, due=now)
    calls = 0
    real = rollup.rollup_day

    async def fails_once(session: AsyncSession, d: dt.date) -> int:
        nonlocal calls
        calls += 1
        n = await real(session, d)
        if calls == 1:
            raise RuntimeError("worker died mid-rollup")
        return n

    monkeypatch.setattr(tasks, "rollup_day", fails_once)
    with pytest.raises(RuntimeError):
        await tasks.run_one(app_db, now)
    row = (
        await owner_db.execute(
            text("SELECT status::text, attempts, error FROM analytics_rollup_jobs WHERE metric_date = :d"),
            {"d": day},
        )
    ).one()
    assert tuple(row) == ("failed", 1, "RuntimeError")
    # The failed attempt wrote nothing: its aggregates rolled back with it.
    assert await cells(owner_db, rollup.POPULATION, day) == {}
    assert await tasks.run_one(app_db, now) is None  # backing off
    assert await tasks.run_one(app_db, now + dt.timedelta(minutes=11)) == day
    assert await cells(owner_db, rollup.POPULATION, day) != {}


async def test_run_range_backfills_now_and_a_repeat_recomputes(
    history: Plan, app_db: Database, owner_db: AsyncSession
) -> None:
    first, last = history.end - dt.timedelta(days=1), history.end
    assert await tasks.run_range(app_db, first, last) == 2
    before = await cells(owner_db, rollup.POPULATION, last)
    assert before
    # Back-filling a range that is done re-opens and recomputes it, to the same cells.
    assert await tasks.run_range(app_db, first, last) == 2
    assert await cells(owner_db, rollup.POPULATION, last) == before
