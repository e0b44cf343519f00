"""Fixtures for the escalation tests: an API server with the worker in-process, on its own
Redis key prefix, against the run's committed database (real PostgreSQL, real Redis)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets

from hp_agent.auth.service import create_user
from hp_agent.care.models import (
    ClinicianProfile,
    ClinicianProfileStatus,
    RelationshipStatus,
    TherapeuticRelationship,
)
from hp_agent.config import Settings
from hp_agent.db.session import Database, Principal
from hp_agent.db.urls import worker_database_url
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests import mfa_helpers
from tests.conftest import LiveServer

PASSWORD = "Quiet-Harbor-Lantern-72"


def esc_settings(base: Settings, **overrides: Any) -> Settings:
    update: dict[str, Any] = {
        "redis_prefix": f"hptest-{uuid.uuid4().hex[:10]}",
        # The worker runs in the test's loop (fixture ``worker``) so a test can do without it.
        "worker_in_process": False,
        "relay_poll_seconds": 0.02,
        "relay_max_backoff_seconds": 0.5,
        "deadline_poll_seconds": 0.2,
        "stream_claim_idle_ms": 1000,
        "escalation_email_notifier": True,
    }
    update.update(overrides)
    return base.model_copy(update=update)


@pytest.fixture(scope="session")
async def live_db(settings: Settings, seeded: None) -> AsyncIterator[Database]:
    """The worker's role on the run's database (what it writes is committed): the tests' worker
    runs on it, and so does their set-up as the system actor, which only that role may be."""
    db = Database(worker_database_url(settings), pool_size=5, max_overflow=10)
    yield db
    await db.dispose()


@pytest.fixture(scope="session")
def server_settings(settings: Settings) -> Settings:
    return esc_settings(settings)


@pytest.fixture(scope="session")
def esc_server(server_settings: Settings, seeded: None) -> Iterator[LiveServer]:
    server = LiveServer(server_settings)
    server.start()
    yield server
    server.stop()


def email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.org"


async def make_user(
    db: Database, role: UserRole, *, country: str | None = "US", prefix: str = "u"
) -> uuid.UUID:
    async with db.unit_of_work(SYSTEM) as s:
        user = await create_user(s, email(prefix), PASSWORD, role, actor=SYSTEM, country_code=country)
        return user.id


async def make_profile(
    db: Database, clinician: uuid.UUID, *, backup: uuid.UUID | None = None, on_call: bool = False
) -> None:
    async with db.unit_of_work(SYSTEM) as s:
        s.add(
            ClinicianProfile(
                user_id=clinician,
                status=ClinicianProfileStatus.active,
                display_name="Dr Test",
                license_number=uuid.uuid4().hex[:12],
                license_country="US",
                backup_clinician_id=backup,
                is_on_call=on_call,
            )
        )


async def link(
    db: Database, patient: uuid.UUID, therapist: uuid.UUID, *, chat: bool = False, plan: bool = False
) -> uuid.UUID:
    now = dt.datetime.now(dt.UTC)
    async with db.unit_of_work(SYSTEM) as s:
        rel = TherapeuticRelationship(
            id=uuid.uuid4(),
            patient_id=patient,
            therapist_id=therapist,
            status=RelationshipStatus.active,
            is_primary=True,
            consent_to_share_chat=chat,
            consent_to_share_safety_plan=plan,
            patient_consented_at=now,
            started_at=now,
        )
        s.add(rel)
        return rel.id


async def token_for(base_url: str, user_id: uuid.UUID, db: Database) -> str:
    from hp_agent.users.models import User

    async with db.unit_of_work(SYSTEM) as s:
        addr = (await s.get(User, user_id)).email  # type: ignore[union-attr]
    async with httpx.AsyncClient(base_url=base_url) as c:
        r = await mfa_helpers.login(c, addr, PASSWORD)
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TherapistSocket:
    """A connected console: authenticates with the first frame and collects escalation frames."""

    def __init__(self, ws: Any, ready: dict[str, Any]) -> None:
        self.ws = ws
        self.ready = ready

    @classmethod
    async def connect(cls, ws_url: str, token: str) -> TherapistSocket:
        ws = await websockets.connect(ws_url + "/v1/ws/therapist")
        await ws.send(json.dumps({"type": "auth", "token": token}))
        ready = json.loads(await ws.recv(decode=True))
        assert ready["type"] == "ready", ready
        return cls(ws, ready)

    async def next_frame(self, kind: str, within: float = 5.0) -> dict[str, Any]:
        import asyncio

        deadline = asyncio.get_running_loop().time() + within
        while True:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError(f"no {kind} frame within {within}s")
            frame = json.loads(await asyncio.wait_for(self.ws.recv(decode=True), timeout=left))
            if frame.get("type") == kind:
                return dict(frame)

    async def frames_for(self, seconds: float) -> list[dict[str, Any]]:
        import asyncio

        out: list[dict[str, Any]] = []
        end = asyncio.get_running_loop().time() + seconds
        while (left := end - asyncio.get_running_loop().time()) > 0:
            try:
                out.append(json.loads(await asyncio.wait_for(self.ws.recv(decode=True), timeout=left)))
            except TimeoutError:
                break
        return out

    async def close(self) -> None:
        await self.ws.close()


def patient_principal(user_id: uuid.UUID) -> Principal:
    return Principal(user_id, "patient")


@pytest.fixture
async def worker(server_settings: Settings, live_db: Database) -> AsyncIterator[Any]:
    """Relay, notifier and deadline watcher for the shared test server's prefix."""
    from hp_agent.events import streams
    from hp_agent.events.worker import Worker

    assert server_settings.redis_url is not None
    redis = streams.client(server_settings.redis_url)
    w = Worker(live_db, redis, server_settings)
    w.start()
    yield w
    await w.close()
    await redis.aclose()


@pytest.fixture(scope="session", autouse=True)
def _engine_loaded() -> None:
    # Load the detector once up front so latency assertions time delivery, not model loading.
    from hp_agent.crisis import engine

    engine.get_detector()
