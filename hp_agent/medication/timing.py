"""When scheduled doses fall: local wall-clock times in the schedule's time zone, as UTC instants.

A time that does not exist on a spring-forward day resolves forward (zoneinfo's fold=0 rule), a
repeated one on the autumn day to its first occurrence: one dose per day either way.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator

from hp_agent.medication.models import MedicationSchedule, UserMedication


def zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def occurrences(
    schedule: MedicationSchedule, med: UserMedication, start: dt.datetime, end: dt.datetime
) -> Iterator[dt.datetime]:
    """Due instants (UTC) of ``schedule`` in ``[start, end)``, within the schedule's and the
    medicine's validity and never before the medicine was added."""
    tz = zone(schedule.timezone)
    first = start.astimezone(tz).date() - dt.timedelta(days=1)
    last = end.astimezone(tz).date() + dt.timedelta(days=1)
    floor = max(start, med.created_at) if med.created_at else start
    day = first
    while day <= last:
        if (
            day.isoweekday() in schedule.days_of_week
            and (schedule.valid_from is None or day >= schedule.valid_from)
            and (schedule.valid_until is None or day <= schedule.valid_until)
            and (med.start_date is None or day >= med.start_date)
            and (med.end_date is None or day <= med.end_date)
        ):
            local = dt.datetime.combine(day, schedule.time_of_day, tzinfo=tz)
            # Normalise through UTC so a non-existent local time becomes a real instant.
            at = local.astimezone(dt.UTC)
            if floor <= at < end:
                yield at
        day += dt.timedelta(days=1)
