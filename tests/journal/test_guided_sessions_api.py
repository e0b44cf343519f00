"""Guided sessions over REST: every flow paused and resumed from the database, screened per answer."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.models import CrisisDetection
from hp_agent.db.session import Database
from hp_agent.journal.models import GuidedSession
from tests.api.auth_helpers import owner_all
from tests.journal.guided_data import ACTIVATION, GRATITUDE, RISKY, THOUGHT_RECORD
from tests.journal.people import Person, patient

pytestmark = pytest.mark.usefixtures("seeded")

BASE = "/v1/journal/guided/sessions"


async def start(client: httpx.AsyncClient, me: Person, flow: str) -> dict[str, Any]:
    r = await client.post(BASE, json={"flow": flow}, headers=me.headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


async def answer(
    client: httpx.AsyncClient, me: Person, sid: str, step: str, value: dict[str, Any], **extra: Any
) -> httpx.Response:
    return await client.post(
        f"{BASE}/{sid}/answers", json={"step": step, "answer": value, **extra}, headers=me.headers
    )


async def test_activation_pauses_and_resumes_with_answers_intact(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    st = await start(client, me, "behavioural_activation")
    sid = st["id"]
    assert (st["status"], st["step"], st["steps_total"]) == ("active", 1, 5)
    assert st["current_step"]["key"] == "check_in"
    assert st["current_step"]["input"] == "scale"
    for key, value in ACTIVATION[:2]:
        assert (await answer(client, me, sid, key, value)).status_code == 200
    r = await client.post(f"{BASE}/{sid}/pause", headers=me.headers)
    assert r.json()["status"] == "paused"
    assert r.json()["paused_at"] is not None

    r = await answer(client, me, sid, *ACTIVATION[2])
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "session_paused"
    listed = (await client.get(BASE, headers=me.headers)).json()
    assert [(s["id"], s["status"], s["step"]) for s in listed] == [(sid, "paused", 3)]
    assert "answers" not in listed[0]  # lists say where a session stands, not what was written

    r = await client.post(f"{BASE}/{sid}/resume", headers=me.headers)
    st = r.json()
    assert (st["status"], st["paused_at"], st["current_step"]["key"]) == ("active", None, "activities")
    assert st["answers"] == {
        "check_in": {"mood_before": 3},
        "values": {"values": "Being outdoors and seeing friends."},
    }
    for key, value in ACTIVATION[2:]:
        r = await answer(client, me, sid, key, value)
        assert r.status_code == 200, r.text
    done = r.json()
    assert (done["status"], done["current_step"], done["saved_step"]) == ("completed", None, "obstacles")
    assert done["completion_message"]
    # The entry takes the session's id, so detections made mid-flow already point at it.
    assert done["journal_entry_id"] == sid
    entry = (await client.get(f"/v1/journal/entries/{sid}", headers=me.headers)).json()
    assert entry["cbt_technique"] == "behavioural_activation"
    assert entry["mood_before"] == 3
    assert "Tomorrow at 8" in entry["content"]
    assert (await client.get(BASE, headers=me.headers)).json() == []
    completed = (await client.get(BASE, params={"status": "completed"}, headers=me.headers)).json()
    assert [s["id"] for s in completed] == [sid]


async def test_gratitude_session_creates_its_entries(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    sid = (await start(client, me, "gratitude"))["id"]
    for key, value in GRATITUDE:
        r = await answer(client, me, sid, key, value)
        assert r.status_code == 200, r.text
    assert r.json()["gratitude_entry_id"] == sid
    grat = (await client.get(f"/v1/journal/gratitude/{sid}", headers=me.headers)).json()
    assert grat["items"] == ["Coffee with Ana", "Sunshine"]
    assert grat["mood_after"] == 7
    entry = (await client.get(f"/v1/journal/entries/{sid}", headers=me.headers)).json()
    assert (entry["cbt_technique"], entry["content"]) == ("gratitude", "Ana made me laugh.")


async def test_thought_record_session_suggests_distortions_and_files_the_record(
    client: httpx.AsyncClient,
) -> None:
    me = await patient(client)
    sid = (await start(client, me, "thought_record"))["id"]
    for key, value in THOUGHT_RECORD[:3]:
        r = await answer(client, me, sid, key, value)
    st = r.json()
    assert st["current_step"]["key"] == "distortions"
    assert {"fortune_telling", "all_or_nothing"} <= {d["code"] for d in st["suggestions"]["distortions"]}
    # Revising an earlier step keeps the current step where it was.
    r = await answer(client, me, sid, *THOUGHT_RECORD[0])
    assert (r.json()["step"], r.json()["saved_step"]) == (4, "situation")
    for key, value in THOUGHT_RECORD[3:]:
        r = await answer(client, me, sid, key, value)
        assert r.status_code == 200, r.text
    assert r.json()["thought_record_id"] == sid
    record = (await client.get(f"/v1/journal/guided/thought-records/{sid}", headers=me.headers)).json()[
        "record"
    ]
    assert record["status"] == "completed"
    assert record["distortions"] == ["fortune_telling", "all_or_nothing"]
    assert record["emotions"][0] == {"name": "anxious", "intensity": 80}
    assert record["journal_entry_id"] == r.json()["journal_entry_id"]


async def test_another_persons_session_is_not_found(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    alice, bob = await patient(client), await patient(client)
    sid = (await start(client, alice, "gratitude"))["id"]
    calls = [
        client.get(f"{BASE}/{sid}", headers=bob.headers),
        answer(client, bob, sid, *GRATITUDE[0]),
        client.post(f"{BASE}/{sid}/pause", headers=bob.headers),
        client.post(f"{BASE}/{sid}/resume", headers=bob.headers),
        client.post(f"{BASE}/{sid}/abandon", headers=bob.headers),
    ]
    for call in calls:
        r = await call
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "session_not_found"
    assert (await client.get(BASE, headers=bob.headers)).json() == []
    row = (await owner_all(owner_db, select(GuidedSession).where(GuidedSession.id == uuid.UUID(sid))))[0]
    assert (row.status.value, row.step, row.answers) == ("active", 1, "{}")


async def test_bad_flows_steps_and_answers_are_refused_clearly(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    r = await client.post(BASE, json={"flow": "astrology"}, headers=me.headers)
    assert r.status_code == 404
    assert (await client.post(BASE, json={"flow": "Bad Flow!"}, headers=me.headers)).status_code == 422
    sid = (await start(client, me, "thought_record"))["id"]
    r = await answer(client, me, sid, "horoscope", {})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "unknown_step")
    r = await answer(client, me, sid, "evidence", {"evidence_for": "x", "evidence_against": "y"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "step_out_of_order")
    assert r.json()["error"]["details"]["current_step"] == 1
    secret = "my neighbour's name is Penelope"
    r = await answer(client, me, sid, "situation", {"situation": secret * 200})
    assert r.status_code == 422
    assert r.json()["error"]["details"]["fields"][0]["field"] == "situation"
    assert "Penelope" not in r.text  # errors describe the rule, never echo the words
    r = await answer(client, me, sid, "situation", {"situation": "ok", "mood": 3})
    assert r.json()["error"]["details"]["fields"] == [
        {"field": "mood", "message": "not a field of this step"}
    ]
    r = await answer(client, me, sid, "situation", {"situation": "ok"}, client_id="has spaces")
    assert r.status_code == 422


async def test_resent_answer_is_stored_once(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    me = await patient(client)
    sid = (await start(client, me, "thought_record"))["id"]
    first = await answer(client, me, sid, "situation", {"situation": RISKY}, client_id="c-1")
    again = await answer(client, me, sid, "situation", {"situation": RISKY}, client_id="c-1")
    assert (first.json()["duplicate"], again.json()["duplicate"]) == (False, True)
    assert again.json()["step"] == first.json()["step"] == 2
    # The resend gets the original's safety payload (the first response may have been lost).
    assert again.json()["safety"]["level"] == first.json()["safety"]["level"]
    detections = await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id))
    assert len(detections) == 1
    row = (await owner_all(owner_db, select(GuidedSession).where(GuidedSession.id == uuid.UUID(sid))))[0]
    assert [e["id"] for e in row.client_ids] == ["c-1"]
    assert set(row.client_ids[0]) == {"id", "step", "level"}  # keys, never text


async def test_risky_answer_mid_flow_is_detected_against_the_resulting_entry(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    sid = (await start(client, me, "behavioural_activation"))["id"]
    await answer(client, me, sid, *ACTIVATION[0])
    r = await answer(client, me, sid, "values", {"values": RISKY})
    assert r.status_code == 200, r.text
    safety = r.json()["safety"]
    assert safety["level"] in ("moderate", "high", "imminent")
    assert safety["crisis_lines"]
    assert r.json()["current_step"]["key"] == "activities"  # the flow carries on if the person wants
    (detection,) = await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id))
    assert (detection.source, str(detection.source_id)) == (DetectionSource.JOURNAL_ENTRY, sid)
    for key, value in ACTIVATION[2:]:
        r = await answer(client, me, sid, key, value)
    assert "safety" not in r.json()
    row = (await owner_all(owner_db, select(GuidedSession).where(GuidedSession.id == uuid.UUID(sid))))[0]
    assert row.crisis_detection_id == detection.id
    entry = await owner_db.execute(
        text("SELECT crisis_detection_id FROM journal_entries WHERE id = :i"), {"i": sid}
    )
    assert entry.scalar_one() == detection.id


async def test_abandoned_completed_and_expired_sessions(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    sid = (await start(client, me, "gratitude"))["id"]
    r = await client.post(f"{BASE}/{sid}/abandon", headers=me.headers)
    assert (r.json()["status"], r.json()["current_step"]) == ("abandoned", None)
    for call in (
        answer(client, me, sid, *GRATITUDE[0]),
        client.post(f"{BASE}/{sid}/resume", headers=me.headers),
    ):
        r = await call
        assert (r.status_code, r.json()["error"]["code"]) == (409, "session_ended")

    old = (await start(client, me, "gratitude"))["id"]
    await owner_db.execute(
        update(GuidedSession)
        .where(GuidedSession.id == uuid.UUID(old))
        .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    )
    await owner_db.commit()
    r = await client.post(f"{BASE}/{old}/resume", headers=me.headers)
    assert (r.status_code, r.json()["error"]["code"]) == (410, "session_expired")
    assert (await client.get(f"{BASE}/{old}", headers=me.headers)).json()["expired"] is True
    assert (await client.get(BASE, headers=me.headers)).json() == []


async def test_answers_are_encrypted_at_rest(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    me = await patient(client)
    sid = (await start(client, me, "gratitude"))["id"]
    await answer(client, me, sid, "items", {"items": ["Marmalade on toast"]})
    await owner_db.commit()
    raw = (
        await owner_db.execute(text("SELECT answers FROM guided_sessions WHERE id = :i"), {"i": sid})
    ).scalar_one()
    assert raw.startswith(b"v2")  # under the person's data key (docs/privacy.md, "Data keys")
    assert b"Marmalade" not in raw


async def test_long_expired_unfinished_sessions_are_purged(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    from hp_agent.journal.guided_retention import GRACE, purge_expired

    me = await patient(client)
    now = dt.datetime.now(dt.UTC)
    ids: dict[str, str] = {}
    for name in ("long_expired", "just_expired", "live", "abandoned_long_ago", "completed_long_ago"):
        ids[name] = (await start(client, me, "gratitude"))["id"]
    await client.post(f"{BASE}/{ids['abandoned_long_ago']}/abandon", headers=me.headers)
    for step in GRATITUDE:
        r = await answer(client, me, ids["completed_long_ago"], *step)
        assert r.status_code == 200, r.text
    long_ago = now - GRACE - dt.timedelta(days=1)
    for name, expires in (
        ("long_expired", long_ago),
        ("just_expired", now - dt.timedelta(days=1)),
        ("abandoned_long_ago", long_ago),
        ("completed_long_ago", long_ago),
    ):
        await owner_db.execute(
            update(GuidedSession).where(GuidedSession.id == uuid.UUID(ids[name])).values(expires_at=expires)
        )
    await owner_db.commit()

    # Runs as the system actor through the application role, as the worker does (RLS applies).
    assert await purge_expired(app_db, now=now) == 2
    left = set(
        (await owner_db.execute(select(GuidedSession.id).where(GuidedSession.user_id == me.id)))
        .scalars()
        .all()
    )
    assert {str(i) for i in left} == {ids["just_expired"], ids["live"], ids["completed_long_ago"]}
    assert (await client.get(f"{BASE}/{ids['just_expired']}", headers=me.headers)).json()["expired"] is True
