"""The waitlist: patients wait for a clinician; a freed slot is offered to the next person.

When an appointment is cancelled or moved, its time is offered to the first waiting entry for
that clinician (lowest ``priority``, then oldest) whose appointment type fits in the freed time
and whose date range contains it. The offer holds the slot for that person (others neither see
nor book it) until ``HP_WAITLIST_OFFER_MINUTES`` pass or the slot starts; the person accepts
(which books it) or declines, and an expired or declined offer goes to the next person
(``tasks.run_due`` expires offers). Other people's entries are read and updated as the system
actor, with ``FOR UPDATE SKIP LOCKED`` so two cancellations never offer to the same entry.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance import audit
from hp_agent.config import Settings
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, Forbidden, NotFound
from hp_agent.scheduling.models import (
    LIVE_STATUSES,
    Appointment,
    AppointmentType,
    VideoSession,
    WaitlistEntry,
    WaitlistStatus,
)
from hp_agent.scheduling.notify import notify
from hp_agent.scheduling.schemas import BookIn, WaitlistIn, WaitlistOut
from hp_agent.scheduling.service import book, get_type, may_book, patient_zone
from hp_agent.scheduling.slots import zone
from hp_agent.users.repository import SYSTEM, acting_as


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_out(entry: WaitlistEntry, offered: Appointment | None) -> WaitlistOut:
    out = WaitlistOut.model_validate(entry)
    out.offer_starts_at = (
        offered.starts_at if offered is not None and entry.status == WaitlistStatus.OFFERED else None
    )
    return out


async def join(session: AsyncSession, actor: Principal, body: WaitlistIn) -> WaitlistEntry:
    if actor.role != "patient" or actor.user_id is None:
        raise Forbidden("Only patients join a waitlist.", code="patients_only")
    atype = await get_type(session, body.appointment_type_id)
    await may_book(session, body.clinician_id, actor.user_id, atype)
    entry = WaitlistEntry(
        patient_id=actor.user_id,
        therapist_id=body.clinician_id,
        appointment_type_id=atype.id,
        timezone=await patient_zone(session, actor.user_id, None),
        earliest_date=body.earliest_date,
        latest_date=body.latest_date,
    )
    try:
        async with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        raise Conflict("You are already on this clinician's waitlist.", code="already_waitlisted") from None
    await audit.record(
        session, "scheduling.waitlist.joined", actor=actor, subject_type="waitlist_entry", subject_id=entry.id
    )
    return entry


async def mine(session: AsyncSession, actor: Principal) -> list[WaitlistOut]:
    w = WaitlistEntry
    open_ = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)
    stmt = select(w).where(w.patient_id == actor.user_id, w.status.in_(open_)).order_by(w.created_at)
    entries = (await session.execute(stmt)).scalars().all()
    # The offered time belongs to someone else's cancelled appointment, hidden by RLS: read it
    # as the system actor and show only its start.
    ids = [e.offered_appointment_id for e in entries if e.offered_appointment_id is not None]
    offered: dict[uuid.UUID, Appointment] = {}
    if ids:
        async with acting_as(session, SYSTEM):
            rows = (await session.execute(select(Appointment).where(Appointment.id.in_(ids)))).scalars()
            offered = {a.id: a for a in rows}
    return [
        to_out(e, offered.get(e.offered_appointment_id) if e.offered_appointment_id else None)
        for e in entries
    ]


async def _own(session: AsyncSession, actor: Principal, entry_id: uuid.UUID) -> WaitlistEntry:
    entry = await session.get(WaitlistEntry, entry_id, with_for_update=True)
    if entry is None or entry.patient_id != actor.user_id:
        raise NotFound("No such waitlist entry.", code="waitlist_entry_not_found")
    return entry


async def leave(session: AsyncSession, actor: Principal, entry_id: uuid.UUID, settings: Settings) -> None:
    entry = await _own(session, actor, entry_id)
    if entry.status not in (WaitlistStatus.WAITING, WaitlistStatus.OFFERED):
        raise Conflict("This waitlist entry is closed.", code="waitlist_entry_closed")
    offered = await _offered(session, entry)
    entry.status = WaitlistStatus.CANCELLED
    entry.resolved_at = now_utc()
    await session.flush()
    if offered is not None:
        await offer_slot(session, offered, settings)


async def accept(
    session: AsyncSession, actor: Principal, entry_id: uuid.UUID, settings: Settings
) -> tuple[Appointment, VideoSession | None]:
    entry = await _own(session, actor, entry_id)
    offered = await _offered(session, entry)
    if entry.status != WaitlistStatus.OFFERED or offered is None or entry.offer_expires_at is None:
        raise Conflict("There is no open offer on this entry.", code="no_offer")
    if entry.offer_expires_at <= now_utc():
        raise Conflict("This offer has expired.", code="offer_expired")
    assert entry.therapist_id is not None
    appt, video = await book(
        session,
        actor,
        BookIn(
            clinician_id=entry.therapist_id,
            appointment_type_id=entry.appointment_type_id,
            starts_at=offered.starts_at,
            timezone=entry.timezone,
        ),
        settings,
    )
    entry.status = WaitlistStatus.BOOKED
    entry.resolved_at = now_utc()
    await session.flush()
    return appt, video


async def _offered(session: AsyncSession, entry: WaitlistEntry) -> Appointment | None:
    if entry.offered_appointment_id is None:
        return None
    async with acting_as(session, SYSTEM):
        return await session.get(Appointment, entry.offered_appointment_id)


def _fits(entry: WaitlistEntry, atype: AppointmentType, freed: Appointment) -> bool:
    if freed.starts_at + dt.timedelta(minutes=atype.duration_minutes) > freed.ends_at:
        return False
    local = freed.starts_at.astimezone(zone(entry.timezone) or dt.UTC).date()
    if entry.earliest_date is not None and local < entry.earliest_date:
        return False
    return entry.latest_date is None or local <= entry.latest_date


async def offer_slot(
    session: AsyncSession, freed: Appointment, settings: Settings, now: dt.datetime | None = None
) -> WaitlistEntry | None:
    """Offer ``freed``'s time to the next suitable waiting person; returns their entry."""
    now = now or now_utc()
    expires = min(now + dt.timedelta(minutes=settings.waitlist_offer_minutes), freed.starts_at)
    if freed.therapist_id is None or expires <= now:
        return None
    w = WaitlistEntry
    async with acting_as(session, SYSTEM):
        # Someone already booked the time (or holds an offer on it): nothing to offer.
        if await _time_taken(session, freed):
            return None
        rows = (
            await session.execute(
                select(w, AppointmentType)
                .join(AppointmentType, AppointmentType.id == w.appointment_type_id)
                .where(w.therapist_id == freed.therapist_id, w.status == WaitlistStatus.WAITING)
                .order_by(w.priority, w.created_at)
                .limit(50)
                .with_for_update(of=w, skip_locked=True)
            )
        ).all()
        candidates = [(row[0], row[1]) for row in rows]
        entry = next(
            (e for e, t in candidates if e.patient_id != freed.patient_id and _fits(e, t, freed)), None
        )
        if entry is None:
            return None
        entry.status = WaitlistStatus.OFFERED
        entry.offered_appointment_id = freed.id
        entry.offered_at = now
        entry.offer_expires_at = expires
        await session.flush()
    await notify(
        session,
        entry.patient_id,
        title="An earlier appointment is available",
        body="A slot opened up with your clinician. Open your schedule to take it before the offer expires.",
        appointment_id=None,
        dedupe_key=f"waitlist:{entry.id}:offer:{freed.id}",
    )
    return entry


