"""Clinician onboarding: an admin invites, the clinician accepts and writes a profile, an admin
verifies the licence; only then do they appear in the directory or get linked to anyone.

Invitation rows are staff-only in SQL. Accepting happens before the clinician has an account, so
the token is checked here and the rows are written as the system actor; the profile is written
as the new clinician (RLS owner).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth.service import create_user
from hp_agent.care.models import ClinicianProfile, ClinicianProfileStatus
from hp_agent.care.network_models import ClinicianInvitation
from hp_agent.care.schemas import AcceptInvitationIn, InvitationIn, ProfileUpdateIn
from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, Forbidden, HPError, NotFound
from hp_agent.events.models import EmailOutbox
from hp_agent.users.models import UserRole
from hp_agent.users.repository import account_for_signin, acting_as, normalise_email
from hp_agent.users.service import REQUIRED_CONSENTS

INVITATION_TTL = dt.timedelta(days=7)


class InvitationInvalid(HPError):
    status_code = 410
    code = "invitation_invalid"


def digest(token: str) -> bytes:
    """SHA-256 of a random token (256-bit tokens need no salt or slow hash)."""
    return hashlib.sha256(token.encode()).digest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _require_admin(actor: Principal) -> None:
    if actor.role != "admin":
        raise Forbidden("Only administrators can do this.")


async def invite(
    session: AsyncSession, admin: Principal, body: InvitationIn
) -> tuple[ClinicianInvitation, str]:
    """Create the invitation and queue its email; the clear token is returned to the admin once."""
    _require_admin(admin)
    email = normalise_email(str(body.email))
    # Accounts are readable by their owner only: asked the way sign-in asks (a definer function).
    if await account_for_signin(session, email) is not None:
        raise Conflict("An account with this email address already exists.", code="email_taken")
    token = secrets.token_urlsafe(32)
    inv = ClinicianInvitation(
        id=uuid.uuid4(),
        email=email,
        display_name=body.display_name,
        token_hash=digest(token),
        invited_by=admin.user_id,
        expires_at=_now() + INVITATION_TTL,
    )
    session.add(inv)
    await session.flush()
    # Core insert: the outbox's read policy is the relay's; the row must reach the sender.
    await session.execute(
        insert(EmailOutbox).values(
            id=uuid.uuid4(),
            to_address=email,
            template="clinician_invitation",
            subject="You are invited to join Happy Path as a clinician",
            body_text=(
                "An administrator invited you to join Happy Path as a clinician.\n"
                "Open Happy Path, choose 'Accept a clinician invitation' and enter this code:\n\n"
                f"{token}\n\nThe code works once and expires on "
                f"{inv.expires_at.strftime('%Y-%m-%d %H:%M UTC')}."
            ),
            idempotency_key=f"clinician-invitation:{inv.id}",
        )
    )
    await audit.record(
        session,
        "care.clinician.invited",
        actor=admin,
        subject_type="clinician_invitation",
        subject_id=inv.id,
        details={"expires_at": inv.expires_at.isoformat()},
    )
    return inv, token


async def revoke_invitation(
    session: AsyncSession, admin: Principal, invitation_id: uuid.UUID
) -> ClinicianInvitation:
    """Withdraw an invitation not yet used (e.g. sent to the wrong address)."""
    _require_admin(admin)
    inv = (
        await session.execute(
            select(ClinicianInvitation).where(ClinicianInvitation.id == invitation_id).with_for_update()
        )
    ).scalar_one_or_none()
    if inv is None:
        raise NotFound("No such invitation.")
    if inv.accepted_at is not None or inv.revoked_at is not None:
        raise Conflict("This invitation has already been used or revoked.", code="invitation_closed")
    inv.revoked_at = _now()
    await session.flush()
    await audit.record(
        session,
        "care.clinician.invitation_revoked",
        actor=admin,
        subject_type="clinician_invitation",
        subject_id=inv.id,
    )
    return inv


async def accept_invitation(session: AsyncSession, body: AcceptInvitationIn) -> tuple[ClinicianProfile, str]:
    """Redeem the token: create the clinician's account and profile (pending verification);
    returns the profile and the account's email (to sign in with)."""
    missing = [c.value for c in REQUIRED_CONSENTS if c not in body.consents]
    if missing:
        raise HPError(
            "You must accept the terms of service and the privacy policy.",
            422,
            code="consent_required",
            details={"missing": missing},
        )
    # No one is signed in: the token finds its invitation through a definer function (locked until
    # this transaction ends), and is spent as the account it creates (app_accept_invitation).
    inv = (
        await session.execute(
            text("SELECT * FROM app_invitation_for_token(:hash)"), {"hash": digest(body.token)}
        )
    ).one_or_none()
    now = _now()
    if inv is None or inv.revoked_at is not None:
        raise InvitationInvalid("This invitation is not valid.")
    if inv.accepted_at is not None:
        raise InvitationInvalid("This invitation has already been used.", code="invitation_used")
    if inv.expires_at <= now:
        raise InvitationInvalid("This invitation has expired.", code="invitation_expired")
    user = await create_user(
        session,
        inv.email,
        body.password,
        UserRole.therapist,
        display_name=body.display_name[:100],
        timezone=body.timezone,
        country_code=body.license_country,
        consents=body.consents,
        audit_action="care.clinician.account_created",
    )
    clinician = Principal(user.id, UserRole.therapist.value)
    async with acting_as(session, clinician):
        spent = (
            await session.execute(select(func.app_accept_invitation(inv.invitation_id)))
        ).scalar_one_or_none()
        if not spent:  # cannot happen while the row is locked; refuse rather than half-accept
            raise InvitationInvalid("This invitation is not valid.")
        profile = ClinicianProfile(
            id=uuid.uuid4(),
            user_id=user.id,
            status=ClinicianProfileStatus.pending_verification,
            display_name=body.display_name,
            credentials=body.credentials,
            license_number=body.license_number,
            license_country=body.license_country,
            license_state=body.license_state,
            specialties=body.specialties,
            modalities=body.approaches,
            languages=body.languages,
            accepting_new_patients=body.accepting_new_patients,
            timezone=body.timezone,
            bio=body.bio,
        )
        try:
            async with session.begin_nested():
                session.add(profile)
                await session.flush()
        except IntegrityError as exc:
            if "uq_clinician_profiles_license" in str(exc.orig):
                raise Conflict("This licence is already registered.", code="license_taken") from None
            raise
    await audit.record(
        session,
        "care.clinician.invitation_accepted",
        actor=clinician,
        subject_type="clinician_invitation",
        subject_id=inv.invitation_id,
        details={"license_country": body.license_country},
    )
    return profile, user.email


