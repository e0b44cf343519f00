"""Admin operations beyond the care network: audit-log search (online or archived), feature flags
(docs/admin.md; accounts are hp_agent/admin/accounts.py). Every change is audited in the same
unit of work; reads of the audit log are too."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import FeatureFlag
from hp_agent.compliance import audit
from hp_agent.compliance.models import AuditLog, AuditLogArchive
from hp_agent.db.session import Principal
from hp_agent.errors import HPError


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    occurred_at: dt.datetime
    actor_id: uuid.UUID | None
    actor_role: str
    action: str
    subject_type: str | None
    subject_id: uuid.UUID | None
    outcome: str
    details: dict[str, Any]


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    total: int


class FlagIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool
    rollout_percentage: int = Field(default=100, ge=0, le=100)
    description: str | None = Field(default=None, max_length=2000)
    rules: dict[str, Any] = Field(default_factory=dict)
    expires_at: dt.datetime | None = None


class FlagOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    enabled: bool
    rollout_percentage: int
    description: str | None
    rules: dict[str, Any]
    expires_at: dt.datetime | None
    updated_at: dt.datetime


async def search_audit(
    session: AsyncSession,
    admin: Principal,
    *,
    actor_id: uuid.UUID | None,
    subject_id: uuid.UUID | None,
    action: str | None,
    since: dt.datetime | None,
    until: dt.datetime | None,
    limit: int,
    offset: int,
    archived: bool = False,
) -> AuditPage:
    # Entries past the online window live in audit_logs_archive (same ids and columns), moved there
    # by retention (hp_agent/compliance/retention.py); the search reads one table or the other.
    table: type[AuditLog] | type[AuditLogArchive] = AuditLogArchive if archived else AuditLog
    stmt = select(table)
    if actor_id is not None:
        stmt = stmt.where(table.actor_id == actor_id)
    if subject_id is not None:
        stmt = stmt.where(table.subject_id == subject_id)
    if action:
        # A prefix ("privacy." finds every privacy action); LIKE wildcards in the input are literal.
        escaped = action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(table.action.like(f"{escaped}%", escape="\\"))
    if since is not None:
        stmt = stmt.where(table.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(table.occurred_at < until)
    total = int((await session.execute(select(func.count()).select_from(stmt.subquery()))).scalar_one())
    rows: list[Any] = list(
        (
            await session.execute(
                stmt.order_by(table.occurred_at.desc(), table.id).limit(limit).offset(offset)
            )
        ).scalars()
    )
    items = [
        AuditEntryOut.model_validate(r).model_copy(update={"outcome": getattr(r.outcome, "value", r.outcome)})
        for r in rows
    ]
    await audit.record(
        session,
        "admin.audit_log.searched",
        actor=admin,
        details={"filters": bool(actor_id or subject_id or action), "archived": archived},
    )
    return AuditPage(items=items, total=total)


async def list_flags(session: AsyncSession) -> list[FlagOut]:
    rows = (await session.execute(select(FeatureFlag).order_by(FeatureFlag.key))).scalars()
    return [FlagOut.model_validate(r) for r in rows]


async def put_flag(session: AsyncSession, admin: Principal, key: str, body: FlagIn) -> FlagOut:
    if (
        not key
        or len(key) > 100
        or not all(c.islower() or c.isdigit() or c in "_.-" for c in key)
        or not (key[0].islower() or key[0].isdigit())
    ):
        raise HPError(
            "Flag keys are lower-case letters, digits, '.', '_' and '-'.", 422, code="validation_error"
        )
    flag = (await session.execute(select(FeatureFlag).where(FeatureFlag.key == key))).scalar_one_or_none()
    before = (
        None if flag is None else {"enabled": flag.enabled, "rollout_percentage": flag.rollout_percentage}
    )
    if flag is None:
        flag = FeatureFlag(key=key)
        session.add(flag)
    flag.enabled = body.enabled
    flag.rollout_percentage = body.rollout_percentage
    flag.description = body.description
    flag.rules = body.rules
    flag.expires_at = body.expires_at
    flag.updated_by = admin.user_id
    await session.flush()
    await session.refresh(flag)
    await audit.record(
        session,
        "admin.feature_flag.set",
        actor=admin,
        subject_type="feature_flag",
        subject_id=flag.id,
        details={"key": key, "enabled": body.enabled, "rollout": body.rollout_percentage, "before": before},
    )
    return FlagOut.model_validate(flag)
