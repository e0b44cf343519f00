"""Assessments over the API: templates, submission, crisis routing, history and access rules."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.assessments.models import AssessmentResponse, UserAssessment
from hp_agent.crisis.enums import DetectionSource, RiskLevel
from hp_agent.crisis.models import CrisisDetection, CrisisEscalation
from hp_agent.db.session import Database
from tests.api.auth_helpers import owner_all
from tests.journal.people import Person, patient, relate, therapist

pytestmark = pytest.mark.usefixtures("seeded")


def phq9(*values: int) -> dict[str, int]:
    return {f"phq9_{i}": v for i, v in enumerate(values, start=1)}


async def take(
    client: httpx.AsyncClient, who: Person, code: str, answers: dict[str, object], **extra: object
) -> httpx.Response:
    return await client.post(
        "/v1/assessments", json={"code": code, "answers": answers, **extra}, headers=who.headers
    )


async def test_templates_are_listed_with_items(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    r = await client.get("/v1/assessments/templates", headers=me.headers)
    assert r.status_code == 200
    assert {t["code"] for t in r.json()} >= {"phq9", "gad7", "pcl5", "cssrs_screener"}
    t = (await client.get("/v1/assessments/templates/pcl5", headers=me.headers)).json()
    assert len(t["items"]) == 20
    assert t["max_score"] == 80
    assert t["scoring_method"] == "sum"
    assert (await client.get("/v1/assessments/templates/nope", headers=me.headers)).status_code == 404
    assert (await client.get("/v1/assessments/templates")).status_code == 401
    assert (await client.post("/v1/assessments", json={"code": "phq9", "answers": {}})).status_code == 401


async def test_phq9_is_scored_stored_and_interpreted(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    r = await take(client, me, "phq9", phq9(2, 2, 2, 2, 1, 1, 0, 0, 0) | {"phq9_difficulty": 1})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["total_score"], body["severity"], body["severity_label"]) == (10, "moderate", "Moderate")
    assert body["further_evaluation"] is True
    assert body["critical_flag"] is False
    assert body["clinical_action"] is None  # clinicians' guidance is not shown to the patient
    assert "safety" not in body
    assert len(body["answers"]) == 10
    rows = await owner_all(owner_db, select(AssessmentResponse).where(AssessmentResponse.user_id == me.id))
    assert len(rows) == 10
    assert await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id)) == []


async def test_phq9_item9_at_2_creates_a_detection_and_an_escalation(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    r = await take(client, me, "phq9", phq9(1, 1, 0, 0, 0, 0, 0, 0, 2))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["total_score"] == 4
    assert body["severity"] == "minimal"
    assert body["critical_flag"] is True
    assert body["critical_item_ids"] == ["phq9_9"]
    assert body["safety"]["level"] == "high"
    assert body["safety"]["urgent"] is True
    detections = await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id))
    assert len(detections) == 1
    d = detections[0]
    assert (d.source, str(d.source_id), d.risk_level) == (
        DetectionSource.ASSESSMENT,
        body["id"],
        RiskLevel.HIGH,
    )
    assert "suicidal_ideation" in d.categories
    escalations = await owner_all(owner_db, select(CrisisEscalation).where(CrisisEscalation.user_id == me.id))
    assert len(escalations) == 1
    assert escalations[0].detection_id == d.id
    stored = await owner_all(owner_db, select(UserAssessment).where(UserAssessment.user_id == me.id))
    assert stored[0].crisis_detection_id == d.id


async def test_phq9_item9_at_1_is_moderate_without_escalation(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    r = await take(client, me, "phq9", phq9(0, 0, 0, 0, 0, 0, 0, 0, 1))
    assert r.json()["safety"]["level"] == "moderate"
    assert r.json()["safety"]["urgent"] is False
    detections = await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id))
    assert [d.risk_level for d in detections] == [RiskLevel.MODERATE]
    assert await owner_all(owner_db, select(CrisisEscalation).where(CrisisEscalation.user_id == me.id)) == []


@pytest.mark.parametrize(
    ("answers", "severity", "level", "escalated"),
    [
        ({"cssrs_1": 1, "cssrs_2": 0, "cssrs_6": 0}, "low_risk", None, False),
        (
            {"cssrs_1": 1, "cssrs_2": 1, "cssrs_3": 1, "cssrs_4": 0, "cssrs_5": 0, "cssrs_6": 0},
            "moderate_risk",
            "moderate",
            False,
        ),
        (
            {"cssrs_1": 1, "cssrs_2": 1, "cssrs_3": 1, "cssrs_4": 1, "cssrs_5": 1, "cssrs_6": 0},
            "high_risk",
            "high",
            True,
        ),
    ],
)
async def test_cssrs_routes_moderate_and_high_to_the_crisis_layer(
    client: httpx.AsyncClient,
    owner_db: AsyncSession,
    answers: dict[str, int],
    severity: str,
    level: str | None,
    escalated: bool,
) -> None:
    me = await patient(client)
    r = await take(client, me, "cssrs_screener", answers, source="crisis_flow")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["severity"] == severity
    assert body["critical_flag"] is (level is not None)
    assert body.get("safety", {}).get("level") == level
    detections = await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id))
    assert [d.risk_level.value for d in detections] == ([level] if level else [])
    escalations = await owner_all(owner_db, select(CrisisEscalation).where(CrisisEscalation.user_id == me.id))
    assert bool(escalations) is escalated


async def test_free_text_comment_is_screened(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    me = await patient(client)
    r = await take(
        client,
        me,
        "gad7",
        {f"gad7_{i}": 1 for i in range(1, 8)},
        comment="Honestly I want to die, I can't keep going like this",
    )
    assert r.status_code == 201, r.text
    assert r.json()["safety"]["level"] in ("moderate", "high", "imminent")
    detections = await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id))
    assert [d.source for d in detections] == [DetectionSource.ASSESSMENT]


async def test_invalid_answers_are_422_naming_the_items(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    r = await take(client, me, "gad7", {"gad7_1": 4, "gad7_9": 1})
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "invalid_answers"
    assert err["details"]["invalid_values"] == ["gad7_1"]
    assert err["details"]["unknown"] == ["gad7_9"]
    assert err["details"]["missing"] == [f"gad7_{i}" for i in range(2, 8)]
    assert "gad7_2" in err["message"]
    assert (await take(client, me, "bdi", {"x": 1})).status_code == 404
    r = await client.post("/v1/assessments", json={"code": "gad7"}, headers=me.headers)
    assert r.status_code == 422
    r = await take(client, me, "gad7", {f"gad7_{i}": 0 for i in range(1, 8)}, source="clinician_assigned")
    assert r.status_code == 422


async def test_history_shows_the_trend(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    for values in [(3, 3, 3, 3, 2, 2, 2, 0, 0), (2, 2, 2, 2, 1, 1, 1, 0, 0), (1, 1, 1, 1, 0, 0, 0, 0, 0)]:
        assert (await take(client, me, "phq9", phq9(*values))).status_code == 201
    await take(client, me, "gad7", {f"gad7_{i}": 1 for i in range(1, 8)})
    r = await client.get("/v1/assessments/history", params={"code": "phq9"}, headers=me.headers)
    assert r.status_code == 200, r.text
    h = r.json()
    assert [p["total_score"] for p in h["points"]] == [18, 11, 4]
    assert [p["severity"] for p in h["points"]] == ["moderately_severe", "moderate", "minimal"]
    assert (h["count"], h["first_score"], h["latest_score"], h["change"], h["change_from_previous"]) == (
        3,
        18,
        4,
        -14,
        -7,
    )
    page = (await client.get("/v1/assessments", headers=me.headers)).json()
    assert page["total"] == 4
    one = (await client.get(f"/v1/assessments/{page['items'][0]['id']}", headers=me.headers)).json()
    assert one["code"] == "gad7"
    assert len(one["answers"]) == 7
    assert (await client.get("/v1/assessments/history", headers=me.headers)).status_code == 422


async def test_therapist_reads_assessments_with_an_active_relationship_only(
    client: httpx.AsyncClient, app_db: Database
) -> None:
    pat, other = await patient(client), await patient(client)
    doc = await therapist(client, app_db)
    aid = (await take(client, pat, "phq9", phq9(2, 2, 2, 2, 1, 1, 0, 0, 0))).json()["id"]
    params = {"user_id": str(pat.id)}
    assert (await client.get(f"/v1/assessments/{aid}", headers=other.headers)).status_code == 404
    assert (await client.get("/v1/assessments", params=params, headers=other.headers)).status_code == 403
    r = await client.get("/v1/assessments/history", params=params | {"code": "phq9"}, headers=doc.headers)
    assert r.status_code == 403
    await relate(app_db, pat.id, doc.id, assessments=True)
    r = await client.get("/v1/assessments/history", params=params | {"code": "phq9"}, headers=doc.headers)
    assert r.status_code == 200
    assert r.json()["latest_score"] == 10
    one = (await client.get(f"/v1/assessments/{aid}", headers=doc.headers)).json()
    assert one["clinical_action"]  # the instrument's clinician guidance, for the clinician
    assert (await client.get("/v1/assessments", params=params, headers=doc.headers)).json()["total"] == 1
