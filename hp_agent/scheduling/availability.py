"""A clinician's weekly availability and its dated exceptions (time off, extra hours).

Only the clinician edits their own calendar (admins may too); RLS agrees (the rows are owned by
``therapist_id``). Overlapping weekly windows are refused here with a clear code and, should two
requests race, by the exclusion constraint ``ex_therapist_availability_no_overlap``. All of a
clinician's windows use one zone, so "overlap" means the same thing in wall-clock and real time.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, Forbidden, HPError, NotFound
from hp_agent.scheduling import repository as repo
from hp_agent.scheduling.models import AvailabilityException, TherapistAvailability
from hp_agent.scheduling.schemas import AvailabilityIn, ExceptionIn
from hp_agent.scheduling.slots import zone

EXCLUSION_VIOLATION = "23P01"


class InvalidTimeZone(HPError):
    status_code = 422
    code = "invalid_timezone"


def exclusion_violated(exc: IntegrityError) -> str | None:
    """The name of the exclusion constraint an INSERT/UPDATE broke, if that is what happened."""
    orig = exc.orig
    if getattr(orig, "sqlstate", None) != EXCLUSION_VIOLATION:
        return None
    return str(getattr(getattr(orig, "__cause__", None), "constraint_name", "") or "exclusion")


def require_own_calendar(actor: Principal, clinician_id: uuid.UUID) -> None:
    if actor.role == "admin":
        return
    if actor.role != "therapist" or actor.user_id != clinician_id:
        raise Forbidden("You can only manage your own calendar.", code="not_your_calendar")


async def clinician_zone(session: AsyncSession, clinician_id: uuid.UUID) -> str:
    """The clinician's IANA zone: their profile's, else their account's (app_clinician_timezone)."""
    found = await repo.clinician_timezone(session, clinician_id)
    if found is None:
        raise NotFound("No such clinician.", code="clinician_not_found")
    return found


def _overlaps(a: TherapistAvailability, b: AvailabilityIn, valid_from: dt.date) -> bool:
    if a.weekday != b.weekday or not (a.start_time < b.end_time and b.start_time < a.end_time):
        return False
    far = dt.date.max
    return a.valid_from <= (b.valid_until or far) and valid_from <= (a.valid_until or far)


async def add_window(
    session: AsyncSession, actor: Principal, clinician_id: uuid.UUID, body: AvailabilityIn
) -> TherapistAvailability:
    require_own_calendar(actor, clinician_id)
    tz_name = body.timezone or await clinician_zone(session, clinician_id)
    if zone(tz_name) is None:
        raise InvalidTimeZone("Not an IANA time zone name (e.g. Europe/London).")
    existing = await repo.availability(session, clinician_id)
    if any(r.timezone != tz_name for r in existing):
        raise Conflict(
            "All weekly windows use one time zone; remove the others to change it.", code="timezone_mismatch"
        )
    valid_from = body.valid_from or dt.datetime.now(dt.UTC).date()
    if body.valid_until is not None and body.valid_until < valid_from:
        raise HPError("valid_until must not be before valid_from.", 422, code="invalid_dates")
    clash = next((r for r in existing if _overlaps(r, body, valid_from)), None)
    if clash is not None:
        raise Conflict(
            "This window overlaps another weekly window.",
            code="availability_overlap",
            details={"overlaps": str(clash.id)},
        )
    row = TherapistAvailability(
        therapist_id=clinician_id,
        weekday=body.weekday,
        start_time=body.start_time,
        end_time=body.end_time,
        timezone=tz_name,
        modality=body.modality,
        valid_from=valid_from,
        valid_until=body.valid_until,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:
        if exclusion_violated(exc):
            raise Conflict(
                "This window overlaps another weekly window.", code="availability_overlap"
            ) from None
        raise
    await _audit(session, actor, "scheduling.availability.created", row.id, clinician_id)
    return row


async def list_windows(
    session: AsyncSession, actor: Principal, clinician_id: uuid.UUID
) -> Sequence[TherapistAvailability]:
    require_own_calendar(actor, clinician_id)
    return await repo.availability(session, clinician_id)


async def remove_window(
    session: AsyncSession, actor: Principal, clinician_id: uuid.UUID, window_id: uuid.UUID
) -> None:
    require_own_calendar(actor, clinician_id)
    result: Any = await session.execute(
        delete(TherapistAvailability).where(
            TherapistAvailability.id == window_id, TherapistAvailability.therapist_id == clinician_id
        )
    )
    if result.rowcount == 0:
        raise NotFound("No such availability window.")
    await _audit(session, actor, "scheduling.availability.deleted", window_id, clinician_id)


async def add_exception(
    session: AsyncSession, actor: Principal, clinician_id: uuid.UUID, body: ExceptionIn
) -> AvailabilityException:
    require_own_calendar(actor, clinician_id)
    row = AvailabilityException(
        therapist_id=clinician_id,
        kind=body.kind,
        starts_at=body.starts_at.astimezone(dt.UTC),
        ends_at=body.ends_at.astimezone(dt.UTC),
    )
    session.add(row)
    await session.flush()
    await _audit(session, actor, "scheduling.exception.created", row.id, clinician_id)
    return row


async def list_exceptions(
    session: AsyncSession, actor: Principal, clinician_id: uuid.UUID, start: dt.datetime, end: dt.datetime
) -> Sequence[AvailabilityException]:
    require_own_calendar(actor, clinician_id)
    return await repo.exceptions(session, clinician_id, start, end)


async def remove_exception(
    session: AsyncSession, actor: Principal, clinician_id: uuid.UUID, exception_id: uuid.UUID
) -> None:
    require_own_calendar(actor, clinician_id)
    result: Any = await session.execute(
        delete(AvailabilityException).where(
            AvailabilityException.id == exception_id, AvailabilityException.therapist_id == clinician_id
        )
    )
    if result.rowcount == 0:
        raise NotFound("No such exception.")
    await _audit(session, actor, "scheduling.exception.deleted", exception_id, clinician_id)


async def _audit(
    session: AsyncSession, actor: Principal, action: str, subject: uuid.UUID, clinician_id: uuid.UUID
) -> None:
    await audit.record(
        session,
        action,
        actor=actor,
        subject_type="therapist_availability",
        subject_id=subject,
        details={"clinician_id": clinician_id},
    )
