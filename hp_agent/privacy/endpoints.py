"""``/v1/consent-documents`` and ``/v1/me/consents``, ``/v1/me/access-log`` (docs/privacy.md)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import Client, CurrentUser
from hp_agent.journal.access import own_id
from hp_agent.journal.common import MAX_PAGE, Page
from hp_agent.privacy import access_log, consents
from hp_agent.privacy.schemas import AccessLogEntryOut, ConsentDocumentOut, ConsentIn, ConsentStateOut
from hp_agent.users.models import ConsentType

router = APIRouter(tags=["privacy"])


@router.get("/v1/consent-documents", response_model=list[ConsentDocumentOut])
async def consent_documents(db: DbSession) -> list[ConsentDocumentOut]:
    """The current text of each consent (readable before signing up)."""
    return await consents.documents(db)


@router.get("/v1/me/consents", response_model=list[ConsentStateOut])
async def my_consents(user: CurrentUser, db: DbSession) -> list[ConsentStateOut]:
    return await consents.states(db, user)


@router.post("/v1/me/consents", response_model=ConsentStateOut)
async def accept_consent(
    body: ConsentIn, user: CurrentUser, db: DbSession, client: Client
) -> ConsentStateOut:
    """Accept the current version of a document (409 ``consent_version_outdated`` for an older one)."""
    return await consents.accept(db, user, body, client)


@router.delete("/v1/me/consents/{consent_type}", response_model=ConsentStateOut)
async def withdraw_consent(
    consent_type: ConsentType, user: CurrentUser, db: DbSession, client: Client
) -> ConsentStateOut:
    """Withdraw a consent (409 ``consent_not_given`` if it was never given)."""
    return await consents.withdraw(db, user, consent_type, client)


@router.get("/v1/me/access-log", response_model=Page[AccessLogEntryOut])
async def my_access_log(
    user: CurrentUser,
    db: DbSession,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Page[AccessLogEntryOut]:
    """Who read your records, what and when (newest first)."""
    rows, total = await access_log.page_for(db, own_id(user), limit, offset)
    items = [
        AccessLogEntryOut(
            accessor_id=log.accessor_id,
            accessor_role=log.accessor_role,
            accessor_name=name,
            resource=log.resource,
            resource_id=log.resource_id,
            reason=log.reason,
            occurred_at=log.occurred_at,
        )
        for log, name in rows
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)
