"""What the engine remembers of a conversation, rebuilt from the history on every turn.

The engine keeps no state between calls: the same history and seed always give the same reply,
and any instance can answer any turn. Its own earlier replies tell it which techniques it offered,
which thinking traps it named and which phrasings it has used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hp_agent.agents.scripted.analysis import Analysis, analyse
from hp_agent.agents.scripted.content import DialogueContent
from hp_agent.agents.scripted.talk import default_talk

_PAUSED = re.compile(r"we'll pause (.+?) here, at step (\d+) of")


@dataclass(frozen=True, slots=True)
class ContextView:
    display_name: str | None = None
    moods: tuple[int, ...] = ()  # newest first
    themes: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    # Facts from the agent's record tools, by tool name (hp_agent/agents/record.py).
    record: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_payload(cls, payload: dict[str, Any] | None) -> ContextView:
        if not payload:
            return cls()
        moods = tuple(int(m["mood"]) for m in payload.get("recent_moods") or () if m.get("mood") is not None)
        return cls(
            display_name=payload.get("display_name") or None,
            moods=moods,
            themes=tuple(str(t) for t in payload.get("journal_themes") or ()),
            goals=tuple(str(g) for g in payload.get("goals") or ()),
            record=dict(payload.get("record") or {}),
        )


@dataclass(slots=True)
class Memory:
    user_turns: list[Analysis] = field(default_factory=list)  # earlier turns, oldest first
    agent_replies: list[str] = field(default_factory=list)
    # First mention wins, in order; values are the turn index they were first mentioned in.
    entities: dict[str, int] = field(default_factory=dict)
    topics: dict[str, int] = field(default_factory=dict)
    topic_counts: dict[str, int] = field(default_factory=dict)
    techniques_offered: list[str] = field(default_factory=list)
    techniques_practised: set[str] = field(default_factory=set)  # at least one step walked through
    traps_named: set[str] = field(default_factory=set)
    # The technique being walked through and the step the last reply showed, if any.
    active_technique: str | None = None
    active_step: int = -1
    last_offer: str | None = None  # technique offered in the immediately previous reply
    listening_only: bool = False  # the person asked to be listened to: no unasked-for exercises
    paused: tuple[str, int] | None = None  # (technique, step shown when it was paused)
    completed: list[str] = field(default_factory=list)  # techniques walked through to the end

    @property
    def last_reply(self) -> str | None:
        return self.agent_replies[-1] if self.agent_replies else None

    def said(self, fragment: str) -> bool:
        """Whether an earlier reply contains ``fragment`` (case-insensitive)."""
        needle = fragment.lower()
        return any(needle in r.lower() for r in self.agent_replies)

    @property
    def turn(self) -> int:
        """How many user turns came before the current one."""
        return len(self.user_turns)


def build_memory(content: DialogueContent, turns: list[tuple[str, str]]) -> Memory:
    """``turns`` are (role, text) pairs before the current user message; role is user or agent."""
    memory = Memory()
    for role, text in turns:
        if role == "user":
            analysis = analyse(content, text)
            index = len(memory.user_turns)
            memory.user_turns.append(analysis)
            for entity in analysis.entities:
                memory.entities.setdefault(entity, index)
            for topic in analysis.topics:
                memory.topics.setdefault(topic, index)
                memory.topic_counts[topic] = memory.topic_counts.get(topic, 0) + 1
            continue
        memory.agent_replies.append(text)
        lower = text.lower()
        memory.last_offer = None
        talk = default_talk()
        if any(line[:40].lower() in lower for line in talk.listen):
            memory.listening_only = True
        paused = _PAUSED.search(text)
        if paused:
            named = next((t for t in content.techniques.values() if t.name == paused.group(1)), None)
            if named is not None:
                memory.paused = (named.id, int(paused.group(2)) - 1)
        openers = [d.split("{technique}")[0].lower() for d in talk.exercise["done"]]
        for technique in content.techniques.values():
            name = technique.name.lower()
            if technique.id not in memory.completed and any(o + name in lower for o in openers):
                memory.completed.append(technique.id)
        offered_now: str | None = None
        for technique in content.techniques.values():
            if any(m.lower() in lower for m in technique.markers) and any(
                o[:40].lower() in lower for o in technique.offer
            ):
                offered_now = technique.id
                if technique.id not in memory.techniques_offered:
                    memory.techniques_offered.append(technique.id)
        for distortion in content.distortions:
            if distortion.name.lower() in lower:
                memory.traps_named.add(distortion.id)
        step = _step_shown(content, lower)
        # A step only counts inside a technique the person was offered (a DBT question can read
        # like a step of opposite action without anyone having started it).
        if step is not None and step[0] not in memory.techniques_offered:
            # ... or one the person asked for and the engine started ("Let's do X together").
            if content.techniques[step[0]].name.lower() in lower:
                memory.techniques_offered.append(step[0])
            else:
                step = None
        if step is not None:
            memory.active_technique, memory.active_step = step
            memory.techniques_practised.add(step[0])
            if memory.paused and memory.paused[0] == step[0]:
                memory.paused = None  # resumed
        elif offered_now is None:
            memory.active_technique, memory.active_step = None, -1
        if paused:
            memory.active_technique, memory.active_step = None, -1
        memory.last_offer = offered_now
    return memory


def _step_shown(content: DialogueContent, lower_reply: str) -> tuple[str, int] | None:
    for technique in content.techniques.values():
        for index, step in enumerate(technique.steps):
            if step[:50].lower() in lower_reply:
                return technique.id, index
    return None
