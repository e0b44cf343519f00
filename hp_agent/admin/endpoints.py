"""``/v1/admin``: clinician invitations and licence verification, practices. Administrators only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from hp_agent.admin import accounts, announcements, crisis_lines, lexicon, operations, shifts, system_settings
from hp_agent.admin.models import AnnouncementStatus
from hp_agent.agents.models import AIAgentConfiguration
from hp_agent.agents.schemas import AgentAdminDetail
from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import AppSettings, require_role
from hp_agent.care import clinicians, routing
from hp_agent.care.schemas import (
    ClinicianOut,
    InvitationIn,
    InvitationOut,
    PracticeIn,
    PracticeOut,
    ShiftOut,
)
from hp_agent.care.views import clinician_out
from hp_agent.compliance import audit, retention
from hp_agent.crisis.enums import Category
from hp_agent.db.session import Principal
from hp_agent.users.models import UserRole, UserStatus

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


# -- operations (hp_agent/admin/operations.py, docs/admin.md) ------------------------------------


@router.get("/audit-log", response_model=operations.AuditPage)
async def audit_log(
    admin: Admin,
    db: DbSession,
    actor_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=100, description="An action or its prefix.")] = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    archived: Annotated[bool, Query(description="Search the archive (entries moved by retention).")] = False,
) -> operations.AuditPage:
    return await operations.search_audit(
        db,
        admin,
        actor_id=actor_id,
        subject_id=subject_id,
        action=action,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
        archived=archived,
    )


@router.get("/feature-flags", response_model=list[operations.FlagOut])
async def feature_flags(admin: Admin, db: DbSession) -> list[operations.FlagOut]:
    return await operations.list_flags(db)


@router.put("/feature-flags/{key}", response_model=operations.FlagOut)
async def put_feature_flag(
    key: str, body: operations.FlagIn, admin: Admin, db: DbSession
) -> operations.FlagOut:
    return await operations.put_flag(db, admin, key, body)


# -- accounts (hp_agent/admin/accounts.py) -------------------------------------------------------


@router.get("/users", response_model=accounts.AccountPage)
async def list_users(
    admin: Admin,
    db: DbSession,
    email: Annotated[str | None, Query(max_length=320, description="The address starts with this.")] = None,
    role: Annotated[UserRole | None, Query()] = None,
    status_: Annotated[UserStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> accounts.AccountPage:
    """Accounts by address prefix, role and status: address, role, status, dates, second factor on
    or off; nothing a person wrote."""
    if role == UserRole.system:
        role = None  # the service's own actor is never listed
    return await accounts.search(
        db, admin, email_prefix=email, role=role, status=status_, limit=limit, offset=offset
    )


@router.put("/users/{user_id}/status", response_model=accounts.AccountChangeOut)
async def user_status(
    user_id: uuid.UUID, body: accounts.StatusIn, admin: Admin, db: DbSession
) -> accounts.AccountChangeOut:
    """Lock or suspend an account (or reactivate it); its sign-ins stop at once."""
    return await accounts.set_status(db, admin, user_id, body)


@router.put("/users/{user_id}/role", response_model=accounts.AccountChangeOut)
async def user_role(
    user_id: uuid.UUID, body: accounts.RoleIn, admin: Admin, db: DbSession
) -> accounts.AccountChangeOut:
    """Change the account's role; it applies at the account's next request (roles are read from
    the database, not the token)."""
    return await accounts.set_role(db, admin, user_id, body)


@router.post("/users/{user_id}/mfa/reset", response_model=accounts.MfaResetOut)
async def user_mfa_reset(
    user_id: uuid.UUID, body: accounts.MfaResetIn, admin: Admin, db: DbSession
) -> accounts.MfaResetOut:
    """Turn off the account's two-step sign-in (phone and recovery codes lost); the person is
    emailed and sets up a new authenticator at the next sign-in."""
    return await accounts.reset_mfa(db, admin, user_id, body)


@router.patch("/on-call-shifts/{shift_id}", response_model=ShiftOut)
async def update_shift(shift_id: uuid.UUID, body: shifts.ShiftPatch, admin: Admin, db: DbSession) -> ShiftOut:
    """Move a scheduled shift or change its tier or country (create, list and cancel are
    ``/v1/care/on-call-shifts``); overlaps ``409 shift_overlap``, past times ``422 shift_in_past``."""
    return await shifts.update(db, admin, shift_id, body)


@router.get("/agents", response_model=list[AgentAdminDetail])
async def list_agents(admin: Admin, db: DbSession) -> list[AgentAdminDetail]:
    """Every agent, enabled or not (``PATCH /v1/agents/{slug}`` changes one)."""
    rows = (await db.execute(select(AIAgentConfiguration).order_by(AIAgentConfiguration.name))).scalars()
    return [AgentAdminDetail.model_validate(r) for r in rows]


@router.get("/lexicon", response_model=list[lexicon.EntryOut])
async def list_lexicon_entries(
    admin: Admin,
    db: DbSession,
    category: Category | None = None,
    enabled: bool | None = None,
) -> list[lexicon.EntryOut]:
    """The crisis lexicon's database entries (the packaged lexicon is not listed)."""
    return await lexicon.list_entries(db, category, enabled)


