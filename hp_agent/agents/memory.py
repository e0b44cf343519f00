"""Memory across chat sessions: a short summary per person, kept only with their consent.

The summary is what the scripted engine understood of finished sessions (``build_memory``): topic
labels, the names of exercises done or paused, plans asked for and what seemed to help. It holds
no sentence the person wrote. It is stored encrypted (``ConversationMemory.summary``), shown to
the person (``GET /v1/me/memory``), deletable, and used to open the next session.

Consent is off until the person switches it on; while off nothing is summarised or stored, and
switching it off deletes the summary. Only sessions started after consent was given are read.

Cost: nothing runs per message. Sessions are folded in when one ends, when the next one starts
(a session left open is over once another begins) and when the person looks at their memory:
one read of the new sessions' messages and one upsert.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hp_agent.agents.memory_models import ConversationMemory

__all__ = ["ConversationMemory"]
from hp_agent.agents.scripted.analysis import Analysis
from hp_agent.agents.scripted.content import DialogueContent, default_content
from hp_agent.agents.scripted.memory import Memory, build_memory
from hp_agent.agents.scripted.talk import default_talk
from hp_agent.chat.frames import display_text
from hp_agent.chat.models import ChatMessage, ChatSession, MessageRole, SessionStatus

MAX_ITEMS = 5  # per list in the summary
MAX_SESSIONS = 5  # folded in at once (the newest)
MAX_MESSAGES = 200  # read per session

# Lexicon topics -> how the agent names them back.
TOPIC_LABELS = {
    "study": "exam stress",
    "work": "work",
    "family": "family",
    "relationships": "your relationship",
    "friends": "friends",
    "health": "your health",
    "sleep": "sleep",
    "money": "money worries",
    "self_worth": "how you see yourself",
    "future": "worries about the future",
}
# The engine's themes (understanding/topics.yaml) -> how the agent names them back.
THEME_LABELS = {
    "sleep": "sleep",
    "relationships": "relationships",
    "loneliness": "feeling lonely",
    "grief": "your loss",
    "anger": "anger",
    "worry_panic": "worry and panic",
    "low_mood": "feeling low",
    "self_esteem": "how you see yourself",
}
# Lexicon topics a theme already covers.
_TOPIC_THEMES = {
    "study": "exams_work",
    "work": "exams_work",
    "sleep": "sleep",
    "self_worth": "self_esteem",
    "relationships": "relationships",
    "family": "relationships",
    "friends": "relationships",
}
_STUDY = re.compile(r"\b(?:exams?|revis\w*|stud\w*|school|uni|college|essays?|assignments?|class(?:es)?)\b")
_WEEK = re.compile(r"\b(?:week|weekly|days?|routine|schedule)\b")
_HELPED = ("agrees", "thanks_goodbye")


def empty_summary() -> dict[str, Any]:
    return {"topics": [], "exercises_done": [], "exercises_paused": [], "plans": [], "helped": []}


def summarise(turns: list[tuple[str, str]], content: DialogueContent | None = None) -> dict[str, Any]:
    """The engine's reading of one session's (role, text) turns, as labels only."""
    content = content or default_content()
    memory = build_memory(content, turns)
    names = {t.id: t.name for t in content.techniques.values()}
    topics = _topics(memory)
    plans: list[str] = []
    for analysis in memory.user_turns:
        if analysis.has("asks_plan"):
            plans.append(_plan_label(analysis))
    # What helped: an exercise finished and followed by agreement or thanks.
    helped: list[str] = []
    replies = 0
    done_at: dict[int, str] = {}
    openers = [d.split("{technique}")[0].lower() for d in default_talk().exercise["done"]]
    for role, text in turns:
        if role == "agent":
            replies += 1
            for tid in memory.completed:
                if any(o + names[tid].lower() in text.lower() for o in openers):
                    done_at[replies] = tid
    user_after = _user_turn_after_reply(turns)
    for reply_index, tid in done_at.items():
        following = user_after.get(reply_index)
        if following is not None and any(memory.user_turns[following].has(i) for i in _HELPED):
            helped.append(names[tid])
    helped = list(dict.fromkeys(helped))
    return {
        "topics": topics[:MAX_ITEMS],
        "exercises_done": [names[t] for t in memory.completed][:MAX_ITEMS],
        "exercises_paused": [names[memory.paused[0]]] if memory.paused else [],
        "plans": list(dict.fromkeys(plans))[:MAX_ITEMS],
        "helped": helped[:MAX_ITEMS],
    }


def _plan_label(analysis: Analysis) -> str:
    if _STUDY.search(analysis.text.lower()):
        return "a revision plan"
    if analysis.theme == "sleep" or "sleep" in analysis.topics:
        return "a sleep plan"
    if _WEEK.search(analysis.text.lower()):
        return "a plan for the week"
    return "a plan"


def _topics(memory: Memory) -> list[str]:
    """The themes the engine read (most talked about first), then lexicon topics they don't cover."""
    themes = Counter(a.theme for a in memory.user_turns if a.theme)
    labels: list[str] = []
    for theme, _ in themes.most_common():
        if theme == "exams_work":
            words = " ".join(a.text.lower() for a in memory.user_turns if a.theme == theme)
            study = _STUDY.search(words) or any("study" in a.topics for a in memory.user_turns)
            labels.append("exam stress" if study else "work stress")
        else:
            labels.append(THEME_LABELS.get(theme, theme.replace("_", " ")))
    if "exams_work" not in themes and any(_STUDY.search(a.text.lower()) for a in memory.user_turns):
        labels.append("studying")
    covered = {
        t for t, theme in _TOPIC_THEMES.items() if theme in themes or (t == "study" and "studying" in labels)
    }
    for topic, _ in Counter(memory.topic_counts).most_common():
        if topic not in covered and (topic != "future" or not labels):
            labels.append(TOPIC_LABELS.get(topic, topic.replace("_", " ")))
    return list(dict.fromkeys(labels))