async def _time_taken(session: AsyncSession, freed: Appointment) -> bool:
    a, w = Appointment, WaitlistEntry
    booked = await session.execute(
        select(a.id)
        .where(
            a.therapist_id == freed.therapist_id,
            a.status.in_(LIVE_STATUSES),
            a.starts_at < freed.ends_at,
            a.ends_at > freed.starts_at,
        )
        .limit(1)
    )
    if booked.first() is not None:
        return True
    held = await session.execute(
        select(w.id).where(w.offered_appointment_id == freed.id, w.status == WaitlistStatus.OFFERED).limit(1)
    )
    return held.first() is not None


async def expire_offers(session: AsyncSession, settings: Settings, now: dt.datetime, limit: int = 50) -> int:
    """Close offers past their expiry and pass each slot on (system actor, worker)."""
    w = WaitlistEntry
    rows = (
        (
            await session.execute(
                select(w)
                .where(w.status == WaitlistStatus.OFFERED, w.offer_expires_at <= now)
                .order_by(w.offer_expires_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        .scalars()
        .all()
    )
    for entry in rows:
        entry.status = WaitlistStatus.EXPIRED
        entry.resolved_at = now
        await session.flush()
        freed = (
            await session.get(Appointment, entry.offered_appointment_id)
            if entry.offered_appointment_id
            else None
        )
        if freed is not None:
            await offer_slot(session, freed, settings, now)
    return len(rows)
