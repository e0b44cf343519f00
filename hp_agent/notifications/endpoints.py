"""``/v1/notifications``: the signed-in person's inbox and notification preferences.

Producers store notifications through ``service.notify`` and the worker pushes a live
``notification`` frame to open sockets; this is where someone who was offline finds them.
``/v1/me/notifications`` (``hp_agent/users/notifications.py``) is the older list-only view of the
same rows, kept for existing clients with a ``Deprecation`` header pointing here.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from hp_agent.admin.models import NotificationCategory
from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser
from hp_agent.errors import NotFound
from hp_agent.notifications import repository as repo
from hp_agent.notifications import service
from hp_agent.notifications.models import NotificationPreference
from hp_agent.notifications.schemas import Inbox, NotificationOut, PreferencesIn, PreferencesOut, ReadAll

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])
MAX_PAGE = 100


def _me(user: CurrentUser) -> uuid.UUID:
    assert user.user_id is not None  # CurrentUser is always signed in
    return user.user_id


@router.get("", response_model=Inbox)
async def inbox(
    user: CurrentUser,
    db: DbSession,
    unread: bool = False,
    category: NotificationCategory | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Inbox:
    rows, total, unread_count = await repo.page(
        db, _me(user), unread_only=unread, limit=limit, offset=offset, category=category
    )
    return Inbox(
        items=[NotificationOut.model_validate(r) for r in rows],
        total=total,
        unread=unread_count,
        limit=limit,
        offset=offset,
    )


@router.post("/{notification_id}/read", status_code=204)
async def mark_read(notification_id: uuid.UUID, user: CurrentUser, db: DbSession) -> Response:
    if not await repo.mark_read(db, _me(user), notification_id):
        raise NotFound("No such notification.")
    return Response(status_code=204)


@router.post("/read-all", response_model=ReadAll)
async def mark_all_read(user: CurrentUser, db: DbSession) -> ReadAll:
    return ReadAll(marked=await repo.mark_all_read(db, _me(user)))


@router.get("/preferences", response_model=PreferencesOut)
async def get_preferences(user: CurrentUser, db: DbSession) -> PreferencesOut:
    p = await service.preferences(db, _me(user))
    return PreferencesOut(
        reminders=p.reminders,
        appointments=p.appointments,
        homework=p.homework,
        announcements=p.announcements,
        quiet_start=p.quiet_start,
        quiet_end=p.quiet_end,
        timezone=p.timezone,
    )


@router.put("/preferences", response_model=PreferencesOut)
async def put_preferences(body: PreferencesIn, user: CurrentUser, db: DbSession) -> PreferencesOut:
    me = _me(user)
    row = (
        await db.execute(select(NotificationPreference).where(NotificationPreference.user_id == me))
    ).scalar_one_or_none()
    if row is None:
        row = NotificationPreference(user_id=me)
        db.add(row)
    for field, value in body.model_dump().items():
        setattr(row, field, value)
    await db.flush()
    return PreferencesOut.model_validate(body.model_dump())
