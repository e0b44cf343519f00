"""``/v1/care``: care relationships and consents, invitation codes, referrals, practices, backups
and the on-call roster. See docs/care.md."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser, require_role
from hp_agent.care import referrals, routing, service
from hp_agent.care.clinicians import get_profile
from hp_agent.care.models import TherapeuticRelationship
from hp_agent.care.schemas import (
    AcceptIn,
    BackupIn,
    ClinicianOut,
    ConsentIn,
    EndIn,
    InviteCodeIn,
    InviteCodeOut,
    PracticeMemberIn,
    PracticeOut,
    ReferralIn,
    ReferralOut,
    ReferralRespondIn,
    RelationshipOut,
    RelationshipRequestIn,
    ShiftIn,
    ShiftOut,
)
from hp_agent.care.views import clinician_out
from hp_agent.db.session import Principal

Patient = Annotated[Principal, Depends(require_role("patient"))]
Clinician = Annotated[Principal, Depends(require_role("therapist"))]
Person = Annotated[Principal, Depends(require_role("patient", "therapist"))]
Manager = Annotated[Principal, Depends(require_role("therapist", "admin"))]

router = APIRouter(prefix="/v1/care", tags=["care"])


async def _out(db: DbSession, user: Principal, rels: list[TherapeuticRelationship]) -> list[RelationshipOut]:
    names = await service.names(db, rels, user)
    return [
        RelationshipOut.model_validate(
            {
                **{k: getattr(r, k) for k in RelationshipOut.model_fields if hasattr(r, k)},
                "status": r.status.value,
                "requested_by": service.requested_by(r),
                "counterpart_name": names.get(r.patient_id if user.role == "therapist" else r.therapist_id),
            }
        )
        for r in rels
    ]


@router.get("/relationships", response_model=list[RelationshipOut])
async def list_relationships(user: Person, db: DbSession) -> list[RelationshipOut]:
    """Every relationship of the caller, past ones included (history is kept)."""
    return await _out(db, user, await service.my_relationships(db, user))


@router.post("/relationships", response_model=RelationshipOut, status_code=status.HTTP_201_CREATED)
async def request_relationship(body: RelationshipRequestIn, user: Patient, db: DbSession) -> RelationshipOut:
    """Ask a verified clinician (pending until they accept), or redeem their invitation code."""
    return (await _out(db, user, [await service.request(db, user, body)]))[0]


@router.post("/relationships/{relationship_id}/accept", response_model=RelationshipOut)
async def accept_relationship(
    relationship_id: uuid.UUID, user: Person, db: DbSession, body: AcceptIn | None = None
) -> RelationshipOut:
    rel = await service.accept(db, user, relationship_id, body or AcceptIn())
    return (await _out(db, user, [rel]))[0]


@router.post("/relationships/{relationship_id}/decline", response_model=RelationshipOut)
async def decline_relationship(relationship_id: uuid.UUID, user: Person, db: DbSession) -> RelationshipOut:
    return (await _out(db, user, [await service.decline(db, user, relationship_id)]))[0]


@router.post("/relationships/{relationship_id}/end", response_model=RelationshipOut)
async def end_relationship(
    relationship_id: uuid.UUID, user: Person, db: DbSession, body: EndIn | None = None
) -> RelationshipOut:
    rel = await service.end(db, user, relationship_id, (body or EndIn()).reason)
    return (await _out(db, user, [rel]))[0]


@router.put("/relationships/{relationship_id}/consent", response_model=RelationshipOut)
async def set_consent(
    relationship_id: uuid.UUID, body: ConsentIn, user: Patient, db: DbSession
) -> RelationshipOut:
    """What this clinician may read; the patient can change it at any time."""
    return (await _out(db, user, [await service.set_consent(db, user, relationship_id, body)]))[0]


@router.post("/invite-codes", response_model=InviteCodeOut, status_code=status.HTTP_201_CREATED)
async def create_invite_code(
    user: Clinician, db: DbSession, body: InviteCodeIn | None = None
) -> InviteCodeOut:
    """A single-use code the clinician gives a patient; shown once."""
    row, code = await service.create_invite_code(db, user, body or InviteCodeIn())
    return InviteCodeOut(id=row.id, code=code, expires_at=row.expires_at)


# -- referrals ------------------------------------------------------------------------------------


@router.get("/referrals", response_model=list[ReferralOut])
async def list_referrals(user: Person, db: DbSession) -> list[ReferralOut]:
    return [ReferralOut.model_validate(r) for r in await referrals.mine(db, user)]


@router.post("/referrals", response_model=ReferralOut, status_code=status.HTTP_201_CREATED)
async def create_referral(body: ReferralIn, user: Clinician, db: DbSession) -> ReferralOut:
    return ReferralOut.model_validate(await referrals.create(db, user, body))


@router.post("/referrals/{referral_id}/consent", response_model=ReferralOut)
async def consent_referral(referral_id: uuid.UUID, user: Patient, db: DbSession) -> ReferralOut:
    return ReferralOut.model_validate(await referrals.consent(db, user, referral_id))


@router.post("/referrals/{referral_id}/accept", response_model=ReferralOut)
async def accept_referral(
    referral_id: uuid.UUID, user: Clinician, db: DbSession, body: ReferralRespondIn | None = None
) -> ReferralOut:
    note = body.note if body else None
    return ReferralOut.model_validate(await referrals.respond(db, user, referral_id, accept=True, note=note))


@router.post("/referrals/{referral_id}/decline", response_model=ReferralOut)
async def decline_referral(
    referral_id: uuid.UUID, user: Clinician, db: DbSession, body: ReferralRespondIn | None = None
) -> ReferralOut:
    note = body.note if body else None
    return ReferralOut.model_validate(await referrals.respond(db, user, referral_id, accept=False, note=note))


@router.post("/referrals/{referral_id}/cancel", response_model=ReferralOut)
async def cancel_referral(referral_id: uuid.UUID, user: Person, db: DbSession) -> ReferralOut:
    return ReferralOut.model_validate(await referrals.cancel(db, user, referral_id))


# -- practices, backups, on-call ------------------------------------------------------------------


@router.get("/practices", response_model=list[PracticeOut])
async def list_practices(user: Manager, db: DbSession) -> list[PracticeOut]:
    """The caller's practices (all of them for an administrator)."""
    return [await routing.practice_out(db, p) for p in await routing.my_practices(db, user)]


