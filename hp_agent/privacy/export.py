"""``POST /v1/me/export``: the job row, the archive the worker builds, the single-use link.

The archive is built under the person's own principal, so it holds exactly the rows row-level
security lets them read in the tables that are theirs (owner column = their id): one JSON document
per table plus ``fhir/bundle.json``. Secrets (password and token hashes) are left out.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import io
import json
import secrets
import uuid
import zipfile
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.assessments.models import AssessmentTemplate
from hp_agent.compliance import audit
from hp_agent.compliance.models import DataExport
from hp_agent.db.base import Base
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, HPError, NotFound
from hp_agent.journal.access import own_id
from hp_agent.privacy import fhir
from hp_agent.users.repository import SYSTEM, acting_as, signing_in

LINK_TTL = dt.timedelta(minutes=15)
ARCHIVE_TTL = dt.timedelta(days=7)
# Columns never exported: credentials and link secrets, and the export's own archive.
_SECRET_MARKERS = ("hash", "secret", "token", "password")
_SKIP_TABLES = {"data_exports", "person_data_keys"}  # the archive itself; the wrapped data key


class Gone(HPError):
    status_code = 410
    code = "gone"


def _json(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes | memoryview):
        return None
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if hasattr(value, "exploded"):  # IP addresses
        return str(value)
    return value


def person_tables() -> list[tuple[Table, str]]:
    out = []
    for table in Base.metadata.sorted_tables:
        spec = table.info.get("rls")
        if spec and table.name not in _SKIP_TABLES:
            out.append((table, spec["owner"]))
    return out


async def collect(session: AsyncSession, user_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """Every row of the person's tables that their principal may read (the session's principal)."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for table, owner in person_tables():
        cols = [c for c in table.c if not any(m in c.name for m in _SECRET_MARKERS)]
        result = await session.execute(select(*cols).where(table.c[owner] == user_id))
        found = [{k: _json(v) for k, v in r._mapping.items()} for r in result]
        if found:
            rows[table.name] = found
    return rows


async def build_archive(session: AsyncSession, user_id: uuid.UUID) -> bytes:
    rows = await collect(session, user_id)
    templates = {str(t.id): t.code for t in (await session.execute(select(AssessmentTemplate))).scalars()}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "README.txt",
            "Your Happy Path data: one JSON document per area (data/<table>.json) and a FHIR R4 "
            "Bundle (fhir/bundle.json).\n",
        )
        for name, found in sorted(rows.items()):
            z.writestr(f"data/{name}.json", json.dumps(found, indent=1, ensure_ascii=False))
        z.writestr("fhir/bundle.json", json.dumps(fhir.bundle(rows, templates), indent=1, ensure_ascii=False))
    return buf.getvalue()


# ----------------------------------------------------------------------------- the person's side


async def start(session: AsyncSession, principal: Principal) -> DataExport:
    me = own_id(principal)
    busy = (
        await session.execute(
            select(DataExport.id).where(
                DataExport.user_id == me, DataExport.status.in_(("queued", "running"))
            )
        )
    ).first()
    if busy is not None:
        raise Conflict("An export is already being prepared.", code="export_in_progress")
    job = DataExport(user_id=me, status="queued", progress=0)
    session.add(job)
    await session.flush()
    await audit.record(
        session, "privacy.export.requested", actor=principal, subject_type="data_export", subject_id=job.id
    )
    await session.refresh(job)
    return job


async def get(session: AsyncSession, principal: Principal, export_id: uuid.UUID) -> DataExport:
    me = own_id(principal)
    job = (
        await session.execute(select(DataExport).where(DataExport.id == export_id, DataExport.user_id == me))
    ).scalar_one_or_none()
    if job is None:  # someone else's export is not found either (RLS hides it)
        raise NotFound("Export not found.", code="export_not_found")
    return job


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def new_link(
    session: AsyncSession, principal: Principal, export_id: uuid.UUID
) -> tuple[str, dt.datetime]:
    """A fresh single-use link (replacing any earlier one) for a ready export."""
    job = await get(session, principal, export_id)
    if job.status != "ready":
        raise Conflict("The export is not ready for download.", code="export_not_ready")
    token = secrets.token_urlsafe(32)
    job.link_token_hash = _hash(token)
    job.link_expires_at = dt.datetime.now(dt.UTC) + LINK_TTL
    await session.flush()
    return token, job.link_expires_at


async def redeem(session: AsyncSession, token: str) -> bytes:
    """The archive behind a link, once: the link and the stored archive go with the download."""
    # The link is its holder's credential for one person's export: a narrow database function
    # says whose, and the export is read and spent as that person (owner policy), not as system.
    digest = _hash(token)
    owner = (await session.execute(select(func.app_export_link_owner(digest)))).scalar_one()
    async with acting_as(session, signing_in(owner)):
        job = (
            await session.execute(
                select(DataExport).where(DataExport.link_token_hash == digest).with_for_update()
            )
        ).scalar_one_or_none()
        if job is None:
            raise NotFound("This download link is not valid.", code="link_invalid")
        now = dt.datetime.now(dt.UTC)
        if job.downloaded_at is not None or job.archive is None:
            raise Gone("This download link was already used.", code="link_used")
        if job.link_expires_at is None or job.link_expires_at <= now:
            raise Gone("This download link has expired; ask for a new one.", code="link_expired")
        data = base64.b64decode(job.archive)
        # The hash stays so a second use is told "used", not "invalid"; the archive goes.
        job.archive = None
        job.downloaded_at = now
        job.status = "downloaded"
        await audit.record(
            session,
            "privacy.export.downloaded",
            actor=Principal(job.user_id, "patient"),
            subject_type="data_export",
            subject_id=job.id,
        )
        await session.flush()
    return data


# ----------------------------------------------------------------------------- the worker's side


async def set_progress(session: AsyncSession, export_id: uuid.UUID, **values: Any) -> None:
    async with acting_as(session, SYSTEM):
        await session.execute(
            update(DataExport)
            .where(DataExport.id == export_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