def _user_turn_after_reply(turns: list[tuple[str, str]]) -> dict[int, int]:
    """Agent reply number (1-based) -> index of the user turn right after it."""
    out: dict[int, int] = {}
    replies = users = 0
    for role, _ in turns:
        if role == "agent":
            replies += 1
        else:
            out.setdefault(replies, users)
            users += 1
    return out


def merge(older: dict[str, Any], newer: dict[str, Any]) -> dict[str, Any]:
    """Newest first, without repeats; an exercise done since is no longer paused."""
    out = empty_summary()
    for key in out:
        out[key] = list(dict.fromkeys([*newer.get(key, []), *older.get(key, [])]))[:MAX_ITEMS]
    out["exercises_paused"] = [e for e in out["exercises_paused"] if e not in newer.get("exercises_done", [])]
    return out


def recall_line(summary: dict[str, Any]) -> str | None:
    """How the agent picks up from last time, or None when there is nothing to pick up."""
    topics, done = summary.get("topics") or [], summary.get("exercises_done") or []
    paused, plans = summary.get("exercises_paused") or [], summary.get("plans") or []
    parts = []
    if topics:
        parts.append("we talked about " + _join(topics[:2]))
    if done:
        parts.append(f"you tried {done[0]}")
    elif plans:
        parts.append(f"we worked on {plans[0]}")
    if paused and not done:
        pause = f"we paused {paused[0]} partway. Would you like to pick it up again?"
        return f"Last time {', and '.join(parts)}, and {pause}" if parts else f"Last time {pause}"
    if not parts:
        return None
    return f"Last time {', and '.join(parts) if len(parts) > 2 else ' and '.join(parts)}. How has that been?"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# -- storage ---------------------------------------------------------------------------------------


async def get_row(session: AsyncSession, user_id: uuid.UUID) -> ConversationMemory | None:
    return await session.scalar(select(ConversationMemory).where(ConversationMemory.user_id == user_id))


def decoded(row: ConversationMemory | None) -> dict[str, Any] | None:
    if row is None or not row.summary:
        return None
    value = json.loads(row.summary)
    return value if isinstance(value, dict) else None


async def set_consent(session: AsyncSession, user_id: uuid.UUID, consent: bool) -> ConversationMemory:
    row = await get_row(session, user_id)
    now = dt.datetime.now(dt.UTC)
    if row is None:
        row = ConversationMemory(user_id=user_id, consent=consent)
        session.add(row)
    if consent and not row.consent:
        row.summarised_through = now  # only sessions from now on are remembered
    if not consent:
        row.summary, row.summarised_through = None, None
    row.consent = consent
    await session.flush()
    return row


async def forget(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Delete the summary; sessions before now are never read again. Consent stays as it was."""
    row = await get_row(session, user_id)
    if row is not None:
        row.summary = None
        row.summarised_through = dt.datetime.now(dt.UTC)
        await session.flush()


async def refresh(
    session: AsyncSession, user_id: uuid.UUID, *, include_active: bool = False
) -> ConversationMemory | None:
    """Fold the sessions not yet summarised into the person's summary (only with consent).

    ``include_active``: also fold a session still marked active (a new session is starting, so
    any earlier one is over)."""
    row = await get_row(session, user_id)
    if row is None or not row.consent:
        return row
    query = select(ChatSession).where(ChatSession.user_id == user_id)
    if row.summarised_through is not None:
        query = query.where(ChatSession.started_at > row.summarised_through)
    if not include_active:
        query = query.where(ChatSession.status != SessionStatus.ACTIVE)
    chats = list(
        (await session.scalars(query.order_by(ChatSession.started_at.desc()).limit(MAX_SESSIONS))).all()
    )
    if not chats:
        return row
    summary = decoded(row) or empty_summary()
    content = default_content()
    for chat in reversed(chats):  # oldest first, so the newest ends up first
        summary = merge(summary, summarise(await session_turns(session, chat.id), content))
    row.summary = json.dumps(summary, separators=(",", ":"))
    row.summarised_through = chats[0].started_at
    await session.flush()
    return row


async def session_turns(session: AsyncSession, chat_id: uuid.UUID) -> list[tuple[str, str]]:
    rows = await session.scalars(
        select(ChatMessage)
        .where(ChatMessage.session_id == chat_id, ChatMessage.role.in_((MessageRole.USER, MessageRole.AGENT)))
        .order_by(ChatMessage.seq)
        .limit(MAX_MESSAGES)
    )
    return [("user" if m.role == MessageRole.USER else "agent", display_text(m)) for m in rows.all()]


async def opening(session: AsyncSession, user_id: uuid.UUID) -> str | None:
    """The line a new session opens with, picking up from last time (None without consent)."""
    row = await refresh(session, user_id, include_active=True)
    summary = decoded(row) if row is not None and row.consent else None
    return recall_line(summary) if summary else None
