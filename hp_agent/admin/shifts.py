"""Changing an on-call shift (times, tier, country) as an administrator (docs/admin.md).

Creating, listing and cancelling shifts are the care network's (``/v1/care/on-call-shifts``,
hp_agent/care/routing.py), for practice leads and administrators alike. This change acts as the
administrator: ``clinician_on_call_shifts`` gives admins every row through its staff policy, so no
system actor is needed. The clinician's profile row is locked before the overlap check, as shift
creation does, so a change and a new shift cannot both slip into the same hours.
"""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care import repository
from hp_agent.care.models import ClinicianOnCallShift, ClinicianProfile, OnCallShiftStatus, OnCallTier
from hp_agent.care.schemas import ShiftOut
from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, HPError, NotFound
from hp_agent.users.schemas import CountryCode

MAX_SHIFT = dt.timedelta(days=7)


class ShiftPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    tier: str | None = Field(default=None, pattern=r"^(primary|backup|supervisor)$")
    country_code: CountryCode | None = None


def _invalid(message: str, code: str = "validation_error") -> HPError:
    return HPError(message, 422, code=code)


async def update(session: AsyncSession, admin: Principal, shift_id: uuid.UUID, body: ShiftPatch) -> ShiftOut:
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise _invalid("Nothing to change.")
    s = ClinicianOnCallShift
    shift = (await session.execute(select(s).where(s.id == shift_id))).scalar_one_or_none()
    if shift is None:
        raise NotFound("No such shift.", code="shift_not_found")
    await session.execute(
        select(ClinicianProfile.id).where(ClinicianProfile.user_id == shift.clinician_id).with_for_update()
    )
    await session.refresh(shift, with_for_update=True)
    if shift.status == OnCallShiftStatus.cancelled:
        raise Conflict("This shift is cancelled.", code="shift_cancelled")
    await repository.require_verified_clinician(session, shift.clinician_id)
    now = dt.datetime.now(dt.UTC)
    starts = body.starts_at if body.starts_at is not None else shift.starts_at
    ends = body.ends_at if body.ends_at is not None else shift.ends_at
    for value in (body.starts_at, body.ends_at):
        if value is not None and value.tzinfo is None:
            raise _invalid("Times must carry a UTC offset.")
    if ends <= now or (body.starts_at is not None and body.starts_at < now):
        raise _invalid("A shift can only be moved to times in the future.", "shift_in_past")
    if ends <= starts or ends - starts > MAX_SHIFT:
        raise _invalid("A shift ends after it starts and lasts at most 7 days.")
    overlap = (
        await session.execute(
            select(s.id)
            .where(
                s.clinician_id == shift.clinician_id,
                s.id != shift.id,
                s.status == OnCallShiftStatus.scheduled,
                s.starts_at < ends,
                s.ends_at > starts,
            )
            .with_for_update()
        )
    ).first()
    if overlap is not None:
        raise Conflict("This clinician already has a shift in that time.", code="shift_overlap")
    before = {
        "starts_at": shift.starts_at.isoformat(),
        "ends_at": shift.ends_at.isoformat(),
        "tier": shift.tier.value,
    }
    shift.starts_at, shift.ends_at = starts, ends
    if body.tier is not None:
        shift.tier = OnCallTier(body.tier)
    if "country_code" in changes:
        shift.country_code = body.country_code
    await session.flush()
    await audit.record(
        session,
        "admin.on_call.shift_changed",
        actor=admin,
        subject_type="clinician_on_call_shift",
        subject_id=shift.id,
        details={"clinician_id": str(shift.clinician_id), "fields": sorted(changes), "before": before},
    )
    return ShiftOut.model_validate(shift)
