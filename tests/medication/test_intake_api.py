"""Doses and side effects: logging, corrections, weekly adherence, today's doses, crisis screening."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.models import CrisisDetection, CrisisEscalation
from hp_agent.medication.models import MedicationIntakeLog, UserMedication
from tests.api.auth_helpers import owner_all
from tests.journal.people import patient
from tests.medication.conftest import add, add_catalogued

pytestmark = pytest.mark.usefixtures("seeded")


async def _backdate(owner_db: AsyncSession, user_medication_id: str, *, days: int) -> None:
    """Doses due before a medicine was added do not count: pretend it was added ``days`` ago."""
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    await owner_db.execute(
        update(UserMedication)
        .where(UserMedication.id == uuid.UUID(user_medication_id))
        .values(created_at=when)
    )


def _due(days_ago: int, hour: int = 8) -> dt.datetime:
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


async def _intake(client: httpx.AsyncClient, headers: dict[str, str], **body: object) -> httpx.Response:
    return await client.post("/v1/medications/intakes", json=body, headers=headers)


async def _logs(owner_db: AsyncSession, patient_id: object) -> int:
    stmt = (
        select(func.count())
        .select_from(MedicationIntakeLog)
        .where(MedicationIntakeLog.patient_id == patient_id)
    )
    return int((await owner_db.execute(stmt)).scalar_one())


async def test_overdose_note_in_an_intake_log_is_detected_and_escalated(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    med = (await add_catalogued(client, me, "sertraline", as_needed=True, schedule=None))["medication"]
    r = await _intake(
        client,
        me.headers,
        user_medication_id=med["id"],
        status="taken",
        note="I took the whole bottle tonight",
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["intake"]["has_note"] is True
    assert body["safety"]["level"] in ("high", "imminent")
    assert body["safety"]["urgent"] is True
    [detection] = await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id))
    assert detection.source == DetectionSource.MEDICATION
    assert str(detection.source_id) == body["intake"]["id"]
    escalations = await owner_all(owner_db, select(CrisisEscalation).where(CrisisEscalation.user_id == me.id))
    assert len(escalations) == 1


async def test_ordinary_note_and_side_effect_have_no_safety_payload(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    med = (await add_catalogued(client, me, "sertraline"))["medication"]
    r = await _intake(client, me.headers, user_medication_id=med["id"], status="taken", note="With breakfast")
    assert r.status_code == 201
    assert "safety" not in r.json()
    r = await client.post(
        "/v1/medications/side-effects",
        json={"user_medication_id": med["id"], "description": "A bit of nausea", "severity": "mild"},
        headers=me.headers,
    )
    assert r.status_code == 201
    assert "safety" not in r.json()
    assert r.json()["report"]["urgent"] is False
    assert await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id)) == []


async def test_side_effect_report_with_suicidal_thoughts_is_escalated(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    med = (await add_catalogued(client, me, "sertraline"))["medication"]
    r = await client.post(
        "/v1/medications/side-effects",
        json={
            "user_medication_id": med["id"],
            "description": "Since the new dose I keep thinking about killing myself",
            "severity": "severe",
        },
        headers=me.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["report"]["urgent"] is True
    assert r.json()["safety"]["urgent"] is True
    escalations = await owner_all(owner_db, select(CrisisEscalation).where(CrisisEscalation.user_id == me.id))
    assert len(escalations) == 1


async def test_someone_elses_medicine_or_a_bad_dose_time_is_refused(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    other = await patient(client)
    theirs = (await add_catalogued(client, other, "sertraline"))["medication"]
    r = await _intake(
        client, me.headers, user_medication_id=theirs["id"], status="taken", note="took the whole bottle"
    )
    assert r.status_code == 404
    r = await client.post(
        "/v1/medications/side-effects",
        json={"user_medication_id": theirs["id"], "description": "x", "severity": "mild"},
        headers=me.headers,
    )
    assert r.status_code == 404
    mine = (await add_catalogued(client, me, "sertraline"))["medication"]
    # 08:00 UTC is the schedule; 09:13 is not a due time.
    r = await _intake(
        client,
        me.headers,
        user_medication_id=mine["id"],
        status="taken",
        scheduled_for=_due(1, 9).isoformat(),
    )
    assert r.status_code == 422
    r = await _intake(
        client, me.headers, user_medication_id=mine["id"], status="taken", scheduled_for="2026-01-01T08:00:00"
    )
    assert r.status_code == 422  # no offset
    r = await _intake(
        client,
        me.headers,
        user_medication_id=mine["id"],
        status="taken",
        scheduled_for="0001-01-01T00:00:00Z",
    )
    assert r.status_code == 422  # far outside any plausible dose
    r = await client.post(
        "/v1/medications/side-effects",
        json={
            "user_medication_id": mine["id"],
            "description": "x",
            "severity": "mild",
            "symptom_codes": ["x" * 65],
        },
        headers=me.headers,
    )
    assert r.status_code == 422
    r = await _intake(client, me.headers, user_medication_id=mine["id"], status="lost")
    assert r.status_code == 422
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=3)).isoformat()
    r = await _intake(client, me.headers, user_medication_id=mine["id"], status="taken", taken_at=future)
    assert r.status_code == 422
    assert await _logs(owner_db, me.id) == 0
    assert await _logs(owner_db, other.id) == 0
    assert await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id)) == []


async def test_weekly_adherence_counts_taken_late_skipped_and_missed(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    started = (dt.datetime.now(dt.UTC) - dt.timedelta(days=8)).date().isoformat()
    med = (await add_catalogued(client, me, "sertraline", start_date=started))["medication"]
    await _backdate(owner_db, med["id"], days=8)
    for days_ago in (6, 5, 4):
        r = await _intake(
            client,
            me.headers,
            user_medication_id=med["id"],
            status="taken",
            scheduled_for=_due(days_ago).isoformat(),
            taken_at=_due(days_ago).isoformat(),
        )
        assert r.status_code == 201, r.text
    late = _due(3) + dt.timedelta(hours=5)
    r = await _intake(
        client,
        me.headers,
        user_medication_id=med["id"],
        status="taken",
        scheduled_for=_due(3).isoformat(),
        taken_at=late.isoformat(),
    )
    assert r.json()["intake"]["status"] == "taken_late"  # past the 2 h grace
    r = await _intake(
        client, me.headers, user_medication_id=med["id"], status="skipped", scheduled_for=_due(2).isoformat()
    )
    assert r.json()["intake"]["status"] == "skipped"
    # Logging the same dose again corrects it rather than adding a second outcome.
    r = await _intake(
        client,
        me.headers,
        user_medication_id=med["id"],
        status="taken",
        scheduled_for=_due(6).isoformat(),
        taken_at=_due(6).isoformat(),
    )
    assert r.status_code == 201
    assert await _logs(owner_db, me.id) == 5
    report = (await client.get("/v1/medications/adherence", params={"days": 7}, headers=me.headers)).json()
    [row] = report["medications"]
    # The 08:00 doses of the last 7 days up to now; those without a log past the grace are missed.
    now = dt.datetime.now(dt.UTC)
    past = [_due(d) for d in range(8) if now - dt.timedelta(days=7) <= _due(d) <= now]
    unlogged = [t for t in past if t not in {_due(d) for d in (2, 3, 4, 5, 6)}]
    missed = sum(1 for t in unlogged if t + dt.timedelta(hours=2) < now)
    assert row["scheduled"] == len(past)
    assert (row["taken"], row["taken_late"], row["skipped"], row["missed"]) == (3, 1, 1, missed)
    assert missed >= 1  # yesterday's dose at least
    assert row["rate"] == round(4 / (5 + missed), 3)


async def test_today_lists_each_dose_with_its_state(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    # A fixed-offset zone where it is about midday now, so doses 4 h either side are both today.
    now = dt.datetime.now(dt.UTC)
    offset = (12 - now.hour + 12) % 24 - 12  # -12..11
    zone = f"Etc/GMT{-offset:+d}" if offset else "UTC"  # Etc/GMT-3 is UTC+3
    r = await client.patch("/v1/me", json={"timezone": zone}, headers=me.headers)
    assert r.status_code == 200, r.text
    local = now.astimezone(ZoneInfo(zone))
    assert 6 <= local.hour <= 18
    earlier = (local - dt.timedelta(hours=4)).time().replace(second=0, microsecond=0)
    later = (local + dt.timedelta(hours=4)).time().replace(second=0, microsecond=0)
    r = await add(
        client,
        me,
        name="Vitamin D",
        dose_amount=1,
        schedule={"times": [earlier.isoformat(), later.isoformat()]},
    )
    assert r.status_code == 201, r.text
    med = r.json()["medication"]
    assert {s["timezone"] for s in med["schedules"]} == {zone}  # the person's own zone by default
    await _backdate(owner_db, med["id"], days=1)
    doses = (await client.get("/v1/medications/today", headers=me.headers)).json()
    assert [d["status"] for d in doses] == ["missed", "upcoming"]
    assert [d["local_time"] for d in doses] == [earlier.isoformat(), later.isoformat()]
    r = await _intake(
        client, me.headers, user_medication_id=med["id"], status="taken", scheduled_for=doses[0]["due_at"]
    )
    assert r.status_code == 201, r.text
    doses = (await client.get("/v1/medications/today", headers=me.headers)).json()
    assert [d["status"] for d in doses] == ["taken_late", "upcoming"]
    assert doses[0]["intake_id"] == r.json()["intake"]["id"]