async def get_profile(
    session: AsyncSession, clinician_id: uuid.UUID, *, lock: bool = False
) -> ClinicianProfile:
    stmt = select(ClinicianProfile).where(ClinicianProfile.user_id == clinician_id)
    if lock:
        stmt = stmt.with_for_update()
    profile = (await session.execute(stmt)).scalar_one_or_none()
    if profile is None:
        raise NotFound("No such clinician.")
    return profile


async def verify(
    session: AsyncSession, admin: Principal, clinician_id: uuid.UUID, *, expires_on: dt.date | None = None
) -> ClinicianProfile:
    """The admin has checked the licence with its register: the clinician can now be linked."""
    _require_admin(admin)
    # Row-level security repeats the check: only an active administrator's account may update
    # someone else's profile (clinician_profiles_admin_updates).
    profile = await get_profile(session, clinician_id, lock=True)
    if profile.license_verified_at is not None and profile.status == ClinicianProfileStatus.active:
        raise Conflict("This clinician is already verified.", code="already_verified")
    profile.status = ClinicianProfileStatus.active
    profile.license_verified_at = _now()
    profile.license_verified_by = admin.user_id
    if expires_on is not None:
        profile.license_expires_on = expires_on
    await session.flush()
    await audit.record(
        session,
        "care.clinician.verified",
        actor=admin,
        subject_type="clinician_profile",
        subject_id=profile.id,
        details={"clinician_id": clinician_id},
    )
    return profile


