"""Statistics over one person's own mood history: trend, weekday effect, sleep correlation, streaks.

Pure functions over daily points (no database), so they are tested on generated histories with
known answers. ``confidence`` (0-1) says how much a pattern can be trusted: it grows with the
sample and the strength of the effect, and decides whether an insight is shown.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

ALGORITHM_VERSION = "mood-insights/1"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Below these, a statistic is noise and no pattern is reported.
MIN_TREND_DAYS = 7
MIN_CORRELATION_DAYS = 7
MIN_WEEKDAY_WEEKS = 2  # each weekday seen at least this many times
# Effect sizes worth telling someone about.
TREND_MIN_SLOPE_PER_WEEK = 0.25
CORRELATION_MIN_R = 0.4
WEEKDAY_MIN_DEVIATION = 1.0  # mood points away from the person's own average


@dataclass(frozen=True, slots=True)
class DayPoint:
    day: dt.date
    mood: float
    sleep_hours: float | None = None
    sleep_quality: float | None = None


@dataclass(frozen=True, slots=True)
class Pattern:
    kind: str  # matches mood_patterns.pattern_type
    metrics: dict[str, Any]
    confidence: float
    sample_size: int


def _clip01(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def _sample_weight(n: int, full_at: int) -> float:
    return _clip01(n / full_at)


def trend(points: Sequence[DayPoint]) -> Pattern | None:
    """Least-squares slope of mood against calendar day (gaps in logging keep their real spacing)."""
    if len(points) < MIN_TREND_DAYS:
        return None
    start = min(p.day for p in points)
    x = np.array([(p.day - start).days for p in points], dtype=float)
    y = np.array([p.mood for p in points], dtype=float)
    if np.ptp(x) == 0:
        return None
    slope, intercept = np.polyfit(x, y, 1)
    fitted = slope * x + intercept
    ss_res = float(np.sum((y - fitted) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else (1.0 if ss_res < 1e-12 else 0.0)
    per_week = float(slope) * 7
    direction = (
        "improving"
        if per_week >= TREND_MIN_SLOPE_PER_WEEK
        else "declining"
        if per_week <= -TREND_MIN_SLOPE_PER_WEEK
        else "steady"
    )
    metrics = {
        "slope_per_day": round(float(slope), 4),
        "slope_per_week": round(per_week, 3),
        "intercept": round(float(intercept), 3),
        "r2": round(r2, 4),
        "direction": direction,
        "mean": round(float(y.mean()), 3),
    }
    return Pattern("trend", metrics, _clip01(r2 * _sample_weight(len(points), 21)), len(points))


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    if len(x) < 3 or float(np.std(x)) == 0 or float(np.std(y)) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def _p_value(r: float, n: int) -> float:
    # Two-sided p for Pearson's r via the t distribution, approximated by the normal for the
    # sample sizes at hand (it only grades confidence; nothing clinical hangs on it).
    if n <= 3 or abs(r) >= 1:
        return 0.0
    t = abs(r) * math.sqrt((n - 2) / (1 - r * r))
    return float(math.erfc(t / math.sqrt(2)))


def sleep_correlation(points: Sequence[DayPoint]) -> Pattern | None:
    """Pearson r between hours slept and that day's mood."""
    pairs = [(p.sleep_hours, p.mood) for p in points if p.sleep_hours is not None]
    if len(pairs) < MIN_CORRELATION_DAYS:
        return None
    r = pearson([a for a, _ in pairs], [b for _, b in pairs])
    if r is None:
        return None
    n = len(pairs)
    good = [s for s, m in pairs if m >= 7]
    low = [s for s, m in pairs if m <= 4]
    metrics = {
        "pearson_r": round(r, 4),
        "p": round(_p_value(r, n), 5),
        "avg_sleep_good_days": round(float(np.mean(good)), 2) if good else None,
        "avg_sleep_low_days": round(float(np.mean(low)), 2) if low else None,
    }
    return Pattern("sleep_correlation", metrics, _clip01(abs(r) * _sample_weight(n, 21)), n)


def _residuals(points: Sequence[DayPoint]) -> list[float]:
    """Mood minus the linear trend: someone improving week on week would otherwise find their
    later weekdays "better" (and a declining person their earlier ones)."""
    start = min(p.day for p in points)
    x = np.array([(p.day - start).days for p in points], dtype=float)
    y = np.array([p.mood for p in points], dtype=float)
    if len(points) < MIN_TREND_DAYS or np.ptp(x) == 0:
        return list(y - y.mean())
    slope, intercept = np.polyfit(x, y, 1)
    return list(y - (slope * x + intercept))


def weekday_effect(points: Sequence[DayPoint]) -> Pattern | None:
    """Mean mood per weekday and each weekday's deviation from the person's own (detrended) level."""
    residuals = _residuals(points) if points else []
    by_day: dict[int, list[tuple[float, float]]] = {}
    for p, r in zip(points, residuals, strict=True):
        by_day.setdefault(p.day.weekday(), []).append((p.mood, r))
    counted = {d: v for d, v in by_day.items() if len(v) >= MIN_WEEKDAY_WEEKS}
    if len(counted) < 3:
        return None
    overall = float(np.mean([p.mood for p in points]))
    means = {WEEKDAYS[d]: round(float(np.mean([m for m, _ in v])), 3) for d, v in sorted(counted.items())}
    deviations = {
        WEEKDAYS[d]: round(float(np.mean([r for _, r in v])), 3) for d, v in sorted(counted.items())
    }
    strongest = max(deviations, key=lambda k: abs(deviations[k]))
    spread = float(np.std([p.mood for p in points])) or 1.0
    metrics = {
        "means": means,
        "deviation": deviations,
        "overall_mean": round(overall, 3),
        "strongest_day": strongest,
        "strongest_deviation": deviations[strongest],
        "detrended": len(points) >= MIN_TREND_DAYS,
    }
    effect = abs(deviations[strongest]) / spread
    return Pattern(
        "weekday_effect", metrics, _clip01(effect / 2 * _sample_weight(len(points), 28)), len(points)
    )


