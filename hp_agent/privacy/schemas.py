"""Request and response bodies for consents and the access log."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict, Field

from hp_agent.users.models import ConsentType


class ConsentDocumentOut(BaseModel):
    consent_type: ConsentType
    version: str
    title: str
    body: str
    published_at: dt.datetime


class ConsentStateOut(BaseModel):
    consent_type: ConsentType
    granted: bool
    version: str | None = Field(description="The document version last accepted or withdrawn.")
    current_version: str | None = Field(description="The newest published version of the document.")
    granted_at: dt.datetime | None
    withdrawn_at: dt.datetime | None


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    consent_type: ConsentType
    version: str = Field(min_length=1, max_length=32, description="The document version the person read.")


class AccessLogEntryOut(BaseModel):
    accessor_id: uuid.UUID | None
    accessor_role: str
    accessor_name: str | None = Field(description="The clinician's directory name, when they have one.")
    resource: str
    resource_id: uuid.UUID | None
    reason: str
    occurred_at: dt.datetime


class ExportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: str = Field(description="queued, running, ready, failed, downloaded or expired.")
    progress: int = Field(description="0-100.")
    archive_bytes: int | None
    error: str | None
    created_at: dt.datetime
    completed_at: dt.datetime | None
    downloaded_at: dt.datetime | None


class ExportLinkOut(BaseModel):
    url: str = Field(description="Single use; no sign-in needed to follow it.")
    expires_at: dt.datetime


class EraseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=1024)


class ErasureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: str
    requested_at: dt.datetime
    due_at: dt.datetime = Field(description="When everything goes, unless cancelled before.")
    completed_at: dt.datetime | None
