"""``/v1/admin``: clinician invitations and licence verification, practices. Administrators only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import require_role
from hp_agent.care import clinicians, routing
from hp_agent.care.schemas import ClinicianOut, InvitationIn, InvitationOut, PracticeIn, PracticeOut
from hp_agent.care.views import clinician_out
from hp_agent.db.session import Principal

Admin = Annotated[Principal, Depends(require_role("admin"))]

router = APIRouter(prefix="/v1/admin", tags=["admin"])


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    license_expires_on: dt.date | None = None


@router.post("/clinicians/invitations", response_model=InvitationOut, status_code=status.HTTP_201_CREATED)
async def invite_clinician(body: InvitationIn, user: Admin, db: DbSession) -> InvitationOut:
    """Queues the invitation email; the token is in this response once and never again."""
    inv, token = await clinicians.invite(db, user, body)
    return InvitationOut(id=inv.id, email=inv.email, expires_at=inv.expires_at, token=token)


@router.post("/clinicians/invitations/{invitation_id}/revoke", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_invitation(invitation_id: uuid.UUID, user: Admin, db: DbSession) -> None:
    """The token stops working at once (410 invitation_invalid)."""
    await clinicians.revoke_invitation(db, user, invitation_id)


@router.get("/clinicians", response_model=list[ClinicianOut])
async def list_clinicians(
    user: Admin,
    db: DbSession,
    status_: Annotated[
        str | None, Query(alias="status", pattern=r"^(pending_verification|active|suspended|inactive)$")
    ] = None,
) -> list[ClinicianOut]:
    return [clinician_out(p, email) for p, email in await clinicians.admin_list(db, user, status_)]


@router.post("/clinicians/{clinician_id}/verify", response_model=ClinicianOut)
async def verify_clinician(
    clinician_id: uuid.UUID, user: Admin, db: DbSession, body: VerifyIn | None = None
) -> ClinicianOut:
    """The licence was checked with its register: the clinician can now be found and linked."""
    expires = body.license_expires_on if body else None
    return clinician_out(await clinicians.verify(db, user, clinician_id, expires_on=expires))


@router.post("/clinicians/{clinician_id}/suspend", response_model=ClinicianOut)
async def suspend_clinician(clinician_id: uuid.UUID, user: Admin, db: DbSession) -> ClinicianOut:
    return clinician_out(await clinicians.suspend(db, user, clinician_id))


@router.post("/practices", response_model=PracticeOut, status_code=status.HTTP_201_CREATED)
async def create_practice(body: PracticeIn, user: Admin, db: DbSession) -> PracticeOut:
    practice = await routing.create_practice(db, user, body.name, body.lead_id)
    return await routing.practice_out(db, practice)
