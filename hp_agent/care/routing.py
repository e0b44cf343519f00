"""Who covers a clinician: practices (a clinic with leads and members), backup clinicians and
on-call shifts. Escalation routing (therapist → backup → on call) reads what is set here
(``hp_agent.crisis.deadlines``).

Admins may do everything; a practice's lead may manage members of their own practice. The checks
below give clear answers; row-level security holds the same rules (members read their practice,
leads add and remove members and roster them, hp_agent/db/security.py), so every statement runs as
the person asking, never as the system actor.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care import repository
from hp_agent.care.models import ClinicianOnCallShift, ClinicianProfile, OnCallShiftStatus, OnCallTier
from hp_agent.care.network_models import CarePractice, CarePracticeMember, PracticeMemberRole
from hp_agent.care.schemas import PracticeMemberOut, PracticeOut, ShiftIn
from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, Forbidden, HPError, NotFound


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _staff(actor: Principal) -> bool:
    return actor.role == "admin"


async def _practices_led_by(session: AsyncSession, lead: uuid.UUID) -> set[uuid.UUID]:
    m = CarePracticeMember
    stmt = select(m.practice_id).where(
        m.clinician_id == lead, m.role == PracticeMemberRole.lead, m.left_at.is_(None)
    )
    return set((await session.execute(stmt)).scalars())


async def _members_of(session: AsyncSession, practices: set[uuid.UUID]) -> set[uuid.UUID]:
    if not practices:
        return set()
    m = CarePracticeMember
    stmt = select(m.clinician_id).where(m.practice_id.in_(practices), m.left_at.is_(None))
    return set((await session.execute(stmt)).scalars())


async def _require_manager(session: AsyncSession, actor: Principal, *clinicians: uuid.UUID) -> None:
    """An admin, or a lead of a practice every one of ``clinicians`` belongs to."""
    if _staff(actor):
        return
    if actor.role != "therapist" or actor.user_id is None:
        raise Forbidden("Only clinic leads and administrators can do this.")
    led = await _practices_led_by(session, actor.user_id)
    members = await _members_of(session, led)
    if not led or any(c not in members for c in clinicians):
        raise Forbidden(
            "Only a lead of this clinician's practice or an administrator can do this.", code="not_lead"
        )


async def _audit(
    session: AsyncSession, action: str, actor: Principal, kind: str, sid: uuid.UUID, **d: object
) -> None:
    await audit.record(session, action, actor=actor, subject_type=kind, subject_id=sid, details=dict(d))


# -- practices ------------------------------------------------------------------------------------


async def practice_out(session: AsyncSession, practice: CarePractice) -> PracticeOut:
    m, p = CarePracticeMember, ClinicianProfile
    rows = await session.execute(
        select(m.clinician_id, m.role, p.display_name)
        .outerjoin(p, p.user_id == m.clinician_id)
        .where(m.practice_id == practice.id, m.left_at.is_(None))
        .order_by(m.role, p.display_name)
    )
    members = [PracticeMemberOut(clinician_id=c, role=r, display_name=n) for c, r, n in rows]
    return PracticeOut(id=practice.id, name=practice.name, members=members)


async def create_practice(
    session: AsyncSession, admin: Principal, name: str, lead_id: uuid.UUID
) -> CarePractice:
    if not _staff(admin):
        raise Forbidden("Only administrators can create practices.")
    await repository.require_verified_clinician(session, lead_id)
    practice = CarePractice(id=uuid.uuid4(), name=name, created_by=admin.user_id)
    session.add(practice)
    await session.flush()
    session.add(
        CarePracticeMember(practice_id=practice.id, clinician_id=lead_id, role=PracticeMemberRole.lead)
    )
    await session.flush()
    await _audit(session, "care.practice.created", admin, "care_practice", practice.id, lead_id=lead_id)
    return practice


async def _practice(session: AsyncSession, practice_id: uuid.UUID) -> CarePractice:
    practice = await session.get(CarePractice, practice_id)  # members and admins see it
    if practice is None:
        raise NotFound("No such practice.")
    return practice


async def _require_practice_manager(session: AsyncSession, actor: Principal, practice_id: uuid.UUID) -> None:
    if _staff(actor):
        return
    if actor.user_id is None or practice_id not in await _practices_led_by(session, actor.user_id):
        raise Forbidden("Only a lead of this practice or an administrator can do this.", code="not_lead")


async def add_member(
    session: AsyncSession,
    actor: Principal,
    practice_id: uuid.UUID,
    clinician_id: uuid.UUID,
    role: PracticeMemberRole,
) -> CarePractice:
    # Who asks first: a practice is visible to its members and administrators only.
    await _require_practice_manager(session, actor, practice_id)
    practice = await _practice(session, practice_id)
    await repository.require_verified_clinician(session, clinician_id)
    m = CarePracticeMember
    current = (
        await session.execute(
            select(m).where(m.practice_id == practice_id, m.clinician_id == clinician_id, m.left_at.is_(None))
        )
    ).scalar_one_or_none()
    if current is not None:
        raise Conflict("This clinician is already a member of the practice.", code="already_member")
    session.add(m(practice_id=practice_id, clinician_id=clinician_id, role=role))
    await session.flush()
    await _audit(
        session, "care.practice.member_added", actor, "care_practice", practice_id, clinician_id=clinician_id
    )
    return practice


async def remove_member(
    session: AsyncSession, actor: Principal, practice_id: uuid.UUID, clinician_id: uuid.UUID
) -> CarePractice:
    # Who asks first: a practice is visible to its members and administrators only.
    await _require_practice_manager(session, actor, practice_id)
    practice = await _practice(session, practice_id)
    m = CarePracticeMember
    current = (
        await session.execute(
            select(m)
            .where(m.practice_id == practice_id, m.clinician_id == clinician_id, m.left_at.is_(None))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if current is None:
        raise NotFound("This clinician is not a member of the practice.")
    current.left_at = _now()
    await session.flush()
    await _audit(
        session,
        "care.practice.member_removed",
        actor,
        "care_practice",
        practice_id,
        clinician_id=clinician_id,
    )
    return practice


async def my_practices(session: AsyncSession, actor: Principal) -> list[CarePractice]:
    m = CarePracticeMember
    stmt = select(CarePractice)
    if not _staff(actor):
        stmt = stmt.join(m, m.practice_id == CarePractice.id).where(
            m.clinician_id == actor.user_id, m.left_at.is_(None)
        )
    return list((await session.execute(stmt.order_by(CarePractice.name).limit(200))).scalars().unique())


# -- backup ---------------------------------------------------------------------------------------


async def set_backup(
    session: AsyncSession, actor: Principal, clinician_id: uuid.UUID, backup_id: uuid.UUID | None
) -> ClinicianProfile:
    """Who takes this clinician's escalations when they do not acknowledge in time."""
    if backup_id == clinician_id:
        raise HPError("A clinician cannot be their own backup.", 422, code="backup_is_self")
    await _require_manager(session, actor, clinician_id, *([backup_id] if backup_id else []))
    if backup_id is not None:
        await repository.require_verified_clinician(session, backup_id)
    profile = (
        await session.execute(
            select(ClinicianProfile).where(ClinicianProfile.user_id == clinician_id).with_for_update()
        )
    ).scalar_one_or_none()
    if profile is None:
        raise NotFound("No such clinician.")
    profile.backup_clinician_id = backup_id
    await session.flush()
    await _audit(
        session,
        "care.clinician.backup_set",
        actor,
        "clinician_profile",
        profile.id,
        clinician_id=clinician_id,
        backup_clinician_id=backup_id,
    )
    return profile


