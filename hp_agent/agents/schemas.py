"""Agent API bodies. Create and edit are validated with the YAML definition model itself.

``AgentCreate`` *is* :class:`AgentDefinition` (extra fields forbidden, same field rules) with one
difference: through the API, ``system_prompt`` is the prompt text, since an API agent has no file.
There is no field that could turn the crisis layer off; an unknown field is a 422.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hp_agent.agents.definitions import AgentDefinition
from hp_agent.agents.models import AgentApproach, ConfigSource, ModelProvider
from hp_agent.agents.scripted.content import APPROACHES
from hp_agent.agents.tools import KNOWN_TOOLS

MAX_PROMPT_CHARS = 20_000
MAX_PARAMS_BYTES = 4_000


def _check_tools(tools: list[str]) -> list[str]:
    unknown = sorted(set(tools) - KNOWN_TOOLS)
    if unknown:
        raise ValueError(f"unknown tools: {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_TOOLS))}")
    return list(dict.fromkeys(tools))


def _check_params(provider: ModelProvider, model_name: str | None, params: dict[str, Any]) -> None:
    if len(json.dumps(params, default=str)) > MAX_PARAMS_BYTES:
        raise ValueError("model_params is too large")
    if provider == ModelProvider.SCRIPTED:
        dialogue = params.get("dialogue")
        if dialogue is not None and dialogue not in APPROACHES:
            raise ValueError(f"model_params.dialogue must be one of {', '.join(APPROACHES)}")
        for key in ("seed", "max_reply_chars", "questions_per_turn", "stream_delay_ms"):
            if key in params and (not isinstance(params[key], int) or isinstance(params[key], bool)):
                raise ValueError(f"model_params.{key} must be an integer")
        if "max_reply_chars" in params and not 120 <= params["max_reply_chars"] <= 4000:
            raise ValueError("model_params.max_reply_chars must be between 120 and 4000")
        if "questions_per_turn" in params and not 1 <= params["questions_per_turn"] <= 3:
            raise ValueError("model_params.questions_per_turn must be between 1 and 3")
        if "stream_delay_ms" in params and not 0 <= params["stream_delay_ms"] <= 1000:
            raise ValueError("model_params.stream_delay_ms must be between 0 and 1000")
    else:
        for key in (
            "temperature",
            "top_p",
            "max_tokens",
            "seed",
            "presence_penalty",
            "frequency_penalty",
            "max_new_tokens",
        ):
            value = params.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise ValueError(f"model_params.{key} must be a number")
    if provider == ModelProvider.TRANSFORMERS:
        if not isinstance(params.get("path"), str) or not params["path"].strip():
            raise ValueError("a transformers agent needs model_params.path (a local model directory)")
    elif provider == ModelProvider.OLLAMA and not model_name:
        raise ValueError("an ollama agent needs model_name")


class AgentCreate(AgentDefinition):
    """``POST /v1/agents``: an agent definition; ``system_prompt`` is the prompt text."""

    model_config = ConfigDict(extra="forbid")

    system_prompt: str = Field(min_length=20, max_length=MAX_PROMPT_CHARS)

    @field_validator("tools_allowed")
    @classmethod
    def _tools(cls, v: list[str]) -> list[str]:
        return _check_tools(v)

    @field_validator("boundaries")
    @classmethod
    def _boundaries(cls, v: list[str]) -> list[str]:
        cleaned = [b.strip() for b in v]
        if any(not b for b in cleaned):
            raise ValueError("boundaries must not be empty")
        return cleaned

    @model_validator(mode="after")
    def _params(self) -> AgentCreate:
        if "version" in self.model_fields_set:
            raise ValueError("version is set by the server")
        _check_params(self.model_provider, self.model_name, self.model_params)
        return self

    def as_api_row(self) -> dict[str, Any]:
        row = self.model_dump(exclude={"prompt_text", "version"})
        row["approach"] = self.approach
        row["model_provider"] = self.model_provider
        row["source"] = ConfigSource.API
        row["system_prompt_path"] = None
        row["content_hash"] = None
        return row


# Editable through PATCH: everything but the slug (the identity) and the version (server-owned).
PATCHABLE = tuple(f for f in AgentCreate.model_fields if f not in ("slug", "version", "prompt_text"))


class AgentPatch(BaseModel):
    """``PATCH /v1/agents/{slug}``: any subset of fields; the merged result is re-validated as
    :class:`AgentCreate`, so an edit can never produce an agent a create would refuse."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str | None = None
    approach: AgentApproach | None = None
    locale: str | None = None
    persona: str | None = None
    tone: str | None = None
    boundaries: list[str] | None = None
    greeting: str | None = None
    tools_allowed: list[str] | None = None
    model_provider: ModelProvider | None = None
    model_name: str | None = None
    model_params: dict[str, Any] | None = None
    system_prompt: str | None = None
    is_active: bool | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> AgentPatch:
        if not self.model_fields_set:
            raise ValueError("nothing to change")
        return self


class AgentSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    approach: AgentApproach
    description: str | None
    greeting: str
    tone: str


class AgentDetail(AgentSummary):
    persona: str
    boundaries: list[str]
    tools_allowed: list[str]
    locale: str
    version: int
    is_active: bool


class AgentAdminDetail(AgentDetail):
    """What an admin sees after a create or edit (the whole configuration)."""

    id: uuid.UUID
    model_provider: ModelProvider
    model_name: str | None
    model_params: dict[str, Any]
    system_prompt: str | None
    system_prompt_path: str | None
    source: ConfigSource
