"""What the crisis flow says to a message once the C-SSRS screener is over, and to requests.

After the screener a person who says more needs an answer to *that* message, not one generic
acknowledgement: at imminent risk, ask whether they are safe right now, urge calling now and
putting distance between them and the means; at high risk, reach a line or the care team today;
at moderate, a gentle acknowledgement. Whatever the level, two requests get their own answer
first: keeping it secret (an honest no: their care team may be told) and questions about methods
or doses (a clear, kind refusal and the lines; never any number or method).

All wording and the request patterns are in ``prompts/crisis/flow.yaml`` (``follow_up``,
``intent``). Variants rotate: a part used in the last few crisis-flow frames of the conversation
is not used again while another is free, so consecutive replies are never word for word the same.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crisis_engine import RiskLevel
from hp_agent.chat.models import ChatMessage, MessageRole
from hp_agent.crisis.safety import current_safety_plan
from hp_agent.paths import prompts_dir

Intent = Literal["method", "secrecy"]
# Method first: refusing method information matters most when both are asked at once.
INTENTS: tuple[Intent, ...] = ("method", "secrecy")
RECENT_FRAMES = 8  # crisis-flow frames looked at for rotation (a turn sends at most three or four)

Variants = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FollowUpText:
    by_level: dict[str, Variants]  # "imminent", "high", "moderate"
    high_with_plan: str
    intents: dict[str, Variants]  # "method", "secrecy"
    close: dict[str, Variants]  # after an intent reply: "imminent", "high"
    patterns: dict[str, tuple[re.Pattern[str], ...]]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _variants(raw: list[str]) -> Variants:
    out = tuple(_one_line(v) for v in raw)
    if not out:
        raise ValueError("prompts/crisis/flow.yaml: a follow-up needs at least one variant")
    return out


@functools.lru_cache(maxsize=1)
def flow_yaml() -> dict[str, Any]:
    """The parsed ``prompts/crisis/flow.yaml``, shared with ``flow.flow_text``."""
    data: dict[str, Any] = yaml.safe_load(
        (prompts_dir() / "crisis" / "flow.yaml").read_text(encoding="utf-8")
    )
    return data


@functools.lru_cache(maxsize=1)
def followup_text() -> FollowUpText:
    data = flow_yaml()
    fu, intent = data["follow_up"], data["intent"]
    return FollowUpText(
        by_level={
            "imminent": _variants(fu["imminent"]),
            "high": _variants(fu["high"]),
            # The original acknowledge_again text stays the first moderate follow-up.
            "moderate": _variants([data["acknowledge_again"], *fu["moderate"]]),
        },
        high_with_plan=_one_line(fu["high_with_plan"]),
        intents={k: _variants(intent[k]) for k in INTENTS},
        close={k: _variants(v) for k, v in intent["close"].items()},
        patterns={k: tuple(re.compile(p) for p in intent["patterns"][k]) for k in INTENTS},
    )


# -- recognising requests -------------------------------------------------------------------------

_CLAUSE = re.compile(r"[.!?;,\n]+|\s-\s")
_NOT_WORD = re.compile(r"[^\w\s']+")


def clauses(text: str) -> list[str]:
    """Lower-cased clauses with straight apostrophes and no other punctuation."""
    plain = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    out = [" ".join(_NOT_WORD.sub(" ", c).split()) for c in _CLAUSE.split(plain)]
    return [c for c in out if c]


def intents(text: str) -> tuple[Intent, ...]:
    """The requests in a message, method first (see ``INTENTS``)."""
    parts = clauses(text)
    patterns = followup_text().patterns
    return tuple(k for k in INTENTS if any(p.search(c) for p in patterns[k] for c in parts))


# -- choosing words -------------------------------------------------------------------------------


def pick(variants: Variants, recent: list[str]) -> str:
    """The first variant not in the recent frames (newest first), else the least recently used."""

    def last_used(variant: str) -> int:
        return next((i for i, t in enumerate(recent) if variant in t), len(recent))

    return max(variants, key=last_used)  # max keeps the first of equals: a stable rotation


def _level_key(level: RiskLevel) -> str:
    if level >= RiskLevel.IMMINENT:
        return "imminent"
    if level >= RiskLevel.HIGH:
        return "high"
    return "moderate"


def intent_text(found: tuple[Intent, ...], recent: list[str]) -> str | None:
    words = followup_text()
    return joined(*(pick(words.intents[k], recent) for k in found)) or None


def compose(text: str, level: RiskLevel, recent: list[str], *, has_plan: bool = False) -> str:
    """The follow-up for a message after the screener (pure: ``follow_up`` adds the lookups)."""
    words = followup_text()
    key = _level_key(level)
    asked = intent_text(intents(text), recent)
    if asked is not None:
        close = words.close.get(key)
        return joined(asked, pick(close, recent) if close else None)
    reply = pick(words.by_level[key], recent)
    return joined(reply, words.high_with_plan if key == "high" and has_plan else None)


def joined(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


# -- the conversation -----------------------------------------------------------------------------


async def recent_texts(session: AsyncSession, chat_session_id: uuid.UUID) -> list[str]:
    """Texts of the conversation's last crisis-flow frames, newest first (for rotation only)."""
    rows = await session.execute(
        select(ChatMessage.content)
        .where(ChatMessage.session_id == chat_session_id, ChatMessage.role == MessageRole.SAFETY)
        .order_by(ChatMessage.seq.desc())
        .limit(RECENT_FRAMES)
    )
    out: list[str] = []
    for (content,) in rows:
        try:
            body = json.loads(content)
        except ValueError:
            continue
        if isinstance(body, dict):
            out.append(" ".join(str(body.get(k) or "") for k in ("text", "intro")))
    return out


async def follow_up(
    session: AsyncSession, user_id: uuid.UUID, chat_session_id: uuid.UUID, text: str, level: RiskLevel
) -> str:
    recent = await recent_texts(session, chat_session_id)
    has_plan = level >= RiskLevel.HIGH and await current_safety_plan(session, user_id) is not None
    return compose(text, level, recent, has_plan=has_plan)


async def intent_reply(session: AsyncSession, chat_session_id: uuid.UUID, text: str) -> str | None:
    """The answer to a request in a message that the flow answers otherwise (first time, screener).

    Without the level's closing words: there the acknowledgement or the next screener question
    already follows, and one question at a time is the flow's rule.
    """
    found = intents(text)
    if not found:
        return None
    return intent_text(found, await recent_texts(session, chat_session_id))
