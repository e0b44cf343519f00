"""The agent runtime: one configured agent answering a conversation through a LangChain chat model.

The websocket layer calls :class:`AgentRuntime` after the crisis layer has assessed the user's
message, and checks every reply with :func:`check_reply` before sending it. The runtime holds no
database session and no per-conversation state: memory is the history it is given.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool

from hp_agent.agents.boundaries import check_reply
from hp_agent.agents.providers import ProviderError, build_chat_model

# The system message carries the context as data under this key for the scripted engine; other
# providers read the same context as text.
from hp_agent.agents.scripted import CONTEXT_KEY, EMBEDDING_KEY
from hp_agent.agents.scripted.model import ScriptedChatModel
from hp_agent.agents.spec import AgentSpec
from hp_agent.errors import HPError

if TYPE_CHECKING:
    from hp_agent.agents.models import AIAgentConfiguration
    from hp_agent.config import Settings

__all__ = [
    "AgentRuntime",
    "AgentUnavailable",
    "ChatTurn",
    "MoodSnapshot",
    "ToolRunner",
    "UserContext",
    "check_reply",
    "clear_model_cache",
]

log = logging.getLogger("hp_agent.agents")

# Enough turns for the engine's memory and a model's context, bounded so prompts stay small.
MAX_HISTORY_TURNS = 40
# Rounds of model -> tool calls -> results before the model must answer without tools.
MAX_TOOL_ROUNDS = 3


class ToolRunner(Protocol):
    """The person's record tools for one reply (``hp_agent.agents.tools.RecordToolbox``).

    ``run`` answers any name the model asks for: an allowed tool's result, or a refusal that
    carries no data; both audited, both as the person.
    """

    @property
    def tools(self) -> Sequence[BaseTool]: ...

    async def run(self, name: str) -> str: ...


@dataclass(frozen=True, slots=True)
class ChatTurn:
    role: Literal["user", "agent"]
    text: str


@dataclass(frozen=True, slots=True)
class MoodSnapshot:
    """One day's mood check-in, without its free-text note."""

    date: dt.date
    mood: int  # 1-10
    emotions: tuple[str, ...] = ()
    anxiety: int | None = None
    energy: int | None = None


@dataclass(frozen=True, slots=True)
class UserContext:
    """What the agent may know about the person, loaded through the tools it is allowed."""

    display_name: str | None = None
    recent_moods: list[MoodSnapshot] = field(default_factory=list)  # newest first
    journal_themes: list[str] = field(default_factory=list)
    goals: list[str] = field(default_factory=list)
    # Facts from the record tools the agent is allowed (hp_agent/agents/record.py), by tool name.
    record: dict[str, Any] = field(default_factory=dict)

    def as_payload(self) -> dict[str, Any]:
        return {
            "display_name": self.display_name,
            "recent_moods": [
                {
                    "date": m.date.isoformat(),
                    "mood": m.mood,
                    "emotions": list(m.emotions),
                    "anxiety": m.anxiety,
                    "energy": m.energy,
                }
                for m in self.recent_moods
            ],
            "journal_themes": list(self.journal_themes),
            "goals": list(self.goals),
            "record": dict(self.record),
        }

    def as_text(self) -> str:
        lines: list[str] = []
        if self.display_name:
            lines.append(f"The person would like to be called {self.display_name}.")
        if self.recent_moods:
            moods = ", ".join(
                f"{m.date.isoformat()}: {m.mood}/10" + (f" ({', '.join(m.emotions)})" if m.emotions else "")
                for m in self.recent_moods
            )
            lines.append(f"Recent mood check-ins (newest first): {moods}.")
        if self.journal_themes:
            lines.append(f"Themes in their journal: {', '.join(self.journal_themes)}.")
        if self.goals:
            lines.append(f"Their current goals: {'; '.join(self.goals)}.")
        for tool, facts in self.record.items():
            lines.append(f"From their record ({tool}): {json.dumps(facts, sort_keys=True, default=str)}")
        return "\n".join(lines)


class AgentUnavailable(HPError):
    """The agent's model could not produce a reply (server down, timeout, bad configuration)."""

    status_code = 503
    code = "agent_unavailable"


# One model per (slug, version). The entry also remembers what it was built from, so a row that
# reuses a slug and version with different model settings (tests, a restored backup) never gets a
# stale model.
_cache: dict[tuple[str, int], tuple[str, BaseChatModel]] = {}
_cache_lock = threading.Lock()


def clear_model_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _fingerprint(spec: AgentSpec, settings: Settings) -> str:
    return json.dumps(
        [
            spec.model_provider,
            spec.model_name,
            spec.model_params,
            spec.name,
            settings.openai_base_url,
            settings.openai_model,
            settings.ollama_base_url,
        ],
        sort_keys=True,
        default=str,
    )


def _cached_model(spec: AgentSpec, settings: Settings) -> BaseChatModel:
    key = (spec.slug, spec.version)
    fingerprint = _fingerprint(spec, settings)
    with _cache_lock:
        entry = _cache.get(key)
        if entry is not None and entry[0] == fingerprint:
            return entry[1]
        model = build_chat_model(spec, settings)
        # Older versions of the same agent are never asked for again.
        for stale in [k for k in _cache if k[0] == spec.slug]:
            del _cache[stale]
        _cache[key] = (fingerprint, model)
        return model


