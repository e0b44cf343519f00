"""Free slots, booking, rescheduling and cancelling appointments.

Who may do what:
- free slots of a verified clinician: anyone signed in (times only, never other people's rows);
- booking: a patient, for themselves, with a verified clinician they have an active care
  relationship with, or, for an intake appointment, one who accepts new patients;
- reschedule and cancel: the appointment's patient or clinician.

The service checks availability and gives clear codes; the database has the last word on double
booking (exclusion constraints, see models.py): two requests that both passed the check race to
the INSERT and the loser gets ``409 slot_taken``. Reading a clinician's calendar while a patient
books needs rows RLS hides from the patient, so those reads run as the system actor.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care import repository as care
from hp_agent.care.models import ClinicianProfile
from hp_agent.compliance import audit
from hp_agent.config import Settings
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, Forbidden, HPError, NotFound
from hp_agent.scheduling import repository as repo
from hp_agent.scheduling.availability import InvalidTimeZone, clinician_zone, exclusion_violated
from hp_agent.scheduling.models import (
    LIVE_STATUSES,
    Appointment,
    AppointmentCategory,
    AppointmentReminder,
    AppointmentStatus,
    AppointmentType,
    Modality,
    ReminderChannel,
    VideoProvider,
    VideoSession,
)
from hp_agent.scheduling.notify import notify
from hp_agent.scheduling.schemas import AppointmentOut, BookIn, SlotOut, SlotsOut
from hp_agent.scheduling.slots import Interval, contains, free_slots, open_intervals, zone
from hp_agent.users.models import User

MAX_RANGE = dt.timedelta(days=31)
MAX_AHEAD = dt.timedelta(days=366)
REMINDER_OFFSETS = (dt.timedelta(hours=24), dt.timedelta(hours=1))
ROOM_OPENS_BEFORE = dt.timedelta(minutes=15)
ROOM_CLOSES_AFTER = dt.timedelta(minutes=30)


class Unprocessable(HPError):
    status_code = 422
    code = "unprocessable"


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def slot_taken() -> Conflict:
    return Conflict("This time was just taken; please choose another slot.", code="slot_taken")


# -- free slots ---------------------------------------------------------------------------------


async def _open(
    session: AsyncSession, clinician_id: uuid.UUID, tz_name: str, start: dt.datetime, end: dt.datetime
) -> list[Interval]:
    tz = zone(tz_name)
    if tz is None:
        return []
    rules, _zone = await repo.open_hours(session, clinician_id)
    extra, off = await repo.exceptions_between(session, clinician_id, start, end)
    return open_intervals(rules, tz, start, end, extra=extra, time_off=off)


async def _require_bookable_clinician(
    session: AsyncSession, actor: Principal, clinician_id: uuid.UUID
) -> None:
    if actor.user_id == clinician_id:
        return
    found = await repo.clinician_timezone(session, clinician_id)
    if found is None or not await care.is_verified_clinician(session, clinician_id):
        raise NotFound("No such verified clinician.", code="clinician_not_found")


async def slots(
    session: AsyncSession,
    actor: Principal,
    clinician_id: uuid.UUID,
    type_id: uuid.UUID,
    start: dt.datetime,
    end: dt.datetime,
) -> SlotsOut:
    if end <= start:
        raise Unprocessable("'to' must be after 'from'.", code="invalid_range")
    if end - start > MAX_RANGE:
        raise Unprocessable("Ask for at most 31 days at a time.", code="range_too_long")
    atype = await get_type(session, type_id)
    tz_name = await clinician_zone(session, clinician_id)
    now = now_utc()
    await _require_bookable_clinician(session, actor, clinician_id)
    tz_name = await _calendar_zone(session, clinician_id, tz_name)
    open_ = await _open(session, clinician_id, tz_name, start, end)
    taken = await repo.busy_times(
        session, clinician_id, start - dt.timedelta(hours=8), end + dt.timedelta(hours=8)
    )
    taken += await repo.held_times(session, clinician_id, now, except_patient=actor.user_id)
    found = free_slots(
        open_,
        taken,
        duration=dt.timedelta(minutes=atype.duration_minutes),
        buffer=dt.timedelta(minutes=atype.buffer_minutes),
        not_before=now,
    )
    tz = zone(tz_name) or dt.UTC
    return SlotsOut(
        clinician_id=clinician_id,
        timezone=tz_name,
        appointment_type_id=atype.id,
        slots=[SlotOut(starts_at=s, ends_at=e, local_start=s.astimezone(tz).isoformat()) for s, e in found],
    )


async def _calendar_zone(session: AsyncSession, clinician_id: uuid.UUID, fallback: str) -> str:
    """The zone the weekly windows are written in (one per clinician), else the profile's."""
    _rules, written_in = await repo.open_hours(session, clinician_id)
    return written_in or fallback


