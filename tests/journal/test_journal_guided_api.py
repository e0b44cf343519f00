"""Guided CBT sessions: the step-by-step thought record (pause/resume) and one-shot flows."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.models import CrisisDetection
from hp_agent.db.session import Database
from hp_agent.journal.guided import get_flow, suggest_distortions
from tests.api.auth_helpers import owner_all
from tests.journal.people import patient, relate, therapist

pytestmark = pytest.mark.usefixtures("seeded")

BASE = "/v1/journal/guided/thought-records"
ANSWERS = [
    ("situation", {"situation": "My manager asked to see me at the end of the day."}),
    (
        "automatic_thought",
        {"automatic_thought": "I'm going to be fired, I always mess everything up.", "belief_before": 85},
    ),
    ("emotions", {"emotions": [{"name": "Anxious", "intensity": 80}, {"name": "ashamed", "intensity": 40}]}),
    ("distortions", {"distortions": ["fortune_telling", "all_or_nothing"]}),
    (
        "evidence",
        {"evidence_for": "I missed a deadline last week.", "evidence_against": "My review was good."},
    ),
    ("balanced_thought", {"balanced_thought": "She may just want to plan next month.", "belief_after": 30}),
    (
        "rerate",
        {"rerated_emotions": [{"name": "anxious", "intensity": 35}, {"name": "ashamed", "intensity": 10}]},
    ),
]


def test_flows_load_from_yaml_with_seven_thought_record_steps() -> None:
    flow = get_flow("thought_record")
    assert flow is not None
    assert flow.last == 7
    assert [s.key for s in flow.steps] == [k for k, _ in ANSWERS]
    assert get_flow("behavioural_activation") is not None
    assert get_flow("gratitude") is not None


def test_distortions_are_suggested_from_the_text() -> None:
    found = suggest_distortions("Everyone thinks I'm stupid.", "I'm a failure and it will be a disaster.")
    assert {"mind_reading", "labelling", "catastrophising"} <= set(found)
    assert suggest_distortions("We had lunch by the river.") == []


async def test_thought_record_step_by_step_pause_resume_and_complete(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    r = await client.post(BASE, headers=me.headers)
    assert r.status_code == 201, r.text
    state = r.json()
    record_id = state["record"]["id"]
    assert state["next_step"]["key"] == "situation"
    assert state["record"]["current_step"] == 1

    for key, answer in ANSWERS[:3]:
        r = await client.post(
            f"{BASE}/{record_id}/steps", json={"step": key, "answer": answer}, headers=me.headers
        )
        assert r.status_code == 200, r.text
    # Paused here; resuming (e.g. on another device) continues at step 4 with suggestions.
    r = await client.get(f"{BASE}/{record_id}", headers=me.headers)
    state = r.json()
    assert state["record"]["current_step"] == 4
    assert state["next_step"]["key"] == "distortions"
    codes = {d["code"] for d in state["suggested_distortions"]}
    assert {"fortune_telling", "all_or_nothing"} <= codes
    assert state["record"]["emotions"] == [
        {"name": "anxious", "intensity": 80},
        {"name": "ashamed", "intensity": 40},
    ]

    for key, answer in ANSWERS[3:]:
        r = await client.post(
            f"{BASE}/{record_id}/steps", json={"step": key, "answer": answer}, headers=me.headers
        )
        assert r.status_code == 200, r.text
    done = r.json()
    assert done["record"]["status"] == "completed"
    assert done["next_step"] is None
    assert done["completion_message"]
    entry_id = done["record"]["journal_entry_id"]
    entry = (await client.get(f"/v1/journal/entries/{entry_id}", headers=me.headers)).json()
    assert entry["cbt_technique"] == "thought_record"
    assert "Balanced thought: She may just want to plan next month." in entry["content"]

    r = await client.post(
        f"{BASE}/{record_id}/steps",
        json=dict(zip(("step", "answer"), ANSWERS[0], strict=True)),
        headers=me.headers,
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "already_completed"


async def test_steps_cannot_be_skipped_and_bad_answers_name_the_field(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    record_id = (await client.post(BASE, headers=me.headers)).json()["record"]["id"]
    r = await client.post(
        f"{BASE}/{record_id}/steps", json={"step": "evidence", "answer": {}}, headers=me.headers
    )
    assert r.status_code == 409
    assert r.json()["error"]["details"]["current_step"] == 1

    r = await client.post(
        f"{BASE}/{record_id}/steps",
        json={"step": "situation", "answer": {"situation": " "}},
        headers=me.headers,
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"]["fields"][0]["field"] == "situation"
    r = await client.post(
        f"{BASE}/{record_id}/steps", json={"step": "nope", "answer": {}}, headers=me.headers
    )
    assert r.status_code == 422
    await client.post(
        f"{BASE}/{record_id}/steps", json={"step": "situation", "answer": ANSWERS[0][1]}, headers=me.headers
    )
    await client.post(
        f"{BASE}/{record_id}/steps",
        json={"step": "automatic_thought", "answer": ANSWERS[1][1]},
        headers=me.headers,
    )
    bad = {"emotions": [{"name": "anxious", "intensity": 140}]}
    r = await client.post(
        f"{BASE}/{record_id}/steps", json={"step": "emotions", "answer": bad}, headers=me.headers
    )
    assert r.status_code == 422
    assert "0 to 100" in r.json()["error"]["details"]["fields"][0]["message"]
    bad = {"distortions": ["astrology"]}
    await client.post(
        f"{BASE}/{record_id}/steps", json={"step": "emotions", "answer": ANSWERS[2][1]}, headers=me.headers
    )
    r = await client.post(
        f"{BASE}/{record_id}/steps", json={"step": "distortions", "answer": bad}, headers=me.headers
    )
    assert r.status_code == 422


async def test_a_risky_answer_returns_the_safety_payload(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    record_id = (await client.post(BASE, headers=me.headers)).json()["record"]["id"]
    answer = {"situation": "Alone at home again. I keep thinking everyone would be better off if I was dead."}
    r = await client.post(
        f"{BASE}/{record_id}/steps", json={"step": "situation", "answer": answer}, headers=me.headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["safety"]["level"] in ("moderate", "high", "imminent")
    rows = await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id))
    assert [(d.source, str(d.source_id)) for d in rows] == [(DetectionSource.THOUGHT_RECORD, record_id)]
    # Revising the step with everyday words: no safety payload this time.
    calm = {"situation": "My manager moved our weekly meeting to Friday."}
    plain = await client.post(
        f"{BASE}/{record_id}/steps", json={"step": "situation", "answer": calm}, headers=me.headers
    )
    assert "safety" not in plain.json()


async def test_thought_records_are_private_to_the_owner_and_consenting_therapist(
    client: httpx.AsyncClient, app_db: Database
) -> None:
    pat, other = await patient(client), await patient(client)
    doc = await therapist(client, app_db)
    record_id = (await client.post(BASE, headers=pat.headers)).json()["record"]["id"]
    assert (await client.get(f"{BASE}/{record_id}", headers=other.headers)).status_code == 404
    r = await client.post(
        f"{BASE}/{record_id}/steps",
        json={"step": "situation", "answer": ANSWERS[0][1]},
        headers=other.headers,
    )
    assert r.status_code == 404
    params = {"user_id": str(pat.id)}
    assert (await client.get(BASE, params=params, headers=doc.headers)).status_code == 403
    await relate(app_db, pat.id, doc.id, journal=True)
    r = await client.get(BASE, params=params, headers=doc.headers)
    assert r.status_code == 200
    assert r.json()["total"] == 1


async def test_behavioural_activation_and_gratitude_flows(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    ba = {
        "check_in": {"mood_before": 3},
        "values": {"values": "Being outdoors and seeing friends."},
        "activities": {"activities": ["walk round the block", "text Sam"]},
        "plan": {"chosen_activity": "walk round the block", "when": "Tomorrow at 8, before work"},
        "obstacles": {"obstacles": "Rain: take the umbrella."},
    }
    r = await client.post(
        "/v1/journal/guided/behavioural_activation", json={"answers": ba}, headers=me.headers
    )
    assert r.status_code == 201, r.text
    entry = r.json()["journal_entry"]
    assert entry["cbt_technique"] == "behavioural_activation"
    assert entry["mood_before"] == 3
    assert "Tomorrow at 8" in entry["content"]

    del ba["plan"]
    r = await client.post(
        "/v1/journal/guided/behavioural_activation", json={"answers": ba}, headers=me.headers
    )
    assert r.status_code == 422
    assert {f["field"] for f in r.json()["error"]["details"]["fields"]} == {"chosen_activity", "when"}

    gr = {
        "items": {"items": ["Coffee with Ana", "Sunshine"]},
        "savour": {"reflection": "Ana made me laugh."},
        "mood": {"mood_after": 7},
    }
    r = await client.post("/v1/journal/guided/gratitude", json={"answers": gr}, headers=me.headers)
    assert r.status_code == 201, r.text
    assert r.json()["gratitude_entry"]["items"] == ["Coffee with Ana", "Sunshine"]
    assert r.json()["journal_entry"]["cbt_technique"] == "gratitude"
    assert (
        await client.post("/v1/journal/guided/astrology", json={"answers": {}}, headers=me.headers)
    ).status_code == 404
    r = await client.post("/v1/journal/guided/thought_record", json={"answers": {}}, headers=me.headers)
    assert r.status_code == 422


async def test_flows_are_described_over_the_api(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    r = await client.get("/v1/journal/guided", headers=me.headers)
    assert r.status_code == 200
    flows = {f["flow"]: f for f in r.json()}
    assert set(flows) == {"thought_record", "behavioural_activation", "gratitude"}
    assert [s["number"] for s in flows["thought_record"]["steps"]] == list(range(1, 8))
    assert (await client.get("/v1/journal/guided")).status_code == 401


async def test_openapi_documents_result_fields(client: httpx.AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    schemas = r.json()["components"]["schemas"]
    for name, field in [
        ("JournalEntryResult", "content"),
        ("GuidedState", "next_step"),
        ("MoodEntryResult", "mood"),
        ("AssessmentResult", "total_score"),
    ]:
        assert {field, "safety"} <= set(schemas[name]["properties"])


async def test_risk_spread_over_steps_is_scored_together(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    record_id = (await client.post(BASE, headers=me.headers)).json()["record"]["id"]
    steps = f"{BASE}/{record_id}/steps"
    r = await client.post(
        steps,
        json={"step": "situation", "answer": {"situation": "I bought extra paracetamol today."}},
        headers=me.headers,
    )
    assert r.json()["safety"]["level"] in ("high", "imminent")
    thought = {"automatic_thought": "I think about not being here anymore."}
    r = await client.post(steps, json={"step": "automatic_thought", "answer": thought}, headers=me.headers)
    # Alone this thought reads as moderate; with the means named in step 1 it is high.
    assert r.json()["safety"]["level"] in ("high", "imminent")