@router.post("/practices/{practice_id}/members", response_model=PracticeOut)
async def add_practice_member(
    practice_id: uuid.UUID, body: PracticeMemberIn, user: Manager, db: DbSession
) -> PracticeOut:
    practice = await routing.add_member(db, user, practice_id, body.clinician_id, body.role)
    return await routing.practice_out(db, practice)


@router.delete("/practices/{practice_id}/members/{clinician_id}", response_model=PracticeOut)
async def remove_practice_member(
    practice_id: uuid.UUID, clinician_id: uuid.UUID, user: Manager, db: DbSession
) -> PracticeOut:
    practice = await routing.remove_member(db, user, practice_id, clinician_id)
    return await routing.practice_out(db, practice)


@router.put("/clinicians/{clinician_id}/backup", response_model=ClinicianOut)
async def set_backup(clinician_id: uuid.UUID, body: BackupIn, user: Manager, db: DbSession) -> ClinicianOut:
    """Who covers this clinician's escalations (their practice's lead, or an administrator)."""
    await routing.set_backup(db, user, clinician_id, body.backup_clinician_id)
    return clinician_out(await get_profile(db, clinician_id))


@router.get("/on-call-shifts", response_model=list[ShiftOut])
async def list_shifts(
    user: CurrentUser,
    db: DbSession,
    start: Annotated[dt.datetime, Query(alias="from")],
    end: Annotated[dt.datetime, Query(alias="to")],
) -> list[ShiftOut]:
    return [ShiftOut.model_validate(s) for s in await routing.list_shifts(db, user, start, end)]


@router.post("/on-call-shifts", response_model=ShiftOut, status_code=status.HTTP_201_CREATED)
async def create_shift(body: ShiftIn, user: Manager, db: DbSession) -> ShiftOut:
    return ShiftOut.model_validate(await routing.create_shift(db, user, body))


@router.post("/on-call-shifts/{shift_id}/cancel", response_model=ShiftOut)
async def cancel_shift(shift_id: uuid.UUID, user: Manager, db: DbSession) -> ShiftOut:
    return ShiftOut.model_validate(await routing.cancel_shift(db, user, shift_id))
