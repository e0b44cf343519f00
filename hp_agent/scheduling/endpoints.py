"""Scheduling API (docs/scheduling.md): availability, slots, appointments, waitlist, feeds."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import AppSettings, CurrentUser
from hp_agent.scheduling import availability, changes, feeds, repository, service, waitlist
from hp_agent.scheduling.schemas import (
    AppointmentOut,
    AppointmentTypeOut,
    AvailabilityIn,
    AvailabilityOut,
    BookIn,
    CancelIn,
    CancellationOut,
    ExceptionIn,
    ExceptionOut,
    FeedOut,
    RescheduleIn,
    SlotsOut,
    WaitlistIn,
    WaitlistOut,
)

router = APIRouter(tags=["scheduling"])

From = Annotated[dt.datetime, Query(alias="from", description="ISO 8601 with offset")]
To = Annotated[dt.datetime, Query(alias="to", description="ISO 8601 with offset")]
OptFrom = Annotated[dt.datetime | None, Query(alias="from")]
OptTo = Annotated[dt.datetime | None, Query(alias="to")]


def _aware(*values: dt.datetime | None) -> None:
    if any(v is not None and v.tzinfo is None for v in values):
        raise service.Unprocessable(
            "Times need a UTC offset (e.g. 2026-03-02T09:00:00Z).", code="timezone_required"
        )


@router.get("/v1/appointment-types", response_model=list[AppointmentTypeOut])
async def appointment_types(user: CurrentUser, db: DbSession) -> list[AppointmentTypeOut]:
    return [AppointmentTypeOut.model_validate(t) for t in await repository.active_types(db)]


# -- a clinician's calendar ------------------------------------------------------------------


@router.get("/v1/clinicians/{clinician_id}/availability", response_model=list[AvailabilityOut])
async def list_availability(
    clinician_id: uuid.UUID, user: CurrentUser, db: DbSession
) -> list[AvailabilityOut]:
    rows = await availability.list_windows(db, user, clinician_id)
    return [AvailabilityOut.model_validate(r) for r in rows]


@router.post("/v1/clinicians/{clinician_id}/availability", response_model=AvailabilityOut, status_code=201)
async def add_availability(
    clinician_id: uuid.UUID, body: AvailabilityIn, user: CurrentUser, db: DbSession
) -> AvailabilityOut:
    return AvailabilityOut.model_validate(await availability.add_window(db, user, clinician_id, body))


@router.delete("/v1/clinicians/{clinician_id}/availability/{window_id}", status_code=204)
async def remove_availability(
    clinician_id: uuid.UUID, window_id: uuid.UUID, user: CurrentUser, db: DbSession
) -> Response:
    await availability.remove_window(db, user, clinician_id, window_id)
    return Response(status_code=204)


@router.get("/v1/clinicians/{clinician_id}/exceptions", response_model=list[ExceptionOut])
async def list_exceptions(
    clinician_id: uuid.UUID, user: CurrentUser, db: DbSession, start: From, end: To
) -> list[ExceptionOut]:
    _aware(start, end)
    rows = await availability.list_exceptions(db, user, clinician_id, start, end)
    return [ExceptionOut.model_validate(r) for r in rows]


@router.post("/v1/clinicians/{clinician_id}/exceptions", response_model=ExceptionOut, status_code=201)
async def add_exception(
    clinician_id: uuid.UUID, body: ExceptionIn, user: CurrentUser, db: DbSession
) -> ExceptionOut:
    return ExceptionOut.model_validate(await availability.add_exception(db, user, clinician_id, body))


@router.delete("/v1/clinicians/{clinician_id}/exceptions/{exception_id}", status_code=204)
async def remove_exception(
    clinician_id: uuid.UUID, exception_id: uuid.UUID, user: CurrentUser, db: DbSession
) -> Response:
    await availability.remove_exception(db, user, clinician_id, exception_id)
    return Response(status_code=204)


@router.get("/v1/clinicians/{clinician_id}/slots", response_model=SlotsOut)
async def free_slots(
    clinician_id: uuid.UUID,
    user: CurrentUser,
    db: DbSession,
    start: From,
    end: To,
    appointment_type_id: uuid.UUID,
) -> SlotsOut:
    _aware(start, end)
    return await service.slots(db, user, clinician_id, appointment_type_id, start, end)


# -- appointments -------------------------------------------------------------------------------


@router.post("/v1/appointments", response_model=AppointmentOut, status_code=201)
async def book(body: BookIn, user: CurrentUser, db: DbSession, settings: AppSettings) -> AppointmentOut:
    appt, video = await service.book(db, user, body, settings)
    return service.to_out(appt, video)


@router.get("/v1/appointments", response_model=list[AppointmentOut])
async def my_appointments(
    user: CurrentUser,
    db: DbSession,
    start: OptFrom = None,
    end: OptTo = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AppointmentOut]:
    _aware(start, end)
    return await service.calendar(db, user, start, end, limit)


@router.get("/v1/appointments/{appointment_id}", response_model=AppointmentOut)
async def get_appointment(appointment_id: uuid.UUID, user: CurrentUser, db: DbSession) -> AppointmentOut:
    appt = await service.load_own(db, user, appointment_id)
    rooms = await repository.video_rooms(db, [appt.id])
    return service.to_out(appt, rooms.get(appt.id))


@router.post("/v1/appointments/{appointment_id}/reschedule", response_model=AppointmentOut)
async def reschedule(
    appointment_id: uuid.UUID, body: RescheduleIn, user: CurrentUser, db: DbSession, settings: AppSettings
) -> AppointmentOut:
    appt, video = await changes.reschedule(db, user, appointment_id, body, settings)
    return service.to_out(appt, video)


@router.post("/v1/appointments/{appointment_id}/cancel", response_model=CancellationOut)
async def cancel(
    appointment_id: uuid.UUID, body: CancelIn, user: CurrentUser, db: DbSession, settings: AppSettings
) -> CancellationOut:
    return await changes.cancel(db, user, appointment_id, body, settings)


# -- waitlist -----------------------------------------------------------------------------------


@router.post("/v1/waitlist", response_model=WaitlistOut, status_code=201)
async def join_waitlist(body: WaitlistIn, user: CurrentUser, db: DbSession) -> WaitlistOut:
    return waitlist.to_out(await waitlist.join(db, user, body), None)


@router.get("/v1/waitlist", response_model=list[WaitlistOut])
async def my_waitlist(user: CurrentUser, db: DbSession) -> list[WaitlistOut]:
    return await waitlist.mine(db, user)


@router.delete("/v1/waitlist/{entry_id}", status_code=204)
async def leave_waitlist(
    entry_id: uuid.UUID, user: CurrentUser, db: DbSession, settings: AppSettings
) -> Response:
    await waitlist.leave(db, user, entry_id, settings)
    return Response(status_code=204)


@router.post("/v1/waitlist/{entry_id}/accept", response_model=AppointmentOut, status_code=201)
async def accept_offer(
    entry_id: uuid.UUID, user: CurrentUser, db: DbSession, settings: AppSettings
) -> AppointmentOut:
    appt, video = await waitlist.accept(db, user, entry_id, settings)
    return service.to_out(appt, video)


# -- calendar feeds -----------------------------------------------------------------------------


@router.post("/v1/calendar/feed", response_model=FeedOut, status_code=201)
async def issue_feed(request: Request, user: CurrentUser, db: DbSession) -> FeedOut:
    feed, secret = await feeds.issue(db, user)
    base = str(request.base_url).rstrip("/")
    return FeedOut(url=base + feeds.feed_path(secret), created_at=feed.created_at or dt.datetime.now(dt.UTC))


@router.delete("/v1/calendar/feed", status_code=204)
async def revoke_feed(user: CurrentUser, db: DbSession) -> Response:
    await feeds.revoke(db, user)
    return Response(status_code=204)


@router.get(
    "/v1/calendar/feeds/{secret}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
async def calendar_feed(secret: str, request: Request, db: DbSession) -> Response:
    body = await feeds.render(db, secret, base_url=str(request.base_url).rstrip("/"))
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"},
    )
