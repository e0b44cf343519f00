"""The care network end to end, with no row inserted by hand: every step goes through the public
API (the admin account is made by the ``hp-agent create-user`` code path), over a real server,
real PostgreSQL, real Redis and real sockets.

admin invites → clinician accepts and is verified → patient finds and requests → clinician
accepts → the patient's crisis chat message reaches that clinician's therapist socket; then the
relationship ends and the next escalation goes to whoever is on call instead.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest

from hp_agent.config import Settings
from hp_agent.users.admin import create_user_cli
from tests import mfa_helpers
from tests.care.conftest import PASSWORD, new_email, profile_body
from tests.chat.chat_client import Chat, new_user
from tests.conftest import LiveServer
from tests.escalation.conftest import TherapistSocket

CRISIS = "I am going to kill myself tonight, I have the pills ready"

pytestmark = pytest.mark.slow


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _login(c: httpx.AsyncClient, email: str) -> str:
    r = await mfa_helpers.login(c, email, PASSWORD)  # clinicians and admins pass the second step
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


async def _onboard(c: httpx.AsyncClient, admin: str, **profile: Any) -> tuple[str, str]:
    """Invitation → acceptance with a profile → verification; returns (clinician id, token)."""
    email = new_email("clin")
    r = await c.post("/v1/admin/clinicians/invitations", json={"email": email}, headers=_h(admin))
    assert r.status_code == 201, r.text
    accept = {"token": r.json()["token"], "password": PASSWORD, "consents": ["terms", "privacy"]}
    r = await c.post("/v1/clinicians/invitations/accept", json={**accept, **profile_body(**profile)})
    assert r.status_code == 201, r.text
    cid = str(r.json()["id"])
    token = await _login(c, email)
    # Not linkable, not listed, until an admin verifies the licence.
    assert (await c.get("/v1/clinicians/me", headers=_h(token))).json()["status"] == "pending_verification"
    r = await c.post(f"/v1/admin/clinicians/{cid}/verify", headers=_h(admin))
    assert r.status_code == 200, r.text
    return cid, token


async def test_care_network_routes_escalations_end_to_end(
    esc_server: LiveServer, server_settings: Settings, worker: Any
) -> None:
    admin_email = new_email("admin")
    await create_user_cli(server_settings, admin_email, PASSWORD, "admin")
    specialty = f"e2e-{uuid.uuid4().hex[:8]}"  # the run's database is shared: find exactly ours
    async with httpx.AsyncClient(base_url=esc_server.http_url, timeout=30) as c:
        admin = await _login(c, admin_email)
        therapist_id, therapist = await _onboard(c, admin, specialties=[specialty], license_country="NZ")
        on_call_id, on_call = await _onboard(c, admin, license_country="NZ", accepting_new_patients=False)
        now = dt.datetime.now(dt.UTC)
        r = await c.post(
            "/v1/care/on-call-shifts",
            json={
                "clinician_id": on_call_id,
                "starts_at": (now - dt.timedelta(seconds=1)).isoformat(),
                "ends_at": (now + dt.timedelta(hours=2)).isoformat(),
                "country_code": "NZ",
            },
            headers=_h(admin),
        )
        assert r.status_code == 201, r.text

        tokens = await new_user(esc_server.http_url, country="NZ", locale="en-NZ")
        patient = tokens["access_token"]
        patient_id = (await c.get("/v1/me", headers=_h(patient))).json()["id"]
        r = await c.get(
            "/v1/clinicians", params={"specialty": specialty, "language": "en"}, headers=_h(patient)
        )
        assert [e["id"] for e in r.json()] == [therapist_id]
        r = await c.post(
            "/v1/care/relationships",
            json={"clinician_id": therapist_id, "sharing": {"share_chat": True, "share_safety_plan": True}},
            headers=_h(patient),
        )
        assert r.status_code == 201, r.text
        rel_id = r.json()["id"]
        r = await c.post(f"/v1/care/relationships/{rel_id}/accept", headers=_h(therapist))
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "active"

        console = await TherapistSocket.connect(esc_server.ws_url, therapist)
        covering = await TherapistSocket.connect(esc_server.ws_url, on_call)
        chat = await Chat.connect(esc_server.ws_url, patient)
        try:
            await chat.start("cbt-coach")
            await chat.say(CRISIS)
            first = await console.next_frame("escalation", within=10)
            assert first["user_id"] == patient_id
            assert first["level"] == 1
            assert first["assigned_to"] == therapist_id
            r = await c.post(
                f"/v1/escalations/{first['escalation_id']}/resolve",
                json={"outcome": "contacted_user"},
                headers=_h(therapist),
            )
            assert r.status_code == 200, r.text

            r = await c.post(
                f"/v1/care/relationships/{rel_id}/end", json={"reason": "discharged"}, headers=_h(patient)
            )
            assert r.status_code == 200, r.text
            assert r.json()["status"] == "ended"

            await chat.start("cbt-coach")  # a new conversation, a new escalation
            await chat.say(CRISIS)
            second = await covering.next_frame("escalation", within=15)
            assert second["escalation_id"] != first["escalation_id"]
            assert second["user_id"] == patient_id
            assert second["level"] == 3
            assert second["assigned_to"] == on_call_id
            # The former therapist is no longer told.
            later = [f for f in await console.frames_for(1.0) if f.get("type") == "escalation"]
            assert all(f["escalation_id"] != second["escalation_id"] for f in later)
            # ... nor can read it.
            r = await c.get(f"/v1/escalations/{second['escalation_id']}/context", headers=_h(therapist))
            assert r.status_code in (403, 404)
        finally:
            await chat.close()
            await console.close()
            await covering.close()