async def get_type(session: AsyncSession, type_id: uuid.UUID) -> AppointmentType:
    atype = await repo.get_type(session, type_id)
    if atype is None:
        raise NotFound("No such appointment type.", code="appointment_type_not_found")
    return atype


# -- booking --------------------------------------------------------------------------------


async def check_time(
    session: AsyncSession,
    actor: Principal,
    clinician_id: uuid.UUID,
    patient_id: uuid.UUID,
    atype: AppointmentType,
    start: dt.datetime,
    *,
    ignore: uuid.UUID | None = None,
) -> dt.datetime:
    """Refuse a start in the past, outside the clinician's hours, held for someone else or taken;
    returns the end. Runs as the system actor (the caller cannot see the clinician's calendar)."""
    now = now_utc()
    if start <= now:
        raise Unprocessable("This time is in the past.", code="in_the_past")
    if start - now > MAX_AHEAD:
        raise Unprocessable("Appointments can be booked up to a year ahead.", code="too_far_ahead")
    end = start + dt.timedelta(minutes=atype.duration_minutes)
    tz_name = await _calendar_zone(session, clinician_id, "UTC")
    day = dt.timedelta(days=1)
    if not contains(await _open(session, clinician_id, tz_name, start - day, end + day), start, end):
        raise Unprocessable(
            "The clinician does not take appointments at this time.", code="outside_availability"
        )
    held = await repo.held_times(session, clinician_id, now, except_patient=patient_id)
    if any(s < end and start < e for s, e in held):
        raise Conflict("This slot is being offered to someone on the waitlist.", code="slot_held")
    # The type's buffer stays free on both sides, as the free-slot list leaves it.
    gap = dt.timedelta(minutes=atype.buffer_minutes)
    if await repo.busy_times(session, clinician_id, start - gap, end + gap, ignore=ignore):
        raise slot_taken()
    return end


async def may_book(
    session: AsyncSession, clinician_id: uuid.UUID, patient_id: uuid.UUID, atype: AppointmentType
) -> None:
    # The caller is the patient (book, waitlist): their own relationships are theirs to read.
    related = await care.has_active_relationship(session, clinician_id, patient_id)
    if await repo.clinician_timezone(session, clinician_id) is None:
        raise NotFound("No such clinician.", code="clinician_not_found")
    await care.require_verified_clinician(session, clinician_id)
    if related:
        return
    # The clinician directory is readable by anyone signed in.
    profile = (
        await session.execute(select(ClinicianProfile).where(ClinicianProfile.user_id == clinician_id))
    ).scalar_one_or_none()
    if (
        atype.category == AppointmentCategory.INTAKE
        and profile is not None
        and profile.accepting_new_patients
    ):
        return
    raise Forbidden(
        "Book an intake first, or ask this clinician to take you on as a patient.", code="no_relationship"
    )


async def insert_appointment(session: AsyncSession, appt: Appointment) -> None:
    try:
        async with session.begin_nested():
            session.add(appt)
    except IntegrityError as exc:
        name = exclusion_violated(exc)
        if name is None:
            raise
        if "patient" in name:
            raise Conflict("You already have an appointment at this time.", code="patient_busy") from None
        raise slot_taken() from None


async def attach(session: AsyncSession, appt: Appointment, settings: Settings) -> VideoSession | None:
    """Reminders 24 h and 1 h before (those still ahead) and, for video, the room."""
    now = now_utc()
    for offset in REMINDER_OFFSETS:
        if appt.starts_at - offset > now:
            session.add(
                AppointmentReminder(
                    appointment_id=appt.id,
                    patient_id=appt.patient_id,
                    channel=ReminderChannel.PUSH,
                    remind_at=appt.starts_at - offset,
                )
            )
    if appt.modality != Modality.VIDEO:
        await session.flush()
        return None
    room_id = secrets.token_urlsafe(18)
    video = VideoSession(
        appointment_id=appt.id,
        patient_id=appt.patient_id,
        therapist_id=appt.therapist_id,
        provider=VideoProvider.URL_TEMPLATE,
        room_id=room_id,
        room_url=settings.video_url_template.replace("{room_id}", room_id),
        opens_at=appt.starts_at - ROOM_OPENS_BEFORE,
        expires_at=appt.ends_at + ROOM_CLOSES_AFTER,
    )
    session.add(video)
    await session.flush()
    return video


