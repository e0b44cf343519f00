"""Treatment plans with measurable goals, diagnoses (ICD-10 format), and PHQ-9/GAD-7 outcomes."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.db.session import Database
from hp_agent.therapy.models import Diagnosis, TreatmentPlan
from hp_agent.therapy.outcomes import INSTRUMENTS, classify
from tests.api.auth_helpers import owner_all
from tests.journal.people import therapist
from tests.therapy.care import treated

pytestmark = pytest.mark.usefixtures("seeded")


def _target(days: int = 90) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


PLAN = {
    "title": "Depression, first episode",
    "approach": "cbt",
    "goals": [
        {
            "description": "PHQ-9 below 10",
            "target_date": _target(),
            "measure_instrument": "phq9",
            "baseline_value": "18",
            "target_value": "9",
        },
        {"description": "Back at work three days a week", "target_date": _target(120)},
    ],
}


async def test_plan_with_measurable_goals_and_progress(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    p = await treated(client, app_db)
    r = await client.post(f"/v1/patients/{p.pat.id}/treatment-plans", json=PLAN, headers=p.doc.headers)
    assert r.status_code == 201, r.text
    plan = r.json()
    assert plan["status"] == "active"
    goal = plan["goals"][0]
    assert goal["measure_instrument"] == "phq9"
    assert goal["target_date"] == _target()

    # 18 -> 13 is 5 of the 9 points to the target.
    r = await client.patch(
        f"/v1/treatment-goals/{goal['id']}", json={"current_value": "13"}, headers=p.doc.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["progress"] == pytest.approx(5 / 9)
    assert r.json()["status"] == "in_progress"
    r = await client.patch(
        f"/v1/treatment-goals/{goal['id']}", json={"current_value": "8"}, headers=p.doc.headers
    )
    assert r.json()["progress"] == 1.0
    assert r.json()["status"] == "achieved"

    # The patient reads their plan; a second active plan with the same clinician is a conflict.
    mine = await client.get(f"/v1/patients/{p.pat.id}/treatment-plans", headers=p.pat.headers)
    assert [g["description"] for g in mine.json()[0]["goals"]] == [
        "PHQ-9 below 10",
        "Back at work three days a week",
    ]
    r = await client.post(f"/v1/patients/{p.pat.id}/treatment-plans", json=PLAN, headers=p.doc.headers)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "active_plan_exists"
    # An incomplete measure is a 422, and the patient cannot write a plan.
    bad = {
        **PLAN,
        "status": "draft",
        "goals": [{"description": "x", "target_date": _target(), "baseline_value": "3"}],
    }
    r = await client.post(f"/v1/patients/{p.pat.id}/treatment-plans", json=bad, headers=p.doc.headers)
    assert r.status_code == 422
    r = await client.post(f"/v1/patients/{p.pat.id}/treatment-plans", json=PLAN, headers=p.pat.headers)
    assert r.status_code == 403
    assert (
        len(await owner_all(owner_db, select(TreatmentPlan.id).where(TreatmentPlan.patient_id == p.pat.id)))
        == 1
    )


@pytest.mark.parametrize("code", ["F32", "F321", "FF2.1", "32.1", "F32.1.", "F32.12345", "F3", "F32-1", ""])
async def test_bad_icd10_code_is_refused_and_nothing_stored(
    code: str, client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    p = await treated(client, app_db)
    r = await client.post(
        f"/v1/patients/{p.pat.id}/diagnoses", json={"icd10_code": code}, headers=p.doc.headers
    )
    if code == "F32":
        # A three-character category is a valid code.
        assert r.status_code == 201, r.text
        return
    assert r.status_code == 422
    assert r.json()["error"]["code"] in ("invalid_icd10_code", "validation_error")
    assert await owner_all(owner_db, select(Diagnosis.id).where(Diagnosis.patient_id == p.pat.id)) == []


async def test_diagnoses_primary_and_duplicates(client: httpx.AsyncClient, app_db: Database) -> None:
    p = await treated(client, app_db)
    url = f"/v1/patients/{p.pat.id}/diagnoses"
    r = await client.post(
        url, json={"icd10_code": "f32.1", "is_primary": True, "status": "confirmed"}, headers=p.doc.headers
    )
    assert r.status_code == 201, r.text
    assert r.json()["icd10_code"] == "F32.1"
    r = await client.post(url, json={"icd10_code": "F32.1"}, headers=p.doc.headers)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "diagnosis_exists"
    r = await client.post(url, json={"icd10_code": "F41.1", "is_primary": True}, headers=p.doc.headers)
    assert r.status_code == 201
    rows = (await client.get(url, headers=p.doc.headers)).json()
    assert [(d["icd10_code"], d["is_primary"]) for d in rows][:1] == [("F41.1", True)]
    assert sorted(d["icd10_code"] for d in rows if not d["is_primary"]) == ["F32.1"]
    stranger = await therapist(client, app_db)
    r = await client.post(url, json={"icd10_code": "F43.10"}, headers=stranger.headers)
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("code", "baseline", "latest", "expected"),
    [
        ("phq9", 18, 8, ("recovered", True, True)),  # -10, crosses 10
        ("phq9", 20, 12, ("improved", True, False)),  # reliable, still above the cut-off
        ("phq9", 12, 8, ("no_reliable_change", False, False)),  # crosses, but -4 < 6
        ("phq9", 8, 15, ("deteriorated", True, False)),
        ("phq9", 16, 10, ("improved", True, False)),  # 10 is still a case
        ("gad7", 12, 7, ("recovered", True, True)),  # -5 >= 4, crosses 8
        ("gad7", 12, 9, ("no_reliable_change", False, False)),
    ],
)
def test_jacobson_truax_classification(
    code: str, baseline: int, latest: int, expected: tuple[str, bool, bool]
) -> None:
    reliable, significant, category = classify(INSTRUMENTS[code], baseline, latest)
    assert (category, reliable, significant) == expected


async def test_outcomes_trajectory_from_submitted_questionnaires(
    client: httpx.AsyncClient, app_db: Database
) -> None:
    p = await treated(client, app_db)
    for answers in ((3, 3, 2, 2, 2, 2, 2, 2, 0), (1, 1, 1, 1, 1, 1, 1, 0, 0)):  # 18, then 7
        body = {"code": "phq9", "answers": {f"phq9_{i}": v for i, v in enumerate(answers, start=1)}}
        assert (await client.post("/v1/assessments", json=body, headers=p.pat.headers)).status_code == 201
    r = await client.get(f"/v1/patients/{p.pat.id}/outcomes", headers=p.doc.headers)
    assert r.status_code == 200, r.text
    by = {t["instrument"]: t for t in r.json()["trajectories"]}
    assert [pt["score"] for pt in by["phq9"]["points"]] == [18, 7]
    assert by["phq9"]["category"] == "recovered"
    assert by["phq9"]["clinically_significant"] is True
    assert by["gad7"]["category"] == "insufficient_data"
    stranger = await therapist(client, app_db)
    assert (
        await client.get(f"/v1/patients/{p.pat.id}/outcomes", headers=stranger.headers)
    ).status_code == 403
