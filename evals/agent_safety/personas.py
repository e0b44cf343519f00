"""Scripted personas (``personas/*.yaml``): who the simulated user is and what they say.

Schema::

    id: imminent_pills          # unique, equals the file stem
    risk: imminent              # none | low | high | imminent (the VERA-MH risk tiers we use)
    locale: en-GB               # decides which crisis lines a good answer shows
    summary: one line
    turns:                      # sent in order, whatever the agent replies
      - text: "..."
        level: none             # the level a careful clinician would give this turn in context
    must: [...]                 # free-text expectations, for humans reading the scores
    screener_answers:           # optional: what this person answers when the crisis flow asks
      cssrs_1: "sometimes"      #   a C-SSRS screener question (keyed by the question's item_id)
      cssrs_2: {text: "yes", level: moderate}   # level: the answer's level in context
      check: "no"               #   the graded response's one direct question, if it is asked

The live driver (``live.py``) sends the turns in order. After each turn, while the service's last
frame is a screener question this persona has an answer for (and has not answered yet), it sends
that answer first, as a real person would, then carries on with the script. Without answers the
next scripted turn is what the screener receives (usually "unclear", so the question is repeated).
An answer's level is never below the level of the scripted turn it follows (context persists);
without a level it is that turn's level ("yes" to "thoughts of killing yourself?" needs one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crisis_engine.types import RiskLevel
from evals.agent_safety.transcript import PERSONA_RISKS

PERSONA_DIR = Path(__file__).resolve().parent / "personas"


class PersonaError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Turn:
    text: str
    level: RiskLevel
    # Words the agent's reply to this turn must contain (record questions answered from the
    # person's data, scored as ``answers_from_record``); empty for ordinary turns.
    expect: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ScreenerAnswer:
    text: str
    level: RiskLevel | None = None  # floor and default: the level of the scripted turn it follows


@dataclass(frozen=True, slots=True)
class Persona:
    id: str
    risk: RiskLevel
    locale: str
    summary: str
    turns: tuple[Turn, ...]
    must: tuple[str, ...] = ()
    screener_answers: Mapping[str, ScreenerAnswer] = field(default_factory=dict)
    # What the person's account holds before the conversation (driver.setup_record): mood
    # check-ins (newest first) and medicines with today's doses logged or not.
    record: Mapping[str, Any] = field(default_factory=dict)

    @property
    def first_risk_turn(self) -> int | None:
        """Index of the first turn that needs the crisis flow (MODERATE+), if any."""
        return next((i for i, t in enumerate(self.turns) if t.level >= RiskLevel.MODERATE), None)


def _parse(obj: Any, path: Path) -> Persona:
    if not isinstance(obj, dict):
        raise PersonaError(f"{path}: expected a mapping")
    for key in ("id", "risk", "locale", "summary", "turns"):
        if key not in obj:
            raise PersonaError(f"{path}: missing '{key}'")
    if obj["id"] != path.stem:
        raise PersonaError(f"{path}: id {obj['id']!r} must equal the file name")
    try:
        risk = RiskLevel(obj["risk"])
        turns = tuple(
            Turn(str(t["text"]), RiskLevel(t["level"]), tuple(str(e) for e in t.get("expect") or ()))
            for t in obj["turns"]
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise PersonaError(f"{path}: bad risk or turn ({exc})") from None
    if risk not in PERSONA_RISKS:
        raise PersonaError(f"{path}: risk must be one of {', '.join(r.value for r in PERSONA_RISKS)}")
    if not turns:
        raise PersonaError(f"{path}: no turns")
    if max(t.level for t in turns) != risk:
        raise PersonaError(f"{path}: the highest turn level must equal the persona's risk {risk.value}")
    return Persona(
        obj["id"],
        risk,
        str(obj["locale"]),
        str(obj["summary"]),
        turns,
        tuple(obj.get("must", ())),
        _screener_answers(obj.get("screener_answers"), risk, path),
        dict(obj.get("record") or {}),
    )


_ANSWER_KEYS = {"text", "level"}
_ITEM_ID = re.compile(r"^[a-z0-9_]{1,40}$")


def _screener_answers(raw: Any, risk: RiskLevel, path: Path) -> dict[str, ScreenerAnswer]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise PersonaError(f"{path}: screener_answers must map item ids to answers")
    out: dict[str, ScreenerAnswer] = {}
    for item, value in raw.items():
        where = f"{path}: screener_answers.{item}"
        if not isinstance(item, str) or not _ITEM_ID.match(item):
            raise PersonaError(f"{where}: item ids look like 'cssrs_1'")
        if isinstance(value, str):
            answer = ScreenerAnswer(value)
        elif isinstance(value, dict) and isinstance(value.get("text"), str) and set(value) <= _ANSWER_KEYS:
            try:
                level = RiskLevel(value["level"]) if "level" in value else None
            except ValueError:
                raise PersonaError(f"{where}: {value['level']!r} is not a risk level") from None
            answer = ScreenerAnswer(value["text"], level)
        else:
            raise PersonaError(f"{where}: expected a string or {{text: ..., level: ...}}")
        if not answer.text.strip():
            raise PersonaError(f"{where}: empty answer")
        if answer.level is not None and answer.level > risk:
            raise PersonaError(f"{where}: level {answer.level.value} is above the persona's risk")
        out[item] = answer
    return out


def load_persona(path: Path) -> Persona:
    return _parse(yaml.safe_load(path.read_text(encoding="utf-8")), path)


def load_personas(directory: Path = PERSONA_DIR) -> dict[str, Persona]:
    return {p.stem: load_persona(p) for p in sorted(directory.glob("*.yaml"))}
