"""What an agent is, detached from its database row: the runtime and the model providers read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hp_agent.agents.models import AIAgentConfiguration


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """A detached copy of the configuration the runtime needs (no ORM object outlives its session)."""

    slug: str
    name: str
    approach: str
    persona: str
    tone: str
    boundaries: tuple[str, ...]
    greeting: str
    tools_allowed: tuple[str, ...]
    model_provider: str
    model_name: str | None
    model_params: dict[str, Any]
    system_prompt: str
    version: int

    @classmethod
    def from_config(cls, config: AIAgentConfiguration) -> AgentSpec:
        return cls(
            slug=config.slug,
            name=config.name,
            approach=_value(config.approach),
            persona=config.persona,
            tone=config.tone,
            boundaries=tuple(str(b) for b in config.boundaries or ()),
            greeting=config.greeting,
            tools_allowed=tuple(str(t) for t in config.tools_allowed or ()),
            model_provider=_value(config.model_provider),
            model_name=config.model_name,
            model_params=dict(config.model_params or {}),
            system_prompt=config.system_prompt or "",
            version=config.version,
        )


def _value(v: Any) -> str:
    return str(getattr(v, "value", v))
