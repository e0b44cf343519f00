"""Account and profile use cases; consent changes (state + append-only history)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance.audit import clean_ip, clean_user_agent
from hp_agent.compliance.models import ConsentAction, ConsentTracking
from hp_agent.db.session import Principal
from hp_agent.errors import HPError, NotFound
from hp_agent.users import repository as repo
from hp_agent.users.models import ConsentType, User, UserConsent, UserProfile
from hp_agent.users.schemas import MeOut, MePatch, ProfileOut

# Version of the terms/privacy documents the clients currently present.
CURRENT_POLICY_VERSION = "2026-01"
REQUIRED_CONSENTS = (ConsentType.terms, ConsentType.privacy)


async def load_me(session: AsyncSession, principal: Principal) -> tuple[User, UserProfile | None]:
    assert principal.user_id is not None
    user = await repo.get_user(session, principal.user_id)
    if user is None:
        raise NotFound("Account not found.")
    return user, await repo.get_profile(session, principal.user_id)


def me_out(user: User, profile: UserProfile | None) -> MeOut:
    return MeOut(
        id=user.id,
        email=user.email,
        role=user.role,
        status=user.status,
        email_verified=user.email_verified_at is not None,
        country_code=user.country_code,
        locale=user.locale,
        timezone=user.timezone,
        created_at=user.created_at,
        profile=ProfileOut(
            display_name=profile.display_name if profile else None,
            pronouns=profile.pronouns if profile else None,
            date_of_birth=profile.date_of_birth if profile else None,
            bio=profile.bio if profile else None,
        ),
    )


async def update_me(session: AsyncSession, principal: Principal, patch: MePatch) -> MeOut:
    user, profile = await load_me(session, principal)
    given = patch.model_fields_set
    for field in ("locale", "timezone"):
        if field in given:
            value = getattr(patch, field)
            if value is None:
                raise HPError(f"{field} cannot be cleared.", 422, code="validation_error")
            setattr(user, field, value)
    if "country_code" in given:
        user.country_code = patch.country_code
    if "display_name" in given:
        if profile is None:
            profile = UserProfile(user_id=user.id)
            session.add(profile)
        profile.display_name = patch.display_name
    await session.flush()
    # updated_at is set by the database; refresh so the response shows stored values.
    await session.refresh(user)
    return me_out(user, profile)


async def set_consent(
    session: AsyncSession,
    user_id: uuid.UUID,
    consent_type: ConsentType,
    granted: bool,
    *,
    policy_version: str = CURRENT_POLICY_VERSION,
    now: dt.datetime,
    ip: str | None,
    user_agent: str | None,
) -> UserConsent:
    """Update the current state and append the event to ``consent_tracking`` (as the user)."""
    consent = await repo.get_consent(session, user_id, consent_type)
    if consent is None:
        consent = UserConsent(user_id=user_id, consent_type=consent_type, policy_version=policy_version)
        session.add(consent)
    consent.granted = granted
    consent.policy_version = policy_version
    if granted:
        consent.granted_at, consent.withdrawn_at = now, None
    else:
        consent.withdrawn_at = now
    session.add(
        ConsentTracking(
            user_id=user_id,
            consent_type=consent_type,
            action=ConsentAction.granted if granted else ConsentAction.withdrawn,
            policy_version=policy_version,
            ip=clean_ip(ip),
            user_agent=clean_user_agent(user_agent),
            occurred_at=now,
        )
    )
    return consent
