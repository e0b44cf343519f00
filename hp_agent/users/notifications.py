"""``/v1/me/notifications``: the signed-in person's in-app notifications (appointment reminders,
waitlist offers, ...). Producers store them (``notifications``) and push a live copy to open
sockets; this is where someone who was offline finds them at the next sign-in. RLS shows each
person only their own rows."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, update

from hp_agent.admin.models import Notification, NotificationCategory, NotificationPriority
from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser
from hp_agent.errors import NotFound

router = APIRouter(prefix="/v1/me/notifications", tags=["me"])


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    category: NotificationCategory
    priority: NotificationPriority
    title: str
    body: str | None
    action_url: str | None
    resource_type: str | None
    resource_id: uuid.UUID | None
    read_at: dt.datetime | None
    created_at: dt.datetime


@router.get("", response_model=list[NotificationOut])
async def my_notifications(
    user: CurrentUser,
    db: DbSession,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[NotificationOut]:
    n = Notification
    now = dt.datetime.now(dt.UTC)
    stmt = select(n).where(
        n.user_id == user.user_id,
        n.dismissed_at.is_(None),
        (n.expires_at.is_(None)) | (n.expires_at > now),
    )
    if unread:
        stmt = stmt.where(n.read_at.is_(None))
    rows = (await db.execute(stmt.order_by(n.created_at.desc()).limit(limit))).scalars().all()
    return [NotificationOut.model_validate(r) for r in rows]


@router.post("/{notification_id}/read", status_code=204)
async def mark_read(notification_id: uuid.UUID, user: CurrentUser, db: DbSession) -> Response:
    n = Notification
    result = await db.execute(
        update(n)
        .where(n.id == notification_id, n.user_id == user.user_id)
        .values(read_at=dt.datetime.now(dt.UTC))
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("No such notification.")
    return Response(status_code=204)
