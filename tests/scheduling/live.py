"""Committed people for the scheduling tests that need real concurrency or a live server: what
these write stays in the run's database, so every person is new (unique emails)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import Notification
from hp_agent.app import create_app
from hp_agent.auth.service import create_user
from hp_agent.care.models import (
    ClinicianProfile,
    ClinicianProfileStatus,
)
from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.db.urls import app_database_url, as_role
from hp_agent.events.models import OutboxEvent
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests import mfa_helpers
from tests.api.auth_helpers import PASSWORD, new_email
from tests.conftest import WORKER_ROLE


@asynccontextmanager
async def as_worker(db: Database) -> AsyncIterator[Database]:
    """Setup only the service's own actor may do (a verified profile) runs as the worker's role on
    the same database: the API's role claiming the system actor is refused. (The shared-connection
    test database already runs units begun as the system actor as the worker's role.)"""
    if db.engine is None:
        yield db
        return
    worker = Database(as_role(db.engine.url.render_as_string(hide_password=False), WORKER_ROLE, None))
    try:
        yield worker
    finally:
        await worker.dispose()


async def user(db: Database, role: UserRole) -> tuple[uuid.UUID, str]:
    email = new_email(role.value)
    async with as_worker(db) as worker, worker.unit_of_work(SYSTEM) as s:
        u = await create_user(s, email, PASSWORD, role, actor=SYSTEM)
        return u.id, email


async def verified_clinician(db: Database, tz: str = "UTC") -> tuple[uuid.UUID, str]:
    clinician_id, email = await user(db, UserRole.therapist)
    async with as_worker(db) as worker, worker.unit_of_work(SYSTEM) as s:
        s.add(
            ClinicianProfile(
                user_id=clinician_id,
                status=ClinicianProfileStatus.active,
                display_name="Dr Live",
                license_number=uuid.uuid4().hex[:12],
                license_country="US",
                license_verified_at=dt.datetime.now(dt.UTC),
                accepting_new_patients=True,
                timezone=tz,
            )
        )
    return clinician_id, email


async def headers(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    r = await mfa_helpers.login(client, email, PASSWORD)  # clinicians pass the second step
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@asynccontextmanager
async def pooled_app(settings: Settings, pool_size: int) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """The real app on its own connection pool (each request its own transaction, committed)."""
    db = Database(app_database_url(settings), pool_size=pool_size, max_overflow=0)
    app = create_app(settings, database=db)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60
        ) as c:
            yield c, db
    finally:
        await db.dispose()


def slot_start(weekday: int, hour: int, *, days_ahead: int = 7) -> dt.datetime:
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days_ahead)
    while day.isoweekday() != weekday:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


async def stored_reminders(session: AsyncSession, patient: uuid.UUID, kind: str) -> tuple[int, int]:
    """(``kind`` reminder notifications stored for ``patient``, outbox events announcing them);
    ``kind`` is the dedupe-key prefix, e.g. ``appointment-reminder``."""
    ids = select(Notification.id).where(
        Notification.user_id == patient, Notification.dedupe_key.like(f"{kind}:%")
    )
    stored = (await session.execute(select(func.count()).select_from(ids.subquery()))).scalar_one()
    events = (
        await session.execute(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.aggregate_id.in_(ids))
        )
    ).scalar_one()
    return int(stored), int(events)
