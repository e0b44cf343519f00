"""Providers that call tools get the person's record tools: the runtime binds the allowed ones,
runs the model's tool calls as the person (RLS, audited), hands the results back as
``ToolMessage``s and returns the model's final answer. A name outside the allow-list is refused
with no data. A model without tool calling replies as before.

The model here is a real LangChain ``BaseChatModel`` that emits tool calls, so the whole
LangChain path (``bind_tools``, ``AIMessage.tool_calls``, ``ToolMessage``) runs without a network.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.agents.runtime import MAX_TOOL_ROUNDS, AgentRuntime, ChatTurn, UserContext
from hp_agent.agents.spec import AgentSpec
from hp_agent.agents.tools import RecordToolbox
from hp_agent.chat.agent_bridge import AgentBridge
from hp_agent.chat.service import AgentTurn
from hp_agent.compliance.models import AuditLog
from hp_agent.config import Settings
from hp_agent.db.session import Database, Principal
from tests.agents.agent_fixtures import shipped_config
from tests.agents.test_agent_record_tools import _person
from tests.api.auth_helpers import owner_all

pytestmark = pytest.mark.usefixtures("seeded")
ALLOWED = ("next_appointments", "mood_summary", "safety_plan")


class ToolCallingModel(BaseChatModel):
    """Answers with ``script`` in order (repeating the last); keeps every prompt it was sent."""

    script: list[AIMessage]
    seen: list[list[BaseMessage]] = Field(default_factory=list)
    bound: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "tool-calling-test"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        self.bound = [t.name for t in tools]
        return self

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        self.seen.append(list(messages))
        reply = self.script[min(len(self.seen), len(self.script)) - 1]
        return ChatResult(generations=[ChatGeneration(message=reply)])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages, stop)


def _runtime(model: BaseChatModel) -> AgentRuntime:
    spec = AgentSpec.from_config(shipped_config("cbt-coach", tools_allowed=list(ALLOWED)))
    return AgentRuntime(spec, model)


def _calls(*names: str) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": n, "args": {}, "id": f"call-{n}"} for n in names])


async def _tool_audits(owner_db: AsyncSession, user_id: Any) -> list[tuple[str, str]]:
    rows = await owner_all(
        owner_db, select(AuditLog).where(AuditLog.actor_id == user_id, AuditLog.action.like("agent.tool.%"))
    )
    return sorted((r.action, r.details["tool"]) for r in rows)


async def test_model_calls_record_tools_as_the_person_and_answers_from_them(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    me, starts = await _person(client, app_db, owner_db)
    model = ToolCallingModel(
        script=[_calls("next_appointments", "todays_doses"), AIMessage(content="It is on Thursday.")]
    )
    toolbox = RecordToolbox(app_db, Principal(me.id, "patient"), ALLOWED)
    ask = [ChatTurn("user", "When is my next session?")]
    reply = await _runtime(model).reply(ask, UserContext(), toolbox)

    assert reply == "It is on Thursday."
    assert sorted(model.bound) == sorted(ALLOWED)
    assert len(model.seen) == 2
    results = {m.tool_call_id: m for m in model.seen[1] if isinstance(m, ToolMessage)}
    assert set(results) == {"call-next_appointments", "call-todays_doses"}
    # The person's own session only: _person also books another patient's earlier session.
    facts = json.loads(str(results["call-next_appointments"].content))
    assert [a["starts_at"] for a in facts["appointments"]] == [starts.isoformat()]
    # Not in the allow-list: refused in words, nothing from the record.
    refused = str(results["call-todays_doses"].content)
    assert refused.startswith("Refused: this agent may not use the tool 'todays_doses'")
    assert "{" not in refused
    assert await _tool_audits(owner_db, me.id) == [
        ("agent.tool.called", "next_appointments"),
        ("agent.tool.refused", "todays_doses"),
    ]


async def test_tool_rounds_are_bounded_then_the_model_answers_without_tools(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    me, _ = await _person(client, app_db, owner_db)
    model = ToolCallingModel(script=[_calls("mood_summary")] * MAX_TOOL_ROUNDS + [AIMessage(content="Done.")])
    toolbox = RecordToolbox(app_db, Principal(me.id, "patient"), ALLOWED)
    reply = await _runtime(model).reply([ChatTurn("user", "How has my mood been?")], UserContext(), toolbox)
    assert reply == "Done."
    assert len(model.seen) == MAX_TOOL_ROUNDS + 1
    mood = json.loads(str([m for m in model.seen[-1] if isinstance(m, ToolMessage)][-1].content))
    assert (mood["count"], mood["trend"]) == (6, "up")
    assert await _tool_audits(owner_db, me.id) == [("agent.tool.called", "mood_summary")] * MAX_TOOL_ROUNDS


async def test_a_model_without_tool_calling_replies_as_before(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession
) -> None:
    me, _ = await _person(client, app_db, owner_db)
    model = GenericFakeChatModel(messages=iter([AIMessage(content="Hello there.")]))
    toolbox = RecordToolbox(app_db, Principal(me.id, "patient"), ALLOWED)
    chunks = [c async for c in _runtime(model).draft([ChatTurn("user", "hi")], UserContext(), None, toolbox)]
    assert "".join(chunks) == "Hello there."
    assert await _tool_audits(owner_db, me.id) == []


async def test_the_chat_bridge_gives_the_model_the_persons_tools(
    client: httpx.AsyncClient, app_db: Database, owner_db: AsyncSession, settings: Settings
) -> None:
    me, starts = await _person(client, app_db, owner_db)
    model = ToolCallingModel(script=[_calls("next_appointments"), AIMessage(content="Booked.")])
    bridge = AgentBridge(settings)
    bridge.use(shipped_config("cbt-coach", tools_allowed=list(ALLOWED)))
    bridge._runtime = _runtime(model)  # the configured model, swapped for the tool-calling one
    turn = AgentTurn(history=[("user", "When is my next session?")], tools_allowed=ALLOWED)
    chunks = [c async for c in bridge.stream(turn, app_db, Principal(me.id, "patient"))]
    assert "".join(chunks) == "Booked."
    [result] = [m for m in model.seen[-1] if isinstance(m, ToolMessage)]
    assert json.loads(str(result.content))["appointments"][0]["starts_at"] == starts.isoformat()