class AgentRuntime:
    def __init__(self, spec: AgentSpec, model: BaseChatModel) -> None:
        self.spec = spec
        self.model = model

    @classmethod
    def from_config(cls, config: AIAgentConfiguration, settings: Settings) -> AgentRuntime:
        """The runtime for ``config``; one chat model is built and cached per (slug, version)."""
        spec = AgentSpec.from_config(config)
        try:
            model = _cached_model(spec, settings)
        except ProviderError as exc:
            # The reason names settings, not people: fine for the operator's log, not for a client.
            log.warning("agent %s v%s cannot be built: %s", spec.slug, spec.version, exc)
            raise AgentUnavailable("This agent is not available right now.") from exc
        return cls(spec, model)

    def system_text(self, context: UserContext) -> str:
        spec = self.spec
        parts = [spec.system_prompt.strip()]
        parts.append(f"## Persona\n{spec.persona.strip()}\nTone: {spec.tone}.")
        if spec.boundaries:
            parts.append("## Boundaries (always)\n" + "\n".join(f"- {b}" for b in spec.boundaries))
        context_text = context.as_text()
        if context_text:
            parts.append(
                "## What you know about the person (from the app, with their permission)\n" + context_text
            )
        return "\n\n".join(p for p in parts if p)

    def build_messages(self, history: Sequence[ChatTurn], context: UserContext) -> list[BaseMessage]:
        messages: list[BaseMessage] = [
            SystemMessage(
                content=self.system_text(context),
                additional_kwargs={CONTEXT_KEY: context.as_payload()},
            )
        ]
        for turn in list(history)[-MAX_HISTORY_TURNS:]:
            if turn.role == "user":
                messages.append(HumanMessage(content=turn.text))
            else:
                messages.append(AIMessage(content=turn.text))
        return messages

    async def stream_reply(
        self, history: Sequence[ChatTurn], context: UserContext, tools: ToolRunner | None = None
    ) -> AsyncIterator[str]:
        """The reply as text chunks, in order; the last turn of ``history`` is the user's message.

        With ``tools``, a model that supports tool calling gets them bound and may call them (at
        most ``MAX_TOOL_ROUNDS`` rounds); its final answer comes as one chunk. Models without tool
        calling (``bind_tools`` not implemented) and the scripted engine reply as before.
        """
        if not history or history[-1].role != "user":
            raise HPError("A reply needs a user message to answer.", 422, code="no_user_message")
        messages = self.build_messages(history, context)
        try:
            bound = self._bind(tools)
            if bound is not None and tools is not None:
                yield await self._answer_with_tools(bound, tools, messages)
                return
            async for chunk in self.model.astream(messages):
                text = chunk.text if isinstance(chunk.text, str) else str(chunk.content)
                if text:
                    yield text
        except HPError:
            raise
        except Exception as exc:
            # The exception text may quote the prompt; log the type only.
            log.warning("agent %s model failed: %s", self.spec.slug, type(exc).__name__)
            raise AgentUnavailable("The agent could not reply just now.") from exc

    def _bind(self, tools: ToolRunner | None) -> Any:
        """The model with ``tools`` bound, or None when there are none or it cannot call tools."""
        if tools is None or not tools.tools or isinstance(self.model, ScriptedChatModel):
            return None
        try:
            return self.model.bind_tools(list(tools.tools))
        except NotImplementedError:
            return None

    async def _answer_with_tools(self, bound: Any, tools: ToolRunner, messages: list[BaseMessage]) -> str:
        for _ in range(MAX_TOOL_ROUNDS):
            message = await bound.ainvoke(messages)
            calls = getattr(message, "tool_calls", None) or []
            if not calls:
                return _text(message)
            messages.append(message)
            for call in calls:
                # Record tools take no arguments: whatever the model passes, the tool reads only
                # the signed-in person's own record.
                messages.append(
                    ToolMessage(content=await tools.run(str(call["name"])), tool_call_id=call.get("id") or "")
                )
        # Out of rounds: the model answers from what it has, without tools.
        return _text(await self.model.ainvoke(messages))

    async def draft(
        self,
        history: Sequence[ChatTurn],
        context: UserContext,
        embedding: Any = None,
        tools: ToolRunner | None = None,
    ) -> AsyncIterator[str]:
        """The reply for a caller that checks it as a whole before showing any of it (the chat).

        Same text as :meth:`stream_reply`. The offline scripted model writes its reply in one go,
        so it is asked for the whole reply at once: streaming it word by word through LangChain
        built a message chunk per word and was, in profiles, the largest cost of an agent turn.
        Other providers stream as usual (their first words arrive before their last).
        """
        if not isinstance(self.model, ScriptedChatModel):
            async for chunk in self.stream_reply(history, context, tools):
                yield chunk
            return
        if not history or history[-1].role != "user":
            raise HPError("A reply needs a user message to answer.", 422, code="no_user_message")
        messages = self.build_messages(history, context)
        if embedding is not None:
            # The crisis engine's embedding of the last message: the scripted engine reads intent
            # and topic from it instead of encoding the text again (scripted only: other providers
            # would send additional_kwargs on to their server).
            messages[-1].additional_kwargs[EMBEDDING_KEY] = embedding
        try:
            message = await self.model.ainvoke(messages)
        except HPError:
            raise
        except Exception as exc:
            log.warning("agent %s model failed: %s", self.spec.slug, type(exc).__name__)
            raise AgentUnavailable("The agent could not reply just now.") from exc
        text = message.text if isinstance(message.text, str) else str(message.content)
        if text:
            yield text

    async def reply(
        self, history: Sequence[ChatTurn], context: UserContext, tools: ToolRunner | None = None
    ) -> str:
        return "".join([chunk async for chunk in self.stream_reply(history, context, tools)])


def _text(message: BaseMessage) -> str:
    return message.text if isinstance(message.text, str) else str(message.content)
