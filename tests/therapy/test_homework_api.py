"""Homework: assigned by the treating clinician, completed by the patient, the answer screened by
the crisis engine like any other text the patient writes."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.crisis.enums import DetectionSource, RiskLevel
from hp_agent.crisis.models import CrisisDetection, CrisisEscalation
from hp_agent.db.session import Database
from hp_agent.therapy.models import HomeworkAssignment
from tests.api.auth_helpers import owner_all
from tests.journal.people import patient, therapist
from tests.therapy.care import treated

pytestmark = pytest.mark.usefixtures("seeded")
RISKY = "I did the worksheet but honestly I have decided to kill myself tonight, I have the pills ready."


def _due(days: float = 3) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).isoformat()


async def _assign(
    client: httpx.AsyncClient, headers: dict[str, str], patient_id: object, **extra: object
) -> httpx.Response:
    body = {
        "title": "Activity log",
        "homework_type": "behavioral_activation",
        "instructions": "Log one activity a day.",
        "due_at": _due(),
        **extra,
    }
    return await client.post(f"/v1/patients/{patient_id}/homework", json=body, headers=headers)


async def test_patient_sees_and_completes_homework(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    p = await treated(client, app_db)
    r = await _assign(client, p.doc.headers, p.pat.id)
    assert r.status_code == 201, r.text
    hw = r.json()
    assert hw["status"] == "assigned"

    mine = await client.get("/v1/homework", headers=p.pat.headers)
    assert [h["id"] for h in mine.json()] == [hw["id"]]
    assert mine.json()[0]["instructions"] == "Log one activity a day."

    r = await client.post(
        f"/v1/homework/{hw['id']}/complete",
        json={"response": "Walked twice, cooked once."},
        headers=p.pat.headers,
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "completed"
    assert done["patient_response"] == "Walked twice, cooked once."
    assert "safety" not in done
    # The clinician sees the answer; it is encrypted at rest.
    seen = await client.get(f"/v1/patients/{p.pat.id}/homework", headers=p.doc.headers)
    assert seen.json()[0]["patient_response"] == "Walked twice, cooked once."
    await owner_db.commit()
    raw = (
        await owner_db.execute(
            text("SELECT patient_response FROM homework_assignments WHERE id = :id"), {"id": hw["id"]}
        )
    ).scalar_one()
    assert b"Walked" not in raw

    # Completed is final; a second completion is a conflict.
    r = await client.post(
        f"/v1/homework/{hw['id']}/complete", json={"response": "again"}, headers=p.pat.headers
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "homework_closed"


async def test_risky_answer_creates_detection_and_escalation_to_the_clinician(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    p = await treated(client, app_db)
    hw_id = (await _assign(client, p.doc.headers, p.pat.id)).json()["id"]
    r = await client.post(f"/v1/homework/{hw_id}/complete", json={"response": RISKY}, headers=p.pat.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["safety"]["level"] in ("high", "imminent")
    assert isinstance(body["safety"]["crisis_lines"], list)

    detections = await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == p.pat.id))
    assert len(detections) == 1
    assert detections[0].source == DetectionSource.HOMEWORK
    assert str(detections[0].source_id) == hw_id
    assert detections[0].risk_level >= RiskLevel.HIGH
    row = (await owner_all(owner_db, select(HomeworkAssignment).where(HomeworkAssignment.id == hw_id)))[0]
    assert row.crisis_detection_id == detections[0].id
    escalations = await owner_all(
        owner_db, select(CrisisEscalation).where(CrisisEscalation.user_id == p.pat.id)
    )
    assert len(escalations) == 1
    assert escalations[0].assigned_to == p.doc.id
    # The clinician's caseload shows it at once.
    case = (await client.get("/v1/therapist/caseload", headers=p.doc.headers)).json()["patients"][0]
    assert case["open_escalations"] == 1
    assert case["latest_risk_level"] in ("high", "imminent")


async def test_homework_for_someone_elses_patient_is_refused(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    p = await treated(client, app_db)
    stranger = await therapist(client, app_db)
    r = await _assign(client, stranger.headers, p.pat.id)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "no_active_relationship"
    assert (
        await client.get(f"/v1/patients/{p.pat.id}/homework", headers=stranger.headers)
    ).status_code == 403
    # A due date in the past is a 422 naming the field.
    r = await _assign(client, p.doc.headers, p.pat.id, due_at=_due(-1))
    assert r.status_code == 422
    assert r.json()["error"]["details"]["fields"][0]["field"] == "due_at"
    assert (
        await owner_all(
            owner_db, select(HomeworkAssignment.id).where(HomeworkAssignment.patient_id == p.pat.id)
        )
        == []
    )


async def test_other_patients_cannot_see_or_complete_it(client: httpx.AsyncClient, app_db: Database) -> None:
    p = await treated(client, app_db)
    other = await patient(client)
    hw_id = (await _assign(client, p.doc.headers, p.pat.id)).json()["id"]
    assert (await client.get("/v1/homework", headers=other.headers)).json() == []
    r = await client.post(f"/v1/homework/{hw_id}/complete", json={"response": "x"}, headers=other.headers)
    assert r.status_code == 404
    assert (await client.get(f"/v1/patients/{p.pat.id}/homework", headers=other.headers)).status_code == 403
    # A clinician cannot complete a patient's homework for them.
    r = await client.post(f"/v1/homework/{hw_id}/complete", json={"response": "x"}, headers=p.doc.headers)
    assert r.status_code == 403
