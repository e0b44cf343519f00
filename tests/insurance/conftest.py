"""Insurance billing tests: the real app over httpx with a file-drop clearing house in the test's
own folder (the protocol peer is the folder pair), the run's PostgreSQL (each test rolled back)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from hp_agent.billing.clearinghouse import FileDrop
from hp_agent.config import Settings
from hp_agent.db.session import Database


@pytest.fixture
def house(tmp_path: Path) -> FileDrop:
    return FileDrop(tmp_path / "clearinghouse")


@pytest.fixture
async def client(settings: Settings, app_db: Database, house: FileDrop) -> AsyncIterator[httpx.AsyncClient]:
    from hp_agent.app import create_app

    # Two-step sign-in is the sign-in tests' subject, not this one's: clinicians and admins here
    # sign in with a password only.
    app = create_app(settings.model_copy(update={"mfa_required_roles": ""}), database=app_db)
    app.state.clearinghouse = house
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c
