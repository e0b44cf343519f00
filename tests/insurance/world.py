"""A clinic's billing world for the tests: an admin, a payer, a treating clinician with an NPI and
their patient with a policy, a diagnosis and a completed session."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.models import ClinicianProfile
from hp_agent.db.session import Database
from tests.factories import admin_headers
from tests.journal.people import Person
from tests.therapy.care import treated

DATA = Path(__file__).parent / "data"
CLINICIAN_NPI = "1245319599"


@dataclass
class World:
    admin: dict[str, str]
    doc: Person
    pat: Person
    payer_id: str
    policy_id: str


def policy_body(payer_id: str, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "payer_id": payer_id,
        "member_id": "XYZ123456789",
        "group_number": "GRP001",
        "member_first_name": "Jane",
        "member_last_name": "Doe",
        "member_date_of_birth": "1990-05-17",
        "member_gender": "F",
        "member_address": {"line1": "1 Elm St", "city": "Springfield", "state": "IL", "postal_code": "62704"},
    }
    body.update(over)
    return body


async def build(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, *, payer_code: str = "ACME1"
) -> World:
    admin = await admin_headers(client, owner_db)
    pair = await treated(client, app_db)
    owner_db.add(
        ClinicianProfile(
            user_id=pair.doc.id,
            display_name="Dr. Alex Smith, LCSW",
            license_number=f"LCSW-{uuid.uuid4().hex[:8]}",
            license_country="US",
            license_state="US-IL",
            npi_number=CLINICIAN_NPI,
        )
    )
    await owner_db.commit()
    r = await client.post(
        "/v1/insurance/payers",
        json={"name": "Acme Health Plan", "payer_code": payer_code, "payer_type": "commercial"},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    payer_id = r.json()["id"]
    r = await client.post("/v1/insurance/policies", json=policy_body(payer_id), headers=pair.pat.headers)
    assert r.status_code == 201, r.text
    return World(admin, pair.doc, pair.pat, payer_id, r.json()["id"])


async def diagnose(client: httpx.AsyncClient, w: World, code: str = "F32.1") -> None:
    r = await client.post(
        f"/v1/patients/{w.pat.id}/diagnoses", json={"icd10_code": code}, headers=w.doc.headers
    )
    assert r.status_code == 201, r.text


async def session(
    client: httpx.AsyncClient, w: World, *, minutes: int = 50, status: str = "completed", **over: Any
) -> dict[str, Any]:
    start = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).replace(
        hour=15, minute=0, second=0, microsecond=0
    )
    body: dict[str, Any] = {
        "session_type": "individual",
        "modality": "video",
        "status": status,
        "started_at": start.isoformat(),
    }
    body.update(over)
    if status == "completed":
        begun = dt.datetime.fromisoformat(body["started_at"])
        body["ended_at"] = (begun + dt.timedelta(minutes=minutes)).isoformat()
    r = await client.post(f"/v1/patients/{w.pat.id}/therapy-sessions", json=body, headers=w.doc.headers)
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def sample(name: str, **values: str) -> str:
    text = (DATA / name).read_text()
    for k, v in values.items():
        text = text.replace("{" + k + "}", v)
    return text
