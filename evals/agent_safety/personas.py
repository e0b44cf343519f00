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
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Persona:
    id: str
    risk: RiskLevel
    locale: str
    summary: str
    turns: tuple[Turn, ...]
    must: tuple[str, ...] = ()

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
        turns = tuple(Turn(str(t["text"]), RiskLevel(t["level"])) for t in obj["turns"])
    except (ValueError, KeyError, TypeError) as exc:
        raise PersonaError(f"{path}: bad risk or turn ({exc})") from None
    if risk not in PERSONA_RISKS:
        raise PersonaError(f"{path}: risk must be one of {', '.join(r.value for r in PERSONA_RISKS)}")
    if not turns:
        raise PersonaError(f"{path}: no turns")
    if max(t.level for t in turns) != risk:
        raise PersonaError(f"{path}: the highest turn level must equal the persona's risk {risk.value}")
    return Persona(
        obj["id"], risk, str(obj["locale"]), str(obj["summary"]), turns, tuple(obj.get("must", ()))
    )


def load_persona(path: Path) -> Persona:
    return _parse(yaml.safe_load(path.read_text(encoding="utf-8")), path)


def load_personas(directory: Path = PERSONA_DIR) -> dict[str, Persona]:
    return {p.stem: load_persona(p) for p in sorted(directory.glob("*.yaml"))}
