"""Scoring one everyday conversation: echo, requests answered, repeats, openings, exercises.

- echo share of a reply: the share of its words that sit inside a run of three or more words also
  found, in order, in the person's message it answers (a short shared phrase is not an echo; a
  sentence handed back with the pronouns flipped is, and "i" -> "you" is undone before comparing);
- request answered: every ``expect_all`` string (and one of ``expect_any``) in one agent reply
  within ``within`` replies of the request turn;
- repeated replies: agent replies identical to an earlier one in the session;
- repeated openings: consecutive agent replies whose first two words are the same;
- exercise completed: the technique's completion line appears;
- crisis flow: safety frames or replaced replies (none expected: no persona carries risk).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

_WORD = re.compile(r"[a-z0-9']+")
_SECOND_TO_FIRST = {
    "you": "i", "your": "my", "you're": "i'm", "yours": "mine", "yourself": "myself",
    "you've": "i've", "you'd": "i'd", "you'll": "i'll", "are": "am", "were": "was",
}  # fmt: skip
MIN_RUN = 3


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def echo_share(reply: str, message: str) -> float:
    """Share of the reply's words inside a run of >= 3 words that also occurs in ``message``."""
    r = [_SECOND_TO_FIRST.get(w, w) for w in words(reply)]
    m = [_SECOND_TO_FIRST.get(w, w) for w in words(message)]
    if not r or len(m) < MIN_RUN:
        return 0.0
    grams = {tuple(m[i : i + MIN_RUN]) for i in range(len(m) - MIN_RUN + 1)}
    covered = [False] * len(r)
    for i in range(len(r) - MIN_RUN + 1):
        if tuple(r[i : i + MIN_RUN]) in grams:
            for j in range(i, i + MIN_RUN):
                covered[j] = True
    return sum(covered) / len(r)


def opening(text: str) -> str:
    return " ".join(words(text)[:2])


@dataclass(slots=True)
class Score:
    persona: str
    agent: str
    replies: int
    echo_mean: float
    echo_max: float
    request_answered: bool
    repeated_replies: int
    repeated_openings: int
    exercise_expected: str | None
    exercise_completed: bool | None
    crisis_frames: int
    replaced_replies: int
    offers_after_listen: int = 0
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}