def streaks(days: Sequence[dt.date], today: dt.date) -> Pattern:
    """Consecutive logged days: the current run (ending today or yesterday) and the longest."""
    unique = sorted(set(days))
    longest = run = 0
    prev: dt.date | None = None
    for d in unique:
        run = run + 1 if prev is not None and (d - prev).days == 1 else 1
        longest = max(longest, run)
        prev = d
    current = 0
    if unique and (today - unique[-1]).days <= 1:
        current = run
    metrics = {"current": current, "longest": longest, "days_logged": len(unique)}
    return Pattern("streak", metrics, 1.0, len(unique))


def volatility(points: Sequence[DayPoint]) -> Pattern | None:
    """Typical day-to-day swing (mean absolute change between consecutive logged days)."""
    ordered = sorted(points, key=lambda p: p.day)
    if len(ordered) < MIN_TREND_DAYS:
        return None
    diffs = np.abs(np.diff([p.mood for p in ordered]))
    metrics = {
        "mean_abs_change": round(float(diffs.mean()), 3),
        "std": round(float(np.std([p.mood for p in ordered])), 3),
    }
    return Pattern("volatility", metrics, _sample_weight(len(ordered), 21), len(ordered))


def all_patterns(points: Sequence[DayPoint], today: dt.date) -> list[Pattern]:
    found = [trend(points), weekday_effect(points), sleep_correlation(points), volatility(points)]
    return [p for p in found if p is not None] + [streaks([p.day for p in points], today)]


@dataclass(frozen=True, slots=True)
class Insight:
    kind: str  # matches mood_insights.kind
    key: str
    title: str
    body: str
    priority: int
    pattern_kind: str
    data: dict[str, Any]


_DAY_NAMES = dict(
    zip(
        WEEKDAYS,
        ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays"),
        strict=True,
    )
)
MIN_CONFIDENCE = 0.3


def _trend_insight(p: Pattern) -> Insight | None:
    m = p.metrics
    if m["direction"] == "steady" or p.confidence < MIN_CONFIDENCE:
        return None
    up = m["direction"] == "improving"
    rate = f"Over this period your mood moved by about {abs(m['slope_per_week']):.1f} points a week "
    if up:
        body = rate + "upwards. Whatever you have been doing may be worth keeping up."
    else:
        body = (
            rate + "downwards. It might help to notice what has changed, or to talk it through with someone."
        )
    title = "Your mood has been lifting" if up else "Your mood has been dipping"
    data = {"slope_per_week": m["slope_per_week"]}
    return Insight("trend", f"trend:{m['direction']}", title, body, 60 if up else 80, p.kind, data)


def _sleep_insight(p: Pattern) -> Insight | None:
    r = p.metrics["pearson_r"]
    if abs(r) < CORRELATION_MIN_R or p.confidence < MIN_CONFIDENCE:
        return None
    if r > 0:
        key, title = "sleep_correlation:positive", "Sleep and mood go together for you"
        body = "On days after more sleep, your mood tended to be higher."
    else:
        key, title = "sleep_correlation:negative", "More sleep has not meant better mood"
        body = "Your mood tended to be lower after longer nights; oversleeping can go with low mood."
    return Insight("correlation", key, title, body, 70, p.kind, {"pearson_r": r})


def _weekday_insight(p: Pattern) -> Insight | None:
    m = p.metrics
    deviation = m["strongest_deviation"]
    if abs(deviation) < WEEKDAY_MIN_DEVIATION:
        return None
    day, lower = m["strongest_day"], deviation < 0
    body = f"Your mood on {_DAY_NAMES[day]} is usually about {abs(deviation):.1f} points "
    if lower:
        body += "lower than on other days. Planning something kind for yourself then might help."
    else:
        body += "higher than on other days."
    key = f"weekday:{day}:{'low' if lower else 'high'}"
    data = {"weekday": day, "deviation": deviation}
    return Insight("trend", key, f"{_DAY_NAMES[day]} stand out", body, 65 if lower else 45, p.kind, data)


def _streak_insight(p: Pattern) -> Insight | None:
    current, longest = p.metrics["current"], p.metrics["longest"]
    if current < 3:
        return None
    body = f"You have checked in {current} days running (your longest run is {longest})."
    data = {"current": current, "longest": longest}
    return Insight("streak", "streak:current", f"{current} days in a row", body, 40, p.kind, data)


_BUILDERS = {
    "trend": _trend_insight,
    "sleep_correlation": _sleep_insight,
    "weekday_effect": _weekday_insight,
    "streak": _streak_insight,
}


def insights_from(patterns: Sequence[Pattern]) -> list[Insight]:
    """Sentences worth showing, from patterns strong and certain enough. No user text is used."""
    out = []
    for p in patterns:
        build = _BUILDERS.get(p.kind)
        insight = build(p) if build else None
        if insight is not None:
            out.append(insight)
    return out
