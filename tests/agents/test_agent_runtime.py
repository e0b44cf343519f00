"""``AgentRuntime``: messages from configuration, context and history; one model per version."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from hp_agent.agents.runtime import (
    MAX_HISTORY_TURNS,
    AgentRuntime,
    AgentUnavailable,
    ChatTurn,
    UserContext,
    clear_model_cache,
)
from hp_agent.config import Settings
from hp_agent.errors import HPError
from tests.agents.agent_fixtures import low_mood_context, shipped_config

SETTINGS = Settings(environment="test")


def test_messages_carry_prompt_persona_boundaries_context_and_history() -> None:
    runtime = AgentRuntime.from_config(shipped_config("dbt-skills"), SETTINGS)
    history = [
        ChatTurn("user", "hi"),
        ChatTurn("agent", "Hello, how are you?"),
        ChatTurn("user", "not great"),
    ]
    messages = runtime.build_messages(history, low_mood_context())
    system = messages[0]
    assert isinstance(system, SystemMessage)
    assert "Rowan" in system.text
    assert "## Persona" in system.text
    assert "Never diagnose (including borderline personality disorder)" in system.text
    assert "Robin" in system.text
    assert "Go for a walk three times a week" in system.text
    assert system.additional_kwargs["hp_user_context"]["display_name"] == "Robin"
    assert [type(m) for m in messages[1:]] == [HumanMessage, AIMessage, HumanMessage]
    assert messages[-1].text == "not great"


def test_empty_context_adds_no_context_section() -> None:
    runtime = AgentRuntime.from_config(shipped_config("listener"), SETTINGS)
    messages = runtime.build_messages([ChatTurn("user", "hi")], UserContext())
    assert "What you know about the person" not in messages[0].text


def test_long_history_is_trimmed() -> None:
    runtime = AgentRuntime.from_config(shipped_config("listener"), SETTINGS)
    history = [ChatTurn("user" if i % 2 == 0 else "agent", f"turn {i}") for i in range(101)]
    messages = runtime.build_messages(history, UserContext())
    assert len(messages) == 1 + MAX_HISTORY_TURNS
    assert messages[-1].text == "turn 100"


def test_one_model_per_slug_and_version() -> None:
    clear_model_cache()
    first = AgentRuntime.from_config(shipped_config("cbt-coach"), SETTINGS)
    again = AgentRuntime.from_config(shipped_config("cbt-coach"), SETTINGS)
    assert first.model is again.model
    bumped = AgentRuntime.from_config(
        shipped_config("cbt-coach", version=2, model_params={"dialogue": "cbt", "seed": 5}), SETTINGS
    )
    assert bumped.model is not first.model
    assert bumped.model.seed == 5  # type: ignore[attr-defined]


async def test_stream_and_reply_agree() -> None:
    runtime = AgentRuntime.from_config(shipped_config("act-guide"), SETTINGS)
    history = [ChatTurn("user", "I keep thinking I'm not good enough at work")]
    chunks = [c async for c in runtime.stream_reply(history, UserContext())]
    assert len(chunks) > 5
    assert "".join(chunks) == await runtime.reply(history, UserContext())


@pytest.mark.parametrize("history", [[], [ChatTurn("user", "hi"), ChatTurn("agent", "hello")]])
async def test_a_reply_needs_a_user_message_last(history: list[ChatTurn]) -> None:
    runtime = AgentRuntime.from_config(shipped_config("act-guide"), SETTINGS)
    with pytest.raises(HPError) as err:
        await runtime.reply(history, UserContext())
    assert err.value.status_code == 422


async def test_greeting_uses_the_persons_name() -> None:
    runtime = AgentRuntime.from_config(shipped_config("cbt-coach"), SETTINGS)
    reply = await runtime.reply([ChatTurn("user", "hi")], low_mood_context())
    assert "Robin" in reply


def test_same_version_with_other_model_settings_is_rebuilt() -> None:
    clear_model_cache()
    first = AgentRuntime.from_config(shipped_config("listener"), SETTINGS)
    changed = AgentRuntime.from_config(
        shipped_config("listener", model_params={"dialogue": "supportive_listening", "seed": 9}), SETTINGS
    )
    assert changed.model is not first.model
    assert changed.model.seed == 9  # type: ignore[attr-defined]


async def test_model_params_override_the_approach_settings() -> None:
    clear_model_cache()
    history = [
        ChatTurn("user", "Hi"),
        ChatTurn("agent", "Hi. How are you?"),
        ChatTurn("user", "I'm at a 6 out of 10"),
    ]
    default = AgentRuntime.from_config(shipped_config("dbt-skills"), SETTINGS)
    assert "analysis can wait" not in (await default.reply(history, UserContext())).lower()
    lowered = AgentRuntime.from_config(
        shipped_config(
            "dbt-skills", version=3, model_params={"dialogue": "dbt_skills", "high_distress_threshold": 5}
        ),
        SETTINGS,
    )
    reply = (await lowered.reply(history, UserContext())).lower()
    assert "body first" in reply or "next few minutes" in reply or "analysis can wait" in reply


def test_bad_scripted_params_are_agent_unavailable() -> None:
    clear_model_cache()
    cfg = shipped_config("listener", version=5, model_params={"dialogue": "listener-v9"})
    with pytest.raises(AgentUnavailable):
        AgentRuntime.from_config(cfg, SETTINGS)
