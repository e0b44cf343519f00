"""The waitlist gets a freed slot offered to the next person; iCalendar feeds are secret and
revocable."""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

import httpx
import icalendar
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import Notification
from hp_agent.config import Settings
from hp_agent.db.session import Database
from hp_agent.scheduling import tasks
from hp_agent.scheduling.models import CalendarFeed
from tests.scheduling.conftest import Person, add_window, clinician, next_weekday, patient, relate, type_id

NY = ZoneInfo("America/New_York")


def at(day: dt.date, hh: int) -> str:
    return dt.datetime.combine(day, dt.time(hh), tzinfo=NY).isoformat()


async def _book(client: httpx.AsyncClient, who: Person, doc: Person, tid: str, start: str) -> httpx.Response:
    body = {"clinician_id": str(doc.id), "appointment_type_id": tid, "starts_at": start}
    return await client.post("/v1/appointments", json=body, headers=who.headers)


async def test_freed_slot_is_offered_held_and_taken(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    doc = await clinician(client, app_db)
    assert (await add_window(client, doc, 1, "09:00", "10:00")).status_code == 201
    first, waiting, later, third = [await patient(client) for _ in range(4)]
    ppl = [first, waiting, later, third]
    for p in ppl:
        await relate(app_db, p.id, doc.id)
    tid = await type_id(client, first)
    monday = next_weekday(1)
    booked = (await _book(client, first, doc, tid, at(monday, 9))).json()

    # Two people wait, in order; a second entry for the same clinician is refused.
    for p in (waiting, later):
        r = await client.post(
            "/v1/waitlist", json={"clinician_id": str(doc.id), "appointment_type_id": tid}, headers=p.headers
        )
        assert r.status_code == 201, r.text
    r = await client.post(
        "/v1/waitlist",
        json={"clinician_id": str(doc.id), "appointment_type_id": tid},
        headers=waiting.headers,
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "already_waitlisted"

    assert (
        await client.post(f"/v1/appointments/{booked['id']}/cancel", json={}, headers=first.headers)
    ).status_code == 200

    # The first in line holds an offer; the slot is hidden from and refused to everyone else.
    entry = (await client.get("/v1/waitlist", headers=waiting.headers)).json()[0]
    assert entry["status"] == "offered"
    assert dt.datetime.fromisoformat(entry["offer_starts_at"]) == dt.datetime.fromisoformat(at(monday, 9))
    assert (await client.get("/v1/waitlist", headers=later.headers)).json()[0]["status"] == "waiting"
    params = {"from": at(monday, 0), "to": at(monday, 23), "appointment_type_id": tid}
    seen = await client.get(f"/v1/clinicians/{doc.id}/slots", params=params, headers=third.headers)
    assert seen.json()["slots"] == []
    seen = await client.get(f"/v1/clinicians/{doc.id}/slots", params=params, headers=waiting.headers)
    assert len(seen.json()["slots"]) == 1
    r = await _book(client, third, doc, tid, at(monday, 9))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "slot_held"
    await owner_db.commit()
    offers = (
        (await owner_db.execute(select(Notification.title).where(Notification.user_id == waiting.id)))
        .scalars()
        .all()
    )
    assert offers == ["An earlier appointment is available"]

    # Taking the offer books it.
    r = await client.post(f"/v1/waitlist/{entry['id']}/accept", headers=waiting.headers)
    assert r.status_code == 201, r.text
    assert r.json()["patient_id"] == str(waiting.id)
    assert (await client.get("/v1/waitlist", headers=waiting.headers)).json() == []
    r = await client.post(f"/v1/waitlist/{entry['id']}/accept", headers=waiting.headers)
    assert r.status_code == 409


async def test_declining_passes_the_offer_on(client: httpx.AsyncClient, app_db: Database) -> None:
    doc = await clinician(client, app_db)
    assert (await add_window(client, doc, 1, "09:00", "10:00")).status_code == 201
    first, a, b = [await patient(client) for _ in range(3)]
    for p in (first, a, b):
        await relate(app_db, p.id, doc.id)
    tid = await type_id(client, first)
    booked = (await _book(client, first, doc, tid, at(next_weekday(1), 9))).json()
    for p in (a, b):
        await client.post(
            "/v1/waitlist", json={"clinician_id": str(doc.id), "appointment_type_id": tid}, headers=p.headers
        )
    await client.post(f"/v1/appointments/{booked['id']}/cancel", json={}, headers=doc.headers)
    offered = (await client.get("/v1/waitlist", headers=a.headers)).json()[0]
    assert offered["status"] == "offered"
    assert (await client.delete(f"/v1/waitlist/{offered['id']}", headers=a.headers)).status_code == 204
    assert (await client.get("/v1/waitlist", headers=b.headers)).json()[0]["status"] == "offered"


async def test_calendar_feeds_are_secret_and_revocable(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    doc = await clinician(client, app_db)
    assert (await add_window(client, doc, 1, "09:00", "12:00")).status_code == 201
    pat = await patient(client)
    await relate(app_db, pat.id, doc.id)
    tid = await type_id(client, pat)
    appt = (await _book(client, pat, doc, tid, at(next_weekday(1), 10))).json()

    urls = {}
    for who in (doc, pat):
        r = await client.post("/v1/calendar/feed", headers=who.headers)
        assert r.status_code == 201, r.text
        urls[who.id] = r.json()["url"]
        feed = await client.get(urls[who.id].removeprefix("http://test"))
        assert feed.status_code == 200
        assert feed.headers["content-type"].startswith("text/calendar")
        cal = icalendar.Calendar.from_ical(feed.content)
        events = cal.walk("VEVENT")
        assert [str(e["uid"]) for e in events] == [f"{appt['id']}@happypath"]
        assert events[0].decoded("dtstart") == dt.datetime.fromisoformat(appt["starts_at"])
        assert str(events[0]["location"]) == appt["video_url"]
        # Nothing about the other person goes to a third-party calendar.
        assert "Dr Calendar" not in feed.text
        assert str(pat.id) not in feed.text

    # Only a digest of the secret is stored.
    secret = urls[pat.id].rsplit("/", 1)[1].removesuffix(".ics")
    await owner_db.commit()
    stored = (
        (await owner_db.execute(select(CalendarFeed.token_hash).where(CalendarFeed.user_id == pat.id)))
        .scalars()
        .all()
    )
    assert stored == [hashlib.sha256(secret.encode()).digest()]

    # A new URL replaces the old; revoking kills it; a made-up one is the same 404.
    fresh = (await client.post("/v1/calendar/feed", headers=pat.headers)).json()["url"]
    assert (await client.get(urls[pat.id].removeprefix("http://test"))).status_code == 404
    assert (await client.get(fresh.removeprefix("http://test"))).status_code == 200
    assert (await client.delete("/v1/calendar/feed", headers=pat.headers)).status_code == 204
    assert (await client.get(fresh.removeprefix("http://test"))).status_code == 404
    assert (await client.get("/v1/calendar/feeds/" + "x" * 43 + ".ics")).status_code == 404
    # The clinician's feed is untouched by the patient's revocation.
    assert (await client.get(urls[doc.id].removeprefix("http://test"))).status_code == 200


async def test_an_unanswered_offer_expires_and_moves_on(
    client: httpx.AsyncClient, app_db: Database, settings: Settings
) -> None:
    doc = await clinician(client, app_db)
    assert (await add_window(client, doc, 1, "09:00", "10:00")).status_code == 201
    first, a, b = [await patient(client) for _ in range(3)]
    for p in (first, a, b):
        await relate(app_db, p.id, doc.id)
    tid = await type_id(client, first)
    booked = (await _book(client, first, doc, tid, at(next_weekday(1), 9))).json()
    for p in (a, b):
        await client.post(
            "/v1/waitlist", json={"clinician_id": str(doc.id), "appointment_type_id": tid}, headers=p.headers
        )
    await client.post(f"/v1/appointments/{booked['id']}/cancel", json={}, headers=first.headers)
    offer = (await client.get("/v1/waitlist", headers=a.headers)).json()[0]
    expires = dt.datetime.fromisoformat(offer["offer_expires_at"])
    assert expires - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=settings.waitlist_offer_minutes)

    # Before the expiry the worker leaves it alone; after it, the next person gets the offer.
    assert (await tasks.run_due(app_db, settings, now=expires - dt.timedelta(minutes=1)))[1] == 0
    assert (await tasks.run_due(app_db, settings, now=expires + dt.timedelta(seconds=1)))[1] == 1
    assert (await client.get("/v1/waitlist", headers=a.headers)).json() == []
    taken = await client.post(f"/v1/waitlist/{offer['id']}/accept", headers=a.headers)
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "no_offer"
    assert (await client.get("/v1/waitlist", headers=b.headers)).json()[0]["status"] == "offered"
