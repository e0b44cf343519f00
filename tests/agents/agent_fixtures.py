"""Helpers shared by the agent tests: configurations from the shipped YAML, and a context."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hp_agent.agents.definitions import load_agent_file
from hp_agent.agents.models import AIAgentConfiguration
from hp_agent.agents.runtime import MoodSnapshot, UserContext
from hp_agent.paths import prompts_dir

SHIPPED = ("cbt-coach", "dbt-skills", "act-guide", "listener")


def shipped_row(slug: str) -> dict[str, Any]:
    return load_agent_file(prompts_dir() / "agents" / f"{slug}.yaml").as_row()


def shipped_config(slug: str, **overrides: Any) -> AIAgentConfiguration:
    row = shipped_row(slug)
    row.update(overrides)
    return AIAgentConfiguration(**row)


def config(slug: str = "test-agent", **overrides: Any) -> AIAgentConfiguration:
    """A CBT-style configuration for provider tests, with fields overridden."""
    row = shipped_row("cbt-coach")
    row.update(slug=slug, **overrides)
    return AIAgentConfiguration(**row)


def low_mood_context() -> UserContext:
    today = dt.date(2026, 11, 25)
    return UserContext(
        display_name="Robin",
        recent_moods=[
            MoodSnapshot(today - dt.timedelta(days=i), m, ("tired",)) for i, m in enumerate([3, 2, 3, 4])
        ],
        journal_themes=["sleep", "work"],
        goals=["Go for a walk three times a week"],
    )