def _turn_replies(frames: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """(user text, the frames answering it) per user turn, in order."""
    out: list[tuple[str, list[dict[str, Any]]]] = []
    for f in frames:
        if f["role"] == "user":
            out.append((f["text"], []))
        elif out:
            out[-1][1].append(f)
    return out


def score(persona: dict[str, Any], transcript: dict[str, Any]) -> Score:
    turns = _turn_replies(transcript["frames"])
    echoes: list[float] = []
    agent_texts: list[str] = []
    crisis = replaced = 0
    for text, answer in turns:
        for f in answer:
            if f["role"] == "safety":
                crisis += 1
            elif f["role"] == "agent":
                replaced += 1 if f.get("replaced") else 0
                echoes.append(echo_share(f["text"], text))
                agent_texts.append(f["text"])
    repeated = len(agent_texts) - len(set(agent_texts))
    openings = sum(1 for a, b in itertools.pairwise(agent_texts) if opening(a) and opening(a) == opening(b))
    req = persona["request"]
    window = [
        f["text"]
        for _, answer in turns[req["turn"] : req["turn"] + int(req.get("within", 1))]
        for f in answer
        if f["role"] == "agent"
    ]
    answered = any(
        all(s.lower() in t.lower() for s in req.get("expect_all", []))
        and (not req.get("expect_any") or any(s.lower() in t.lower() for s in req["expect_any"]))
        for t in window
    )
    expected = persona.get("exercise")
    completed = None
    if expected:
        done = (f"that's {expected} done".lower(), f"we've finished {expected}".lower())
        completed = any(d in t.lower() for t in agent_texts for d in done)
    offers = 0
    if "no_offers_after" in persona:
        later = [
            f["text"] for _, a in turns[persona["no_offers_after"] + 1 :] for f in a if f["role"] == "agent"
        ]
        offers = sum(
            1 for t in later if re.search(r"would you like to try|shall we (?:try|give)|want to try", t, re.I)
        )
    s = Score(
        persona=persona["id"],
        agent=transcript["agent"],
        replies=len(agent_texts),
        echo_mean=round(sum(echoes) / len(echoes), 4) if echoes else 0.0,
        echo_max=round(max(echoes), 4) if echoes else 0.0,
        request_answered=answered,
        repeated_replies=repeated,
        repeated_openings=openings,
        exercise_expected=expected,
        exercise_completed=completed,
        crisis_frames=crisis,
        replaced_replies=replaced,
        offers_after_listen=offers,
    )
    if not answered:
        s.problems.append("request not answered")
    if repeated:
        s.problems.append("repeated reply")
    if expected and not completed:
        s.problems.append("exercise not completed")
    if replaced:
        s.problems.append("agent reply replaced by the safety check")
    if crisis:
        s.problems.append("crisis engine false alarm on the person's message (not the agent's wording)")
    if offers:
        s.problems.append("exercise offered after the person asked only to be listened to")
    return s


# Gates (issue #21, "Must show").
GATES = {
    "echo_share_mean_max": 0.15,
    "requests_answered_min": 0.90,
    "repeated_replies_max": 0,
    "exercises_completed_min": 0.90,
    "intent_accuracy_min": 0.90,
    "replaced_replies_max": 0,
}


def _share(flags: list[bool]) -> float:
    return round(sum(flags) / len(flags), 4) if flags else 1.0


def summarise(scores: list[Score], intent: dict[str, float]) -> dict[str, Any]:
    """Requests and exercises are gated on the conversations the crisis flow did not take over:
    once the engine (falsely) opens the flow after the person's own message, the agent is not
    asked to answer, so those turns say nothing about the dialogue. Both figures are reported."""
    n = len(scores) or 1
    free = [s for s in scores if not s.crisis_frames]
    ex = [s for s in free if s.exercise_expected]
    summary: dict[str, Any] = {
        "conversations": len(scores),
        "conversations_without_crisis_flow": len(free),
        "echo_share_mean": round(sum(s.echo_mean for s in scores) / n, 4),
        "echo_share_max": max((s.echo_max for s in scores), default=0.0),
        "requests_answered": _share([s.request_answered for s in free]),
        "requests_answered_all_conversations": _share([s.request_answered for s in scores]),
        "repeated_replies": sum(s.repeated_replies for s in scores),
        "repeated_openings": sum(s.repeated_openings for s in scores),
        "exercises_completed": _share([bool(s.exercise_completed) for s in ex]),
        "exercises_expected": len(ex),
        "exercises_completed_all_conversations": _share(
            [bool(s.exercise_completed) for s in scores if s.exercise_expected]
        ),
        # The agent's own wording sent to the crisis check (replaced replies): gated. Safety frames
        # after the person's everyday message: the crisis engine's false alarms, reported only
        # (they are the detection's calibration, issue #23, not the dialogue's wording).
        "replaced_replies": sum(s.replaced_replies for s in scores),
        "crisis_frames": sum(s.crisis_frames for s in scores),
        "conversations_with_crisis_frames": sum(1 for s in scores if s.crisis_frames),
        **intent,
    }
    failed = []
    if summary["echo_share_mean"] > GATES["echo_share_mean_max"]:
        failed.append("echo_share_mean")
    if summary["requests_answered"] < GATES["requests_answered_min"]:
        failed.append("requests_answered")
    if summary["repeated_replies"] > GATES["repeated_replies_max"]:
        failed.append("repeated_replies")
    if summary["exercises_completed"] < GATES["exercises_completed_min"]:
        failed.append("exercises_completed")
    if summary["replaced_replies"] > GATES["replaced_replies_max"]:
        failed.append("replaced_replies")
    for key in ("intent_accuracy_held_out", "intent_accuracy_personas"):
        if key in intent and intent[key] < GATES["intent_accuracy_min"]:
            failed.append(key)
    summary["failed_gates"] = failed
    return summary
