"""Agent definitions as files: ``prompts/agents/<slug>.yaml`` plus the system prompt it names.

The YAML keys are ``ai_agent_configurations`` column names, except ``system_prompt``, which is
the prompt file's path (relative to the project root); its text is inlined when synced so a
running instance never reads prompts from disk.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hp_agent.agents.models import AgentApproach, ConfigSource, ModelProvider
from hp_agent.paths import project_root


class AgentDefinitionError(ValueError):
    pass


class AgentDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$")
    name: str = Field(min_length=1, max_length=120)
    description: str | None = None
    approach: AgentApproach
    locale: str = "en"
    version: int = Field(default=1, ge=1)
    persona: str
    tone: str = Field(max_length=200)
    boundaries: list[str] = Field(min_length=1)
    greeting: str
    tools_allowed: list[str] = []
    model_provider: ModelProvider = ModelProvider.SCRIPTED
    model_name: str | None = None
    model_params: dict[str, Any] = {}
    system_prompt: str
    is_active: bool = True

    prompt_text: str = Field(default="", exclude=True)

    def as_row(self) -> dict[str, Any]:
        row = self.model_dump(exclude={"system_prompt", "prompt_text"})
        row["approach"] = self.approach.value
        row["model_provider"] = self.model_provider.value
        row["system_prompt_path"] = self.system_prompt
        row["system_prompt"] = self.prompt_text
        row["source"] = ConfigSource.FILE.value
        digest = hashlib.sha256()
        digest.update(repr(sorted(self.model_dump(exclude={"prompt_text"}).items())).encode())
        digest.update(self.prompt_text.encode())
        row["content_hash"] = digest.hexdigest()
        return row


def load_agent_file(path: Path, root: Path | None = None) -> AgentDefinition:
    root = root or project_root()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise AgentDefinitionError(f"{path.name}: not valid YAML ({exc.__class__.__name__})") from exc
    if not isinstance(data, dict):
        raise AgentDefinitionError(f"{path.name}: expected a mapping of agent fields")
    try:
        agent = AgentDefinition.model_validate(data)
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in exc.errors())
        raise AgentDefinitionError(f"{path.name}: invalid agent definition ({fields})") from exc
    if path.stem != agent.slug:
        raise AgentDefinitionError(f"{path.name}: slug {agent.slug!r} must match the file name")
    prompt = (root / agent.system_prompt).resolve()
    if root.resolve() not in prompt.parents or not prompt.is_file():
        raise AgentDefinitionError(
            f"{path.name}: system prompt {agent.system_prompt!r} not found under prompts/"
        )
    agent.prompt_text = prompt.read_text(encoding="utf-8")
    return agent
