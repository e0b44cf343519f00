"""Weekly and monthly summaries and the mood chart (read by the person or their therapist)."""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from collections import Counter
from typing import Any, Literal

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.db.session import Principal
from hp_agent.journal.common import InvalidInput, local_today
from hp_agent.mood import chart, insights
from hp_agent.mood import repository as repo
from hp_agent.mood.models import MoodEntry
from hp_agent.mood.schemas import SummaryOut
from hp_agent.mood.service import points_of, read_subject

MAX_CHART_DAYS = 366


def period_bounds(period: Literal["week", "month"], anchor: dt.date) -> tuple[dt.date, dt.date]:
    """ISO week (Monday-Sunday) or calendar month containing ``anchor``."""
    if period == "week":
        start = anchor - dt.timedelta(days=anchor.weekday())
        return start, start + dt.timedelta(days=6)
    last = calendar.monthrange(anchor.year, anchor.month)[1]
    return anchor.replace(day=1), anchor.replace(day=last)


def _avg(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _top(rows: list[MoodEntry], attr: str) -> list[dict[str, Any]]:
    counts: Counter[str] = Counter(label for r in rows for label in (getattr(r, attr) or []))
    return [{"label": k, "days": v} for k, v in counts.most_common(5)]


async def summary(
    session: AsyncSession,
    principal: Principal,
    *,
    user_id: uuid.UUID | None,
    period: Literal["week", "month"],
    anchor: dt.date | None,
) -> SummaryOut:
    subject = await read_subject(session, principal, user_id)
    start, end = period_bounds(period, anchor or await local_today(session, subject))
    rows, _ = await repo.entries(session, subject, start, end, newest_first=False)
    prev_start, prev_end = period_bounds(period, start - dt.timedelta(days=1))
    prev, _ = await repo.entries(session, subject, prev_start, prev_end)
    moods = [float(r.mood) for r in rows]
    mood_avg, prev_avg = _avg(moods), _avg([float(r.mood) for r in prev])
    best = max(rows, key=lambda r: (r.mood, r.entry_date), default=None)
    worst = min(rows, key=lambda r: (r.mood, r.entry_date), default=None)
    t = insights.trend(points_of(rows))  # None below MIN_TREND_DAYS logged days
    return SummaryOut(
        period=period,
        start=start,
        end=end,
        days_logged=len(rows),
        mood_avg=mood_avg,
        mood_min=min((r.mood for r in rows), default=None),
        mood_max=max((r.mood for r in rows), default=None),
        energy_avg=_avg([float(r.energy) for r in rows if r.energy is not None]),
        anxiety_avg=_avg([float(r.anxiety) for r in rows if r.anxiety is not None]),
        sleep_hours_avg=_avg([float(r.sleep_hours) for r in rows if r.sleep_hours is not None]),
        best_day=best.entry_date if best else None,
        worst_day=worst.entry_date if worst else None,
        previous_mood_avg=prev_avg,
        change_from_previous=round(mood_avg - prev_avg, 2)
        if mood_avg is not None and prev_avg is not None
        else None,
        slope_per_week=t.metrics["slope_per_week"] if t else None,
        top_activities=_top(rows, "activities"),
        top_emotions=_top(rows, "emotions"),
    )


async def render_chart(
    session: AsyncSession,
    principal: Principal,
    *,
    user_id: uuid.UUID | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    fmt: chart.ChartFormat,
) -> bytes:
    subject = await read_subject(session, principal, user_id)
    end = date_to or await local_today(session, subject)
    start = date_from or end - dt.timedelta(days=29)
    if start > end:
        raise InvalidInput(
            "date_from must not be after date_to.",
            details={"fields": [{"field": "date_from", "message": "after date_to"}]},
        )
    if (end - start).days + 1 > MAX_CHART_DAYS:
        raise InvalidInput(
            f"A chart covers at most {MAX_CHART_DAYS} days.",
            details={"fields": [{"field": "date_from", "message": "period too long"}]},
        )
    rows, _ = await repo.entries(session, subject, start, end, newest_first=False)
    points = [chart.ChartPoint(r.entry_date, r.mood, r.energy, r.anxiety) for r in rows]
    # Rendering takes tens of milliseconds of CPU: keep it off the event loop.
    return await anyio.to_thread.run_sync(chart.render, points, start, end, fmt)
