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

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance import audit
from hp_agent.config import Settings
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, Forbidden, NotFound
from hp_agent.scheduling import repository as repo
from hp_agent.scheduling.models import (
    Appointment,
    VideoSession,
    WaitlistEntry,
    WaitlistStatus,
)
from hp_agent.scheduling.notify import notify
from hp_agent.scheduling.schemas import BookIn, WaitlistIn, WaitlistOut
from hp_agent.scheduling.service import book, get_type, may_book, patient_zone
from hp_agent.scheduling.slots import Interval


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_out(entry: WaitlistEntry, offered: Interval | None) -> WaitlistOut:
    out = WaitlistOut.model_validate(entry)
    out.offer_starts_at = (
        offered[0] if offered is not None and entry.status == WaitlistStatus.OFFERED else None
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
    # The offered time belongs to someone else's cancelled appointment, hidden by RLS: only its
    # time is read (app_offered_slot, for the caller's own entry).
    return [to_out(e, await _offered(session, e)) for e in entries]


async def _own(session: AsyncSession, actor: Principal, entry_id: uuid.UUID) -> WaitlistEntry:
    entry = await session.get(WaitlistEntry, entry_id, with_for_update=True)
    if entry is None or entry.patient_id != actor.user_id:
        raise NotFound("No such waitlist entry.", code="waitlist_entry_not_found")
    return entry


async def leave(session: AsyncSession, actor: Principal, entry_id: uuid.UUID, settings: Settings) -> None:
    entry = await _own(session, actor, entry_id)
    if entry.status not in (WaitlistStatus.WAITING, WaitlistStatus.OFFERED):
        raise Conflict("This waitlist entry is closed.", code="waitlist_entry_closed")
    offered = entry.offered_appointment_id if entry.status == WaitlistStatus.OFFERED else None
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
            starts_at=offered[0],
            timezone=entry.timezone,
        ),
        settings,
    )
    entry.status = WaitlistStatus.BOOKED
    entry.resolved_at = now_utc()
    await session.flush()
    return appt, video


async def _offered(session: AsyncSession, entry: WaitlistEntry) -> Interval | None:
    if entry.offered_appointment_id is None:
        return None
    return await repo.offered_slot(session, entry.id)


async def offer_slot(session: AsyncSession, freed_id: uuid.UUID, settings: Settings) -> uuid.UUID | None:
    """Offer a freed appointment's time to the next suitable waiting person; returns their entry.

    The matching reads and marks other people's waitlist entries, so it is one SECURITY DEFINER
    function (app_offer_freed_slot: the caller must be a party to the freed appointment, the person
    passing an offer on, or the worker); the service then notifies the person offered the slot."""
    row = (
        await session.execute(
            text("SELECT * FROM app_offer_freed_slot(:a, :m)"),
            {"a": freed_id, "m": settings.waitlist_offer_minutes},
        )
    ).first()
    if row is None:
        return None
    await notify(
        session,
        row.patient_id,
        title="An earlier appointment is available",
        body="A slot opened up with your clinician. Open your schedule to take it before the offer expires.",
        appointment_id=None,
        dedupe_key=f"waitlist:{row.entry_id}:offer:{freed_id}",
    )
    entry_id: uuid.UUID = row.entry_id
    return entry_id


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
        if entry.offered_appointment_id is not None:
            await offer_slot(session, entry.offered_appointment_id, settings)
    return len(rows)
