"""Small pieces shared by the journal, mood and assessment APIs: pages, local dates, safety field."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.errors import HPError
from hp_agent.users.models import User

T = TypeVar("T")
MAX_PAGE = 100


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class WithSafety(BaseModel):
    """A write result; ``safety`` is present only when the text was assessed MODERATE or above."""

    safety: dict[str, Any] | None = Field(default=None, description="Crisis lines and safety plan.")

    # No return annotation on purpose: with one, pydantic documents the response as a bare
    # object in OpenAPI; without it the model's own fields are documented.
    @model_serializer(mode="wrap")
    def _omit_absent_safety(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        data: dict[str, Any] = handler(self)
        if data.get("safety") is None:
            data.pop("safety", None)
        return data


class InvalidInput(HPError):
    status_code = 422
    code = "validation_error"


async def user_zone(session: AsyncSession, user_id: uuid.UUID) -> zoneinfo.ZoneInfo:
    name = (await session.execute(select(User.timezone).where(User.id == user_id))).scalar_one_or_none()
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


async def local_today(session: AsyncSession, user_id: uuid.UUID) -> dt.date:
    """Today in the person's own timezone: entries belong to the day they lived, not UTC's."""
    return dt.datetime.now(await user_zone(session, user_id)).date()


def check_range(date_from: dt.date | None, date_to: dt.date | None) -> None:
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InvalidInput(
            "date_from must not be after date_to.",
            details={"fields": [{"field": "date_from", "message": "after date_to"}]},
        )


def not_in_future(entry_date: dt.date, today: dt.date, field: str = "entry_date") -> None:
    # One day of slack: a client a timezone ahead of the stored one is still writing "today".
    if entry_date > today + dt.timedelta(days=1):
        raise InvalidInput(
            "The date cannot be in the future.",
            details={"fields": [{"field": field, "message": "in the future"}]},
        )
