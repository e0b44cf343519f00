"""Booking through the API: slots, booking, the refusals (with codes, nothing stored), reschedule
and cancel with the late window."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import Notification
from hp_agent.db.session import Database
from hp_agent.scheduling.models import (
    Appointment,
    AppointmentCancellation,
    AppointmentReminder,
    ReminderStatus,
    TherapistAvailability,
)
from tests.scheduling.conftest import Person, add_window, clinician, next_weekday, patient, relate, type_id

NY = ZoneInfo("America/New_York")


def at(day: dt.date, hh: int, mm: int = 0, tz: ZoneInfo = NY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=tz)


async def _count(owner_db: AsyncSession, stmt: object) -> int:
    await owner_db.commit()
    return int((await owner_db.execute(stmt)).scalar_one())  # type: ignore[call-overload]


async def _setup(client: httpx.AsyncClient, app_db: Database) -> tuple[Person, Person, str, dt.date]:
    doc = await clinician(client, app_db)
    r = await add_window(client, doc, 1, "09:00", "12:00")
    assert r.status_code == 201, r.text
    pat = await patient(client)
    await relate(app_db, pat.id, doc.id)
    return doc, pat, await type_id(client, pat), next_weekday(1)


async def _book(
    client: httpx.AsyncClient, who: Person, doc: Person, tid: str, start: dt.datetime
) -> httpx.Response:
    body = {"clinician_id": str(doc.id), "appointment_type_id": tid, "starts_at": start.isoformat()}
    return await client.post("/v1/appointments", json=body, headers=who.headers)


async def test_slots_and_booking(client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession) -> None:
    doc, pat, tid, monday = await _setup(client, app_db)
    r = await client.get(
        f"/v1/clinicians/{doc.id}/slots",
        params={
            "from": at(monday, 0).isoformat(),
            "to": at(monday, 23).isoformat(),
            "appointment_type_id": tid,
        },
        headers=pat.headers,
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["timezone"] == "America/New_York"
    # 50-minute sessions with 10 minutes between them, 09:00-12:00 local.
    assert [s["local_start"][11:16] for s in body["slots"]] == ["09:00", "10:00", "11:00"]

    r = await _book(client, pat, doc, tid, at(monday, 10))
    assert r.status_code == 201, r.text
    appt = r.json()
    assert appt["status"] == "scheduled"
    assert appt["clinician_id"] == str(doc.id)
    assert dt.datetime.fromisoformat(appt["ends_at"]) - dt.datetime.fromisoformat(
        appt["starts_at"]
    ) == dt.timedelta(minutes=50)
    assert appt["video_room_id"]
    assert appt["video_url"].endswith("/room/" + appt["video_room_id"])

    # Reminders 24 h and 1 h before; the clinician is told.
    reminders = await _count(
        owner_db,
        select(func.count())
        .select_from(AppointmentReminder)
        .where(AppointmentReminder.appointment_id == uuid.UUID(appt["id"])),
    )
    assert reminders == 2
    assert (
        await _count(
            owner_db, select(func.count()).select_from(Notification).where(Notification.user_id == doc.id)
        )
        == 1
    )

    # Both sides see it; the slot is gone from the list.
    for who in (pat, doc):
        mine = await client.get("/v1/appointments", headers=who.headers)
        assert [a["id"] for a in mine.json()] == [appt["id"]]
    r = await client.get(
        f"/v1/clinicians/{doc.id}/slots",
        params={
            "from": at(monday, 0).isoformat(),
            "to": at(monday, 23).isoformat(),
            "appointment_type_id": tid,
        },
        headers=pat.headers,
    )
    assert [s["local_start"][11:16] for s in r.json()["slots"]] == ["09:00", "11:00"]


async def test_refusals_have_codes_and_store_nothing(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    doc, pat, tid, monday = await _setup(client, app_db)
    other = await patient(client)
    await relate(app_db, other.id, doc.id)
    assert (await _book(client, pat, doc, tid, at(monday, 9))).status_code == 201

    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    cases = [
        (await _book(client, other, doc, tid, past), 422, "in_the_past"),
        (await _book(client, other, doc, tid, at(monday, 13)), 422, "outside_availability"),
        # 11:30 would run past the window's 12:00 end.
        (await _book(client, other, doc, tid, at(monday, 11, 30)), 422, "outside_availability"),
        (await _book(client, other, doc, tid, at(monday, 9)), 409, "slot_taken"),
        # Overlapping with a different start is a double booking too.
        (await _book(client, other, doc, tid, at(monday, 9, 30)), 409, "slot_taken"),
        # The 10 minutes after an appointment stay free for the clinician's notes.
        (await _book(client, other, doc, tid, at(monday, 9, 55)), 409, "slot_taken"),
        # Clinicians do not book themselves in; naive times are refused.
        (await _book(client, doc, doc, tid, at(monday, 11)), 403, "patients_only"),
    ]
    for r, status, code in cases:
        assert r.status_code == status, r.text
        assert r.json()["error"]["code"] == code
    # The patient cannot be in two places: another clinician, the same time (only the database's
    # patient exclusion constraint checks this).
    second = await clinician(client, app_db)
    assert (await add_window(client, second, 1, "09:00", "12:00")).status_code == 201
    r = await _book(client, pat, second, await type_id(client, pat, "intake"), at(monday, 9, 30))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "patient_busy"
    naive = {
        "clinician_id": str(doc.id),
        "appointment_type_id": tid,
        "starts_at": at(monday, 11).replace(tzinfo=None).isoformat(),
    }
    assert (await client.post("/v1/appointments", json=naive, headers=other.headers)).status_code == 422
    assert (
        await _count(
            owner_db, select(func.count()).select_from(Appointment).where(Appointment.therapist_id == doc.id)
        )
        == 1
    )


async def test_only_verified_clinicians_and_with_a_relationship(
    client: httpx.AsyncClient, app_db: Database
) -> None:
    pat = await patient(client)
    tid = await type_id(client, pat)
    intake = await type_id(client, pat, "intake")
    monday = next_weekday(1)

    unverified = await clinician(client, app_db, verified=False)
    assert (await add_window(client, unverified, 1, "09:00", "17:00")).status_code == 201
    await relate(app_db, pat.id, unverified.id)
    r = await _book(client, pat, unverified, tid, at(monday, 9))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "clinician_not_verified"
    r = await client.get(
        f"/v1/clinicians/{unverified.id}/slots",
        params={
            "from": at(monday, 0).isoformat(),
            "to": at(monday, 23).isoformat(),
            "appointment_type_id": tid,
        },
        headers=pat.headers,
    )
    assert r.status_code == 404

    stranger = await clinician(client, app_db, accepting=True)
    assert (await add_window(client, stranger, 1, "09:00", "17:00")).status_code == 201
    r = await _book(client, pat, stranger, tid, at(monday, 9))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "no_relationship"
    # An intake with a clinician who takes new patients needs no relationship yet.
    assert (await _book(client, pat, stranger, intake, at(monday, 9))).status_code == 201

    closed = await clinician(client, app_db, accepting=False)
    assert (await add_window(client, closed, 1, "09:00", "17:00")).status_code == 201
    r = await _book(client, pat, closed, intake, at(monday, 9))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "no_relationship"


async def test_availability_is_the_clinicians_own_and_never_overlaps(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    doc = await clinician(client, app_db)
    other_doc = await clinician(client, app_db)
    pat = await patient(client)
    assert (await add_window(client, doc, 2, "09:00", "12:00")).status_code == 201

    r = await add_window(client, doc, 2, "11:00", "13:00")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "availability_overlap"
    # Touching is not overlapping; another weekday is fine.
    assert (await add_window(client, doc, 2, "12:00", "13:00")).status_code == 201
    assert (await add_window(client, doc, 3, "11:00", "13:00")).status_code == 201
    r = await add_window(client, doc, 4, "09:00", "10:00", timezone="Europe/Paris")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "timezone_mismatch"
    assert (await add_window(client, doc, 4, "12:00", "10:00")).status_code == 422

    # Someone else's calendar: another clinician, or a patient.
    for intruder in (other_doc, pat):
        r = await client.post(
            f"/v1/clinicians/{doc.id}/availability",
            json={"weekday": 5, "start_time": "09:00", "end_time": "10:00"},
            headers=intruder.headers,
        )
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "not_your_calendar"
        assert (
            await client.get(f"/v1/clinicians/{doc.id}/availability", headers=intruder.headers)
        ).status_code == 403
    rows = await _count(
        owner_db,
        select(func.count())
        .select_from(TherapistAvailability)
        .where(TherapistAvailability.therapist_id == doc.id),
    )
    assert rows == 3


async def test_database_refuses_overlaps_the_service_did_not_check(
    app_db: Database, owner_db: AsyncSession, client: httpx.AsyncClient
) -> None:
    """The exclusion constraints themselves (the service's checks are not the only lock)."""
    doc, pat, tid, monday = await _setup(client, app_db)
    assert (await _book(client, pat, doc, tid, at(monday, 9))).status_code == 201
    other = await patient(client)
    await owner_db.commit()
    start = at(monday, 9, 20).astimezone(dt.UTC)
    columns = "patient_id, therapist_id, appointment_type_id, starts_at, ends_at, timezone, modality"
    stmt = text(f"INSERT INTO appointments ({columns}) VALUES (:p, :t, :ty, :s, :e, 'UTC', 'video')")
    params = {
        "p": other.id,
        "t": doc.id,
        "ty": uuid.UUID(tid),
        "s": start,
        "e": start + dt.timedelta(minutes=50),
    }
    with pytest.raises(IntegrityError, match="ex_appointments_therapist_no_overlap"):
        async with owner_db.begin_nested():
            await owner_db.execute(stmt, params)
    # Cancelled appointments do not occupy the time.
    cancelled = text(
        f"INSERT INTO appointments ({columns}, status, cancelled_at)"
        " VALUES (:p, :t, :ty, :s, :e, 'UTC', 'video', 'cancelled', now())"
    )
    async with owner_db.begin_nested():
        await owner_db.execute(cancelled, params)


async def test_reschedule_and_cancel(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    doc, pat, tid, monday = await _setup(client, app_db)
    appt = (await _book(client, pat, doc, tid, at(monday, 9))).json()

    # Moving onto someone else's time changes nothing.
    other = await patient(client)
    await relate(app_db, other.id, doc.id)
    assert (await _book(client, other, doc, tid, at(monday, 10))).status_code == 201
    r = await client.post(
        f"/v1/appointments/{appt['id']}/reschedule",
        json={"starts_at": at(monday, 10).isoformat()},
        headers=pat.headers,
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "slot_taken"
    assert (await client.get(f"/v1/appointments/{appt['id']}", headers=pat.headers)).json()[
        "status"
    ] == "scheduled"

    r = await client.post(
        f"/v1/appointments/{appt['id']}/reschedule",
        json={"starts_at": at(monday, 11).isoformat()},
        headers=doc.headers,
    )
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["rescheduled_from_id"] == appt["id"]
    assert dt.datetime.fromisoformat(moved["starts_at"]) == at(monday, 11)
    old = await client.get(f"/v1/appointments/{appt['id']}", headers=pat.headers)
    assert old.json()["status"] == "rescheduled"
    # The old reminders are off; the new appointment has its own.
    await owner_db.commit()
    statuses = (
        (
            await owner_db.execute(
                select(AppointmentReminder.status).where(
                    AppointmentReminder.appointment_id == uuid.UUID(appt["id"])
                )
            )
        )
        .scalars()
        .all()
    )
    assert set(statuses) == {ReminderStatus.CANCELLED}
    # The freed 09:00 can be booked again (by the same patient, who moved away from it).
    assert (await _book(client, pat, doc, tid, at(monday, 9))).status_code == 201

    # Another person cannot touch it.
    stranger = await patient(client)
    r = await client.post(f"/v1/appointments/{moved['id']}/cancel", json={}, headers=stranger.headers)
    assert r.status_code == 404

    # A week ahead: an ordinary cancellation, no fee.
    r = await client.post(
        f"/v1/appointments/{moved['id']}/cancel", json={"reason": "illness"}, headers=pat.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "cancellation"
    assert r.json()["fee_amount"] is None
    assert r.json()["appointment"]["status"] == "cancelled"
    r = await client.post(f"/v1/appointments/{moved['id']}/cancel", json={}, headers=pat.headers)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "appointment_closed"


async def test_late_cancellation_carries_the_fee(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    """Inside the type's window (24 h) a patient's cancellation is late; the clinician's is not."""
    doc = await clinician(client, app_db, tz="UTC")
    pat = await patient(client)
    await relate(app_db, pat.id, doc.id)
    tid = await type_id(client, pat)
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    weekday = soon.isoweekday()
    # Two windows on the appointment's weekday (the test may run close to midnight UTC).
    assert (await add_window(client, doc, weekday, "00:00", "23:59")).status_code == 201
    if soon.date() != (soon + dt.timedelta(hours=1)).date():
        soon -= dt.timedelta(hours=1)
    first = (await _book(client, pat, doc, tid, soon)).json()
    r = await client.post(
        f"/v1/appointments/{first['id']}/cancel", json={"reason": "schedule_conflict"}, headers=pat.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "late_cancellation"
    assert r.json()["fee_amount"] == "120.00"
    assert r.json()["currency"] == "USD"

    second = (await _book(client, pat, doc, tid, soon)).json()
    r = await client.post(f"/v1/appointments/{second['id']}/cancel", json={}, headers=doc.headers)
    assert r.json()["kind"] == "cancellation"
    assert r.json()["fee_amount"] is None
    kinds = await _count(
        owner_db,
        select(func.count())
        .select_from(AppointmentCancellation)
        .where(AppointmentCancellation.therapist_id == doc.id),
    )
    assert kinds == 2


async def test_next_appointment_per_patient_for_the_caseload(
    client: httpx.AsyncClient, app_db: Database
) -> None:
    from hp_agent.scheduling import repository
    from hp_agent.users.repository import SYSTEM

    doc, pat, tid, monday = await _setup(client, app_db)
    other = await patient(client)
    await relate(app_db, other.id, doc.id)
    later = (await _book(client, pat, doc, tid, at(monday + dt.timedelta(days=7), 9))).json()
    sooner = (await _book(client, pat, doc, tid, at(monday, 10))).json()
    async with app_db.unit_of_work(SYSTEM) as s:
        found = await repository.next_appointments(s, doc.id, [pat.id, other.id], dt.datetime.now(dt.UTC))
    assert {k: str(v.id) for k, v in found.items()} == {pat.id: sooner["id"]}
    assert later["id"] != sooner["id"]
