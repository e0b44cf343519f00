"""Admin: the crisis lines people are shown, and when each was last checked to work.

``lines_for`` reads the table on every request (no cache), so a change shows at once. A line is
never deleted (it may be referenced by past safety responses): it is deactivated."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance import audit
from hp_agent.crisis.models import CrisisResource, ResourceChannel
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, HPError, NotFound


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=80, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    name: str = Field(min_length=1, max_length=200)
    country_code: str = Field(pattern=r"^([A-Z]{2}|INT)$", description="ISO 3166-1 alpha-2, or INT.")
    language: str = Field(min_length=2, max_length=16)
    channel: ResourceChannel
    contact: str = Field(min_length=1, max_length=300)
    url: str | None = Field(default=None, max_length=300)
    hours: str | None = Field(default=None, max_length=120)
    is_emergency: bool = False
    priority: int = Field(default=100, ge=0, le=1000)


class LinePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    contact: str | None = Field(default=None, min_length=1, max_length=300)
    url: str | None = Field(default=None, max_length=300)
    hours: str | None = Field(default=None, max_length=120)
    priority: int | None = Field(default=None, ge=0, le=1000)
    is_active: bool | None = None


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=500, description="How it was checked.")


class LineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str
    name: str
    country_code: str
    language: str
    channel: ResourceChannel
    contact: str
    url: str | None
    hours: str | None
    is_emergency: bool
    priority: int
    is_active: bool
    last_verified: dt.date | None
    verification_note: str | None


async def list_lines(session: AsyncSession, country: str | None) -> list[LineOut]:
    stmt = select(CrisisResource).order_by(
        CrisisResource.country_code, CrisisResource.priority, CrisisResource.key
    )
    if country:
        stmt = stmt.where(CrisisResource.country_code == country.upper())
    return [LineOut.model_validate(r) for r in (await session.execute(stmt)).scalars()]


async def _get(session: AsyncSession, line_id: uuid.UUID) -> CrisisResource:
    row = (
        await session.execute(select(CrisisResource).where(CrisisResource.id == line_id))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound("Crisis line not found.", code="crisis_line_not_found")
    return row


async def create(session: AsyncSession, admin: Principal, body: LineIn) -> LineOut:
    if (await session.execute(select(CrisisResource.id).where(CrisisResource.key == body.key))).first():
        raise Conflict("A crisis line with that key exists.", code="crisis_line_exists")
    row = CrisisResource(**body.model_dump())
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent create with the same key
        raise Conflict("A crisis line with that key exists.", code="crisis_line_exists") from exc
    await session.refresh(row)
    await audit.record(
        session,
        "admin.crisis_line.created",
        actor=admin,
        subject_type="crisis_resource",
        subject_id=row.id,
        details={"key": row.key, "country": row.country_code},
    )
    return LineOut.model_validate(row)


async def update(session: AsyncSession, admin: Principal, line_id: uuid.UUID, body: LinePatch) -> LineOut:
    row = await _get(session, line_id)
    changed = sorted(body.model_fields_set)
    for field in changed:
        value = getattr(body, field)
        if value is None and field in ("name", "contact", "priority", "is_active"):
            raise HPError(f"{field} cannot be cleared.", 422, code="validation_error")
        setattr(row, field, value)
    await session.flush()
    await session.refresh(row)
    await audit.record(
        session,
        "admin.crisis_line.updated",
        actor=admin,
        subject_type="crisis_resource",
        subject_id=row.id,
        details={"fields": changed},
    )
    return LineOut.model_validate(row)


async def verify(session: AsyncSession, admin: Principal, line_id: uuid.UUID, body: VerifyIn) -> LineOut:
    row = await _get(session, line_id)
    row.last_verified = dt.datetime.now(dt.UTC).date()
    row.verification_note = body.note
    await session.flush()
    await session.refresh(row)
    await audit.record(
        session,
        "admin.crisis_line.verified",
        actor=admin,
        subject_type="crisis_resource",
        subject_id=row.id,
        details={"key": row.key},
    )
    return LineOut.model_validate(row)
