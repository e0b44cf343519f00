"""SQL of scheduling. Reads across people (a clinician's whole calendar while a patient books)
run as the system actor in the service; these functions only build and run the queries."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import Select, or_, select, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.models import ClinicianProfile
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
    WaitlistEntry,
    WaitlistStatus,
)
from hp_agent.scheduling.slots import Interval, WeeklyWindow
from hp_agent.users.models import User, UserRole


async def active_types(session: AsyncSession) -> Sequence[AppointmentType]:
    stmt = select(AppointmentType).where(AppointmentType.is_active).order_by(AppointmentType.sort_order)
    return (await session.execute(stmt)).scalars().all()


async def get_type(session: AsyncSession, type_id: uuid.UUID) -> AppointmentType | None:
    row = await session.get(AppointmentType, type_id)
    return row if row is not None and row.is_active else None


async def clinician(session: AsyncSession, user_id: uuid.UUID) -> tuple[User, ClinicianProfile | None] | None:
    """The clinician's account and profile, or None when the id is not a therapist's."""
    stmt = (
        select(User, ClinicianProfile)
        .outerjoin(ClinicianProfile, ClinicianProfile.user_id == User.id)
        .where(User.id == user_id, User.role == UserRole.therapist)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row is not None else None


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


async def busy(
    session: AsyncSession,
    therapist_id: uuid.UUID,
    start: dt.datetime,
    end: dt.datetime,
    *,
    ignore: uuid.UUID | None = None,
) -> list[Interval]:
    """The clinician's live appointments touching [start, end)."""
    a = Appointment
    stmt = select(a.starts_at, a.ends_at).where(
        a.therapist_id == therapist_id, a.status.in_(LIVE_STATUSES), a.starts_at < end, a.ends_at > start
    )
    if ignore is not None:
        stmt = stmt.where(a.id != ignore)
    return [(s, e) for s, e in (await session.execute(stmt)).all()]


async def held_offers(
    session: AsyncSession, therapist_id: uuid.UUID, now: dt.datetime, *, except_patient: uuid.UUID | None
) -> list[Interval]:
    """Freed slots currently offered to someone on the waitlist (held for them until expiry)."""
    w, a = WaitlistEntry, Appointment
    stmt = (
        select(a.starts_at, a.ends_at)
        .join(w, w.offered_appointment_id == a.id)
        .where(w.therapist_id == therapist_id, w.status == WaitlistStatus.OFFERED, w.offer_expires_at > now)
    )
    if except_patient is not None:
        stmt = stmt.where(w.patient_id != except_patient)
    return [(s, e) for s, e in (await session.execute(stmt)).all()]


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
