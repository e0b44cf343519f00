"""Medicines over the API: catalogue and free text, schedules, interactions, bad input, prescribers."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import Notification
from hp_agent.db.session import Database
from hp_agent.medication.models import MedicationSchedule, UserMedication
from tests.journal.people import patient, relate, therapist
from tests.medication.conftest import add, add_catalogued, catalogue_id

pytestmark = pytest.mark.usefixtures("seeded")


async def _count(owner_db: AsyncSession, model: type, **where: object) -> int:
    stmt = select(func.count()).select_from(model).filter_by(**where)
    return int((await owner_db.execute(stmt)).scalar_one())


async def test_catalogue_search_finds_generic_and_brand_names(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    r = await client.get("/v1/medications/catalogue", params={"q": "zoloft"}, headers=me.headers)
    assert r.status_code == 200
    assert [m["generic_name"] for m in r.json()] == ["sertraline"]
    r = await client.get("/v1/medications/catalogue", params={"q": "phenel"}, headers=me.headers)
    assert [m["generic_name"] for m in r.json()] == ["phenelzine"]


async def test_sertraline_added_to_phenelzine_shows_a_severe_interaction(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    first = await add_catalogued(client, me, "phenelzine", dose_amount=15)
    assert first["interactions"] == []
    assert first["interactions_checked"] is True
    second = await add_catalogued(client, me, "sertraline")
    [found] = second["interactions"]
    assert found["severity"] == "contraindicated"
    assert found["severe"] is True
    assert found["effect"] == "serotonin_syndrome"
    assert found["with_user_medication_id"] == first["medication"]["id"]
    assert found["with_name"] == "phenelzine"
    assert "serotonin" in found["description"].lower()
    assert found["reference"]
    # The list shows the pair once.
    listing = (await client.get("/v1/medications", headers=me.headers)).json()
    assert len(listing["items"]) == 2
    assert [i["severity"] for i in listing["interactions"]] == ["contraindicated"]


async def test_lithium_with_ibuprofen_and_benzodiazepine_with_opioid(client: httpx.AsyncClient) -> None:
    me = await patient(client)
    await add_catalogued(client, me, "lithium carbonate", dose_amount=300)
    r = await add_catalogued(client, me, "ibuprofen", dose_amount=400, as_needed=True, schedule=None)
    assert [(i["severity"], i["effect"]) for i in r["interactions"]] == [("major", "lithium_toxicity")]
    await add_catalogued(client, me, "clonazepam", dose_amount=0.5)
    r = await add_catalogued(client, me, "oxycodone", dose_amount=5, as_needed=True, schedule=None)
    assert [(i["with_name"], i["effect"]) for i in r["interactions"]] == [("clonazepam", "cns_depression")]


async def test_free_text_medicine_with_schedule_in_own_zone(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    r = await add(
        client,
        me,
        name="Herbal sleep tea",
        dose_amount=1,
        dose_unit="cup",
        schedule={"times": ["21:30", "07:00"], "timezone": "Europe/London", "days_of_week": [1, 3, 5]},
        prescriber_name="Dr Lee, GP",
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["interactions_checked"] is False
    med = body["medication"]
    assert med["display_name"] == "Herbal sleep tea"
    assert med["prescriber_name"] == "Dr Lee, GP"
    assert [s["time_of_day"] for s in med["schedules"]] == ["07:00:00", "21:30:00"]
    assert {s["timezone"] for s in med["schedules"]} == {"Europe/London"}
    assert await _count(owner_db, MedicationSchedule, patient_id=me.id) == 2


@pytest.mark.parametrize(
    "body",
    [
        {"medication_id": "00000000-0000-0000-0000-000000000001"},
        {"name": "x", "schedule": {"times": ["25:00"]}},
        {"name": "x", "schedule": {"times": ["08:00"], "timezone": "Mars/Olympus"}},
        {"name": "x", "schedule": {"times": ["08:00"], "days_of_week": [0]}},
        {"name": "x", "schedule": None},  # neither as needed nor scheduled
        {"name": "x", "as_needed": True},  # both
        {"name": "x", "dose_amount": 0},
        {"name": "x", "prescriber_id": "00000000-0000-0000-0000-000000000001"},
        {"name": "x", "start_date": "2026-05-02", "end_date": "2026-05-01"},
        {"name": "x", "end_date": "2001-01-01"},  # before today, the default start
        {},  # neither catalogue nor name
    ],
)
async def test_bad_input_is_a_clear_4xx_and_stores_nothing(
    client: httpx.AsyncClient, owner_db: AsyncSession, body: dict[str, object]
) -> None:
    me = await patient(client)
    r = await add(client, me, **body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] in ("validation_error", "unknown_medication")
    assert await _count(owner_db, UserMedication, patient_id=me.id) == 0


async def test_prescriber_on_the_care_team_sees_adherence_side_effects_and_interactions(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    doc = await therapist(client, app_db)
    other_doc = await therapist(client, app_db)
    # Not on the care team yet: refused, nothing stored.
    r = await add(
        client, me, medication_id=await catalogue_id(client, me, "sertraline"), prescriber_id=str(doc.id)
    )
    assert r.status_code == 422
    await relate(app_db, me.id, doc.id)
    mine = await add_catalogued(client, me, "phenelzine", dose_amount=15, prescriber_id=str(doc.id))
    await add_catalogued(client, me, "sertraline")
    # The prescriber was told about the interaction (inbox, no medicine named).
    notes = await owner_db.execute(select(Notification).where(Notification.user_id == doc.id))
    [note] = notes.scalars().all()
    assert note.title == "Possible interaction on a patient's medicine list"
    assert "phenelzine" not in (note.body or "")
    assert "sertraline" not in (note.body or "")
    r = await client.post(
        "/v1/medications/side-effects",
        json={
            "user_medication_id": mine["medication"]["id"],
            "description": "Dizzy when I stand",
            "severity": "moderate",
        },
        headers=me.headers,
    )
    assert r.status_code == 201, r.text
    view = await client.get("/v1/medications", params={"patient_id": str(me.id)}, headers=doc.headers)
    assert view.status_code == 200, view.text
    # Only what they prescribe, with the interaction that touches it.
    assert [m["display_name"] for m in view.json()["items"]] == ["phenelzine"]
    assert view.json()["interactions"][0]["severity"] == "contraindicated"
    effects = await client.get(
        "/v1/medications/side-effects", params={"patient_id": str(me.id)}, headers=doc.headers
    )
    assert [e["description"] for e in effects.json()] == ["Dizzy when I stand"]
    adherence = await client.get(
        "/v1/medications/adherence", params={"patient_id": str(me.id)}, headers=doc.headers
    )
    assert adherence.status_code == 200
    assert [m["display_name"] for m in adherence.json()["medications"]] == ["phenelzine"]
    # A clinician who does not treat them sees nothing.
    for path in ("", "/side-effects", "/adherence"):
        r = await client.get(
            f"/v1/medications{path}", params={"patient_id": str(me.id)}, headers=other_doc.headers
        )
        assert r.status_code == 404, path
    # Nor can another patient read the list.
    stranger = await patient(client)
    r = await client.get("/v1/medications", params={"patient_id": str(me.id)}, headers=stranger.headers)
    assert r.status_code == 404
