"""The agent's tools: read-only views of the person's data that an agent may use.

Each tool is loaded only when the agent's configuration allows it. The session must act as the
person (their principal) or as system: row-level security decides what is visible. Nothing here
returns free-text notes or journal content; journal *themes* are the person's own tags on their
entries, never quotations from private entries.
"""

from __future__ import annotations

import functools
import json
import logging
import uuid
from collections import Counter
from collections.abc import Iterable
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.agents import record
from hp_agent.agents.runtime import MoodSnapshot, UserContext
from hp_agent.db.session import Database, Principal
from hp_agent.journal.models import JournalEntry
from hp_agent.mood.models import GoalStatus, MoodEntry, MoodGoal
from hp_agent.users.models import UserProfile

MOOD_HISTORY = "mood_history"
JOURNAL_THEMES = "journal_themes"
GOALS = "goals"
SAFETY_PLAN = "safety_plan"
CRISIS_RESOURCES = "crisis_resources"
# The crisis layer shows the safety plan and crisis lines itself; the agent tools above feed the
# conversation. Record tools (hp_agent/agents/record.py) answer questions about the person's own
# record ("when is my next session"); ``safety_plan`` is both. All are valid in a configuration.
KNOWN_TOOLS = frozenset({MOOD_HISTORY, JOURNAL_THEMES, GOALS, SAFETY_PLAN, CRISIS_RESOURCES, *record.TOOLS})

log = logging.getLogger("hp_agent.agents")

MOOD_DAYS = 7
JOURNAL_ENTRIES = 30
MAX_THEMES = 5
MAX_GOALS = 5


async def load_user_context(
    session: AsyncSession,
    user_id: uuid.UUID,
    tools_allowed: Iterable[str],
    record_tools: Iterable[str] | None = None,
) -> UserContext:
    """The person's context for an agent that may use ``tools_allowed``.

    ``record_tools``: which record tools to read (those allowed among them); None reads every
    allowed one. The chat passes only what a scripted agent's message asks about."""
    allowed = set(tools_allowed)
    display_name = await session.scalar(
        select(UserProfile.display_name).where(UserProfile.user_id == user_id)
    )
    moods = await _recent_moods(session, user_id) if MOOD_HISTORY in allowed else []
    themes = await _journal_themes(session, user_id) if JOURNAL_THEMES in allowed else []
    goals = await _goals(session, user_id) if GOALS in allowed else []
    facts = await record_facts(session, user_id, allowed, record_tools)
    return UserContext(
        display_name=display_name, recent_moods=moods, journal_themes=themes, goals=goals, record=facts
    )


async def record_facts(
    session: AsyncSession, user_id: uuid.UUID, allowed: set[str], only: Iterable[str] | None = None
) -> dict[str, Any]:
    """The allowed record tools' facts (all of them, or those in ``only``), each call audited, as
    the person the session acts for; the audit rows go in one statement (``record.call_many``)."""
    names = [n for n in record.TOOLS if n in allowed and (only is None or n in set(only))]
    if not names:
        return {}
    principal: Principal = session.info.get("principal") or Principal(user_id, "patient")
    if principal.user_id != user_id:
        principal = Principal(user_id, "patient")
    return await record.call_many(session, principal, names, allowed)


def _labels(values: list[Any] | None) -> tuple[str, ...]:
    return tuple(str(v).strip().lower() for v in values or () if str(v).strip())


async def _recent_moods(session: AsyncSession, user_id: uuid.UUID) -> list[MoodSnapshot]:
    rows = await session.execute(
        select(MoodEntry.entry_date, MoodEntry.mood, MoodEntry.emotions, MoodEntry.anxiety, MoodEntry.energy)
        .where(MoodEntry.user_id == user_id)
        .order_by(MoodEntry.entry_date.desc())
        .limit(MOOD_DAYS)
    )
    return [
        MoodSnapshot(date=d, mood=m, emotions=_labels(e), anxiety=a, energy=en)
        for d, m, e, a, en in rows.all()
    ]


async def _journal_themes(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(JournalEntry.tags)
        .where(JournalEntry.user_id == user_id)
        .order_by(JournalEntry.entry_date.desc())
        .limit(JOURNAL_ENTRIES)
    )
    counts: Counter[str] = Counter()
    for tags in rows.all():
        counts.update(_labels(tags))
    # Most frequent first; ties in alphabetical order so the context is deterministic.
    return [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_THEMES]]


async def _goals(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(MoodGoal.title)
        .where(MoodGoal.user_id == user_id, MoodGoal.status == GoalStatus.ACTIVE)
        .order_by(MoodGoal.created_at.desc())
        .limit(MAX_GOALS)
    )
    return [t for t in rows.all() if t]


def langchain_tools(db: Database, principal: Principal, tools_allowed: Iterable[str]) -> list[BaseTool]:
    """The allowed record tools as LangChain tools, for providers that call tools (``bind_tools``).

    Each call is its own unit of work acting as ``principal`` (RLS as the person) and is audited by
    ``record.call``; the result is the tool's facts as JSON. A tool outside the allow-list is never
    built, and ``record.call`` refuses it again if asked by name.
    """
    return RecordToolbox(db, principal, tools_allowed).tools


class RecordToolbox:
    """The record tools one reply may call (the runtime's ``ToolRunner``), as the person.

    ``run`` takes any name a model asks for: an allowed tool returns the person's facts as JSON, any
    other name a refusal with no data. Both are audited (``agent.tool.called`` / ``.refused``) in
    their own committed unit of work.
    """

    def __init__(self, db: Database, principal: Principal, tools_allowed: Iterable[str]) -> None:
        self.db = db
        self.principal = principal
        self.allowed = frozenset(tools_allowed)

    @functools.cached_property
    def tools(self) -> list[BaseTool]:
        # Built on first use: the scripted engine never asks, and the chat makes one per reply.
        return [self._build(name) for name in record.TOOLS if name in self.allowed]

    async def run(self, name: str) -> str:
        name = name[:64]  # a model's free text: bounded before it reaches the audit log
        try:
            async with self.db.unit_of_work(self.principal) as session:
                try:
                    facts = await record.call(session, self.principal, name, self.allowed)
                except record.ToolNotAllowed:
                    # Caught inside the unit of work so the refusal's audit entry is kept.
                    return f"Refused: this agent may not use the tool {name!r}. No data was read."
        except Exception as exc:
            log.warning("record tool %s failed: %s", name, type(exc).__name__)
            return "That part of the record could not be read just now."
        return json.dumps(facts, default=str)

    def _build(self, name: str) -> BaseTool:
        async def run() -> str:
            return await self.run(name)

        return StructuredTool.from_function(
            coroutine=run, name=name, description=record.DESCRIPTIONS[name], args_schema=_NoArgs
        )


class _NoArgs(BaseModel):
    """Record tools take no arguments: they always read the signed-in person's own record."""
