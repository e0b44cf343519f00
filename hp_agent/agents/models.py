"""Agent configurations: synced from ``prompts/agents/*.yaml`` or managed through the API."""

from __future__ import annotations

import enum
import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from hp_agent.db.base import Base, Timestamps, UUIDPk, pg_enum


class AgentApproach(str, enum.Enum):
    CBT = "cbt"
    DBT_SKILLS = "dbt_skills"
    ACT = "act"
    MOTIVATIONAL_INTERVIEWING = "motivational_interviewing"
    SUPPORTIVE_LISTENING = "supportive_listening"


class ModelProvider(str, enum.Enum):
    SCRIPTED = "scripted"
    OPENAI_COMPATIBLE = "openai_compatible"
    OLLAMA = "ollama"
    TRANSFORMERS = "transformers"


class ConfigSource(str, enum.Enum):
    FILE = "file"
    API = "api"


class AIAgentConfiguration(UUIDPk, Timestamps, Base):
    """One therapeutic agent. No column can disable the crisis layer: that is not configuration."""

    __tablename__ = "ai_agent_configurations"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    approach: Mapped[AgentApproach] = mapped_column(pg_enum(AgentApproach, "agent_approach"))
    persona: Mapped[str] = mapped_column(Text)
    tone: Mapped[str] = mapped_column(String(200))
    # Rules the runtime also enforces (no diagnosis, no prescribing, crisis -> crisis layer).
    boundaries: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"), default=list)
    greeting: Mapped[str] = mapped_column(Text)
    tools_allowed: Mapped[list[Any]] = mapped_column(server_default=text("'[]'::jsonb"), default=list)
    model_provider: Mapped[ModelProvider] = mapped_column(
        pg_enum(ModelProvider, "agent_model_provider"),
        server_default=ModelProvider.SCRIPTED.value,
        default=ModelProvider.SCRIPTED,
    )
    model_name: Mapped[str | None] = mapped_column(String(200))
    model_params: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"), default=dict)
    # Path under prompts/ the text was read from (file source) and the text itself, so a running
    # instance never depends on the file system for an agent's prompt.
    system_prompt_path: Mapped[str | None] = mapped_column(String(300))
    system_prompt: Mapped[str | None] = mapped_column(Text)
    # sha256 of the YAML + prompt the row was synced from; unchanged files are skipped.
    content_hash: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16), server_default="en", default="en")
    version: Mapped[int] = mapped_column(Integer, server_default="1", default=1)
    is_active: Mapped[bool] = mapped_column(server_default=text("true"), default=True)
    source: Mapped[ConfigSource] = mapped_column(
        pg_enum(ConfigSource, "agent_config_source"),
        server_default=ConfigSource.FILE.value,
        default=ConfigSource.FILE,
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    __table_args__ = (
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(
            "system_prompt IS NOT NULL OR system_prompt_path IS NOT NULL", name="has_system_prompt"
        ),
        CheckConstraint("jsonb_typeof(boundaries) = 'array'", name="boundaries_array"),
        CheckConstraint("jsonb_typeof(tools_allowed) = 'array'", name="tools_allowed_array"),
        CheckConstraint("jsonb_typeof(model_params) = 'object'", name="model_params_object"),
        Index("ix_ai_agent_configurations_active", "approach", postgresql_where=text("is_active")),
    )
