"""Insight statistics on generated histories whose answers are known in advance."""

from __future__ import annotations

import datetime as dt
import math
import random

import pytest

from hp_agent.mood.insights import (
    DayPoint,
    all_patterns,
    insights_from,
    sleep_correlation,
    streaks,
    trend,
    weekday_effect,
)

MONDAY = dt.date(2026, 1, 5)


def days(n: int, start: dt.date = MONDAY) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(n)]


def test_linear_rise_is_an_improving_trend_with_the_exact_slope() -> None:
    pts = [DayPoint(d, 3 + 0.1 * i) for i, d in enumerate(days(60))]
    p = trend(pts)
    assert p is not None
    assert p.metrics["slope_per_day"] == pytest.approx(0.1, abs=1e-9)
    assert p.metrics["slope_per_week"] == pytest.approx(0.7, abs=1e-9)
    assert p.metrics["r2"] == pytest.approx(1.0)
    assert p.metrics["direction"] == "improving"
    assert p.confidence == pytest.approx(1.0)


def test_noisy_decline_is_detected_within_tolerance() -> None:
    rng = random.Random(7)
    pts = [DayPoint(d, 8 - 0.05 * i + rng.gauss(0, 0.5)) for i, d in enumerate(days(90))]
    p = trend(pts)
    assert p is not None
    assert p.metrics["slope_per_day"] == pytest.approx(-0.05, abs=0.01)
    assert p.metrics["direction"] == "declining"


def test_trend_uses_real_calendar_spacing_when_days_are_missing() -> None:
    # Logged every third day: slope per calendar day, not per entry.
    pts = [DayPoint(d, 2 + 0.2 * (d - MONDAY).days) for d in days(30)[::3]]
    p = trend(pts)
    assert p is not None
    assert p.metrics["slope_per_day"] == pytest.approx(0.2)


def test_flat_history_is_steady_and_too_short_history_has_no_trend() -> None:
    p = trend([DayPoint(d, 6) for d in days(20)])
    assert p is not None
    assert p.metrics["direction"] == "steady"
    assert p.metrics["slope_per_day"] == pytest.approx(0)
    assert trend([DayPoint(d, i) for i, d in enumerate(days(5))]) is None


def test_sleep_perfectly_correlated_gives_r_of_one() -> None:
    pts = [DayPoint(d, 2 + (i % 7), sleep_hours=4.5 + (i % 7) * 0.75) for i, d in enumerate(days(28))]
    p = sleep_correlation(pts)
    assert p is not None
    assert p.metrics["pearson_r"] == pytest.approx(1.0)
    assert p.metrics["p"] < 0.001
    anti = [DayPoint(d, 9 - (i % 5), sleep_hours=5.0 + (i % 5)) for i, d in enumerate(days(20))]
    q = sleep_correlation(anti)
    assert q is not None
    assert q.metrics["pearson_r"] == pytest.approx(-1.0)


def test_unrelated_sleep_has_a_weak_correlation_and_no_insight() -> None:
    rng = random.Random(3)
    pts = [DayPoint(d, rng.randint(3, 8), sleep_hours=rng.uniform(5, 9)) for d in days(120)]
    p = sleep_correlation(pts)
    assert p is not None
    assert abs(p.metrics["pearson_r"]) < 0.25
    assert not [i for i in insights_from([p]) if i.kind == "correlation"]


def test_constant_sleep_has_no_correlation() -> None:
    assert (
        sleep_correlation([DayPoint(d, i % 9 + 1, sleep_hours=7.0) for i, d in enumerate(days(14))]) is None
    )


def test_mondays_are_found_lower() -> None:
    pts = [DayPoint(d, 3 if d.weekday() == 0 else 7) for d in days(42)]
    p = weekday_effect(pts)
    assert p is not None
    assert p.metrics["strongest_day"] == "mon"
    assert p.metrics["means"]["mon"] == pytest.approx(3)
    overall = (6 * 3 + 36 * 7) / 42
    # Detrending shifts it only slightly (Mondays open each week, so the fitted slope is tiny).
    assert p.metrics["strongest_deviation"] == pytest.approx(3 - overall, abs=0.1)
    found = insights_from([p])
    assert [i.key for i in found] == ["weekday:mon:low"]
    assert "Mondays" in found[0].body


def test_a_steady_rise_does_not_invent_a_weekday_effect() -> None:
    # Improving 0.15 a day: without detrending Sundays would look ~0.9 points better than Mondays.
    pts = [DayPoint(d, 2 + 0.15 * i) for i, d in enumerate(days(42))]
    p = weekday_effect(pts)
    assert p is not None
    assert max(abs(v) for v in p.metrics["deviation"].values()) < 1e-6
    assert insights_from([p]) == []


def test_streaks_current_and_longest() -> None:
    today = dt.date(2026, 3, 31)
    logged = [today - dt.timedelta(days=i) for i in range(4)]  # 28..31 March
    logged += [dt.date(2026, 3, 1) + dt.timedelta(days=i) for i in range(10)]  # 1..10 March
    s = streaks(logged, today)
    assert s.metrics == {"current": 4, "longest": 10, "days_logged": 14}
    # Not logged yesterday or today: the current streak is broken.
    assert streaks(logged, today + dt.timedelta(days=2)).metrics["current"] == 0
    assert streaks([], today).metrics == {"current": 0, "longest": 0, "days_logged": 0}


def test_all_patterns_and_insights_from_a_rising_history() -> None:
    ds = days(30)
    pts = [DayPoint(d, 3 + 0.1 * i, sleep_hours=5 + 0.1 * i) for i, d in enumerate(ds)]
    kinds = {p.kind for p in all_patterns(pts, ds[-1])}
    assert {"trend", "sleep_correlation", "streak", "volatility", "weekday_effect"} <= kinds
    keys = {i.key for i in insights_from(all_patterns(pts, ds[-1]))}
    assert {"trend:improving", "sleep_correlation:positive", "streak:current"} <= keys
    assert all(not math.isnan(p.confidence) for p in all_patterns(pts, ds[-1]))
