"""Bodies of the care network API: clinicians, relationships and consents, practices, shifts."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, model_validator

from hp_agent.auth.security import MAX_PASSWORD_LENGTH
from hp_agent.care.models import CareRole, ReferralUrgency
from hp_agent.care.network_models import PracticeMemberRole
from hp_agent.users.models import ConsentType
from hp_agent.users.schemas import CountryCode, TimeZone


def _tag(value: str) -> str:
    value = value.strip().lower()
    if not value or len(value) > 60 or not all(c.isalnum() or c in "-_ " for c in value):
        raise ValueError("must be a short word or phrase (letters, digits, '-', '_')")
    return value


Tag = Annotated[str, AfterValidator(_tag)]
Tags = Annotated[list[Tag], Field(max_length=30)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- clinicians -----------------------------------------------------------------------------------


class InvitationIn(_Strict):
    email: EmailStr = Field(max_length=320)
    display_name: str | None = Field(default=None, max_length=200)


class InvitationOut(BaseModel):
    """The token is in this response only; the server keeps its digest."""

    id: uuid.UUID
    email: str
    expires_at: dt.datetime
    token: str


class ClinicianProfileIn(_Strict):
    display_name: str = Field(min_length=1, max_length=200)
    credentials: str | None = Field(default=None, max_length=100)
    license_number: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ./-]*$")
    license_country: CountryCode
    license_state: str | None = Field(default=None, max_length=10, pattern=r"^[A-Z0-9-]+$")
    specialties: Tags = Field(default_factory=list)
    approaches: Tags = Field(default_factory=list)
    languages: Annotated[
        list[Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]], Field(max_length=20)
    ] = Field(default_factory=list)
    accepting_new_patients: bool = False
    timezone: TimeZone
    bio: str | None = Field(default=None, max_length=2000)


class AcceptInvitationIn(ClinicianProfileIn):
    token: str = Field(min_length=10, max_length=200)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH)
    consents: list[ConsentType] = Field(
        default_factory=list, description="'terms' and 'privacy' are required, as at registration."
    )


class ProfileUpdateIn(_Strict):
    """The clinician's own edits; licence fields change only through a new verification."""

    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    credentials: str | None = Field(default=None, max_length=100)
    specialties: Tags | None = None
    approaches: Tags | None = None
    languages: list[str] | None = Field(default=None, max_length=20)
    accepting_new_patients: bool | None = None
    timezone: TimeZone | None = None
    bio: str | None = Field(default=None, max_length=2000)


class DirectoryEntryOut(BaseModel):
    """What a patient sees: no licence number, no email, nothing about other patients."""

    id: uuid.UUID
    display_name: str
    credentials: str | None
    license_country: str
    specialties: list[str]
    approaches: list[str]
    languages: list[str]
    accepting_new_patients: bool
    timezone: str | None
    bio: str | None


class ClinicianOut(DirectoryEntryOut):
    """The clinician's own view and the admin's."""

    email: str | None = None
    status: str
    license_number: str
    license_state: str | None
    license_verified_at: dt.datetime | None
    backup_clinician_id: uuid.UUID | None


# -- relationships --------------------------------------------------------------------------------


class SharingIn(_Strict):
    """What the patient shares with this clinician; omitted fields keep their value."""

    share_journal: bool | None = None
    share_mood: bool | None = None
    share_assessments: bool | None = None
    share_chat: bool | None = Field(default=None, description="Chat summaries and conversations.")
    share_safety_plan: bool | None = None


ConsentIn = SharingIn  # the name the consent endpoint always used


class RelationshipRequestIn(_Strict):
    """A patient asks a clinician (``clinician_id``) or redeems a clinician's ``invite_code``."""

    clinician_id: uuid.UUID | None = None
    invite_code: str | None = Field(default=None, min_length=6, max_length=64)
    role: CareRole = CareRole.primary_therapist
    sharing: SharingIn = Field(default_factory=SharingIn)

    @model_validator(mode="after")
    def _one_target(self) -> RelationshipRequestIn:
        if (self.clinician_id is None) == (self.invite_code is None):
            raise ValueError("give exactly one of clinician_id or invite_code")
        return self


