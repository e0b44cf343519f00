"""Twenty patients book the same slot at the same moment: exactly one gets it.

Twenty requests run concurrently through the real app, each in its own transaction on its own
pooled connection. In the second variant the service's own "is it free?" check is blinded, so
all twenty reach the INSERT and only the database's exclusion constraint can refuse nineteen.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from hp_agent.config import Settings
from hp_agent.scheduling import repository, service
from hp_agent.scheduling.models import LIVE_STATUSES, Appointment
from hp_agent.users.models import UserRole
from hp_agent.users.repository import SYSTEM
from tests.factories import link_as_patient
from tests.scheduling.live import as_worker, headers, pooled_app, slot_start, user, verified_clinician

N = 20


@pytest.mark.slow
@pytest.mark.parametrize("service_check", ["on", "blinded"])
async def test_twenty_concurrent_bookings_of_one_slot(
    settings: Settings, seeded: None, monkeypatch: pytest.MonkeyPatch, service_check: str
) -> None:
    async with pooled_app(settings, N + 2) as (client, db):
        doc, doc_email = await verified_clinician(db)
        doc_headers = await headers(client, doc_email)
        start = slot_start(3, 14)
        r = await client.post(
            f"/v1/clinicians/{doc}/availability",
            json={"weekday": 3, "start_time": "09:00", "end_time": "17:00"},
            headers=doc_headers,
        )
        assert r.status_code == 201, r.text
        types = (await client.get("/v1/appointment-types", headers=doc_headers)).json()
        tid = next(t["id"] for t in types if t["code"] == "individual-50")
        patients: list[dict[str, str]] = []
        for _ in range(N):
            pid, email = await user(db, UserRole.patient)
            await link_as_patient(db, pid, doc)
            patients.append(await headers(client, email))

        inserts = 0
        original_insert = service.insert_appointment

        async def counted(*args: Any) -> None:
            nonlocal inserts
            inserts += 1
            await original_insert(*args)

        monkeypatch.setattr(service, "insert_appointment", counted)
        if service_check == "blinded":

            async def nothing_busy(*args: Any, **kw: Any) -> list[Any]:
                return []

            monkeypatch.setattr(repository, "busy_times", nothing_busy)

        body = {"clinician_id": str(doc), "appointment_type_id": tid, "starts_at": start.isoformat()}
        gate = asyncio.Event()

        async def book(h: dict[str, str]) -> Any:
            await gate.wait()
            return await client.post("/v1/appointments", json=body, headers=h)

        tasks = [asyncio.create_task(book(h)) for h in patients]
        await asyncio.sleep(0)
        gate.set()
        responses = await asyncio.gather(*tasks)

        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201] + [409] * (N - 1), [
            r.text for r in responses if r.status_code not in (201, 409)
        ]
        assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"slot_taken"}
        if service_check == "blinded":
            assert inserts == N  # every request reached the database, which refused nineteen

        async with as_worker(db) as worker, worker.unit_of_work(SYSTEM) as s:  # reads everyone's
            live = (
                await s.execute(
                    select(func.count())
                    .select_from(Appointment)
                    .where(Appointment.therapist_id == doc, Appointment.status.in_(LIVE_STATUSES))
                )
            ).scalar_one()
        assert live == 1
        winner = next(r.json() for r in responses if r.status_code == 201)
        assert uuid.UUID(winner["id"])
