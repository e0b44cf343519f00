"""Request/response shapes for two-step sign-in, email verification and password reset."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from hp_agent.auth.security import MAX_PASSWORD_LENGTH

Code = Field(default=None, min_length=6, max_length=10, description="Six digits from the authenticator app.")
RecoveryCode = Field(default=None, min_length=8, max_length=40, description="One of the recovery codes.")


class _OneFactor(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str | None = Code
    recovery_code: str | None = RecoveryCode

    @model_validator(mode="after")
    def _exactly_one(self) -> _OneFactor:
        if (self.code is None) == (self.recovery_code is None):
            raise ValueError("Send either a code or a recovery code.")
        return self


class MfaLoginIn(_OneFactor):
    mfa_token: str = Field(min_length=1, max_length=2000)


class MfaDisableIn(_OneFactor):
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class MfaCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=6, max_length=10)


class MfaStatusOut(BaseModel):
    enabled: bool
    required: bool
    confirmed_at: dt.datetime | None
    recovery_codes_left: int


class MfaEnrollOut(BaseModel):
    """Type the secret into an authenticator app (or open the URI on the phone); nothing is kept
    readable: the secret is encrypted at rest and not shown again once confirmed."""

    secret: str
    otpauth_uri: str
    digits: int
    period: int


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]


class LinkTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=10, max_length=200)


class ResetRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(min_length=1, max_length=320)


class ResetConfirmIn(LinkTokenIn):
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class EmailChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=320)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)


class AcceptedOut(BaseModel):
    detail: str


class VerifiedOut(BaseModel):
    email: str
    email_verified: bool
