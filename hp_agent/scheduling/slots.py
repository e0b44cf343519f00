"""Free-slot arithmetic: weekly wall-clock windows → UTC intervals → bookable slots.

Pure functions (no database), so the daylight-saving behaviour is easy to test. A weekly window
is wall-clock time in the clinician's IANA zone: each date's window is built from that date's
local times and only then converted to UTC, so "Mondays 09:00-12:00" is 09:00 local in summer
and in winter (its UTC time moves by the offset change). A local time that does not exist on a
spring-forward day (02:30 in a 02:00→03:00 gap) resolves with the offset before the change
(zoneinfo's ``fold=0``), i.e. to 03:30 local; one that happens twice takes the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    weekday: int  # ISO: 1 = Monday
    start: dt.time
    end: dt.time
    valid_from: dt.date
    valid_until: dt.date | None = None


def zone(name: str) -> ZoneInfo | None:
    """The IANA zone, or None when the name is not one."""
    if not name or len(name) > 64 or name.startswith("/") or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_windows(
    windows: Iterable[WeeklyWindow], tz: ZoneInfo, start: dt.datetime, end: dt.datetime
) -> list[Interval]:
    """UTC intervals of the weekly windows that intersect [start, end)."""
    rules = list(windows)
    first = start.astimezone(tz).date() - dt.timedelta(days=1)
    last = end.astimezone(tz).date() + dt.timedelta(days=1)
    out: list[Interval] = []
    day = first
    while day <= last:
        for w in rules:
            if day.isoweekday() != w.weekday or day < w.valid_from:
                continue
            if w.valid_until is not None and day > w.valid_until:
                continue
            s = dt.datetime.combine(day, w.start, tzinfo=tz).astimezone(dt.UTC)
            e = dt.datetime.combine(day, w.end, tzinfo=tz).astimezone(dt.UTC)
            s, e = max(s, start), min(e, end)
            if s < e:
                out.append((s, e))
        day += dt.timedelta(days=1)
    return merge(out)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def subtract(intervals: Sequence[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """``intervals`` minus every hole."""
    result = list(intervals)
    for hs, he in merge(holes):
        nxt: list[Interval] = []
        for s, e in result:
            if he <= s or hs >= e:
                nxt.append((s, e))
                continue
            if s < hs:
                nxt.append((s, hs))
            if he < e:
                nxt.append((he, e))
        result = nxt
    return result


def open_intervals(
    windows: Iterable[WeeklyWindow],
    tz: ZoneInfo,
    start: dt.datetime,
    end: dt.datetime,
    *,
    extra: Iterable[Interval] = (),
    time_off: Iterable[Interval] = (),
) -> list[Interval]:
    """When the clinician takes appointments: weekly windows plus extra hours, minus time off."""
    base = merge(
        [
            *local_windows(windows, tz, start, end),
            *((max(s, start), min(e, end)) for s, e in extra if s < end and e > start),
        ]
    )
    return subtract(base, time_off)


def contains(intervals: Iterable[Interval], start: dt.datetime, end: dt.datetime) -> bool:
    return any(s <= start and end <= e for s, e in intervals)


def free_slots(
    open_: Iterable[Interval],
    busy: Iterable[Interval],
    *,
    duration: dt.timedelta,
    buffer: dt.timedelta,
    not_before: dt.datetime,
) -> list[Interval]:
    """Slots of ``duration`` laid end to end (with ``buffer`` between) from each open interval's
    start, dropping those that begin before ``not_before`` or come within ``buffer`` of a busy
    interval (an existing appointment)."""
    blocked = merge((s - buffer, e + buffer) for s, e in busy)
    out: list[Interval] = []
    for s, e in open_:
        t = s
        while t + duration <= e:
            slot = (t, t + duration)
            if t >= not_before and not any(bs < slot[1] and slot[0] < be for bs, be in blocked):
                out.append(slot)
            t += duration + buffer
    return out
