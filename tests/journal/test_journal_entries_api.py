"""Journal entries over the API: owner CRUD, filters, bad input, crisis screening, therapist access."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.crisis.enums import DetectionSource, RiskLevel
from hp_agent.crisis.models import CrisisDetection, CrisisEscalation
from hp_agent.db.session import Database
from tests.api.auth_helpers import owner_all
from tests.journal.people import patient, relate, therapist

pytestmark = pytest.mark.usefixtures("seeded")

FILLER = (
    "Today I went to the shops, then tidied the kitchen and called my sister about the weekend. "
    "The weather was grey and I felt a bit flat but the walk helped a little. "
)


async def _entry(client: httpx.AsyncClient, headers: dict[str, str], **body: object) -> httpx.Response:
    payload = {"title": "A day", "content": "Walked in the park and felt calmer afterwards."} | body
    return await client.post("/v1/journal/entries", json=payload, headers=headers)


async def test_owner_creates_reads_updates_and_deletes(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    r = await _entry(
        client, me.headers, mood_before=4, mood_after=6, cbt_technique="reflection", tags=["walk"]
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert "safety" not in body
    assert body["word_count"] == 8
    assert body["mood_before"] == 4
    assert body["cbt_technique"] == "reflection"
    assert body["privacy_level"] == "private"
    assert body["shared_at"] is None
    entry_id = body["id"]

    got = await client.get(f"/v1/journal/entries/{entry_id}", headers=me.headers)
    assert got.status_code == 200
    assert got.json()["content"].startswith("Walked in the park")

    r = await client.patch(
        f"/v1/journal/entries/{entry_id}",
        json={"content": "Rewritten: a quiet evening with a book.", "privacy_level": "shared_with_therapist"},
        headers=me.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["word_count"] == 7
    assert r.json()["shared_at"] is not None

    assert (await client.delete(f"/v1/journal/entries/{entry_id}", headers=me.headers)).status_code == 204
    assert (await client.get(f"/v1/journal/entries/{entry_id}", headers=me.headers)).status_code == 404


async def test_list_filters_by_date_range_and_technique_with_pagination(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    today = dt.date.today()
    for days_ago, technique in [(1, "gratitude"), (3, "reflection"), (5, "reflection"), (20, "reflection")]:
        d = (today - dt.timedelta(days=days_ago)).isoformat()
        assert (await _entry(client, me.headers, entry_date=d, cbt_technique=technique)).status_code == 201

    since = (today - dt.timedelta(days=7)).isoformat()
    r = await client.get("/v1/journal/entries", params={"date_from": since}, headers=me.headers)
    assert r.json()["total"] == 3
    r = await client.get(
        "/v1/journal/entries", params={"date_from": since, "technique": "reflection"}, headers=me.headers
    )
    page = r.json()
    assert page["total"] == 2
    assert [e["entry_date"] for e in page["items"]] == [
        (today - dt.timedelta(days=3)).isoformat(),
        (today - dt.timedelta(days=5)).isoformat(),
    ]
    r = await client.get("/v1/journal/entries", params={"limit": 2, "offset": 2}, headers=me.headers)
    assert r.json()["total"] == 4
    assert len(r.json()["items"]) == 2
    r = await client.get("/v1/journal/entries", params={"limit": 2, "offset": 4}, headers=me.headers)
    assert r.json()["items"] == []
    assert (
        await client.get("/v1/journal/entries", params={"limit": 0}, headers=me.headers)
    ).status_code == 422
    assert (
        await client.get("/v1/journal/entries", params={"limit": 101}, headers=me.headers)
    ).status_code == 422


async def test_list_filters_by_tag(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    assert (await _entry(client, me.headers, tags=["Work", "sleep"])).status_code == 201
    assert (await _entry(client, me.headers, tags=["family"])).status_code == 201
    r = await client.get("/v1/journal/entries", params={"tag": "work"}, headers=me.headers)
    assert [e["tags"] for e in r.json()["items"]] == [["work", "sleep"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": ""}, "content"),
        ({"mood_before": 11}, "mood_before"),
        ({"mood_after": 0}, "mood_after"),
        ({"cbt_technique": "hypnosis"}, "cbt_technique"),
        ({"privacy_level": "public"}, "privacy_level"),
        ({"surprise": True}, "surprise"),
    ],
)
async def test_bad_input_is_rejected_with_the_field_named(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    me = await patient(client)
    r = await _entry(client, me.headers, **body)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"
    assert any(f["field"].endswith(field) for f in r.json()["error"]["details"]["fields"])


async def test_future_dates_reversed_ranges_and_unknown_prompts_are_4xx(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    assert (await _entry(client, me.headers, entry_date=future)).status_code == 422
    r = await client.get(
        "/v1/journal/entries", params={"date_from": "2026-05-02", "date_to": "2026-05-01"}, headers=me.headers
    )
    assert r.status_code == 422
    r = await _entry(client, me.headers, prompt_id="00000000-0000-0000-0000-000000000001")
    assert r.status_code == 422
    assert (await client.get("/v1/journal/entries/not-a-uuid", headers=me.headers)).status_code == 422
    assert (await client.get("/v1/journal/entries")).status_code == 401


async def test_high_risk_sentence_in_a_long_entry_is_detected(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    half = FILLER * 45  # ~1,500 words on each side
    content = half + " I have decided to kill myself tonight, I have the pills ready. " + half
    assert 2800 <= len(content.split()) <= 3400
    r = await _entry(client, me.headers, content=content)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["safety"]["level"] in ("high", "imminent")
    assert body["safety"]["urgent"] is True
    assert isinstance(body["safety"]["crisis_lines"], list)
    detections = await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id))
    assert len(detections) == 1
    assert detections[0].source == DetectionSource.JOURNAL_ENTRY
    assert str(detections[0].source_id) == body["id"]
    escalations = await owner_all(owner_db, select(CrisisEscalation).where(CrisisEscalation.user_id == me.id))
    assert len(escalations) == 1


async def test_an_ordinary_entry_has_no_safety_payload(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    r = await _entry(client, me.headers, content=FILLER * 10)
    assert r.status_code == 201
    assert "safety" not in r.json()
    rows = await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id))
    # The engine may keep a LOW note on long text; nothing that calls for a safety response.
    assert all(d.risk_level < RiskLevel.MODERATE for d in rows)


async def test_other_patients_are_refused(client: httpx.AsyncClient) -> None:
    alice, bob = await patient(client), await patient(client)
    entry_id = (await _entry(client, alice.headers)).json()["id"]
    assert (await client.get(f"/v1/journal/entries/{entry_id}", headers=bob.headers)).status_code == 404
    r = await client.patch(f"/v1/journal/entries/{entry_id}", json={"content": "x"}, headers=bob.headers)
    assert r.status_code == 404
    assert (await client.delete(f"/v1/journal/entries/{entry_id}", headers=bob.headers)).status_code == 404
    r = await client.get("/v1/journal/entries", params={"user_id": str(alice.id)}, headers=bob.headers)
    assert r.status_code == 403


async def test_therapist_needs_active_relationship_and_journal_consent(
    client: httpx.AsyncClient, app_db: Database
) -> None:
    pat = await patient(client)
    doc = await therapist(client, app_db)
    shared = (await _entry(client, pat.headers, privacy_level="shared_with_therapist")).json()["id"]
    (await _entry(client, pat.headers)).json()["id"]
    params = {"user_id": str(pat.id)}

    r = await client.get("/v1/journal/entries", params=params, headers=doc.headers)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "no_active_relationship"

    await relate(app_db, pat.id, doc.id, journal=False)
    r = await client.get("/v1/journal/entries", params=params, headers=doc.headers)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "journal_not_shared"
    assert (await client.get(f"/v1/journal/entries/{shared}", headers=doc.headers)).status_code == 404


async def test_therapist_with_consent_reads_shared_entries_only(
    client: httpx.AsyncClient, app_db: Database
) -> None:
    pat = await patient(client)
    doc = await therapist(client, app_db)
    shared = (await _entry(client, pat.headers, privacy_level="shared_with_therapist")).json()["id"]
    private = (await _entry(client, pat.headers)).json()["id"]
    await relate(app_db, pat.id, doc.id, journal=True)

    r = await client.get("/v1/journal/entries", params={"user_id": str(pat.id)}, headers=doc.headers)
    assert r.status_code == 200, r.text
    assert [e["id"] for e in r.json()["items"]] == [shared]
    assert (await client.get(f"/v1/journal/entries/{shared}", headers=doc.headers)).status_code == 200
    assert (await client.get(f"/v1/journal/entries/{private}", headers=doc.headers)).status_code == 404
    # Reading is not writing.
    r = await client.patch(f"/v1/journal/entries/{shared}", json={"content": "x"}, headers=doc.headers)
    assert r.status_code == 404


async def test_sql_is_the_second_lock_on_journal_rows(client: httpx.AsyncClient, app_db: Database) -> None:
    from hp_agent.db.session import Principal
    from hp_agent.journal.models import JournalEntry

    pat = await patient(client)
    doc = await therapist(client, app_db)
    await _entry(client, pat.headers, privacy_level="shared_with_therapist")
    stmt = select(JournalEntry.id).where(JournalEntry.user_id == pat.id)
    await relate(app_db, pat.id, doc.id, journal=False)
    async with app_db.unit_of_work(Principal(doc.id, "therapist")) as session:
        # Even a query that skips the service's checks sees nothing without consent.
        assert (await session.execute(stmt)).all() == []
