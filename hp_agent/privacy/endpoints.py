"""``/v1/consent-documents`` and ``/v1/me/consents``, ``/v1/me/access-log`` (docs/privacy.md)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import Client, CurrentUser
from hp_agent.compliance.models import DataSubjectRequest
from hp_agent.journal.access import own_id
from hp_agent.journal.common import MAX_PAGE, Page
from hp_agent.privacy import access_log, consents, erasure, export
from hp_agent.privacy.schemas import (
    AccessLogEntryOut,
    ConsentDocumentOut,
    ConsentIn,
    ConsentStateOut,
    EraseIn,
    ErasureOut,
    ExportLinkOut,
    ExportOut,
)
from hp_agent.subscriptions import entitlements
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


@router.post(
    "/v1/me/export",
    response_model=ExportOut,
    status_code=status.HTTP_202_ACCEPTED,
    # Every seeded plan has it (the right of access); a hidden plan could leave it out.
    dependencies=[Depends(entitlements.require(entitlements.DATA_EXPORT))],
)
async def start_export(user: CurrentUser, db: DbSession) -> ExportOut:
    """Start preparing an archive of everything that is yours (409 ``export_in_progress``)."""
    return ExportOut.model_validate(await export.start(db, user))


@router.get("/v1/me/exports/{export_id}", response_model=ExportOut)
async def get_export(export_id: uuid.UUID, user: CurrentUser, db: DbSession) -> ExportOut:
    return ExportOut.model_validate(await export.get(db, user, export_id))


@router.post("/v1/me/exports/{export_id}/link", response_model=ExportLinkOut)
async def export_link(export_id: uuid.UUID, user: CurrentUser, db: DbSession) -> ExportLinkOut:
    """A single-use download link valid for 15 minutes (409 ``export_not_ready``)."""
    token, expires_at = await export.new_link(db, user, export_id)
    return ExportLinkOut(url=f"/v1/exports/download/{token}", expires_at=expires_at)


@router.get(
    "/v1/exports/download/{token}",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
async def download_export(token: str, db: DbSession) -> Response:
    """The archive, once (410 ``link_used`` / ``link_expired``, 404 ``link_invalid``)."""
    data = await export.redeem(db, token)
    return Response(
        data,
        media_type="application/zip",
        headers={
            "Content-Disposition": 'attachment; filename="happy-path-export.zip"',
            "Cache-Control": "no-store",
        },
    )


@router.delete("/v1/me", response_model=ErasureOut, status_code=status.HTTP_202_ACCEPTED)
async def delete_me(body: EraseIn, user: CurrentUser, db: DbSession, client: Client) -> ErasureOut:
    """Schedule the erasure of your account and data after a 14-day grace period
    (403 ``password_incorrect``, 409 ``erasure_scheduled``)."""
    return _erasure_out(await erasure.schedule(db, user, body.password, client))


@router.get("/v1/me/erasure", response_model=ErasureOut)
async def get_erasure(user: CurrentUser, db: DbSession) -> ErasureOut:
    return _erasure_out(await erasure.pending(db, user))


@router.delete("/v1/me/erasure", response_model=ErasureOut)
async def cancel_erasure(user: CurrentUser, db: DbSession) -> ErasureOut:
    """Cancel a scheduled erasure (404 ``no_erasure_scheduled``)."""
    return _erasure_out(await erasure.cancel(db, user))


def _erasure_out(row: DataSubjectRequest) -> ErasureOut:
    out = ErasureOut.model_validate(row)
    return out.model_copy(update={"status": row.status.value})