# -- on-call shifts -------------------------------------------------------------------------------


async def create_shift(session: AsyncSession, actor: Principal, body: ShiftIn) -> ClinicianOnCallShift:
    await _require_manager(session, actor, body.clinician_id)
    await repository.require_verified_clinician(session, body.clinician_id)
    if body.ends_at <= _now():
        raise HPError("The shift is already over.", 422, code="shift_in_past")
    s = ClinicianOnCallShift
    # The clinician's profile row serialises concurrent rostering of the same person (no
    # btree_gist in embedded PostgreSQL, so no exclusion constraint on the shift's range).
    await session.execute(
        select(ClinicianProfile.id).where(ClinicianProfile.user_id == body.clinician_id).with_for_update()
    )
    overlap = (
        await session.execute(
            select(s.id).where(
                s.clinician_id == body.clinician_id,
                s.status == OnCallShiftStatus.scheduled,
                s.starts_at < body.ends_at,
                s.ends_at > body.starts_at,
            )
        )
    ).first()
    if overlap is not None:
        raise Conflict("This clinician already has a shift in that time.", code="shift_overlap")
    shift = s(
        id=uuid.uuid4(),
        clinician_id=body.clinician_id,
        tier=OnCallTier(body.tier),
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        country_code=body.country_code,
        created_by=actor.user_id,
    )
    session.add(shift)
    await session.flush()
    await _audit(
        session,
        "care.on_call.shift_created",
        actor,
        "clinician_on_call_shift",
        shift.id,
        clinician_id=body.clinician_id,
        tier=body.tier,
    )
    return shift


async def cancel_shift(session: AsyncSession, actor: Principal, shift_id: uuid.UUID) -> ClinicianOnCallShift:
    # Read (the roster is readable by clinicians), check who is asking, then lock: the lock needs
    # the right to change the row, which only the clinician's lead or an administrator has.
    shift = await session.get(ClinicianOnCallShift, shift_id)
    if shift is None:
        raise NotFound("No such shift.")
    await _require_manager(session, actor, shift.clinician_id)
    await session.refresh(shift, with_for_update=True)
    if shift.status == OnCallShiftStatus.cancelled:
        raise Conflict("This shift is already cancelled.", code="shift_cancelled")
    shift.status = OnCallShiftStatus.cancelled
    shift.cancelled_at = _now()
    await session.flush()
    await _audit(session, "care.on_call.shift_cancelled", actor, "clinician_on_call_shift", shift.id)
    return shift


async def list_shifts(
    session: AsyncSession, actor: Principal, start: dt.datetime, end: dt.datetime
) -> list[ClinicianOnCallShift]:
    """The roster in a window (clinicians and admins: the table's read policy admits both)."""
    if actor.role not in ("therapist", "admin"):
        raise Forbidden("Only clinicians and administrators can see the on-call roster.")
    if end <= start or end - start > dt.timedelta(days=62):
        raise HPError("The window must be positive and at most 62 days.", 422, code="validation_error")
    s = ClinicianOnCallShift
    stmt = (
        select(s)
        .where(s.status == OnCallShiftStatus.scheduled, s.starts_at < end, s.ends_at > start)
        .order_by(s.starts_at)
        .limit(500)
    )
    return list((await session.execute(stmt)).scalars().all())