class AcceptIn(_Strict):
    """The patient's sharing choices when the patient is the one accepting."""

    sharing: SharingIn = Field(default_factory=SharingIn)


class EndIn(_Strict):
    reason: str = Field(default="ended", pattern=r"^[a-z_]{1,64}$", description="A coded reason.")


class InviteCodeIn(_Strict):
    role: CareRole = CareRole.primary_therapist
    valid_days: int = Field(default=14, ge=1, le=60)


class InviteCodeOut(BaseModel):
    id: uuid.UUID
    code: str
    expires_at: dt.datetime


class RelationshipOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    patient_id: uuid.UUID
    therapist_id: uuid.UUID
    role: CareRole
    status: str
    is_primary: bool
    requested_by: str = Field(description="'patient' or 'clinician': the other side accepts.")
    consent_to_share_journal: bool
    consent_to_share_mood: bool
    consent_to_share_assessments: bool
    consent_to_share_chat: bool
    consent_to_share_safety_plan: bool
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str | None
    created_at: dt.datetime
    counterpart_name: str | None = None


# -- practices, backups, on-call ------------------------------------------------------------------


class PracticeIn(_Strict):
    name: str = Field(min_length=1, max_length=200)
    lead_id: uuid.UUID


class PracticeMemberIn(_Strict):
    clinician_id: uuid.UUID
    role: PracticeMemberRole = PracticeMemberRole.member


class PracticeMemberOut(BaseModel):
    clinician_id: uuid.UUID
    role: PracticeMemberRole
    display_name: str | None


class PracticeOut(BaseModel):
    id: uuid.UUID
    name: str
    members: list[PracticeMemberOut]


class BackupIn(_Strict):
    backup_clinician_id: uuid.UUID | None


class ShiftIn(_Strict):
    clinician_id: uuid.UUID
    starts_at: dt.datetime
    ends_at: dt.datetime
    tier: str = Field(default="primary", pattern=r"^(primary|backup|supervisor)$")
    country_code: CountryCode | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ShiftIn:
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None:
            raise ValueError("times must carry a UTC offset")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.ends_at - self.starts_at > dt.timedelta(days=7):
            raise ValueError("a shift lasts at most 7 days")
        return self


class ShiftOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    clinician_id: uuid.UUID
    tier: str
    status: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    country_code: str | None


# -- referrals ------------------------------------------------------------------------------------


class ReferralIn(_Strict):
    patient_id: uuid.UUID
    to_clinician_id: uuid.UUID | None = None
    external_provider_name: str | None = Field(default=None, min_length=1, max_length=200)
    external_provider_contact: str | None = Field(default=None, max_length=320)
    requested_role: CareRole | None = None
    specialty: str | None = Field(default=None, max_length=100)
    urgency: ReferralUrgency = ReferralUrgency.routine
    reason: str | None = Field(default=None, max_length=4000)

    @model_validator(mode="after")
    def _one_recipient(self) -> ReferralIn:
        if (self.to_clinician_id is None) == (self.external_provider_name is None):
            raise ValueError("give exactly one of to_clinician_id or external_provider_name")
        return self


class ReferralRespondIn(_Strict):
    note: str | None = Field(default=None, max_length=2000)


class ReferralOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    patient_id: uuid.UUID
    referring_clinician_id: uuid.UUID | None
    referred_to_clinician_id: uuid.UUID | None
    external_provider_name: str | None
    requested_role: CareRole | None
    specialty: str | None
    urgency: ReferralUrgency
    status: str
    reason: str | None
    response_note: str | None
    patient_consented_at: dt.datetime | None
    sent_at: dt.datetime | None
    responded_at: dt.datetime | None
    created_at: dt.datetime
