"""Fixtures for the care network tests.

API tests go through the real app on the per-test rolled-back transaction (``client``); the
end-to-end test uses the escalation suite's live server, worker and therapist socket, imported
here so both directories drive sockets the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from hp_agent.auth.service import create_user
from hp_agent.db.session import Database
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests import mfa_helpers
from tests.escalation.conftest import (  # noqa: F401  (fixtures, re-exported for this directory)
    _engine_loaded,
    esc_server,
    live_db,
    server_settings,
    worker,
)

PASSWORD = "Quiet-Harbor-Lantern-72"


def new_email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@example.org"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def profile_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "display_name": "Dr Ada Okafor",
        "credentials": "PhD",
        "license_number": f"LIC-{uuid.uuid4().hex[:8]}",
        "license_country": "GB",
        "specialties": ["depression", "trauma"],
        "approaches": ["cbt"],
        "languages": ["en", "yo"],
        "accepting_new_patients": True,
        "timezone": "Europe/London",
    }
    body.update(over)
    return body


class Care:
    """Drives the care API as the different people in a story (one client, a token per call)."""

    def __init__(self, client: httpx.AsyncClient, db: Database) -> None:
        self.c = client
        self.db = db

    async def user(self, role: UserRole, *, country: str = "GB") -> tuple[uuid.UUID, str]:
        """An account made the way ``hp-agent create-user`` makes one; returns (id, access token)."""
        email = new_email(role.value)
        async with self.db.unit_of_work(SYSTEM) as s:
            u = await create_user(s, email, PASSWORD, role, actor=SYSTEM, country_code=country)
            uid = u.id
        return uid, await self.login(email)

    async def login(self, email: str) -> str:
        r = await mfa_helpers.login(self.c, email, PASSWORD)
        assert r.status_code == 200, r.text
        return str(r.json()["access_token"])

    async def clinician(self, admin: str, *, verify: bool = True, **profile: Any) -> tuple[uuid.UUID, str]:
        """Invited by ``admin``, accepted through the API, verified unless told otherwise."""
        email = new_email("clin")
        r = await self.c.post("/v1/admin/clinicians/invitations", json={"email": email}, headers=auth(admin))
        assert r.status_code == 201, r.text
        body = {
            "token": r.json()["token"],
            "password": PASSWORD,
            "consents": ["terms", "privacy"],
            **profile_body(**profile),
        }
        r = await self.c.post("/v1/clinicians/invitations/accept", json=body)
        assert r.status_code == 201, r.text
        cid = uuid.UUID(r.json()["id"])
        if verify:
            r = await self.c.post(f"/v1/admin/clinicians/{cid}/verify", headers=auth(admin))
            assert r.status_code == 200, r.text
        return cid, await self.login(email)

    async def linked(self, patient: str, clinician: uuid.UUID, clinician_token: str, **sharing: bool) -> str:
        r = await self.c.post(
            "/v1/care/relationships",
            json={"clinician_id": str(clinician), "sharing": sharing},
            headers=auth(patient),
        )
        assert r.status_code == 201, r.text
        rid = str(r.json()["id"])
        r = await self.c.post(f"/v1/care/relationships/{rid}/accept", headers=auth(clinician_token))
        assert r.status_code == 200, r.text
        return rid


@pytest.fixture
def care(client: httpx.AsyncClient, app_db: Database) -> Care:
    return Care(client, app_db)


@pytest.fixture
async def admin(care: Care) -> str:
    return (await care.user(UserRole.admin))[1]


AsyncFactory = Callable[..., Awaitable[Any]]
