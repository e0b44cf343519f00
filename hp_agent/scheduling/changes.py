"""Rescheduling and cancelling an appointment (its patient or its clinician).

A reschedule marks the old appointment ``rescheduled`` and books a new one that points back to it
(``rescheduled_from_id``), in one transaction: if the new time was just taken, nothing changes.
A cancellation inside the appointment type's window (``cancellation_window_hours`` before the
start) by the patient is a *late* cancellation and carries the type's self-pay fee. Either way
the freed time is offered to the next person on the clinician's waitlist.

A clinician's writes run as the system actor after the checks here: they may hold an intake
with someone who is not (yet) their patient, which the co-owner RLS policy would refuse.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance import audit
from hp_agent.config import Settings
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict
from hp_agent.scheduling import repository as repo
from hp_agent.scheduling import waitlist
from hp_agent.scheduling.models import (
    Appointment,
    AppointmentCancellation,
    AppointmentStatus,
    AppointmentType,
    CancellationInitiator,
    CancellationKind,
    VideoSession,
)
from hp_agent.scheduling.notify import notify
from hp_agent.scheduling.schemas import CancelIn, CancellationOut, RescheduleIn
from hp_agent.scheduling.service import (
    attach,
    check_time,
    insert_appointment,
    is_live,
    load_own,
    now_utc,
    to_out,
)
from hp_agent.users.repository import acting_as


def _writer(actor: Principal, appt: Appointment) -> Principal:
    # The patient writes their own rows; the clinician writes as themselves too (the policies named
    # *_clinician* in hp_agent/db/security.py let the appointment's clinician change it before any
    # care relationship exists, as for an intake).
    return actor


def _other_party(actor: Principal, appt: Appointment) -> uuid.UUID | None:
    return appt.therapist_id if actor.user_id == appt.patient_id else appt.patient_id


async def _changeable(session: AsyncSession, actor: Principal, appointment_id: uuid.UUID) -> Appointment:
    appt = await load_own(session, actor, appointment_id)
    if not is_live(appt):
        raise Conflict("This appointment can no longer be changed.", code="appointment_closed")
    if appt.starts_at <= now_utc():
        raise Conflict("This appointment has already started.", code="already_started")
    return appt


async def reschedule(
    session: AsyncSession, actor: Principal, appointment_id: uuid.UUID, body: RescheduleIn, settings: Settings
) -> tuple[Appointment, VideoSession | None]:
    old = await _changeable(session, actor, appointment_id)
    assert old.therapist_id is not None  # live appointments keep their clinician
    atype = await session.get(AppointmentType, old.appointment_type_id)
    assert atype is not None
    start = body.starts_at.astimezone(dt.UTC)
    end = await check_time(session, actor, old.therapist_id, old.patient_id, atype, start, ignore=old.id)
    async with acting_as(session, _writer(actor, old)):
        old.status = AppointmentStatus.RESCHEDULED
        await session.flush()
        await repo.cancel_reminders(session, old.id)
        new = Appointment(
            id=uuid.uuid4(),
            patient_id=old.patient_id,
            therapist_id=old.therapist_id,
            appointment_type_id=old.appointment_type_id,
            status=AppointmentStatus.SCHEDULED,
            starts_at=start,
            ends_at=end,
            timezone=old.timezone,
            modality=old.modality,
            location=old.location,
            booked_by=actor.user_id,
            rescheduled_from_id=old.id,
            is_billable=old.is_billable,
        )
        await insert_appointment(session, new)
        video = await attach(session, new, settings)
    await audit.record(
        session,
        "scheduling.appointment.rescheduled",
        actor=actor,
        subject_type="appointment",
        subject_id=new.id,
        details={"from_appointment_id": str(old.id), "starts_at": start.isoformat()},
    )
    other = _other_party(actor, old)
    if other is not None:
        await notify(
            session,
            other,
            title="Appointment moved",
            body="An appointment of yours has a new time. Open your schedule for details.",
            appointment_id=new.id,
            dedupe_key=f"appointment:{new.id}:rescheduled",
        )
    await waitlist.offer_slot(session, old.id, settings)
    return new, video


async def cancel(
    session: AsyncSession, actor: Principal, appointment_id: uuid.UUID, body: CancelIn, settings: Settings
) -> CancellationOut:
    appt = await _changeable(session, actor, appointment_id)
    atype = await session.get(AppointmentType, appt.appointment_type_id)
    assert atype is not None
    now = now_utc()
    by_patient = actor.user_id == appt.patient_id
    notice = appt.starts_at - now
    late = by_patient and notice < dt.timedelta(hours=atype.cancellation_window_hours)
    fee = atype.self_pay_amount if late and atype.self_pay_amount else None
    kind = CancellationKind.LATE_CANCELLATION if late else CancellationKind.CANCELLATION
    async with acting_as(session, _writer(actor, appt)):
        appt.status = AppointmentStatus.CANCELLED
        appt.cancelled_at = now
        session.add(
            AppointmentCancellation(
                appointment_id=appt.id,
                patient_id=appt.patient_id,
                therapist_id=appt.therapist_id,
                kind=kind,
                initiated_by=CancellationInitiator.PATIENT if by_patient else CancellationInitiator.THERAPIST,
                cancelled_by=actor.user_id,
                reason=body.reason,
                notice_minutes=int(notice.total_seconds() // 60),
                fee_amount=fee,
                currency=atype.currency if fee is not None else None,
            )
        )
        await session.flush()
        await repo.cancel_reminders(session, appt.id)
    await audit.record(
        session,
        "scheduling.appointment.cancelled",
        actor=actor,
        subject_type="appointment",
        subject_id=appt.id,
        details={"kind": kind.value, "reason": body.reason.value},
    )
    other = _other_party(actor, appt)
    if other is not None:
        await notify(
            session,
            other,
            title="Appointment cancelled",
            body="An appointment of yours was cancelled. Open your schedule for details.",
            appointment_id=appt.id,
            dedupe_key=f"appointment:{appt.id}:cancelled",
        )
    await waitlist.offer_slot(session, appt.id, settings)
    rooms = await repo.video_rooms(session, [appt.id])
    return CancellationOut(
        appointment=to_out(appt, rooms.get(appt.id)),
        kind=kind,
        notice_minutes=int(notice.total_seconds() // 60),
        fee_amount=fee,
        currency=atype.currency if fee is not None else None,
    )
