"""The scripted dialogue engine as a LangChain chat model, so one runtime serves every provider."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field, field_validator

from hp_agent.agents.scripted.composer import Composer
from hp_agent.agents.scripted.content import APPROACHES, Approach, DialogueContent, default_content
from hp_agent.agents.scripted.memory import ContextView

# The key under which the runtime's system message carries the structured user context.
CONTEXT_KEY = "hp_user_context"
# The key under which the last user message carries the crisis engine's embedding of it.
EMBEDDING_KEY = "hp_embedding"
_WORDS = re.compile(r"\S+\s*")


class ScriptedChatModel(BaseChatModel):
    """A deterministic therapeutic dialogue engine (reflection, thinking traps, techniques).

    Given the same messages and ``seed`` it always writes the same reply. It keeps no state:
    everything it remembers comes from the conversation it is handed.
    """

    dialogue: str = "cbt"
    seed: int = 0
    max_reply_chars: int = Field(default=700, ge=120, le=4000)
    questions_per_turn: int = Field(default=1, ge=1, le=3)
    agent_name: str = "your coach"
    # Pause between streamed words; zero in tests, a little in the app makes streaming visible.
    stream_delay_seconds: float = Field(default=0.0, ge=0.0, le=1.0)
    # Per-agent overrides of the approach's settings in prompts/dialogue/approaches/.
    offer_after_turns: int | None = Field(default=None, ge=0, le=100)
    high_distress_threshold: int | None = Field(default=None, ge=0, le=10)
    advice_only_when_asked: bool | None = None

    @field_validator("dialogue")
    @classmethod
    def _known_dialogue(cls, v: str) -> str:
        if v not in APPROACHES:
            raise ValueError(f"dialogue must be one of {', '.join(APPROACHES)}")
        return v

    @property
    def _llm_type(self) -> str:
        return "hp-scripted"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"dialogue": self.dialogue, "seed": self.seed}

    def _content(self) -> DialogueContent:
        return default_content()

    def _approach(self, content: DialogueContent) -> Approach:
        approach = content.approaches[self.dialogue]
        changes: dict[str, Any] = {}
        if self.offer_after_turns is not None:
            changes["offer_after_turns"] = self.offer_after_turns
        if self.high_distress_threshold is not None:
            changes["high_distress_threshold"] = self.high_distress_threshold
        if self.advice_only_when_asked is not None:
            changes["offer_techniques"] = "when_asked" if self.advice_only_when_asked else "always"
        return dataclasses.replace(approach, **changes) if changes else approach

    def compose(self, messages: list[BaseMessage]) -> str:
        history: list[tuple[str, str]] = []
        payload: dict[str, Any] | None = None
        embedding: Any = None
        for message in messages:
            if isinstance(message, SystemMessage):
                extra = message.additional_kwargs.get(CONTEXT_KEY)
                if isinstance(extra, dict):
                    payload = extra
            elif isinstance(message, HumanMessage):
                history.append(("user", message.text))
                embedding = message.additional_kwargs.get(EMBEDDING_KEY)
            elif isinstance(message, AIMessage):
                history.append(("agent", message.text))
                embedding = None
        if not history or history[-1][0] != "user":
            raise ValueError("the last message must be the person's")
        content = self._content()
        composer = Composer(
            content,
            self._approach(content),
            agent_name=self.agent_name,
            max_chars=self.max_reply_chars,
            questions_per_turn=self.questions_per_turn,
        )
        return composer.compose(history, ContextView.from_payload(payload), self.seed, embedding)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = self.compose(messages)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        # LangChain's default runs ``_generate`` in a thread pool; composing takes about a
        # millisecond of pure Python, which a thread hop would only slow down.
        return self._generate(messages, stop, **kwargs)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for word in _WORDS.findall(self.compose(messages)):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=word))
            if run_manager:
                run_manager.on_llm_new_token(word, chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        # Composing takes about a millisecond: no thread needed.
        for word in _WORDS.findall(self.compose(messages)):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=word))
            if run_manager:
                await run_manager.on_llm_new_token(word, chunk=chunk)
            yield chunk
            await asyncio.sleep(self.stream_delay_seconds)
