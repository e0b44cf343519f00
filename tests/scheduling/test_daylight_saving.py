"""Weekly availability at 09:00 local stays 09:00 local across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import httpx
import pytest

from hp_agent.db.session import Database
from hp_agent.scheduling.slots import WeeklyWindow, free_slots, local_windows
from tests.scheduling.conftest import add_window, clinician, patient, relate, type_id


def _monday_on_or_after(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.isoweekday() + 1) % 7)


def _next_change(tz: ZoneInfo, after: dt.date) -> dt.date:
    """The first local date after ``after`` whose UTC offset differs from the day before."""
    day = after
    while True:
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=tz)
        if noon.utcoffset() != (noon - dt.timedelta(days=1)).utcoffset():
            return day
        day += dt.timedelta(days=1)


@pytest.mark.parametrize("zone_name", ["America/New_York", "Europe/London", "Australia/Sydney"])
def test_weekly_window_keeps_local_time(zone_name: str) -> None:
    tz = ZoneInfo(zone_name)
    change = _next_change(tz, dt.datetime.now(dt.UTC).date())
    before = _monday_on_or_after(change - dt.timedelta(days=7))
    after = before + dt.timedelta(days=7)
    assert before < change <= after
    start = dt.datetime.combine(before, dt.time(0), tzinfo=tz)
    windows = local_windows(
        [WeeklyWindow(1, dt.time(9), dt.time(12), before)], tz, start, start + dt.timedelta(days=14)
    )
    assert len(windows) == 2
    assert [w[0].astimezone(tz).time() for w in windows] == [dt.time(9), dt.time(9)]
    # The UTC instant moved by the offset change; the wall clock did not.
    shift = windows[1][0] - windows[0][0]
    offset_change = windows[1][0].astimezone(tz).utcoffset() - windows[0][0].astimezone(tz).utcoffset()  # type: ignore[operator]
    assert offset_change != dt.timedelta(0)
    assert shift == dt.timedelta(days=7) - offset_change


def test_slots_inside_a_shifted_week_follow_the_wall_clock() -> None:
    tz = ZoneInfo("Europe/London")
    # 2027-03-28: clocks go forward at 01:00 UTC. Sunday window 00:30-04:00 local is 3.5 h on
    # paper but 2.5 h of real time that day; slots must not be invented in the missing hour.
    sunday = dt.date(2027, 3, 28)
    start = dt.datetime.combine(sunday, dt.time(0), tzinfo=tz)
    windows = local_windows(
        [WeeklyWindow(7, dt.time(0, 30), dt.time(4), sunday)], tz, start, start + dt.timedelta(days=1)
    )
    assert windows[0][1] - windows[0][0] == dt.timedelta(hours=2, minutes=30)
    slots = free_slots(
        windows, [], duration=dt.timedelta(minutes=50), buffer=dt.timedelta(minutes=10), not_before=start
    )
    assert [s.astimezone(tz).strftime("%H:%M") for s, _ in slots] == ["00:30", "02:30"]


async def test_api_slots_and_booking_across_the_change(client: httpx.AsyncClient, app_db: Database) -> None:
    zone_name = "America/New_York"
    tz = ZoneInfo(zone_name)
    doc = await clinician(client, app_db, tz=zone_name)
    assert (await add_window(client, doc, 1, "09:00", "10:00")).status_code == 201
    pat = await patient(client)
    await relate(app_db, pat.id, doc.id)
    tid = await type_id(client, pat)

    change = _next_change(tz, dt.datetime.now(dt.UTC).date() + dt.timedelta(days=7))
    before = _monday_on_or_after(change - dt.timedelta(days=7))
    frm = dt.datetime.combine(before, dt.time(0), tzinfo=tz)
    r = await client.get(
        f"/v1/clinicians/{doc.id}/slots",
        params={
            "from": frm.isoformat(),
            "to": (frm + dt.timedelta(days=14)).isoformat(),
            "appointment_type_id": tid,
        },
        headers=pat.headers,
    )
    assert r.status_code == 200, r.text
    slots = r.json()["slots"]
    assert len(slots) == 2
    local = [dt.datetime.fromisoformat(s["local_start"]) for s in slots]
    utc = [dt.datetime.fromisoformat(s["starts_at"]) for s in slots]
    assert [t.strftime("%H:%M") for t in local] == ["09:00", "09:00"]
    assert utc[0].astimezone(dt.UTC).hour != utc[1].astimezone(dt.UTC).hour  # e.g. 14:00Z then 13:00Z

    # Booking 09:00 local after the change works; the UTC hour of 09:00 *before* it is now 10:00
    # local on that day and is outside the 09:00-10:00 window.
    after_day = local[1].date()
    stale_utc = dt.datetime.combine(after_day, utc[0].astimezone(dt.UTC).time(), tzinfo=dt.UTC)
    body = {"clinician_id": str(doc.id), "appointment_type_id": tid}
    r = await client.post(
        "/v1/appointments", json={**body, "starts_at": stale_utc.isoformat()}, headers=pat.headers
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "outside_availability"
    r = await client.post(
        "/v1/appointments", json={**body, "starts_at": utc[1].isoformat()}, headers=pat.headers
    )
    assert r.status_code == 201, r.text
    assert dt.datetime.fromisoformat(r.json()["starts_at"]).astimezone(tz).time() == dt.time(9)