async def suspend(session: AsyncSession, admin: Principal, clinician_id: uuid.UUID) -> ClinicianProfile:
    _require_admin(admin)
    profile = await get_profile(session, clinician_id, lock=True)
    profile.status = ClinicianProfileStatus.suspended
    profile.accepting_new_patients = False
    await session.flush()
    await audit.record(
        session,
        "care.clinician.suspended",
        actor=admin,
        subject_type="clinician_profile",
        subject_id=profile.id,
        details={"clinician_id": clinician_id},
    )
    return profile


async def update_own(session: AsyncSession, clinician: Principal, body: ProfileUpdateIn) -> ClinicianProfile:
    if clinician.role != "therapist" or clinician.user_id is None:
        raise Forbidden("Only clinicians have a clinician profile.")
    profile = await get_profile(session, clinician.user_id, lock=True)
    changed: dict[str, Any] = {}
    for field, column in (
        ("display_name", "display_name"),
        ("credentials", "credentials"),
        ("specialties", "specialties"),
        ("approaches", "modalities"),
        ("languages", "languages"),
        ("accepting_new_patients", "accepting_new_patients"),
        ("timezone", "timezone"),
        ("bio", "bio"),
    ):
        if field in body.model_fields_set:
            value = getattr(body, field)
            if value is None and column in ("display_name", "specialties", "modalities", "languages"):
                raise HPError(f"{field} cannot be empty.", 422, code="validation_error")
            setattr(profile, column, value)
            changed[field] = True
    await session.flush()
    if changed:
        await audit.record(
            session,
            "care.clinician.profile_updated",
            actor=clinician,
            subject_type="clinician_profile",
            subject_id=profile.id,
            details={"fields": ",".join(sorted(changed))},
        )
    return profile


async def directory(
    session: AsyncSession,
    *,
    language: str | None = None,
    specialty: str | None = None,
    limit: int = 50,
) -> list[ClinicianProfile]:
    """Verified, active clinicians; by default only those accepting new patients."""
    p = ClinicianProfile
    stmt = select(p).where(p.status == ClinicianProfileStatus.active, p.license_verified_at.is_not(None))
    stmt = stmt.where(p.accepting_new_patients.is_(True))
    if language:
        stmt = stmt.where(p.languages.contains([language]))
    if specialty:
        stmt = stmt.where(p.specialties.contains([specialty.strip().lower()]))
    stmt = stmt.order_by(p.display_name, p.user_id).limit(limit)
    return list((await session.execute(stmt)).scalars().all())


async def admin_list(
    session: AsyncSession, admin: Principal, status: str | None
) -> list[tuple[ClinicianProfile, str]]:
    _require_admin(admin)
    stmt = select(ClinicianProfile)
    if status:
        stmt = stmt.where(ClinicianProfile.status == ClinicianProfileStatus(status))
    stmt = stmt.order_by(ClinicianProfile.created_at.desc()).limit(200)
    profiles = list((await session.execute(stmt)).scalars().all())
    # Emails are readable by their owner only: an administrator gets clinicians' addresses from
    # app_clinician_emails (nothing for anyone else).
    found = await session.execute(
        text("SELECT user_id, email FROM app_clinician_emails(:people)").bindparams(
            bindparam("people", type_=ARRAY(UUID(as_uuid=True)))
        ),
        {"people": [p.user_id for p in profiles]},
    )
    emails: dict[uuid.UUID, str] = {row.user_id: row.email for row in found}
    return [(p, emails[p.user_id]) for p in profiles if p.user_id in emails]
