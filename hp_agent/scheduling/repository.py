"""SQL of scheduling. Reads across people (a clinician's calendar while a patient books) go through
SECURITY DEFINER functions that answer only when and whether (hp_agent/db/security.py): the caller
never reads another person's appointment, and never acts as the system actor."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import Select, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.scheduling.models import (
    LIVE_STATUSES,
    Appointment,
    AppointmentReminder,
    AppointmentType,
    AvailabilityException,
    ExceptionKind,
    ReminderStatus,
    TherapistAvailability,
    VideoSession,
)
from hp_agent.scheduling.slots import Interval, WeeklyWindow


async def active_types(session: AsyncSession) -> Sequence[AppointmentType]:
    stmt = select(AppointmentType).where(AppointmentType.is_active).order_by(AppointmentType.sort_order)
    return (await session.execute(stmt)).scalars().all()


async def get_type(session: AsyncSession, type_id: uuid.UUID) -> AppointmentType | None:
    row = await session.get(AppointmentType, type_id)
    return row if row is not None and row.is_active else None


async def availability(session: AsyncSession, therapist_id: uuid.UUID) -> Sequence[TherapistAvailability]:
    stmt = (
        select(TherapistAvailability)
        .where(TherapistAvailability.therapist_id == therapist_id, TherapistAvailability.is_active)
        .order_by(TherapistAvailability.weekday, TherapistAvailability.start_time)
    )
    return (await session.execute(stmt)).scalars().all()


def windows(rows: Sequence[TherapistAvailability]) -> list[WeeklyWindow]:
    return [WeeklyWindow(r.weekday, r.start_time, r.end_time, r.valid_from, r.valid_until) for r in rows]


async def exceptions(
    session: AsyncSession, therapist_id: uuid.UUID, start: dt.datetime, end: dt.datetime
) -> Sequence[AvailabilityException]:
    e = AvailabilityException
    stmt = (
        select(e)
        .where(e.therapist_id == therapist_id, e.starts_at < end, e.ends_at > start)
        .order_by(e.starts_at)
    )
    return (await session.execute(stmt)).scalars().all()


def split_exceptions(rows: Sequence[AvailabilityException]) -> tuple[list[Interval], list[Interval]]:
    """(extra hours, time off)."""
    extra = [(r.starts_at, r.ends_at) for r in rows if r.kind == ExceptionKind.EXTRA_AVAILABILITY]
    off = [(r.starts_at, r.ends_at) for r in rows if r.kind != ExceptionKind.EXTRA_AVAILABILITY]
    return extra, off


def calendar_query(
    user_id: uuid.UUID, start: dt.datetime | None, end: dt.datetime | None
) -> Select[Appointment]:
    a = Appointment
    stmt = select(a).where(or_(a.patient_id == user_id, a.therapist_id == user_id))
    if start is not None:
        stmt = stmt.where(a.ends_at > start)
    if end is not None:
        stmt = stmt.where(a.starts_at < end)
    return stmt.order_by(a.starts_at)


async def calendar(
    session: AsyncSession, user_id: uuid.UUID, start: dt.datetime | None, end: dt.datetime | None, limit: int
) -> Sequence[Appointment]:
    return (await session.execute(calendar_query(user_id, start, end).limit(limit))).scalars().all()


async def video_rooms(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, VideoSession]:
    if not ids:
        return {}
    rows = (await session.execute(select(VideoSession).where(VideoSession.appointment_id.in_(ids)))).scalars()
    return {v.appointment_id: v for v in rows}


async def cancel_reminders(session: AsyncSession, appointment_id: uuid.UUID) -> None:
    await session.execute(
        update(AppointmentReminder)
        .where(
            AppointmentReminder.appointment_id == appointment_id,
            AppointmentReminder.status == ReminderStatus.SCHEDULED,
        )
        .values(status=ReminderStatus.CANCELLED)
    )


async def next_appointments(
    session: AsyncSession, clinician_id: uuid.UUID, patient_ids: Sequence[uuid.UUID], now: dt.datetime
) -> dict[uuid.UUID, Appointment]:
    """Each patient's next live appointment with this clinician (for the caseload), one query."""
    if not patient_ids:
        return {}
    a = Appointment
    stmt = (
        select(a)
        .ext(distinct_on(a.patient_id))
        .where(
            a.therapist_id == clinician_id,
            a.patient_id.in_(patient_ids),
            a.status.in_(LIVE_STATUSES),
            a.starts_at > now,
        )
        .order_by(a.patient_id, a.starts_at)
    )
    return {row.patient_id: row for row in (await session.execute(stmt)).scalars()}


# -- a clinician's calendar, as anyone booking with them sees it (definer functions) ---------------


async def clinician_timezone(session: AsyncSession, clinician_id: uuid.UUID) -> str | None:
    """The clinician's IANA zone (profile's, else account's), or None when the id is not a clinician's."""
    found: str | None = (
        await session.execute(select(func.app_clinician_timezone(clinician_id)))
    ).scalar_one_or_none()
    return found


async def open_hours(session: AsyncSession, clinician_id: uuid.UUID) -> tuple[list[WeeklyWindow], str | None]:
    """The clinician's weekly windows and the zone they are written in (None without any)."""
    rows = (await session.execute(text("SELECT * FROM app_clinician_hours(:c)"), {"c": clinician_id})).all()
    rules = [WeeklyWindow(r.weekday, r.start_time, r.end_time, r.valid_from, r.valid_until) for r in rows]
    return rules, (rows[0].timezone if rows else None)


async def exceptions_between(
    session: AsyncSession, clinician_id: uuid.UUID, start: dt.datetime, end: dt.datetime
) -> tuple[list[Interval], list[Interval]]:
    """(extra hours, time off) touching [start, end)."""
    rows = (
        await session.execute(
            text("SELECT * FROM app_clinician_exceptions(:c, :s, :e)"),
            {"c": clinician_id, "s": start, "e": end},
        )
    ).all()
    return [(r.starts_at, r.ends_at) for r in rows if r.extra], [
        (r.starts_at, r.ends_at) for r in rows if not r.extra
    ]


async def busy_times(
    session: AsyncSession,
    therapist_id: uuid.UUID,
    start: dt.datetime,
    end: dt.datetime,
    *,
    ignore: uuid.UUID | None = None,
) -> list[Interval]:
    """When the clinician's live appointments touching [start, end) are (not whose)."""
    rows = await session.execute(
        text("SELECT * FROM app_clinician_busy(:c, :s, :e, :i)"),
        {"c": therapist_id, "s": start, "e": end, "i": ignore},
    )
    return [(r.starts_at, r.ends_at) for r in rows]


async def held_times(
    session: AsyncSession, therapist_id: uuid.UUID, now: dt.datetime, *, except_patient: uuid.UUID | None
) -> list[Interval]:
    """Freed slots currently held for someone on the waitlist (not ``except_patient``)."""
    rows = await session.execute(
        text("SELECT * FROM app_clinician_held(:c, :n, :p)"),
        {"c": therapist_id, "n": now, "p": except_patient},
    )
    return [(r.starts_at, r.ends_at) for r in rows]


async def offered_slot(session: AsyncSession, entry_id: uuid.UUID) -> Interval | None:
    """The time of the slot offered on the caller's own waitlist entry."""
    row = (await session.execute(text("SELECT * FROM app_offered_slot(:w)"), {"w": entry_id})).first()
    return (row.starts_at, row.ends_at) if row is not None else None
