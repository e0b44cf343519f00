"""``/v1/me/notifications``: the first, list-only view of the inbox, kept for existing clients.

Deprecated in favour of ``/v1/notifications`` (``hp_agent/notifications/endpoints.py``: unread
first, paginated, badge count, preferences); both read the same rows through the same queries,
and every response here carries ``Deprecation`` and a ``Link`` to its successor.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import CurrentUser
from hp_agent.errors import NotFound
from hp_agent.notifications import repository as repo
from hp_agent.notifications.schemas import NotificationOut

router = APIRouter(prefix="/v1/me/notifications", tags=["me"])
SUCCESSOR = "/v1/notifications"


def _deprecated(response: Response) -> None:
    response.headers["Deprecation"] = "true"
    response.headers["Link"] = f'<{SUCCESSOR}>; rel="successor-version"'


@router.get("", response_model=list[NotificationOut], deprecated=True)
async def my_notifications(
    user: CurrentUser,
    db: DbSession,
    response: Response,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[NotificationOut]:
    assert user.user_id is not None
    _deprecated(response)
    rows, _, _ = await repo.page(db, user.user_id, unread_only=unread, limit=limit, offset=0)
    return [NotificationOut.model_validate(r) for r in rows]


@router.post("/{notification_id}/read", status_code=204, deprecated=True)
async def mark_read(notification_id: uuid.UUID, user: CurrentUser, db: DbSession) -> Response:
    assert user.user_id is not None
    if not await repo.mark_read(db, user.user_id, notification_id):
        raise NotFound("No such notification.")
    response = Response(status_code=204)
    _deprecated(response)
    return response
