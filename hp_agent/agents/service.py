"""Agent configurations: listing for everyone, creation and edits for admins (audited).

Services flush, never commit; the request's unit of work commits.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.agents import repository
from hp_agent.agents.models import AIAgentConfiguration, ConfigSource
from hp_agent.agents.schemas import PATCHABLE, AgentCreate, AgentPatch
from hp_agent.compliance import audit
from hp_agent.db.session import Principal
from hp_agent.errors import Conflict, HPError, NotFound

SUBJECT = "ai_agent_configuration"
ADMIN = "admin"


async def list_agents(session: AsyncSession) -> list[AIAgentConfiguration]:
    return await repository.list_active(session)


async def get_agent(
    session: AsyncSession, slug: str, viewer: Principal | None = None
) -> AIAgentConfiguration:
    row = await repository.get_by_slug(session, slug)
    # An inactive agent is invisible except to admins, who may want to re-enable it.
    if row is None or (not row.is_active and (viewer is None or viewer.role != ADMIN)):
        raise NotFound("No such agent.")
    return row


async def create_agent(session: AsyncSession, actor: Principal, body: AgentCreate) -> AIAgentConfiguration:
    if await repository.get_by_slug(session, body.slug) is not None:
        raise Conflict("An agent with this slug already exists.")
    values = body.as_api_row()
    values["created_by"] = actor.user_id
    try:
        async with session.begin_nested():
            row = await repository.add(session, values)
    except IntegrityError:
        # A concurrent create with the same slug won the race.
        raise Conflict("An agent with this slug already exists.") from None
    await audit.record(
        session,
        "agent.created",
        actor=actor,
        subject_type=SUBJECT,
        subject_id=row.id,
        details={"slug": row.slug, "version": row.version, "provider": row.model_provider.value},
    )
    return row


def _current_fields(row: AIAgentConfiguration) -> dict[str, Any]:
    return {field: getattr(row, field) for field in PATCHABLE}


async def update_agent(
    session: AsyncSession, actor: Principal, slug: str, patch: AgentPatch
) -> AIAgentConfiguration:
    row = await repository.get_by_slug(session, slug, for_update=True)
    if row is None:
        raise NotFound("No such agent.")
    changes = patch.model_dump(exclude_unset=True)
    merged = {**_current_fields(row), **changes, "slug": row.slug}
    try:
        # The merged agent must be one a create would accept (same model as the YAML files).
        valid = AgentCreate.model_validate(merged)
    except ValidationError as exc:
        fields = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        raise HPError(
            "The edited agent is not valid.", 422, code="validation_error", details={"fields": fields}
        ) from None
    new_values = valid.as_api_row()
    changed = sorted(f for f in changes if new_values.get(f) != getattr(row, f))
    if not changed:
        return row
    for field in changed:
        setattr(row, field, new_values[field])
    # The file it came from no longer describes it: the seeder must not overwrite an API edit.
    row.source = ConfigSource.API
    row.content_hash = None
    if "system_prompt" in changed:
        row.system_prompt_path = None
    row.version = row.version + 1
    await session.flush()
    await audit.record(
        session,
        "agent.updated",
        actor=actor,
        subject_type=SUBJECT,
        subject_id=row.id,
        details={"slug": row.slug, "version": row.version, "fields": changed},
    )
    return row
