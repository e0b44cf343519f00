"""``DELETE /v1/me``: erasure after a grace period the person can cancel (docs/privacy.md).

The request is a ``data_subject_requests`` row (type erasure, ``due_at`` = now + grace). When it
is due the worker erases: every row of every table that is the person's (its owner column is their
id) goes, except what must be kept: signed clinical notes and the therapy sessions they
document, and audit entries (ids only, append-only). The ``users`` row stays as a pseudonymised
tombstone (random address, no password, status ``deleted``) because those kept records reference
it. Queued outbox rows that name the person are deleted as the system actor.

The person's data key (``person_data_keys``, hp_agent/db/data_keys.py) is deleted in the same
transaction as their rows, so ciphertext of theirs in any copy (backups, a dump) no longer opens.
The kept records never used it: their tables are written under the service key.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Select, Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.auth.schemas import ClientInfo
from hp_agent.auth.security import verify_password
from hp_agent.compliance import audit
from hp_agent.compliance.models import (
    DataSubjectRequest,
    DataSubjectRequestStatus,
    DataSubjectRequestType,
)
from hp_agent.db import data_keys
from hp_agent.db.base import Base
from hp_agent.db.session import Database, Principal
from hp_agent.errors import Conflict, HPError, NotFound
from hp_agent.journal.access import own_id
from hp_agent.privacy.export import person_tables
from hp_agent.users import repository as users_repo
from hp_agent.users.models import User, UserStatus
from hp_agent.users.repository import SYSTEM

GRACE = dt.timedelta(days=14)
_PENDING = (DataSubjectRequestStatus.received, DataSubjectRequestStatus.in_progress)


def _pending(user_id: uuid.UUID) -> Select[DataSubjectRequest]:
    return select(DataSubjectRequest).where(
        DataSubjectRequest.user_id == user_id,
        DataSubjectRequest.request_type == DataSubjectRequestType.erasure,
        DataSubjectRequest.status.in_(_PENDING),
    )


async def schedule(
    session: AsyncSession, principal: Principal, password: str, client: ClientInfo
) -> DataSubjectRequest:
    me = own_id(principal)
    user = await users_repo.get_user(session, me)
    if user is None:
        raise NotFound("Account not found.")
    if not verify_password(user.password_hash, password):
        raise HPError("The password is not correct.", 403, code="password_incorrect")
    if (await session.execute(_pending(me))).scalar_one_or_none() is not None:
        raise Conflict("Deletion is already scheduled.", code="erasure_scheduled")
    request = DataSubjectRequest(
        user_id=me,
        request_type=DataSubjectRequestType.erasure,
        status=DataSubjectRequestStatus.received,
        due_at=dt.datetime.now(dt.UTC) + GRACE,
    )
    session.add(request)
    await session.flush()
    await audit.record(
        session,
        "privacy.erasure.scheduled",
        actor=principal,
        subject_type="user",
        subject_id=me,
        ip=client.ip,
        user_agent=client.user_agent,
    )
    await session.refresh(request)
    return request


async def pending(session: AsyncSession, principal: Principal) -> DataSubjectRequest:
    row = (await session.execute(_pending(own_id(principal)))).scalar_one_or_none()
    if row is None:
        raise NotFound("No deletion is scheduled.", code="no_erasure_scheduled")
    return row


async def cancel(session: AsyncSession, principal: Principal) -> DataSubjectRequest:
    row = await pending(session, principal)
    row.status = DataSubjectRequestStatus.cancelled
    row.completed_at = dt.datetime.now(dt.UTC)
    row.resolution_code = "cancelled_by_person"
    await audit.record(
        session, "privacy.erasure.cancelled", actor=principal, subject_type="user", subject_id=row.user_id
    )
    await session.flush()
    await session.refresh(row)
    return row


def _tables_children_first() -> list[tuple[Table, str]]:
    order = {t.name: i for i, t in enumerate(Base.metadata.sorted_tables)}
    return sorted(person_tables(), key=lambda tc: -order[tc[0].name])


async def erase(db: Database, user_id: uuid.UUID) -> None:
    """Erase one person now (the worker calls this when the grace period is over)."""
    async with db.unit_of_work(SYSTEM) as session:
        if (await session.execute(select(User.id).where(User.id == user_id))).first() is None:
            return
    notes = Base.metadata.tables["session_notes"]
    sessions = Base.metadata.tables["therapy_sessions"]
    # As the system actor (the worker's role): some rows about the person are not visible to
    # their own principal (a clinician's draft note), and those go too. Every statement is keyed
    # on the person's owner column, so nobody else's rows are touched.
    async with db.unit_of_work(SYSTEM) as session:
        destroyed = await data_keys.destroy(session, user_id)
        for table, owner in _tables_children_first():
            stmt = delete(table).where(table.c[owner] == user_id)
            if table.name == "users":
                continue
            if table.name == "session_notes":  # signed notes are clinical records that must stay
                stmt = stmt.where(notes.c.status == "draft")
            elif table.name == "therapy_sessions":  # ...and so do the sessions they document
                kept = select(notes.c.therapy_session_id).where(
                    notes.c.patient_id == user_id,
                    notes.c.status != "draft",
                    notes.c.therapy_session_id.is_not(None),
                )
                stmt = stmt.where(sessions.c.id.not_in(kept))
            await session.execute(stmt)
        await session.execute(
            update(User)
            .where(User.id == user_id)
            .values(
                email=f"erased-{uuid.uuid4().hex}@erased.invalid",
                password_hash="!",  # matches no password
                status=UserStatus.deleted,
                deleted_at=dt.datetime.now(dt.UTC),
                email_verified_at=None,
                country_code=None,
                last_login_at=None,
                locked_until=None,
                failed_login_count=0,
            )
            .execution_options(synchronize_session=False)
        )
    data_keys.forget(user_id, destroyed)  # committed: this process never uses the key again
    async with db.unit_of_work(SYSTEM) as session:
        for name in ("outbox_events", "email_outbox"):
            if name not in Base.metadata.tables:
                continue
            table = Base.metadata.tables[name]
            text_of_row = select(table.c.id).where(_row_text(table).contains(str(user_id)))
            await session.execute(delete(table).where(table.c.id.in_(text_of_row)))
        await session.execute(
            update(DataSubjectRequest)
            .where(DataSubjectRequest.user_id == user_id)
            .values(status=DataSubjectRequestStatus.completed)
            .execution_options(synchronize_session=False)
        )
        await audit.record(
            session, "privacy.erasure.completed", actor=SYSTEM, subject_type="user", subject_id=user_id
        )


def _row_text(table: Table):  # type: ignore[no-untyped-def]
    from sqlalchemy import Text, func, literal_column

    return func.cast(func.row_to_json(literal_column(f'"{table.name}"')), Text)


async def erase_due(db: Database, now: dt.datetime | None = None) -> int:
    """Erase everyone whose grace period is over; returns how many."""
    now = now or dt.datetime.now(dt.UTC)
    async with db.unit_of_work(SYSTEM) as session:
        due = (
            (
                await session.execute(
                    select(DataSubjectRequest.user_id).where(
                        DataSubjectRequest.request_type == DataSubjectRequestType.erasure,
                        DataSubjectRequest.status == DataSubjectRequestStatus.received,
                        DataSubjectRequest.due_at <= now,
                    )
                )
            )
            .scalars()
            .all()
        )
    for user_id in due:
        await erase(db, user_id)
    return len(due)
