"""``hp-agent reset-mfa``: an operator removes a lost second factor; the person enrols again."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from hp_agent.app import create_app
from hp_agent.auth.mfa_operator import reset_mfa_cli
from hp_agent.auth.security_models import MfaFactor
from hp_agent.auth.service import create_user
from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.db.urls import app_database_url, worker_database_url
from hp_agent.events.models import EmailOutbox
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests import mfa_helpers
from tests.api.auth_helpers import PASSWORD, new_email


async def test_an_operator_resets_a_lost_factor(settings: Settings, seeded: None) -> None:
    db = Database(app_database_url(settings), pool_size=2, max_overflow=2)  # committed writes
    email = new_email("lost")
    try:
        async with db.unit_of_work(SYSTEM) as s:
            user_id = (await create_user(s, email, PASSWORD, UserRole.admin, actor=SYSTEM)).id
        app = create_app(settings, database=db)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            assert (await mfa_helpers.login(c, email, PASSWORD)).status_code == 200  # enrols
            r = await c.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
            assert r.json()["mfa_required"] is True

            assert await reset_mfa_cli(settings, email.upper()) is True
            r = await c.post("/v1/auth/login", json={"email": email, "password": PASSWORD})
            assert r.status_code == 200
            assert r.json()["mfa_enrollment_required"] is True  # restricted until enrolled again
            assert await reset_mfa_cli(settings, email) is False
        with pytest.raises(LookupError):
            await reset_mfa_cli(settings, new_email("nobody"))
        # Through the worker's role, which alone reads the email queue and the factor table as the
        # system actor: the email is queued, the factor gone.
        worker = Database(worker_database_url(settings), pool_size=1, max_overflow=0)
        try:
            async with worker.unit_of_work(SYSTEM) as s:
                templates = (
                    await s.execute(
                        select(EmailOutbox.template).where(EmailOutbox.recipient_user_id == user_id)
                    )
                ).scalars()
                assert "mfa_reset" in set(templates)
            async with worker.unit_of_work(SYSTEM) as s:
                found = (await s.execute(select(MfaFactor.id).where(MfaFactor.user_id == user_id))).all()
        finally:
            await worker.dispose()
        assert found == []
    finally:
        await db.dispose()
