"""Request and response shapes for ``/v1/me``; validators are shared with registration."""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zoneinfo
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from hp_agent.users.models import UserRole, UserStatus

_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _locale(value: str) -> str:
    if not _LOCALE.match(value):
        raise ValueError("must be a BCP 47 language tag such as 'en' or 'pt-BR'")
    return value


def _timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError("must be an IANA time zone such as 'Europe/Berlin'") from None
    return value


def _country(value: str) -> str:
    value = value.upper()
    if not _COUNTRY.match(value):
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as 'DE'")
    return value


def _display_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Locale = Annotated[str, Field(max_length=35), AfterValidator(_locale)]
TimeZone = Annotated[str, Field(max_length=64), AfterValidator(_timezone)]
CountryCode = Annotated[str, Field(min_length=2, max_length=2), AfterValidator(_country)]
DisplayName = Annotated[str, Field(max_length=100), AfterValidator(_display_name)]


class ProfileOut(BaseModel):
    display_name: str | None
    pronouns: str | None
    date_of_birth: dt.date | None
    bio: str | None


class MeOut(BaseModel):
    id: uuid.UUID
    email: str
    role: UserRole
    status: UserStatus
    email_verified: bool
    country_code: str | None
    locale: str
    timezone: str
    created_at: dt.datetime
    profile: ProfileOut


class MePatch(BaseModel):
    """Only these fields; anything else (role, email, status) is refused with 422."""

    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName | None = None
    locale: Locale | None = None
    timezone: TimeZone | None = None
    country_code: CountryCode | None = None
