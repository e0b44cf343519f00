"""iCalendar feeds: a secret, revocable URL per person (clinician or patient).

Calendar apps poll the feed without signing in, so the URL carries a 256-bit random secret; only
its SHA-256 is stored (``calendar_feeds.token_hash``). Issuing a new URL revokes the old one and
``DELETE`` revokes it outright: a revoked or unknown secret gets the same 404. Feeds end up in
third-party calendars, so events name the appointment type and the video link only: never the
other person's name, a reason, or anything clinical.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import icalendar
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.db.session import Principal
from hp_agent.errors import Forbidden, NotFound
from hp_agent.scheduling import repository as repo
from hp_agent.scheduling.models import AppointmentStatus, AppointmentType, CalendarFeed
from hp_agent.users.repository import acting_as, signing_in

PAST = dt.timedelta(days=30)
AHEAD = dt.timedelta(days=366)
MAX_EVENTS = 2000
SHOWN = {
    AppointmentStatus.REQUESTED: "TENTATIVE",
    AppointmentStatus.SCHEDULED: "CONFIRMED",
    AppointmentStatus.CONFIRMED: "CONFIRMED",
    AppointmentStatus.CHECKED_IN: "CONFIRMED",
    AppointmentStatus.IN_PROGRESS: "CONFIRMED",
    AppointmentStatus.COMPLETED: "CONFIRMED",
    AppointmentStatus.CANCELLED: "CANCELLED",
}


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def feed_path(secret: str) -> str:
    return f"/v1/calendar/feeds/{secret}.ics"


async def issue(session: AsyncSession, actor: Principal) -> tuple[CalendarFeed, str]:
    """A new feed secret for the caller (the previous one stops working). Returned once."""
    if actor.user_id is None or actor.role not in ("patient", "therapist"):
        raise Forbidden("Only patients and clinicians have appointment feeds.")
    await revoke(session, actor)
    secret = secrets.token_urlsafe(32)
    feed = CalendarFeed(user_id=actor.user_id, token_hash=digest(secret))
    session.add(feed)
    await session.flush()
    return feed, secret


async def revoke(session: AsyncSession, actor: Principal) -> int:
    result = await session.execute(
        update(CalendarFeed)
        .where(CalendarFeed.user_id == actor.user_id, CalendarFeed.revoked_at.is_(None))
        .values(revoked_at=dt.datetime.now(dt.UTC))
    )
    await session.flush()
    return int(result.rowcount)  # type: ignore[attr-defined]


async def render(session: AsyncSession, secret: str, *, base_url: str) -> bytes:
    """The feed of the person whose live secret this is: the secret is the credential; it names its
    owner (app_calendar_feed_owner) and the feed is read as that owner, never as the system actor."""
    if not 20 <= len(secret) <= 100:
        raise NotFound("No such calendar feed.", code="feed_not_found")
    now = dt.datetime.now(dt.UTC)
    owner = (await session.execute(select(func.app_calendar_feed_owner(digest(secret))))).scalar_one_or_none()
    if owner is None:
        raise NotFound("No such calendar feed.", code="feed_not_found")
    async with acting_as(session, signing_in(owner)):
        feed = (
            await session.execute(
                select(CalendarFeed).where(
                    CalendarFeed.token_hash == digest(secret), CalendarFeed.revoked_at.is_(None)
                )
            )
        ).scalar_one_or_none()
        if feed is None:
            raise NotFound("No such calendar feed.", code="feed_not_found")
        feed.last_fetched_at = now
        rows = await repo.calendar(session, feed.user_id, now - PAST, now + AHEAD, MAX_EVENTS)
        rooms = await repo.video_rooms(session, [r.id for r in rows])
        types = {t.id: t for t in (await session.execute(select(AppointmentType))).scalars()}
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Happy Path//Appointments//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Happy Path appointments")
    cal.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    for appt in rows:
        status = SHOWN.get(appt.status)
        if status is None:
            continue  # rescheduled (the new one is in the feed) or no-show
        atype = types.get(appt.appointment_type_id)
        ev = icalendar.Event()
        ev.add("uid", f"{appt.id}@happypath")
        ev.add("dtstamp", appt.updated_at)
        ev.add("dtstart", appt.starts_at)
        ev.add("dtend", appt.ends_at)
        ev.add("summary", f"Happy Path: {atype.name if atype else 'appointment'}")
        ev.add("status", status)
        room = rooms.get(appt.id)
        if room is not None:
            ev.add("location", room.room_url)
            ev.add("url", room.room_url)
        ev.add("description", f"Manage this appointment in Happy Path: {base_url}/#schedule")
        cal.add_component(ev)
    return bytes(cal.to_ical())
