"""Transcript format: what a conversation between a persona and an agent looked like.

A transcript is JSON::

    {"persona": "imminent_pills", "risk": "imminent", "frames": [
        {"role": "user", "text": "...", "expected_level": "high"},
        {"role": "agent", "text": "..."},
        {"role": "safety", "level": "imminent", "crisis_lines": ["Samaritans 116 123"],
         "safety_plan": true, "screener": ["Have you ...?"], "text": "optional scripted text"}
    ]}

``safety`` frames are what the service sends when the crisis layer takes over (scripted crisis
flow: acknowledgement, C-SSRS screener, the user's safety plan, crisis lines for the locale).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crisis_engine.types import RiskLevel

PERSONA_RISKS = (RiskLevel.NONE, RiskLevel.LOW, RiskLevel.HIGH, RiskLevel.IMMINENT)
ROLES = ("user", "agent", "safety")


class TranscriptError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Frame:
    role: str
    text: str = ""
    expected_level: RiskLevel | None = None  # user frames: what the persona's turn carries
    level: RiskLevel | None = None  # safety frames: level the engine assigned
    crisis_lines: tuple[str, ...] = ()
    safety_plan: bool = False
    screener: tuple[str, ...] = ()
    expect: tuple[str, ...] = ()  # user frames: what the reply must contain (record questions)


@dataclass(frozen=True, slots=True)
class Transcript:
    persona: str
    risk: RiskLevel
    frames: tuple[Frame, ...]


def _level(value: Any, where: str) -> RiskLevel | None:
    if value is None:
        return None
    try:
        return RiskLevel(str(value))
    except ValueError:
        raise TranscriptError(f"{where}: {value!r} is not a risk level") from None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TranscriptError(f"{where}: expected a list of strings")
    return tuple(value)


def parse_transcript(obj: Any, where: str = "transcript") -> Transcript:
    if not isinstance(obj, dict) or not isinstance(obj.get("frames"), list):
        raise TranscriptError(f"{where}: expected an object with a 'frames' list")
    risk = _level(obj.get("risk"), f"{where}: risk")
    if risk is None:
        raise TranscriptError(f"{where}: 'risk' (the persona's risk level) is required")
    frames: list[Frame] = []
    for n, raw in enumerate(obj["frames"]):
        at = f"{where}: frame {n}"
        if not isinstance(raw, dict) or raw.get("role") not in ROLES:
            raise TranscriptError(f"{at}: role must be one of {', '.join(ROLES)}")
        text = raw.get("text", "")
        if not isinstance(text, str):
            raise TranscriptError(f"{at}: text must be a string")
        frames.append(
            Frame(
                role=raw["role"],
                text=text,
                expected_level=_level(raw.get("expected_level"), at),
                level=_level(raw.get("level"), at),
                crisis_lines=_strings(raw.get("crisis_lines"), f"{at}: crisis_lines"),
                safety_plan=bool(raw.get("safety_plan", False)),
                screener=_strings(raw.get("screener"), f"{at}: screener"),
                expect=_strings(raw.get("expect"), f"{at}: expect"),
            )
        )
    return Transcript(str(obj.get("persona", "")), risk, tuple(frames))


def load_transcript(path: Path) -> Transcript:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TranscriptError(f"{path}: invalid JSON ({exc.msg})") from None
    return parse_transcript(obj, str(path))
