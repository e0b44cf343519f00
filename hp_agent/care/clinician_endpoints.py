"""``/v1/clinicians``: the directory patients search, a clinician's own profile, and accepting an
invitation (the one call here made before the caller has an account)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser, require_role
from hp_agent.care import clinicians
from hp_agent.care.schemas import AcceptInvitationIn, ClinicianOut, DirectoryEntryOut, ProfileUpdateIn
from hp_agent.care.views import clinician_out, directory_entry
from hp_agent.db.session import Principal
from hp_agent.errors import HPError, NotFound

Clinician = Annotated[Principal, Depends(require_role("therapist"))]

router = APIRouter(prefix="/v1/clinicians", tags=["clinicians"])


@router.get("", response_model=list[DirectoryEntryOut])
async def search_directory(
    user: CurrentUser,
    db: DbSession,
    language: Annotated[
        str | None, Query(max_length=35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    ] = None,
    specialty: Annotated[str | None, Query(max_length=60)] = None,
    accepting: bool = True,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> list[DirectoryEntryOut]:
    """Verified clinicians accepting new patients; no licence number, email or caseload."""
    if not accepting:
        raise HPError(
            "The directory lists only clinicians accepting new patients.",
            422,
            code="directory_accepting_only",
        )
    rows = await clinicians.directory(db, language=language, specialty=specialty, limit=limit)
    return [directory_entry(p) for p in rows]


@router.post("/invitations/accept", response_model=ClinicianOut, status_code=status.HTTP_201_CREATED)
async def accept_invitation(body: AcceptInvitationIn, db: DbSession) -> ClinicianOut:
    """Redeem an admin's invitation: creates the account (sign in next) and a profile that waits
    for an administrator to verify the licence."""
    profile, email = await clinicians.accept_invitation(db, body)
    return clinician_out(profile, email)


@router.get("/me", response_model=ClinicianOut)
async def my_profile(user: Clinician, db: DbSession) -> ClinicianOut:
    assert user.user_id is not None
    return clinician_out(await clinicians.get_profile(db, user.user_id))


@router.patch("/me", response_model=ClinicianOut)
async def update_my_profile(body: ProfileUpdateIn, user: Clinician, db: DbSession) -> ClinicianOut:
    return clinician_out(await clinicians.update_own(db, user, body))


@router.get("/{clinician_id}", response_model=DirectoryEntryOut)
async def directory_profile(clinician_id: uuid.UUID, user: CurrentUser, db: DbSession) -> DirectoryEntryOut:
    profile = await clinicians.get_profile(db, clinician_id)
    if profile.license_verified_at is None or profile.status.value != "active":
        raise NotFound("No such clinician.")
    return directory_entry(profile)
