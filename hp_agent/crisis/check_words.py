"""Words of the graded response: the one-question check, its answer, and the way out of the screener.

Pure functions over ``prompts/crisis/flow.yaml`` (``check``, ``screener_exit``); the chat's
crisis turn (``chat_turn.py``) stores and sends what they return.

- The check echoes at most a few of the person's words ("When you say you're fed up, ..."), and
  only a short "I'm / I feel / I keep ..." phrase turned to "you"; otherwise its generic form.
- Its answer is read like a screener answer (yes, or anything unclear, means yes) with a few
  more ways of saying no ("I'm fine"); an explicit retraction counts as no.
- A way out of the screener is an explicit retraction ("no, I meant the dishes", "that's not
  what I meant", "it was a joke"), never a plain "no" and never a message with risk of its own.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Literal

from crisis_engine import Assessment, RiskLevel
from hp_agent.crisis.flow import parse_answer
from hp_agent.crisis.followup import clauses, flow_yaml

CheckReading = Literal["yes", "no", "unclear"]
MAX_ECHO_WORDS = 5


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


@dataclass(frozen=True, slots=True)
class CheckText:
    with_phrase: str
    generic: str
    again: str
    hint: str
    cleared: str
    after_yes: str
    after_unclear: str
    no_phrases: tuple[re.Pattern[str], ...]
    exit_text: str
    exit_escalated: str
    exits: tuple[re.Pattern[str], ...]
    not_exits: tuple[re.Pattern[str], ...]


@functools.lru_cache(maxsize=1)
def check_text() -> CheckText:
    data = flow_yaml()
    check, out = data["check"], data["screener_exit"]
    return CheckText(
        with_phrase=_one_line(check["with_phrase"]),
        generic=_one_line(check["generic"]),
        again=_one_line(check["again"]),
        hint=_one_line(check["hint"]),
        cleared=_one_line(check["cleared"]),
        after_yes=_one_line(check["after_yes"]),
        after_unclear=_one_line(check["after_unclear"]),
        no_phrases=tuple(re.compile(rf"(?<![\w']){re.escape(p.lower())}(?![\w'])") for p in check["no"]),
        exit_text=_one_line(out["text"]),
        exit_escalated=_one_line(out["escalated"]),
        exits=tuple(re.compile(p) for p in out["patterns"]),
        not_exits=tuple(re.compile(p) for p in out["not_exit"]),
    )


# -- the question ---------------------------------------------------------------------------------

# "i'm fed up", "i feel so stuck", "i keep spiralling": the lead turned to "you", then a few words.
_LEADS = {
    "i'm": "you're",
    "im": "you're",
    "i am": "you're",
    "i feel": "you feel",
    "i'm feeling": "you're feeling",
    "im feeling": "you're feeling",
    "i am feeling": "you're feeling",
    "i keep": "you keep",
    "i've been": "you've been",
    "ive been": "you've been",
    "i can't": "you can't",
    "i cant": "you can't",
}
_LEAD = re.compile(
    r"(?<![\w'])(" + "|".join(sorted((re.escape(k) for k in _LEADS), key=len, reverse=True)) + r")\s+(.+)"
)
# A phrase stops at the first of these: what follows is a new thought, not the feeling.
_STOP_WORDS = """and but because cause so with about when if that which who while or than since as after
before until like just really"""
_STOP = frozenset(_STOP_WORDS.split())
# "i'm so tired", "i'm just done": right after the lead these qualify the feeling.
_INTENSIFIERS = frozenset({"so", "just", "really"})
_TRAILING_WORDS = "the a an to of for my your at in on it this what how very so too"
_TRAILING = frozenset(_TRAILING_WORDS.split())
_PRONOUNS = {"my": "your", "me": "you", "myself": "yourself", "mine": "yours", "i": "you"}
_WORD = re.compile(r"^[a-z][a-z']*$")


def echo_phrase(text: str) -> str | None:
    """A short phrase from ``text`` in the second person, or None when none can be taken safely."""
    for clause in clauses(text):
        m = _LEAD.search(clause)
        if m is None:
            continue
        words: list[str] = []
        for word in m.group(2).split():
            if (word in _STOP and not (not words and word in _INTENSIFIERS)) or not _WORD.match(word):
                break
            words.append(_PRONOUNS.get(word, word))
            if len(words) >= MAX_ECHO_WORDS - 1:
                break
        while words and words[-1] in _TRAILING:
            words.pop()
        if words:
            return " ".join([_LEADS[m.group(1)], *words])
    return None


def question(text: str, *, again: bool) -> str:
    words = check_text()
    if again:
        return words.again
    phrase = echo_phrase(text)
    return words.with_phrase.format(phrase=phrase) if phrase else words.generic


# -- reading what the person says -----------------------------------------------------------------


def own_risk(a: Assessment) -> bool:
    """Whether the message carries risk of its own: high or above, or moderate with lexicon
    evidence in its own words (the context's level and matches from earlier turns do not count)."""
    level = a.level
    if a.context_adjusted:
        own = (a.details.get("context") or {}).get("own_level")
        level = RiskLevel(own) if own in {lv.value for lv in RiskLevel} else level
    return level >= RiskLevel.HIGH or (level >= RiskLevel.MODERATE and a.keyword_score > 0)


def is_exit(text: str, a: Assessment) -> bool:
    """An explicit retraction, in a message with no risk of its own."""
    if own_risk(a):
        return False
    words = check_text()
    parts = clauses(text)
    if any(p.search(c) for p in words.not_exits for c in parts):
        return False
    return any(p.search(c) for p in words.exits for c in parts)


def read_check_answer(text: str, a: Assessment) -> CheckReading:
    """The answer to the check. A message with risk of its own is never a no."""
    if is_exit(text, a):
        return "no"
    answer = parse_answer(text)
    if answer == "unclear":
        norm = " ".join(clauses(text))
        if any(p.search(norm) for p in check_text().no_phrases):
            answer = "no"
    if answer == "no" and own_risk(a):
        return "unclear"
    if answer in ("yes", "no"):
        return answer
    return "unclear"  # unclear, or declining to answer: the full flow
