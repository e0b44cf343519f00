"""Answers about the person's own record ("when is my next session", "how has my mood been this
week", "did I take my evening dose"), from the facts the agent's record tools put in its context
(``hp_agent/agents/record.py``). The question is recognised by the lexicon's intent patterns
(``asks_next_session`` and the like in ``prompts/dialogue/lexicon.yaml``). An agent without the
tool, or a person without the data, gets a plain "I don't have that", never a guess.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any

from hp_agent.agents.scripted.analysis import Analysis

# intent -> the record tool that answers it
INTENT_TOOLS = {
    "asks_next_session": "next_appointments",
    "asks_mood_trend": "mood_summary",
    "asks_dose": "todays_doses",
    "asks_homework": "homework_due",
    "asks_scores": "assessment_trend",
}
_NOT_ALLOWED = "I don't have that: I can't see your {what} from here. {where}"
_WHAT = {
    "next_appointments": ("appointments", "The Appointments screen has them."),
    "mood_summary": ("mood check-ins", "The Mood screen shows your chart."),
    "todays_doses": ("medicines", "The Medicines screen shows today's doses."),
    "homework_due": ("homework", "Your therapist's homework is on the Therapy screen."),
    "assessment_trend": ("questionnaire results", "The Check-ins screen has your results."),
}
_PART_OF_DAY = {
    "morning": (0, 12),
    "afternoon": (12, 17),
    "evening": (17, 24),
    "night": (19, 24),
    "bedtime": (19, 24),
}
_PART = re.compile(r"\b(morning|afternoon|evening|night|bedtime)\b")
_TREND = {"up": "it has been going up", "down": "it has dipped", "steady": "it has stayed fairly steady"}
_STATUS = {
    "taken": "logged as taken",
    "taken_late": "logged as taken (a little late)",
    "skipped": "logged as skipped",
}
_RISKY = ("risk", "asks_means")
_MOOD_FOLLOW_UP = {
    "up": "I'm glad you've been checking in, and it's good to see it lifting. What's helped?",
    "down": "That sounds hard. Do you want to talk about what's been weighing on you?",
    "steady": "I'm glad you've been checking in. How are you feeling about the week?",
}


def asked(a: Analysis) -> str | None:
    """The record intent of this message, if any (patterns only)."""
    if any(i in a.intents or i in a.patterned for i in _RISKY):
        return None
    return next((i for i in INTENT_TOOLS if i in a.patterned), None)


def tools_asked(text: str) -> tuple[str, ...]:
    """The record tools a reply to ``text`` reads: the one its record question needs, if it asks
    one (patterns only, as ``asked``), else none. The chat loads only these for a scripted agent,
    so an ordinary message costs no record query or audit row."""
    from hp_agent.agents.scripted.analysis import analyse
    from hp_agent.agents.scripted.content import default_content

    intent = asked(analyse(default_content(), text))
    return (INTENT_TOOLS[intent],) if intent is not None else ()


def answer(a: Analysis, record: Mapping[str, Any]) -> str | None:
    intent = asked(a)
    if intent is None:
        return None
    tool = INTENT_TOOLS[intent]
    facts = record.get(tool)
    if not isinstance(facts, dict):
        what, where = _WHAT[tool]
        return _NOT_ALLOWED.format(what=what, where=where)
    text: str = {
        "next_appointments": _next_session,
        "mood_summary": _mood,
        "todays_doses": _doses,
        "homework_due": _homework,
        "assessment_trend": _scores,
    }[tool](facts, a.text.lower())
    return text


def _when(iso: str, tz: str | None) -> str:
    at = dt.datetime.fromisoformat(iso)
    try:
        zone = zoneinfo.ZoneInfo(tz or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = at.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M} ({zone.key})"


def _next_session(facts: dict[str, Any], _: str) -> str:
    appts = facts.get("appointments") or []
    if not appts:
        return "I don't have a session booked for you at the moment. You can book one under Appointments."
    first = appts[0]
    how = {"video": ", by video", "phone": ", by phone", "in_person": ", in person"}.get(
        first.get("modality"), ""
    )
    text = f"Your next session is on {_when(first['starts_at'], first.get('timezone'))}{how}."
    if first.get("status") == "requested":
        text += " It's still waiting for your clinician to accept it."
    return text


def _mood(facts: dict[str, Any], _: str) -> str:
    count = int(facts.get("count") or 0)
    if not count:
        return (
            "I don't have any mood check-ins from you in the last week, so I can't say. "
            "A quick check-in on the Mood screen would help us both see."
        )
    times = "once" if count == 1 else f"{count} times"
    text = (
        f"Over the last week you checked in {times}; your mood averaged {facts['average']}/10 "
        f"(from {facts['lowest']:g} to {facts['highest']:g})"
    )
    trend = _TREND.get(facts.get("trend") or "")
    text = f"{text}, and {trend}." if trend else f"{text}."
    # A check-in about the week, not just a number: warm, and an opening to talk if it dipped.
    return f"{text} {_MOOD_FOLLOW_UP.get(facts.get('trend') or '', _MOOD_FOLLOW_UP['steady'])}"


def _doses(facts: dict[str, Any], text: str) -> str:
    doses = facts.get("doses") or []
    if not doses:
        return (
            "I don't have any scheduled doses for you today. "
            "If that's not right, your list is on the Medicines screen."
        )
    part = _PART.search(text)
    if part:
        lo, hi = _PART_OF_DAY[part.group(1)]
        doses = [d for d in doses if lo <= int(d["local_time"][:2]) < hi]
        if not doses:
            return f"I don't see a {part.group(1)} dose on your list today."
    said = []
    for d in doses:
        state = _STATUS.get(d["status"], "not logged yet")
        said.append(f"your {d['local_time']} {d['name']} is {state}")
    answer = "; ".join(said)
    answer = answer[:1].upper() + answer[1:] + "."
    if any(d["status"] not in _STATUS for d in doses):
        answer += " If you've taken it, you can log it with one tap on the Medicines screen."
    return answer


def _homework(facts: dict[str, Any], _: str) -> str:
    items = facts.get("homework") or []
    if not items:
        return "I don't see any homework waiting for you right now."
    parts = []
    for h in items:
        due = f" (due {dt.datetime.fromisoformat(h['due_at']):%A %d %B})" if h.get("due_at") else ""
        parts.append(f"“{h['title']}”{due}" + (", overdue" if h.get("overdue") else ""))
    return "Homework you haven't finished yet: " + "; ".join(parts) + "."


def _scores(facts: dict[str, Any], _: str) -> str:
    instruments = facts.get("instruments") or {}
    if not instruments:
        return "I don't have any questionnaire results from you yet."
    parts = []
    for name, info in instruments.items():
        trend = {
            "up": ", higher than before",
            "down": ", lower than before",
            "steady": ", about the same as before",
        }
        parts.append(f"your latest {name} score was {info['latest']}{trend.get(info.get('trend') or '', '')}")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."
