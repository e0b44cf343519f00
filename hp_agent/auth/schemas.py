"""Request/response shapes for ``/v1/auth``; validation messages never echo what was sent."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from hp_agent.auth.security import MAX_PASSWORD_LENGTH
from hp_agent.users.models import ConsentType, UserRole
from hp_agent.users.schemas import CountryCode, DisplayName, Locale, TimeZone


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Where a request came from, for audit and session rows."""

    ip: str | None = None
    user_agent: str | None = None


class RegisterIn(BaseModel):
    # extra="forbid": a client cannot choose its role (or anything else we do not expect).
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=320)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    consents: list[ConsentType] = Field(
        default_factory=list, description="Consents the user accepts; 'terms' and 'privacy' are required."
    )
    display_name: DisplayName | None = None
    locale: Locale | None = None
    timezone: TimeZone | None = None
    country_code: CountryCode | None = None


class RegisteredOut(BaseModel):
    id: uuid.UUID
    email: str
    role: UserRole
    created_at: dt.datetime


class LoginIn(BaseModel):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    user_id: uuid.UUID
    role: UserRole
    # True: a role that must use a second factor has none yet; this session can only enrol one
    # (hp_agent/auth/mfa.py). The same tokens work fully once it is confirmed.
    mfa_enrollment_required: bool = False
    # After a two-step sign-in: how many unused recovery codes are left.
    recovery_codes_left: int | None = None


class MfaChallengeOut(BaseModel):
    """The password was right and the account has a second factor: send a code with this token."""

    mfa_required: Literal[True] = True
    mfa_token: str
    expires_in: int


class SessionOut(BaseModel):
    """One signed-in device (a refresh-token family)."""

    id: uuid.UUID
    signed_in_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime
    user_agent: str | None
    ip: str | None
    current: bool
