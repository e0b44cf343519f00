"""``/v1/care``: a patient's care relationships and the consents they control."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from hp_agent.api.deps import DbSession
from hp_agent.auth.dependencies import require_role
from hp_agent.care import service
from hp_agent.care.schemas import ConsentIn, RelationshipOut
from hp_agent.db.session import Principal

Patient = Annotated[Principal, Depends(require_role("patient"))]

router = APIRouter(prefix="/v1/care", tags=["care"])


@router.get("/relationships", response_model=list[RelationshipOut])
async def list_relationships(user: Patient, db: DbSession) -> list[RelationshipOut]:
    return [RelationshipOut.model_validate(r) for r in await service.my_relationships(db, user)]


@router.put("/relationships/{relationship_id}/consent", response_model=RelationshipOut)
async def set_consent(
    relationship_id: uuid.UUID, body: ConsentIn, user: Patient, db: DbSession
) -> RelationshipOut:
    return RelationshipOut.model_validate(await service.set_consent(db, user, relationship_id, body))
