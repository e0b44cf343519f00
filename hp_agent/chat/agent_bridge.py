"""The chat layer's handle on the agents runtime (``hp_agent.agents``) for one socket.

Holds a detached copy of the agent's configuration, builds the runtime once per socket, loads the
person's context in the message's transaction, and streams a reply outside any transaction.
Loading the context is best effort: it personalises the reply, and a failure there must never
cost the person their stored message, so it runs in a savepoint and degrades to no context.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.agents.models import AIAgentConfiguration
from hp_agent.config import Settings

if TYPE_CHECKING:
    from hp_agent.agents.runtime import AgentRuntime
    from hp_agent.chat.service import AgentTurn
    from hp_agent.db.session import Database, Principal

log = logging.getLogger("hp_agent.chat")
CONTEXT_TTL_SECONDS = 60.0


class NoAgent(Exception):
    """The conversation's agent was retired or never set."""


class AgentBridge:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.config: AIAgentConfiguration | None = None
        self._runtime: AgentRuntime | None = None
        self._context: tuple[float, Any] | None = None

    def use(self, config: AIAgentConfiguration | None) -> None:
        if config is not self.config:
            self.config = config
            self._runtime = None

    @property
    def slug(self) -> str | None:
        return self.config.slug if self.config else None

    @property
    def tools_allowed(self) -> tuple[str, ...]:
        return tuple(str(t) for t in (self.config.tools_allowed if self.config else []) or [])

    @property
    def generates_text(self) -> bool:
        """A model writes this agent's replies; False for the scripted engine, whose replies are
        the service's own sentences (checked once each; ``hp_agent.crisis.reply_check``)."""
        if self.config is None:
            return True
        return str(getattr(self.config.model_provider, "value", self.config.model_provider)) != "scripted"

    @property
    def model_name(self) -> str | None:
        if self.config is None:
            return None
        return self.config.model_name or str(
            getattr(self.config.model_provider, "value", self.config.model_provider)
        )

    def runtime(self) -> AgentRuntime:
        if self.config is None:
            raise NoAgent
        if self._runtime is None:
            from hp_agent.agents.runtime import AgentRuntime

            self._runtime = AgentRuntime.from_config(self.config, self.settings)
        return self._runtime

    async def load_context(
        self, session: AsyncSession, user_id: uuid.UUID, tools: tuple[str, ...], text: str = ""
    ) -> Any:
        """The person's context for this turn (``agents.tools.load_user_context``).

        Moods, journal themes and goals change over hours, not between two messages: one read per
        socket per CONTEXT_TTL_SECONDS keeps those queries off most messages. Record facts
        (appointments, doses, scores: a query and an audit row each) are different for a scripted
        agent: it reads them only to answer a question about the record, so only the tool the
        message asks about is read, fresh, and an ordinary message reads none. A model that writes
        its own replies gets every allowed record fact in its context, as before.
        """
        from hp_agent.agents.runtime import UserContext

        try:
            from hp_agent.agents.tools import load_user_context
        except ImportError:
            return UserContext()
        scripted = not self.generates_text
        asked: tuple[str, ...] = ()
        if scripted:
            from hp_agent.agents.scripted.records import tools_asked

            asked = tuple(t for t in tools_asked(text) if t in tools)
        kept = self._context
        if kept is not None and time.monotonic() - kept[0] < CONTEXT_TTL_SECONDS:
            if not asked:
                return kept[1]
            from hp_agent.agents.tools import record_facts

            try:
                async with session.begin_nested():
                    facts = await record_facts(session, user_id, set(tools), asked)
            except Exception as exc:
                log.warning("agent record facts unavailable: %s", type(exc).__name__)
                return kept[1]
            return dataclasses.replace(kept[1], record=facts)
        try:
            async with session.begin_nested():
                context = await load_user_context(session, user_id, tools, asked if scripted else None)
        except Exception as exc:  # personalisation is optional, the person's message is not
            log.warning("agent context unavailable: %s", type(exc).__name__)
            return UserContext()
        # What is kept for the next messages holds no record facts a scripted agent was asked for:
        # those are read again when asked again.
        self._context = (time.monotonic(), dataclasses.replace(context, record={}) if scripted else context)
        return context

    async def stream(
        self, turn: AgentTurn, db: Database | None = None, principal: Principal | None = None
    ) -> AsyncIterator[str]:
        from hp_agent.agents.runtime import ChatTurn, UserContext
        from hp_agent.agents.tools import RecordToolbox

        runtime = self.runtime()
        history = [ChatTurn("user" if role == "user" else "agent", text) for role, text in turn.history]
        # ``draft``: the whole reply is checked before any of it is sent (replies.py).
        # The crisis engine's embedding of the message, when the service kept it (intent reading).
        embedding = getattr(turn, "embedding", None)
        if embedding is None and not self.generates_text and turn.history:
            from hp_agent.crisis import gateway

            embedding = await gateway.agent_embedding(turn.history[-1][1])
        # Models that call tools get the allowed record tools, each call as the person (RLS, audited).
        tools = None
        if db is not None and principal is not None and principal.user_id is not None:
            tools = RecordToolbox(db, principal, turn.tools_allowed)
        async for chunk in runtime.draft(history, turn.context or UserContext(), embedding, tools):
            yield chunk
