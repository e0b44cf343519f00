"""People and calendars for the scheduling tests (real PostgreSQL, through the app)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest

from hp_agent.care.models import ClinicianProfile, ClinicianProfileStatus
from hp_agent.db.session import Database
from hp_agent.users.repository import SYSTEM
from tests.journal.people import Person, patient, relate, therapist

__all__ = ["Person", "add_window", "clinician", "next_weekday", "patient", "relate", "type_id"]


@pytest.fixture(autouse=True)
def _types(seeded: None) -> None:
    """The appointment types are reference data (hp_agent/seed/data/appointment_types.yaml)."""


async def clinician(
    client: httpx.AsyncClient,
    app_db: Database,
    *,
    tz: str = "America/New_York",
    verified: bool = True,
    accepting: bool = True,
) -> Person:
    """A therapist account with a profile; verified (and active) unless told otherwise."""
    person = await therapist(client, app_db)
    now = dt.datetime.now(dt.UTC)
    async with app_db.unit_of_work(SYSTEM) as s:
        s.add(
            ClinicianProfile(
                user_id=person.id,
                status=ClinicianProfileStatus.active
                if verified
                else ClinicianProfileStatus.pending_verification,
                display_name="Dr Calendar",
                license_number=uuid.uuid4().hex[:12],
                license_country="US",
                license_verified_at=now if verified else None,
                accepting_new_patients=accepting,
                timezone=tz,
            )
        )
    return person


async def type_id(client: httpx.AsyncClient, who: Person, code: str = "individual-50") -> str:
    r = await client.get("/v1/appointment-types", headers=who.headers)
    assert r.status_code == 200, r.text
    return str(next(t["id"] for t in r.json() if t["code"] == code))


async def add_window(
    client: httpx.AsyncClient, who: Person, weekday: int, start: str, end: str, **extra: Any
) -> httpx.Response:
    body = {"weekday": weekday, "start_time": start, "end_time": end, **extra}
    return await client.post(f"/v1/clinicians/{who.id}/availability", json=body, headers=who.headers)


def next_weekday(weekday: int, *, weeks_ahead: int = 1) -> dt.date:
    """A date on ISO ``weekday`` at least a week from today (so every slot is in the future)."""
    day = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7 * weeks_ahead)
    while day.isoweekday() != weekday:
        day += dt.timedelta(days=1)
    return day
