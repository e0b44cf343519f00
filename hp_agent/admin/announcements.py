"""Announcements: admins write and publish banners; signed-in people read the ones meant for them
(their role and country, inside the display window)."""

from __future__ import annotations

import datetime as dt
import uuid

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import (
    AnnouncementKind,
    AnnouncementSeverity,
    AnnouncementStatus,
    SystemAnnouncement,
)
from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser
from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, NotFound
from hp_agent.users import repository as users_repo


class AnnouncementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: AnnouncementKind = AnnouncementKind.info
    severity: AnnouncementSeverity = AnnouncementSeverity.info
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=5000)
    audience_roles: list[str] = Field(default_factory=list, max_length=4)
    audience_countries: list[str] = Field(default_factory=list, max_length=250)
    display_from: dt.datetime
    display_until: dt.datetime | None = None
    maintenance_starts_at: dt.datetime | None = None
    maintenance_ends_at: dt.datetime | None = None

    @model_validator(mode="after")
    def _windows(self) -> AnnouncementIn:
        if self.display_until is not None and self.display_until <= self.display_from:
            raise ValueError("display_until must be after display_from")
        if (self.maintenance_starts_at is None) != (self.maintenance_ends_at is None):
            raise ValueError("give both maintenance_starts_at and maintenance_ends_at, or neither")
        if self.kind == AnnouncementKind.maintenance and self.maintenance_starts_at is None:
            raise ValueError("a maintenance announcement needs its maintenance window")
        if (
            self.maintenance_starts_at
            and self.maintenance_ends_at
            and self.maintenance_ends_at <= self.maintenance_starts_at
        ):
            raise ValueError("maintenance_ends_at must be after maintenance_starts_at")
        return self


class AnnouncementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: AnnouncementKind
    severity: AnnouncementSeverity
    status: AnnouncementStatus
    title: str
    body: str
    audience_roles: list[str]
    audience_countries: list[str]
    display_from: dt.datetime
    display_until: dt.datetime | None
    published_at: dt.datetime | None


async def create(session: AsyncSession, admin: Principal, body: AnnouncementIn) -> AnnouncementOut:
    row = SystemAnnouncement(**body.model_dump(), created_by=admin.user_id, status=AnnouncementStatus.draft)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    await audit.record(
        session, "admin.announcement.created", actor=admin, subject_type="announcement", subject_id=row.id
    )
    return AnnouncementOut.model_validate(row)


async def set_status(
    session: AsyncSession, admin: Principal, announcement_id: uuid.UUID, status: AnnouncementStatus
) -> AnnouncementOut:
    row = (
        await session.execute(select(SystemAnnouncement).where(SystemAnnouncement.id == announcement_id))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("Announcement not found.", code="announcement_not_found")
    if status == AnnouncementStatus.published and row.status != AnnouncementStatus.draft:
        raise Conflict("Only a draft can be published.", code="announcement_not_draft")
    row.status = status
    if status == AnnouncementStatus.published:
        row.published_at = dt.datetime.now(dt.UTC)
    await session.flush()
    await session.refresh(row)
    await audit.record(
        session,
        f"admin.announcement.{status.value}",
        actor=admin,
        subject_type="announcement",
        subject_id=row.id,
    )
    return AnnouncementOut.model_validate(row)


async def list_all(session: AsyncSession) -> list[AnnouncementOut]:
    rows = await session.execute(select(SystemAnnouncement).order_by(SystemAnnouncement.display_from.desc()))
    return [AnnouncementOut.model_validate(r) for r in rows.scalars()]


async def current_for(session: AsyncSession, principal: Principal) -> list[AnnouncementOut]:
    """Published, inside the window, and for the reader's role and country (empty = everyone)."""
    assert principal.user_id is not None
    user = await users_repo.get_user(session, principal.user_id)
    country = user.country_code if user else None
    now = dt.datetime.now(dt.UTC)
    a = SystemAnnouncement
    stmt = select(a).where(
        a.status == AnnouncementStatus.published,
        a.display_from <= now,
        or_(a.display_until.is_(None), a.display_until > now),
        or_(a.audience_roles == [], a.audience_roles.contains([principal.role])),
    )
    rows = [r for r in (await session.execute(stmt.order_by(a.display_from.desc()))).scalars()]
    return [
        AnnouncementOut.model_validate(r)
        for r in rows
        if not r.audience_countries or (country is not None and country in r.audience_countries)
    ]


# The readers' side: any signed-in person.
router = APIRouter(tags=["announcements"])


@router.get("/v1/announcements", response_model=list[AnnouncementOut])
async def announcements(user: CurrentUser, db: DbSession) -> list[AnnouncementOut]:
    """Banners for you now (published, in their window, for your role and country)."""
    return await current_for(db, user)
