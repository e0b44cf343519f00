"""A therapist reads what the patient shares, and loses it the moment a flag goes off; every
such read is in the patient's access log."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance.models import DataAccessLog
from hp_agent.db.session import Database
from tests.api.auth_helpers import owner_all
from tests.journal.people import Person, patient, relate, therapist

pytestmark = pytest.mark.usefixtures("seeded")

PHQ9 = {f"phq9_{i}": v for i, v in enumerate((2, 2, 1, 1, 1, 0, 0, 0, 0), start=1)}


async def _relationship_id(client: httpx.AsyncClient, pat: Person) -> str:
    rels = (await client.get("/v1/care/relationships", headers=pat.headers)).json()
    assert len(rels) == 1, rels
    return str(rels[0]["id"])


async def _setup(client: httpx.AsyncClient, app_db: Database) -> tuple[Person, Person, dict[str, str]]:
    pat, doc = await patient(client), await therapist(client, app_db)
    assert (await client.post("/v1/mood/entries", json={"mood": 4}, headers=pat.headers)).status_code == 201
    r = await client.post("/v1/assessments", json={"code": "phq9", "answers": PHQ9}, headers=pat.headers)
    assert r.status_code == 201, r.text
    await relate(app_db, pat.id, doc.id, journal=True, mood=True, assessments=True)
    return pat, doc, {"user_id": str(pat.id)}


async def test_turning_a_flag_off_removes_access_at_once(client: httpx.AsyncClient, app_db: Database) -> None:
    pat, doc, params = await _setup(client, app_db)
    r = await client.get("/v1/mood/entries", params=params, headers=doc.headers)
    assert r.status_code == 200
    assert r.json()["total"] == 1
    r = await client.get("/v1/assessments", params=params, headers=doc.headers)
    assert r.status_code == 200
    assert r.json()["total"] == 1

    rel = await _relationship_id(client, pat)
    r = await client.put(
        f"/v1/care/relationships/{rel}/consent", json={"share_mood": False}, headers=pat.headers
    )
    assert r.status_code == 200, r.text
    r = await client.get("/v1/mood/entries", params=params, headers=doc.headers)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "mood_not_shared"
    assert (await client.get("/v1/mood/summary", params=params, headers=doc.headers)).status_code == 403
    # The other flags are untouched.
    assert (await client.get("/v1/assessments", params=params, headers=doc.headers)).status_code == 200

    r = await client.put(
        f"/v1/care/relationships/{rel}/consent", json={"share_assessments": False}, headers=pat.headers
    )
    assert r.status_code == 200
    r = await client.get("/v1/assessments", params=params, headers=doc.headers)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "assessments_not_shared"
    # The patient still reads their own.
    assert (await client.get("/v1/mood/entries", headers=pat.headers)).json()["total"] == 1


async def test_caseload_shows_scores_only_while_shared(client: httpx.AsyncClient, app_db: Database) -> None:
    pat, doc, _ = await _setup(client, app_db)

    async def row() -> dict[str, object]:
        r = await client.get("/v1/therapist/caseload", headers=doc.headers)
        assert r.status_code == 200, r.text
        return next(p for p in r.json()["patients"] if p["patient_id"] == str(pat.id))

    assert (await row())["phq9_latest"] == 7
    rel = await _relationship_id(client, pat)
    off = {"share_assessments": False}
    assert (
        await client.put(f"/v1/care/relationships/{rel}/consent", json=off, headers=pat.headers)
    ).status_code == 200
    hidden = await row()
    assert hidden["phq9_latest"] is None  # the patient is still on the caseload, the score is not
    assert hidden["phq9_at"] is None


async def test_withdrawing_sharing_consent_stops_every_flag(
    client: httpx.AsyncClient, app_db: Database
) -> None:
    pat, doc, params = await _setup(client, app_db)
    body = {"consent_type": "share_with_therapist", "version": "2026-01"}
    assert (await client.post("/v1/me/consents", json=body, headers=pat.headers)).status_code == 200
    assert (await client.get("/v1/journal/entries", params=params, headers=doc.headers)).status_code == 200
    r = await client.delete("/v1/me/consents/share_with_therapist", headers=pat.headers)
    assert r.status_code == 200, r.text
    for path in ("/v1/mood/entries", "/v1/assessments", "/v1/journal/entries"):
        assert (await client.get(path, params=params, headers=doc.headers)).status_code == 403, path
    rels = (await client.get("/v1/care/relationships", headers=pat.headers)).json()
    assert not any(v for k, v in rels[0].items() if k.startswith("consent_to_share_"))


async def test_reads_by_others_are_in_the_access_log(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    pat, doc, params = await _setup(client, app_db)
    other = await patient(client)
    assert (await client.get("/v1/mood/entries", headers=pat.headers)).status_code == 200  # own read
    assert (await client.get("/v1/mood/entries", params=params, headers=doc.headers)).status_code == 200
    assert (await client.get("/v1/assessments", params=params, headers=doc.headers)).status_code == 200

    r = await client.get("/v1/me/access-log", headers=pat.headers)
    assert r.status_code == 200, r.text
    log = r.json()
    assert log["total"] == 2
    assert {(e["accessor_id"], e["accessor_role"], e["resource"]) for e in log["items"]} == {
        (str(doc.id), "therapist", "mood"),
        (str(doc.id), "therapist", "assessments"),
    }
    assert all(e["reason"] == "treatment" for e in log["items"])
    # Someone else's log is theirs alone; a refused read leaves no entry.
    assert (await client.get("/v1/me/access-log", headers=other.headers)).json()["total"] == 0
    assert (await client.get("/v1/mood/entries", params=params, headers=other.headers)).status_code == 403
    rows = await owner_all(owner_db, select(DataAccessLog).where(DataAccessLog.user_id == pat.id))
    assert len(rows) == 2


async def test_clinical_record_and_risk_reads_are_logged(client: httpx.AsyncClient, app_db: Database) -> None:
    pat, doc, _ = await _setup(client, app_db)
    assert (await client.get(f"/v1/patients/{pat.id}/outcomes", headers=doc.headers)).status_code == 200
    assert (await client.get(f"/v1/patients/{pat.id}/risk-timeline", headers=doc.headers)).status_code == 200
    assert (
        await client.get(f"/v1/patients/{pat.id}/outcomes", headers=pat.headers)
    ).status_code == 200  # own
    items = (await client.get("/v1/me/access-log", headers=pat.headers)).json()["items"]
    assert sorted(e["resource"] for e in items) == ["clinical_record", "risk_timeline"]
    assert {e["accessor_id"] for e in items} == {str(doc.id)}
