"""The inbox: unread first and paginated, mark read, preferences, quiet hours and what ignores them."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.admin.models import Notification, NotificationCategory, NotificationPriority
from hp_agent.db.session import Database
from hp_agent.events.models import OutboxEvent
from hp_agent.notifications import service
from hp_agent.notifications.models import NotificationPreference
from hp_agent.users.repository import SYSTEM
from tests.journal.people import patient


async def _notify(
    app_db: Database, user_id: uuid.UUID, key: str, *, now: dt.datetime | None = None, **kw: object
) -> uuid.UUID | None:
    args: dict[str, object] = {
        "category": NotificationCategory.appointment,
        "title": f"Note {key}",
        "body": None,
    }
    async with app_db.unit_of_work(SYSTEM) as s:
        return await service.notify(s, user_id, dedupe_key=key, now=now, **(args | kw))  # type: ignore[arg-type]


async def _events(owner_db: AsyncSession, notification_id: uuid.UUID | None) -> int:
    stmt = select(func.count()).select_from(OutboxEvent).where(OutboxEvent.aggregate_id == notification_id)
    return int((await owner_db.execute(stmt)).scalar_one())


async def test_unread_first_paginated_mark_read_and_badge(
    client: httpx.AsyncClient, app_db: Database
) -> None:
    me = await patient(client)
    other = await patient(client)
    ids = [await _notify(app_db, me.id, f"k{i}") for i in range(5)]
    theirs = await _notify(app_db, other.id, "k0")
    assert await _notify(app_db, me.id, "k0") is None  # same key: stored once
    # Read the newest one: it moves behind every unread one.
    newest = ids[-1]
    assert (await client.post(f"/v1/notifications/{newest}/read", headers=me.headers)).status_code == 204
    page1 = (await client.get("/v1/notifications", params={"limit": 3}, headers=me.headers)).json()
    assert (page1["total"], page1["unread"]) == (5, 4)
    assert all(n["read_at"] is None for n in page1["items"])
    page2 = (
        await client.get("/v1/notifications", params={"limit": 3, "offset": 3}, headers=me.headers)
    ).json()
    assert [n["id"] for n in page2["items"]][-1] == str(newest)
    assert len({n["id"] for n in page1["items"] + page2["items"]}) == 5
    unread = (await client.get("/v1/notifications", params={"unread": True}, headers=me.headers)).json()
    assert unread["total"] == 4
    # Someone else's, or no such notification: 404; bad ids and pages: 422.
    assert (await client.post(f"/v1/notifications/{theirs}/read", headers=me.headers)).status_code == 404
    assert (
        await client.post(f"/v1/notifications/{uuid.uuid4()}/read", headers=me.headers)
    ).status_code == 404
    assert (await client.post("/v1/notifications/nope/read", headers=me.headers)).status_code == 422
    assert (await client.get("/v1/notifications", params={"limit": 0}, headers=me.headers)).status_code == 422
    assert (await client.get("/v1/notifications")).status_code == 401
    # The older list-only view reads the same rows and points at this one.
    old = await client.get("/v1/me/notifications", params={"unread": True}, headers=me.headers)
    assert old.headers["Deprecation"] == "true"
    assert "/v1/notifications" in old.headers["Link"]
    assert {n["id"] for n in old.json()} == {n["id"] for n in unread["items"]}
    r = await client.post("/v1/notifications/read-all", headers=me.headers)
    assert r.json() == {"marked": 4}
    assert (await client.get("/v1/notifications", headers=me.headers)).json()["unread"] == 0
    assert (await client.get("/v1/notifications", headers=other.headers)).json()["unread"] == 1


async def test_preferences_round_trip_and_bad_input_stores_nothing(
    client: httpx.AsyncClient, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    r = await client.get("/v1/notifications/preferences", headers=me.headers)
    assert r.json()["reminders"] is True
    assert r.json()["quiet_start"] is None
    for bad in (
        {"timezone": "Nowhere/Land"},
        {"quiet_start": "22:00"},
        {"quiet_start": "22:00", "quiet_end": "22:00"},
        {"quiet_start": "25:00", "quiet_end": "07:00"},
        {"reminders": "sometimes"},
        {"unknown": True},
    ):
        r = await client.put("/v1/notifications/preferences", json=bad, headers=me.headers)
        assert r.status_code == 422, bad
    count = (
        select(func.count())
        .select_from(NotificationPreference)
        .where(NotificationPreference.user_id == me.id)
    )
    assert (await owner_db.execute(count)).scalar_one() == 0
    body = {"homework": False, "quiet_start": "22:00", "quiet_end": "07:00", "timezone": "Europe/Paris"}
    r = await client.put("/v1/notifications/preferences", json=body, headers=me.headers)
    assert r.status_code == 200, r.text
    got = (await client.get("/v1/notifications/preferences", headers=me.headers)).json()
    assert (got["homework"], got["reminders"], got["quiet_start"], got["timezone"]) == (
        False,
        True,
        "22:00:00",
        "Europe/Paris",
    )


async def test_quiet_hours_keep_notifications_off_the_socket_but_never_crisis_messages(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    me = await patient(client)
    body = {"quiet_start": "22:00", "quiet_end": "07:00", "timezone": "UTC", "announcements": False}
    assert (
        await client.put("/v1/notifications/preferences", json=body, headers=me.headers)
    ).status_code == 200
    night = dt.datetime.combine(dt.datetime.now(dt.UTC).date(), dt.time(23, 30), tzinfo=dt.UTC)
    day = night.replace(hour=12)
    quiet = await _notify(app_db, me.id, "a1", now=night)
    assert quiet is not None  # in the inbox for the morning
    assert await _events(owner_db, quiet) == 0  # but not pushed live at night
    loud = await _notify(app_db, me.id, "a2", now=day)
    assert await _events(owner_db, loud) == 1
    crisis = await _notify(app_db, me.id, "c1", now=night, category=NotificationCategory.crisis_follow_up)
    assert await _events(owner_db, crisis) == 1
    urgent = await _notify(app_db, me.id, "u1", now=night, priority=NotificationPriority.urgent)
    assert await _events(owner_db, urgent) == 1
    # A kind switched off is not stored at all; crisis messages cannot be switched off.
    assert await _notify(app_db, me.id, "s1", now=day, category=NotificationCategory.system) is None
    stored = await owner_db.execute(select(Notification.dedupe_key).where(Notification.user_id == me.id))
    assert sorted(stored.scalars().all()) == ["a1", "a2", "c1", "u1"]


@pytest.mark.parametrize(
    ("start", "end", "local", "held_until"),
    [
        ("22:00", "07:00", "23:30", "07:00"),
        ("22:00", "07:00", "06:59", "07:00"),
        ("22:00", "07:00", "07:00", None),
        ("13:00", "14:00", "13:15", "14:00"),
        ("13:00", "14:00", "21:00", None),
    ],
)
def test_quiet_period_arithmetic(start: str, end: str, local: str, held_until: str | None) -> None:
    prefs = service.Prefs(
        quiet_start=dt.time.fromisoformat(start),
        quiet_end=dt.time.fromisoformat(end),
        timezone="America/New_York",
    )
    from zoneinfo import ZoneInfo

    ny = ZoneInfo("America/New_York")
    now = dt.datetime.combine(dt.date(2026, 3, 2), dt.time.fromisoformat(local), tzinfo=ny)
    until = prefs.quiet_until(now.astimezone(dt.UTC))
    if held_until is None:
        assert until is None
    else:
        assert until is not None
        assert until > now
        assert until.astimezone(ny).time() == dt.time.fromisoformat(held_until)
        assert until - now < dt.timedelta(hours=24)


async def test_assigned_homework_reaches_the_inbox_unless_switched_off(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    from tests.journal.people import relate, therapist

    me = await patient(client)
    doc = await therapist(client, app_db)
    await relate(app_db, me.id, doc.id)
    body = {"title": "Notice three good things", "homework_type": "journaling"}
    r = await client.post(f"/v1/patients/{me.id}/homework", json=body, headers=doc.headers)
    assert r.status_code == 201, r.text
    inbox = (await client.get("/v1/notifications", headers=me.headers)).json()
    [note] = inbox["items"]
    assert (note["category"], note["title"]) == ("homework", "New homework from your therapist")
    assert note["resource_id"] == r.json()["id"]
    assert "good things" not in (note["body"] or "")  # lock screens: not what the homework is
    assert await _events(owner_db, uuid.UUID(note["id"])) == 1
    prefs = {"homework": False}
    assert (
        await client.put("/v1/notifications/preferences", json=prefs, headers=me.headers)
    ).status_code == 200
    r = await client.post(f"/v1/patients/{me.id}/homework", json=body, headers=doc.headers)
    assert r.status_code == 201
    assert (await client.get("/v1/notifications", headers=me.headers)).json()["total"] == 1
