"""Export: a job the worker builds, progress, a single-use link, an archive that is the person's
data (JSON per area) and a FHIR R4 Bundle that validates."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.compliance.models import DataExport
from hp_agent.db.session import Database
from hp_agent.privacy import tasks
from tests.api.auth_helpers import owner_all
from tests.journal.people import Person, patient
from tests.therapy.care import appointment, treated

pytestmark = pytest.mark.usefixtures("seeded")

MARKER = "zebra-lantern-4711"


def _answers(code: str, n: int, value: int) -> dict[str, int]:
    return {f"{code}_{i}": value for i in range(1, n + 1)}


async def _fill(client: httpx.AsyncClient, who: Person, marker: str) -> None:
    r = await client.post(
        "/v1/mood/entries", json={"mood": 6, "note": f"walked {marker}"}, headers=who.headers
    )
    assert r.status_code == 201, r.text
    r = await client.post("/v1/journal/entries", json={"content": f"Journal {marker}"}, headers=who.headers)
    assert r.status_code == 201, r.text
    for code, n in (("phq9", 9), ("gad7", 7)):
        r = await client.post(
            "/v1/assessments", json={"code": code, "answers": _answers(code, n, 1)}, headers=who.headers
        )
        assert r.status_code == 201, r.text
    plan = {"warning_signs": [f"sign {marker}"], "reasons_for_living": ["my sister"]}
    assert (await client.put("/v1/safety-plan", json=plan, headers=who.headers)).status_code == 200
    med = {"name": "Sertraline", "dose_amount": "50", "dose_unit": "mg", "as_needed": True}
    r = await client.post("/v1/medications", json=med, headers=who.headers)
    assert r.status_code == 201, r.text


async def _export(client: httpx.AsyncClient, app_db: Database, who: Person) -> tuple[str, bytes]:
    r = await client.post("/v1/me/export", headers=who.headers)
    assert r.status_code == 202, r.text
    export_id = r.json()["id"]
    assert r.json()["status"] == "queued"
    assert r.json()["progress"] == 0
    assert (await client.post("/v1/me/export", headers=who.headers)).status_code == 409  # one at a time
    r = await client.post(f"/v1/me/exports/{export_id}/link", headers=who.headers)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "export_not_ready"
    assert await tasks.process_next(app_db) is True
    r = await client.get(f"/v1/me/exports/{export_id}", headers=who.headers)
    assert r.json()["status"] == "ready"
    assert r.json()["progress"] == 100
    link = (await client.post(f"/v1/me/exports/{export_id}/link", headers=who.headers)).json()["url"]
    r = await client.get(link)  # no sign-in: the link is the credential
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/zip"
    return link, r.content


async def test_export_holds_the_persons_data_and_valid_fhir(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    pair = await treated(client, app_db)
    pat, doc = pair.pat, pair.doc
    await _fill(client, pat, MARKER)
    stranger = await patient(client)
    await _fill(client, stranger, "stranger-marker-0815")
    await appointment(owner_db, pat.id, doc.id, days=3)
    r = await client.post(
        f"/v1/patients/{pat.id}/treatment-plans", json={"title": "Low mood plan"}, headers=doc.headers
    )
    assert r.status_code == 201, r.text

    link, content = await _export(client, app_db, pat)
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = set(archive.namelist())
    for area in (
        "users",
        "mood_entries",
        "journal_entries",
        "user_assessments",
        "assessment_responses",
        "safety_plans",
        "user_medications",
        "appointments",
        "treatment_plans",
        "user_consents",
    ):
        assert f"data/{area}.json" in names, area
    text = "".join(archive.read(n).decode() for n in names)
    assert MARKER in text  # decrypted, in the person's own archive
    assert "stranger-marker-0815" not in text
    assert "password_hash" not in text
    users = json.loads(archive.read("data/users.json"))
    assert [u["id"] for u in users] == [str(pat.id)]

    bundle = Bundle.model_validate(json.loads(archive.read("fhir/bundle.json")))
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    for kind in (
        "Patient",
        "Observation",
        "QuestionnaireResponse",
        "CarePlan",
        "MedicationStatement",
        "Appointment",
    ):
        assert kind in kinds, kind
    assert kinds.count("QuestionnaireResponse") == 2  # PHQ-9 and GAD-7
    assert kinds.count("CarePlan") == 2  # the safety plan and the treatment plan
    phq9 = next(
        e.resource
        for e in bundle.entry
        if e.resource.get_resource_type() == "QuestionnaireResponse"
        and e.resource.questionnaire.endswith("/phq9")
    )
    assert len(phq9.item) == 9

    # The link works once; the archive is gone from the database with it.
    r = await client.get(link)
    assert r.status_code == 410
    assert r.json()["error"]["code"] == "link_used"
    [job] = await owner_all(owner_db, select(DataExport).where(DataExport.user_id == pat.id))
    assert job.status == "downloaded"
    assert job.archive is None


async def test_links_expire_and_belong_to_their_person(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    me, other = await patient(client), await patient(client)
    r = await client.post("/v1/me/export", headers=me.headers)
    export_id = r.json()["id"]
    assert await tasks.process_next(app_db) is True
    # Someone else's export: not found, and no link for it.
    assert (await client.get(f"/v1/me/exports/{export_id}", headers=other.headers)).status_code == 404
    assert (await client.post(f"/v1/me/exports/{export_id}/link", headers=other.headers)).status_code == 404
    assert (await client.get("/v1/exports/download/not-a-real-token")).status_code == 404

    link = (await client.post(f"/v1/me/exports/{export_id}/link", headers=me.headers)).json()["url"]
    await owner_db.execute(
        update(DataExport).where(DataExport.user_id == me.id).values(link_expires_at=DataExport.created_at)
    )
    await owner_db.commit()
    r = await client.get(link)
    assert r.status_code == 410
    assert r.json()["error"]["code"] == "link_expired"
    # Nothing changed: a fresh link still downloads the archive.
    link = (await client.post(f"/v1/me/exports/{export_id}/link", headers=me.headers)).json()["url"]
    assert (await client.get(link)).status_code == 200
