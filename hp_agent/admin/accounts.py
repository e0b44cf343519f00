"""Accounts for administrators: search, status, role, second-factor reset (docs/admin.md).

``users`` has no admin row policy (it holds password hashes) and the second-factor tables are
their owner's only, so every read and change here goes through a SECURITY DEFINER function of
migration 0022 that refuses anyone but an administrator and touches one thing. The session acts
as the administrator throughout, never as the system actor. Each change is audited under the
administrator's id in the same transaction; the search is audited too (without the prefix typed).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, HPError, NotFound
from hp_agent.users.models import UserRole, UserStatus

PersonRole = Literal["patient", "therapist", "admin"]


class AccountOut(BaseModel):
    id: uuid.UUID
    email: str
    role: UserRole
    status: UserStatus
    created_at: dt.datetime
    last_login_at: dt.datetime | None
    email_verified: bool
    mfa_enabled: bool


class AccountPage(BaseModel):
    items: list[AccountOut]
    total: int


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: PersonRole = Field(description="patient, therapist or admin (an account has one role).")
    reason: str = Field(min_length=1, max_length=64, description="A short code, e.g. staff_joined.")


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: UserStatus = Field(description="active, locked or suspended (deleted is the erasure's).")
    reason: str = Field(min_length=1, max_length=64, description="A short code, e.g. abuse_report.")


class MfaResetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=64, description="A short code, e.g. lost_phone.")


class AccountChangeOut(BaseModel):
    id: uuid.UUID
    role: UserRole
    status: UserStatus


class MfaResetOut(BaseModel):
    id: uuid.UUID
    had_factor: bool


async def search(
    session: AsyncSession,
    admin: Principal,
    *,
    email_prefix: str | None,
    role: UserRole | None,
    status: UserStatus | None,
    limit: int,
    offset: int,
) -> AccountPage:
    rows = (
        (
            await session.execute(
                text("SELECT * FROM app_admin_users(:p, :r, :s, :l, :o)"),
                {
                    "p": email_prefix.strip() if email_prefix else None,
                    "r": role.value if role else None,
                    "s": status.value if status else None,
                    "l": limit,
                    "o": offset,
                },
            )
        )
        .mappings()
        .all()
    )
    total = int(rows[0]["total"]) if rows else 0
    if not rows and offset > 0:
        # Past the end: still say how many there are.
        total = (
            await search(
                session, admin, email_prefix=email_prefix, role=role, status=status, limit=1, offset=0
            )
        ).total
        return AccountPage(items=[], total=total)
    items = [AccountOut.model_validate({k: v for k, v in r.items() if k != "total"}) for r in rows]
    await audit.record(
        session,
        "admin.users.searched",
        actor=admin,
        details={
            "prefix": bool(email_prefix),
            "role": role.value if role else None,
            "status": status.value if status else None,
            "results": len(items),
        },
    )
    return AccountPage(items=items, total=total)


def _refused(result: str) -> HPError:
    if result == "own_account":
        return Conflict("You cannot change your own account here.", code="own_account")
    if result == "last_admin":
        return Conflict("This is the last active administrator.", code="last_admin")
    if result == "role_unknown":
        return HPError("Unknown role.", 422, code="validation_error")
    if result == "status_refused":
        return HPError("Accounts are deleted by erasure, not by status.", 422, code="validation_error")
    return NotFound("Account not found.", code="user_not_found")


async def set_role(
    session: AsyncSession, admin: Principal, user_id: uuid.UUID, body: RoleIn
) -> AccountChangeOut:
    row = (
        await session.execute(
            text("SELECT * FROM app_admin_set_user_role(:u, :r)"), {"u": user_id, "r": body.role}
        )
    ).one()
    if row.result != "ok":
        raise _refused(row.result)
    await audit.record(
        session,
        "admin.user.role_changed",
        actor=admin,
        subject_type="user",
        subject_id=user_id,
        details={"from": row.old_role, "to": body.role, "reason": body.reason},
    )
    return AccountChangeOut(id=user_id, role=UserRole(body.role), status=UserStatus(row.account_status))


async def set_status(
    session: AsyncSession, admin: Principal, user_id: uuid.UUID, body: StatusIn
) -> AccountChangeOut:
    if body.status == UserStatus.deleted:
        raise _refused("status_refused")
    row = (
        await session.execute(
            text("SELECT * FROM app_admin_set_user_status(:u, :s)"), {"u": user_id, "s": body.status.value}
        )
    ).one()
    if row.result != "ok":
        raise _refused(row.result)
    await audit.record(
        session,
        "admin.user.status_changed",
        actor=admin,
        subject_type="user",
        subject_id=user_id,
        details={"from": row.old_status, "to": body.status.value, "reason": body.reason},
    )
    return AccountChangeOut(id=user_id, role=UserRole(row.role), status=body.status)


async def reset_mfa(
    session: AsyncSession, admin: Principal, user_id: uuid.UUID, body: MfaResetIn
) -> MfaResetOut:
    """Remove the person's second factor and recovery codes (lost phone and codes); they set up a
    new authenticator at their next sign-in (clinicians and admins: a restricted session)."""
    row = (await session.execute(text("SELECT * FROM app_admin_reset_mfa(:u)"), {"u": user_id})).one()
    if row.result != "ok":
        raise _refused(row.result)
    await audit.record(
        session,
        "admin.user.mfa_reset",
        actor=admin,
        subject_type="user",
        subject_id=user_id,
        details={"had_factor": bool(row.had_factor), "reason": body.reason},
    )
    if row.had_factor:
        # The address is queued by the database; the administrator's session never reads it here.
        await session.execute(
            text("SELECT app_queue_email(:u, 'mfa_reset', :subject, :body, :key)"),
            {
                "u": user_id,
                "subject": "Two-step sign-in was reset on your Happy Path account",
                "body": "An administrator turned off two-step sign-in for your account. Set it up again "
                "the next time you sign in.\n\nIf you did not ask for this, reset your password now "
                "and contact support.",
                "key": f"mfa_reset:{uuid.uuid4()}",
            },
        )
    return MfaResetOut(id=user_id, had_factor=bool(row.had_factor))
