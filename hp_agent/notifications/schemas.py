"""Request and response bodies of ``/v1/notifications``."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hp_agent.admin.models import NotificationCategory, NotificationPriority


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


class Inbox(BaseModel):
    items: list[NotificationOut]
    total: int
    unread: int = Field(description="Unread notifications in all pages (the badge).")
    limit: int
    offset: int


class ReadAll(BaseModel):
    marked: int


def check_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("unknown time zone") from exc
    return name


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reminders: bool = True
    appointments: bool = True
    homework: bool = True
    announcements: bool = True
    quiet_start: dt.time | None = Field(default=None, description="Local time, e.g. 22:00.")
    quiet_end: dt.time | None = Field(default=None, description="Local time, e.g. 07:00.")
    timezone: str = Field(default="UTC", max_length=64)

    _zone = field_validator("timezone")(check_zone)

    @model_validator(mode="after")
    def _quiet_pair(self) -> PreferencesIn:
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValueError("quiet_start and quiet_end go together")
        if self.quiet_start is not None and self.quiet_start == self.quiet_end:
            raise ValueError("quiet hours must not be empty")
        for t in (self.quiet_start, self.quiet_end):
            if t is not None and t.tzinfo is not None:
                raise ValueError("quiet hours are local times without an offset")
        return self


class PreferencesOut(PreferencesIn):
    pass