@router.post("/lexicon", response_model=lexicon.EntryOut, status_code=status.HTTP_201_CREATED)
async def create_lexicon_entry(body: lexicon.EntryIn, admin: Admin, db: DbSession) -> lexicon.EntryOut:
    """Screenings use it within ``HP_CRISIS_LEXICON_REFRESH_SECONDS``, no restart needed."""
    return await lexicon.create(db, admin, body)


@router.patch("/lexicon/{entry_id}", response_model=lexicon.EntryOut)
async def update_lexicon_entry(
    entry_id: uuid.UUID, body: lexicon.EntryPatch, admin: Admin, db: DbSession
) -> lexicon.EntryOut:
    """Change or disable (``enabled: false``) an entry; entries are never deleted."""
    return await lexicon.update(db, admin, entry_id, body)


@router.get("/settings", response_model=list[system_settings.SettingOut])
async def list_settings(
    admin: Admin, db: DbSession, settings: AppSettings
) -> list[system_settings.SettingOut]:
    """Every setting admins may change, with its default and any override."""
    return await system_settings.list_settings(db, settings)


@router.put("/settings/{key}", response_model=system_settings.SettingOut)
async def put_setting(
    key: str, body: system_settings.SettingIn, admin: Admin, db: DbSession, settings: AppSettings
) -> system_settings.SettingOut:
    """Override a setting for every process from its next read (404 for a key not in the list)."""
    return await system_settings.put(db, admin, settings, key, body)


@router.delete("/settings/{key}", response_model=system_settings.SettingOut)
async def reset_setting(
    key: str, admin: Admin, db: DbSession, settings: AppSettings
) -> system_settings.SettingOut:
    """Remove the override: the ``HP_*`` default applies again."""
    return await system_settings.reset(db, admin, settings, key)


@router.get("/crisis-lines", response_model=list[crisis_lines.LineOut])
async def list_crisis_lines(
    admin: Admin, db: DbSession, country: Annotated[str | None, Query(pattern="^[A-Za-z]{2,3}$")] = None
) -> list[crisis_lines.LineOut]:
    """Every line, active or not, with when it was last verified."""
    return await crisis_lines.list_lines(db, country)


@router.post("/crisis-lines", response_model=crisis_lines.LineOut, status_code=status.HTTP_201_CREATED)
async def create_crisis_line(body: crisis_lines.LineIn, admin: Admin, db: DbSession) -> crisis_lines.LineOut:
    return await crisis_lines.create(db, admin, body)


@router.patch("/crisis-lines/{line_id}", response_model=crisis_lines.LineOut)
async def update_crisis_line(
    line_id: uuid.UUID, body: crisis_lines.LinePatch, admin: Admin, db: DbSession
) -> crisis_lines.LineOut:
    """Change a line; ``is_active: false`` takes it out of what people are shown at once."""
    return await crisis_lines.update(db, admin, line_id, body)


@router.post("/crisis-lines/{line_id}/verify", response_model=crisis_lines.LineOut)
async def verify_crisis_line(
    line_id: uuid.UUID, body: crisis_lines.VerifyIn, admin: Admin, db: DbSession
) -> crisis_lines.LineOut:
    """Record that the line was checked to work today."""
    return await crisis_lines.verify(db, admin, line_id, body)


@router.get("/announcements", response_model=list[announcements.AnnouncementOut])
async def list_announcements(admin: Admin, db: DbSession) -> list[announcements.AnnouncementOut]:
    return await announcements.list_all(db)


@router.post(
    "/announcements", response_model=announcements.AnnouncementOut, status_code=status.HTTP_201_CREATED
)
async def create_announcement(
    body: announcements.AnnouncementIn, admin: Admin, db: DbSession
) -> announcements.AnnouncementOut:
    """A draft; publish it to show it."""
    return await announcements.create(db, admin, body)


@router.post("/announcements/{announcement_id}/publish", response_model=announcements.AnnouncementOut)
async def publish_announcement(
    announcement_id: uuid.UUID, admin: Admin, db: DbSession
) -> announcements.AnnouncementOut:
    return await announcements.set_status(db, admin, announcement_id, AnnouncementStatus.published)


@router.post("/announcements/{announcement_id}/archive", response_model=announcements.AnnouncementOut)
async def archive_announcement(
    announcement_id: uuid.UUID, admin: Admin, db: DbSession
) -> announcements.AnnouncementOut:
    return await announcements.set_status(db, admin, announcement_id, AnnouncementStatus.archived)


@router.get("/retention")
async def retention_report(admin: Admin, db: DbSession) -> dict[str, dict[str, int]]:
    """Dry run: per category, its retention and how many rows a run would delete now."""
    return await retention.run(db, dry_run=True)


@router.post("/retention/run")
async def retention_run(admin: Admin, db: DbSession) -> dict[str, dict[str, int]]:
    """Apply the retention rules now (the worker also does, hourly); audited with the counts."""
    report = await retention.run(db, dry_run=False)
    await audit.record(
        db, "admin.retention.run", actor=admin, details={k: v["rows"] for k, v in report.items()}
    )
    return report
