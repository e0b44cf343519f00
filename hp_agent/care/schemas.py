"""Bodies for the patient's view of their care relationships."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, ConfigDict


class ConsentIn(BaseModel):
    """Omitted fields keep their value; only the patient can change these."""

    model_config = ConfigDict(extra="forbid")

    share_safety_plan: bool | None = None
    share_chat: bool | None = None
    share_journal: bool | None = None


class RelationshipOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    patient_id: uuid.UUID
    therapist_id: uuid.UUID
    status: str
    is_primary: bool
    consent_to_share_safety_plan: bool
    consent_to_share_chat: bool
    consent_to_share_journal: bool
    started_at: dt.datetime | None