def to_out(appt: Appointment, video: VideoSession | None) -> AppointmentOut:
    return AppointmentOut(
        id=appt.id,
        patient_id=appt.patient_id,
        clinician_id=appt.therapist_id,
        appointment_type_id=appt.appointment_type_id,
        status=appt.status,
        starts_at=appt.starts_at,
        ends_at=appt.ends_at,
        timezone=appt.timezone,
        modality=appt.modality,
        rescheduled_from_id=appt.rescheduled_from_id,
        cancelled_at=appt.cancelled_at,
        video_room_id=video.room_id if video else None,
        video_url=video.room_url if video else None,
    )


async def patient_zone(session: AsyncSession, patient_id: uuid.UUID, given: str | None) -> str:
    if given is not None:
        if zone(given) is None:
            raise InvalidTimeZone("Not an IANA time zone name (e.g. Europe/London).")
        return given
    user = await session.get(User, patient_id)
    return user.timezone if user is not None and zone(user.timezone) else "UTC"


async def book(
    session: AsyncSession, actor: Principal, body: BookIn, settings: Settings
) -> tuple[Appointment, VideoSession | None]:
    if actor.role != "patient" or actor.user_id is None:
        raise Forbidden("Only patients book appointments for themselves.", code="patients_only")
    patient_id = actor.user_id
    atype = await get_type(session, body.appointment_type_id)
    await may_book(session, body.clinician_id, patient_id, atype)
    start = body.starts_at.astimezone(dt.UTC)
    end = await check_time(session, actor, body.clinician_id, patient_id, atype, start)
    appt = Appointment(
        id=uuid.uuid4(),
        patient_id=patient_id,
        therapist_id=body.clinician_id,
        appointment_type_id=atype.id,
        status=AppointmentStatus.SCHEDULED,
        starts_at=start,
        ends_at=end,
        timezone=await patient_zone(session, patient_id, body.timezone),
        modality=body.modality or atype.default_modality,
        booked_by=patient_id,
    )
    await insert_appointment(session, appt)
    video = await attach(session, appt, settings)
    await audit.record(
        session,
        "scheduling.appointment.booked",
        actor=actor,
        subject_type="appointment",
        subject_id=appt.id,
        details={"clinician_id": str(body.clinician_id), "starts_at": start.isoformat()},
    )
    await notify(
        session,
        body.clinician_id,
        title="New appointment booked",
        body="A patient booked an appointment with you. Open your schedule for details.",
        appointment_id=appt.id,
        dedupe_key=f"appointment:{appt.id}:booked",
    )
    return appt, video


# -- reading ------------------------------------------------------------------------------------


async def load_own(session: AsyncSession, actor: Principal, appointment_id: uuid.UUID) -> Appointment:
    """The appointment if the caller is its patient or clinician (others get 404, not 403, so
    ids do not confirm anything)."""
    appt = await session.get(Appointment, appointment_id)
    if appt is None or actor.user_id not in (appt.patient_id, appt.therapist_id):
        raise NotFound("No such appointment.", code="appointment_not_found")
    return appt


async def calendar(
    session: AsyncSession, actor: Principal, start: dt.datetime | None, end: dt.datetime | None, limit: int
) -> list[AppointmentOut]:
    if actor.user_id is None:
        raise Forbidden("Sign in to see appointments.")
    rows = await repo.calendar(session, actor.user_id, start, end, limit)
    rooms = await repo.video_rooms(session, [r.id for r in rows])
    return [to_out(r, rooms.get(r.id)) for r in rows]


def is_live(appt: Appointment) -> bool:
    return appt.status in LIVE_STATUSES and appt.status != AppointmentStatus.COMPLETED


def ids(rows: Sequence[Appointment]) -> list[uuid.UUID]:
    return [r.id for r in rows]
