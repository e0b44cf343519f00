"""Render a person's mood over a period as PNG or SVG (matplotlib, Agg, no pyplot global state)."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import matplotlib

matplotlib.use("Agg")

from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure

ChartFormat = Literal["png", "svg"]
MEDIA_TYPES: dict[str, str] = {"png": "image/png", "svg": "image/svg+xml"}


@dataclass(frozen=True, slots=True)
class ChartPoint:
    day: dt.date
    mood: int
    energy: int | None = None
    anxiety: int | None = None


def _num(day: dt.date) -> float:
    return float(date2num(day))  # type: ignore[no-untyped-call]


def _with_gaps(series: Sequence[tuple[dt.date, int]]) -> tuple[list[float], list[float]]:
    """x/y lists with a NaN between days that are not consecutive, so missed days show as gaps
    instead of a line that suggests how the person felt on days they did not log."""
    xs: list[float] = []
    ys: list[float] = []
    prev: dt.date | None = None
    for day, value in series:
        if prev is not None and (day - prev).days > 1:
            xs.append(_num(prev) + 0.5)
            ys.append(math.nan)
        xs.append(_num(day))
        ys.append(float(value))
        prev = day
    return xs, ys


def render(points: Sequence[ChartPoint], start: dt.date, end: dt.date, fmt: ChartFormat) -> bytes:
    """A line chart of mood (and energy/anxiety when logged) on the fixed 1-10 scale.

    A Figure without pyplot is safe to build in worker threads; the fixed y-axis keeps charts
    of different periods comparable, and gaps in logging stay visible as gaps.
    """
    fig = Figure(figsize=(8, 3.6), dpi=100)
    ax = fig.subplots()
    ordered = sorted(points, key=lambda p: p.day)
    xs, ys = _with_gaps([(p.day, p.mood) for p in ordered])
    ax.plot(xs, ys, marker="o", linewidth=2, color="#3b7dd8", label="Mood")
    for name, color in (("energy", "#5bb974"), ("anxiety", "#e8710a")):
        series = [(p.day, getattr(p, name)) for p in ordered if getattr(p, name) is not None]
        if series:
            sx, sy = _with_gaps(series)
            ax.plot(
                sx,
                sy,
                linewidth=1,
                alpha=0.7,
                color=color,
                label=name.capitalize(),
            )
    ax.set_ylim(0.5, 10.5)
    ax.set_yticks(range(1, 11))
    ax.set_xlim(_num(start) - 0.5, _num(end) + 0.5)
    ax.xaxis_date()
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.grid(True, alpha=0.3)
    ax.set_title(f"Mood {start.isoformat()} to {end.isoformat()}")
    if not ordered:
        ax.text(0.5, 0.5, "No check-ins in this period", transform=ax.transAxes, ha="center", va="center")
    else:
        ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    buf = io.BytesIO()
    # No timestamps in the file: the same data gives the same bytes (cacheable).
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buf, format=fmt, metadata=metadata)
    return buf.getvalue()
