"""Mood over the API: daily check-ins, goals, insights, summaries, chart, access rules."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.care.models import RelationshipStatus
from hp_agent.crisis.enums import DetectionSource
from hp_agent.crisis.models import CrisisDetection
from hp_agent.db.session import Database
from hp_agent.mood.models import MoodInsight, MoodPattern
from tests.api.auth_helpers import owner_all
from tests.journal.people import Person, patient, relate, therapist

pytestmark = pytest.mark.usefixtures("seeded")
TODAY = dt.datetime.now(dt.UTC).date()  # registered users default to UTC


async def _log(
    client: httpx.AsyncClient, who: Person, day: dt.date, mood: int, **extra: object
) -> httpx.Response:
    return await client.post(
        "/v1/mood/entries", json={"mood": mood, "entry_date": day.isoformat(), **extra}, headers=who.headers
    )


async def test_second_checkin_the_same_day_updates_the_days_entry(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    r = await client.post(
        "/v1/mood/entries",
        json={"mood": 4, "energy": 3, "sleep_hours": 6.5, "activities": ["Work", "walk"]},
        headers=me.headers,
    )
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["entry_date"] == TODAY.isoformat()
    assert first["checkin_count"] == 1
    assert first["activities"] == ["work", "walk"]
    assert "safety" not in first
    r = await client.post(
        "/v1/mood/entries", json={"mood": 7, "note": "Better after lunch"}, headers=me.headers
    )
    second = r.json()
    assert second["id"] == first["id"]
    assert second["checkin_count"] == 2
    assert second["mood"] == 7
    assert second["energy"] == 3
    assert second["sleep_hours"] == 6.5
    assert second["note"] == "Better after lunch"
    page = (await client.get("/v1/mood/entries", headers=me.headers)).json()
    assert page["total"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"mood": 0},
        {"mood": 11},
        {"mood": 5, "sleep_hours": 25},
        {"mood": 5, "sleep_hours": -1},
        {"mood": 5, "energy": 12},
        {"mood": 5, "emotions": ["x"] * 21},
        {"mood": 5, "source": "chat_agent"},
        {"mood": "great"},
        {},
    ],
)
async def test_bad_checkins_are_422(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    me = await patient(client)
    r = await client.post("/v1/mood/entries", json=body, headers=me.headers)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"


async def test_future_dates_and_reversed_ranges_are_422(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    assert (await _log(client, me, TODAY + dt.timedelta(days=3), 5)).status_code == 422
    params = {"date_from": TODAY.isoformat(), "date_to": (TODAY - dt.timedelta(days=1)).isoformat()}
    assert (await client.get("/v1/mood/entries", params=params, headers=me.headers)).status_code == 422
    assert (await client.get("/v1/mood/chart", params=params, headers=me.headers)).status_code == 422
    assert (
        await client.get("/v1/mood/chart", params={"format": "gif"}, headers=me.headers)
    ).status_code == 422
    assert (
        await client.get("/v1/mood/summary", params={"period": "year"}, headers=me.headers)
    ).status_code == 422


async def test_killer_workout_is_not_a_crisis(client: httpx.AsyncClient, owner_db: AsyncSession) -> None:
    me = await patient(client)
    r = await client.post(
        "/v1/mood/entries", json={"mood": 8, "note": "had a killer workout"}, headers=me.headers
    )
    assert r.status_code == 201
    assert "safety" not in r.json()
    assert await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id)) == []


async def test_a_risky_note_is_detected_with_its_source(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    r = await client.post(
        "/v1/mood/entries",
        json={"mood": 2, "note": "I want to die, I can't do this anymore"},
        headers=me.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["safety"]["level"] in ("moderate", "high", "imminent")
    rows = await owner_all(owner_db, select(CrisisDetection).where(CrisisDetection.user_id == me.id))
    assert [(d.source, str(d.source_id)) for d in rows] == [(DetectionSource.MOOD_NOTE, r.json()["id"])]


async def test_insights_are_computed_from_a_rising_history_and_stored(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    for i in range(30):
        day = TODAY - dt.timedelta(days=29 - i)
        mood = round(3 + 0.2 * i) if i < 30 else 9
        r = await _log(client, me, day, min(10, mood), sleep_hours=4 + mood * 0.5)
        assert r.status_code == 201, r.text
    r = await client.post("/v1/mood/insights/compute", json={"days": 30}, headers=me.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    patterns = {p["pattern_type"]: p for p in body["patterns"]}
    assert patterns["trend"]["metrics"]["slope_per_day"] == pytest.approx(0.2, abs=0.02)
    assert patterns["sleep_correlation"]["metrics"]["pearson_r"] == pytest.approx(1.0, abs=1e-6)
    assert patterns["streak"]["metrics"]["current"] == 30
    keys = {i["insight_key"] for i in body["insights"]}
    assert {"trend:improving", "sleep_correlation:positive", "streak:current"} <= keys
    # Recomputing upserts instead of duplicating.
    assert (
        await client.post("/v1/mood/insights/compute", json={"days": 30}, headers=me.headers)
    ).status_code == 200
    stored = await owner_all(owner_db, select(MoodPattern).where(MoodPattern.user_id == me.id))
    assert len(stored) == len(body["patterns"])
    assert len(await owner_all(owner_db, select(MoodInsight).where(MoodInsight.user_id == me.id))) == len(
        keys
    )

    feed = (await client.get("/v1/mood/insights", headers=me.headers)).json()
    assert len(feed) == len(keys)
    r = await client.post(f"/v1/mood/insights/{feed[0]['id']}/dismiss", headers=me.headers)
    assert r.status_code == 200
    assert r.json()["dismissed_at"] is not None
    assert len((await client.get("/v1/mood/insights", headers=me.headers)).json()) == len(keys) - 1
    assert len((await client.get("/v1/mood/patterns", headers=me.headers)).json()) == len(stored)
    assert (
        await client.post("/v1/mood/insights/compute", json={"days": 3}, headers=me.headers)
    ).status_code == 422


async def test_weekly_and_monthly_summaries(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    anchor = dt.date(2026, 3, 11)  # a Wednesday; the week is 9-15 March
    for day, mood in [
        (dt.date(2026, 3, 9), 4),
        (dt.date(2026, 3, 10), 6),
        (dt.date(2026, 3, 12), 8),
        (dt.date(2026, 3, 3), 2),
        (dt.date(2026, 2, 20), 5),
    ]:
        assert (await _log(client, me, day, mood, activities=["walk"])).status_code == 201
    r = await client.get(
        "/v1/mood/summary", params={"period": "week", "date": anchor.isoformat()}, headers=me.headers
    )
    assert r.status_code == 200, r.text
    w = r.json()
    assert (w["start"], w["end"]) == ("2026-03-09", "2026-03-15")
    assert w["days_logged"] == 3
    assert w["mood_avg"] == 6.0
    assert w["mood_min"] == 4
    assert w["mood_max"] == 8
    assert w["best_day"] == "2026-03-12"
    assert w["worst_day"] == "2026-03-09"
    assert w["previous_mood_avg"] == 2.0
    assert w["change_from_previous"] == 4.0
    assert w["top_activities"] == [{"label": "walk", "days": 3}]
    m = (
        await client.get(
            "/v1/mood/summary", params={"period": "month", "date": "2026-03-20"}, headers=me.headers
        )
    ).json()
    assert (m["start"], m["end"], m["days_logged"], m["mood_avg"]) == ("2026-03-01", "2026-03-31", 4, 5.0)
    assert m["previous_mood_avg"] == 5.0


async def test_chart_png_and_svg(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    for i in range(10):
        await _log(client, me, TODAY - dt.timedelta(days=i), 3 + i % 5, energy=5)
    r = await client.get("/v1/mood/chart", headers=me.headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.content.startswith(b"\x89PNG\r\n\x1a\n")
    r = await client.get(
        "/v1/mood/chart",
        params={"format": "svg", "date_from": (TODAY - dt.timedelta(days=6)).isoformat()},
        headers=me.headers,
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in r.content
    long = {"date_from": (TODAY - dt.timedelta(days=800)).isoformat()}
    assert (await client.get("/v1/mood/chart", params=long, headers=me.headers)).status_code == 422


async def test_goals_with_progress(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    for i in range(3):
        await _log(client, me, TODAY - dt.timedelta(days=i), 6, sleep_hours=7, activities=["walk"])
    r = await client.post(
        "/v1/mood/goals",
        json={"goal_type": "average_mood", "title": "Feel steadier", "target_value": 8, "period": "weekly"},
        headers=me.headers,
    )
    assert r.status_code == 201, r.text
    g = r.json()
    assert g["current_value"] == 6.0
    assert g["progress"] == pytest.approx(0.75)
    assert g["baseline_value"] == 6.0
    r = await client.post(
        "/v1/mood/goals",
        json={"goal_type": "activity_frequency", "title": "Walk", "activity": "walk", "target_value": 4},
        headers=me.headers,
    )
    assert r.json()["current_value"] == 3
    assert r.json()["progress"] == pytest.approx(0.75)
    r = await client.post(
        "/v1/mood/goals",
        json={"goal_type": "logging_streak", "title": "Check in daily", "target_value": 3},
        headers=me.headers,
    )
    assert r.json()["progress"] == 1.0
    custom = (
        await client.post(
            "/v1/mood/goals",
            json={"goal_type": "custom", "title": "Read", "target_value": 10},
            headers=me.headers,
        )
    ).json()
    r = await client.patch(f"/v1/mood/goals/{custom['id']}", json={"current_value": 5}, headers=me.headers)
    assert r.status_code == 200
    assert r.json()["progress"] == 0.5
    r = await client.patch(f"/v1/mood/goals/{g['id']}", json={"current_value": 5}, headers=me.headers)
    assert r.status_code == 422
    r = await client.patch(f"/v1/mood/goals/{g['id']}", json={"status": "achieved"}, headers=me.headers)
    assert r.json()["status"] == "achieved"
    assert r.json()["achieved_at"] is not None
    assert len((await client.get("/v1/mood/goals", headers=me.headers)).json()) == 4
    assert (await client.delete(f"/v1/mood/goals/{custom['id']}", headers=me.headers)).status_code == 204
    assert (await client.delete(f"/v1/mood/goals/{custom['id']}", headers=me.headers)).status_code == 404
    assert len((await client.get("/v1/mood/goals", headers=me.headers)).json()) == 3
    for bad in (
        {"goal_type": "activity_frequency", "title": "x", "target_value": 3},
        {"goal_type": "average_mood", "title": "x", "target_value": 12},
        {"goal_type": "custom", "title": "", "target_value": 1},
    ):
        assert (await client.post("/v1/mood/goals", json=bad, headers=me.headers)).status_code == 422


async def test_therapist_reads_mood_only_with_an_active_relationship(
    client: httpx.AsyncClient, app_db: Database
) -> None:
    pat, other = await patient(client), await patient(client)
    doc, stranger = await therapist(client, app_db), await therapist(client, app_db)
    entry_id = (await _log(client, pat, TODAY, 5)).json()["id"]
    params = {"user_id": str(pat.id)}
    assert (await client.get("/v1/mood/entries", params=params, headers=other.headers)).status_code == 403
    assert (await client.get(f"/v1/mood/entries/{entry_id}", headers=other.headers)).status_code == 404
    assert (await client.delete(f"/v1/mood/entries/{entry_id}", headers=other.headers)).status_code == 404
    assert (await client.get("/v1/mood/entries", params=params, headers=doc.headers)).status_code == 403
    await relate(app_db, pat.id, stranger.id, status=RelationshipStatus.pending)
    assert (await client.get("/v1/mood/entries", params=params, headers=stranger.headers)).status_code == 403

    await relate(app_db, pat.id, doc.id, mood=True)  # the mood flag, not the journal one
    r = await client.get("/v1/mood/entries", params=params, headers=doc.headers)
    assert r.status_code == 200
    assert r.json()["total"] == 1
    assert (await client.get(f"/v1/mood/entries/{entry_id}", headers=doc.headers)).status_code == 200
    assert (await client.get("/v1/mood/summary", params=params, headers=doc.headers)).status_code == 200
    r = await client.get("/v1/mood/chart", params=params, headers=doc.headers)
    assert r.status_code == 200
    assert r.content.startswith(b"\x89PNG")
    for path in ("/v1/mood/goals", "/v1/mood/insights", "/v1/mood/patterns"):
        assert (await client.get(path, params=params, headers=doc.headers)).status_code == 200
        assert (await client.get(path, params=params, headers=other.headers)).status_code == 403
    # Reading is not writing.
    assert (await client.delete(f"/v1/mood/entries/{entry_id}", headers=doc.headers)).status_code == 404
    assert (await client.delete(f"/v1/mood/entries/{entry_id}", headers=pat.headers)).status_code == 204
    assert (await client.get(f"/v1/mood/entries/{entry_id}", headers=pat.headers)).status_code == 404


async def test_goal_words_are_screened(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    r = await client.post(
        "/v1/mood/goals",
        json={"goal_type": "custom", "title": "Stop wanting to kill myself every night", "target_value": 1},
        headers=me.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["safety"]["level"] in ("moderate", "high", "imminent")
    r = await client.patch(
        f"/v1/mood/goals/{r.json()['id']}", json={"title": "Sleep by 11"}, headers=me.headers
    )
    assert r.status_code == 200
    assert "safety" not in r.json()


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
async def test_the_day_is_the_persons_local_day(client: httpx.AsyncClient, zone: str) -> None:
    from zoneinfo import ZoneInfo

    me = await patient(client)
    assert (await client.patch("/v1/me", json={"timezone": zone}, headers=me.headers)).status_code == 200
    r = await client.post("/v1/mood/entries", json={"mood": 6}, headers=me.headers)
    assert r.status_code == 201, r.text
    local = dt.datetime.now(ZoneInfo(zone)).date()
    assert r.json()["entry_date"] == local.isoformat()


async def test_a_recent_high_risk_detection_colours_later_notes(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    r = await client.post(
        "/v1/mood/entries", json={"mood": 5, "note": "I feel a bit low and tired"}, headers=me.headers
    )
    assert "safety" not in r.json()
    r = await client.post(
        "/v1/journal/entries", json={"content": "I am going to kill myself tonight"}, headers=me.headers
    )
    assert r.json()["safety"]["level"] in ("high", "imminent")
    # The same everyday words a day later are now read in the light of that entry.
    day = (TODAY - dt.timedelta(days=1)).isoformat()
    r = await client.post(
        "/v1/mood/entries",
        json={"mood": 5, "note": "I feel a bit low and tired", "entry_date": day},
        headers=me.headers,
    )
    assert r.json()["safety"]["level"] == "moderate"
