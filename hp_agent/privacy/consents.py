"""Versioned consents: accept the current text, withdraw what was given (docs/privacy.md).

The consent row records the document version; ``consent_tracking`` keeps every change. Two consents
reach further than their own row, in the same unit of work:
- withdrawing ``share_with_therapist`` turns off every sharing flag on every relationship of the
  person (the flags the row-level-security policies read), so no clinician keeps access;
- ``research`` keeps ``privacy_settings.research_opt_in`` in step.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth.schemas import ClientInfo
from hp_agent.care.models import TherapeuticRelationship
from hp_agent.compliance import audit
from hp_agent.compliance.models import ConsentDocument, PrivacySettings
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, NotFound
from hp_agent.journal.access import own_id
from hp_agent.privacy.schemas import ConsentDocumentOut, ConsentIn, ConsentStateOut
from hp_agent.users import repository as users_repo
from hp_agent.users.models import ConsentType, UserConsent
from hp_agent.users.service import REQUIRED_CONSENTS, set_consent

SHARE_FLAGS = (
    "consent_to_share_journal",
    "consent_to_share_chat",
    "consent_to_share_safety_plan",
    "consent_to_share_mood",
    "consent_to_share_assessments",
)


async def current_documents(session: AsyncSession) -> dict[ConsentType, ConsentDocument]:
    rows = (
        await session.execute(
            select(ConsentDocument).order_by(ConsentDocument.published_at, ConsentDocument.id)
        )
    ).scalars()
    return {d.consent_type: d for d in rows}  # the newest of each kind wins


async def documents(session: AsyncSession) -> list[ConsentDocumentOut]:
    return [
        ConsentDocumentOut(
            consent_type=d.consent_type,
            version=d.version,
            title=d.title,
            body=d.body,
            published_at=d.published_at,
        )
        for d in (await current_documents(session)).values()
    ]


def _state(kind: ConsentType, row: UserConsent | None, doc: ConsentDocument | None) -> ConsentStateOut:
    return ConsentStateOut(
        consent_type=kind,
        granted=bool(row and row.granted),
        version=row.policy_version if row else None,
        current_version=doc.version if doc else None,
        granted_at=row.granted_at if row else None,
        withdrawn_at=row.withdrawn_at if row else None,
    )


async def states(session: AsyncSession, principal: Principal) -> list[ConsentStateOut]:
    me = own_id(principal)
    rows = {
        r.consent_type: r
        for r in (await session.execute(select(UserConsent).where(UserConsent.user_id == me))).scalars()
    }
    docs = await current_documents(session)
    return [_state(kind, rows.get(kind), docs.get(kind)) for kind in ConsentType]


async def _set_research_opt_in(session: AsyncSession, user_id: uuid.UUID, value: bool) -> None:
    row = (
        await session.execute(select(PrivacySettings).where(PrivacySettings.user_id == user_id))
    ).scalar_one_or_none()
    if row is None:
        session.add(PrivacySettings(user_id=user_id, research_opt_in=value))
    else:
        row.research_opt_in = value


async def accept(
    session: AsyncSession, principal: Principal, body: ConsentIn, client: ClientInfo
) -> ConsentStateOut:
    me = own_id(principal)
    doc = (
        await session.execute(
            select(ConsentDocument).where(
                ConsentDocument.consent_type == body.consent_type, ConsentDocument.version == body.version
            )
        )
    ).scalar_one_or_none()
    if doc is None:
        raise NotFound("No consent document has that version.", code="consent_document_not_found")
    current = (await current_documents(session))[body.consent_type]
    if current.id != doc.id:
        raise Conflict(
            "That version has been replaced; read and accept the current one.",
            code="consent_version_outdated",
            details={"current_version": current.version},
        )
    row = await users_repo.get_consent(session, me, body.consent_type)
    if row is None or not row.granted or row.policy_version != doc.version:
        row = await set_consent(
            session,
            me,
            body.consent_type,
            True,
            policy_version=doc.version,
            now=dt.datetime.now(dt.UTC),
            ip=client.ip,
            user_agent=client.user_agent,
        )
        if body.consent_type == ConsentType.research:
            await _set_research_opt_in(session, me, True)
        await audit.record(
            session,
            "privacy.consent.granted",
            actor=principal,
            subject_type="user",
            subject_id=me,
            ip=client.ip,
            user_agent=client.user_agent,
            details={"consent_type": body.consent_type.value, "version": doc.version},
        )
        await session.flush()
    return _state(body.consent_type, row, current)


async def withdraw(
    session: AsyncSession, principal: Principal, kind: ConsentType, client: ClientInfo
) -> ConsentStateOut:
    me = own_id(principal)
    if kind in REQUIRED_CONSENTS:
        raise Conflict(
            "This consent is needed to hold an account; close the account instead (DELETE /v1/me).",
            code="consent_required",
        )
    row = await users_repo.get_consent(session, me, kind)
    if row is None or not row.granted:
        raise Conflict(
            "This consent was not given, so there is nothing to withdraw.", code="consent_not_given"
        )
    row = await set_consent(
        session,
        me,
        kind,
        False,
        policy_version=row.policy_version,
        now=dt.datetime.now(dt.UTC),
        ip=client.ip,
        user_agent=client.user_agent,
    )
    if kind == ConsentType.share_with_therapist:
        rel = TherapeuticRelationship
        await session.execute(
            update(rel)
            .where(rel.patient_id == me)
            .values({flag: False for flag in SHARE_FLAGS})
            .execution_options(synchronize_session=False)
        )
    elif kind == ConsentType.research:
        await _set_research_opt_in(session, me, False)
    await audit.record(
        session,
        "privacy.consent.withdrawn",
        actor=principal,
        subject_type="user",
        subject_id=me,
        ip=client.ip,
        user_agent=client.user_agent,
        details={"consent_type": kind.value, "version": row.policy_version},
    )
    await session.flush()
    return _state(kind, row, (await current_documents(session)).get(kind))
