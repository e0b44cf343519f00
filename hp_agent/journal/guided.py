"""Guided CBT flows as data: steps and wording from ``prompts/guided/*.yaml``, answers validated here.

Transport-neutral on purpose: the REST endpoints and the ``/v1/ws/guided`` socket both call
:func:`get_flow`, :meth:`Flow.step` and :meth:`Step.validate`; persistence lives in
``guided_service`` and ``guided_sessions``. Validation errors name fields only, never echo what
the person wrote.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hp_agent.journal.common import InvalidInput
from hp_agent.paths import prompts_dir

FIELD_TYPES = frozenset({"text", "percent", "scale", "emotions", "distortions", "list"})
_EMOTION_NAME = re.compile(r"^[\w' -]{1,40}$", re.UNICODE)


def guided_dir() -> Path:
    return prompts_dir() / "guided"


@dataclass(frozen=True, slots=True)
class Distortion:
    code: str
    name: str
    description: str
    cues: tuple[re.Pattern[str], ...]


@functools.lru_cache(maxsize=1)
def distortions() -> dict[str, Distortion]:
    raw = yaml.safe_load((guided_dir() / "distortions.yaml").read_text(encoding="utf-8"))
    out: dict[str, Distortion] = {}
    for d in raw["distortions"]:
        cues = tuple(re.compile(c, re.IGNORECASE) for c in d.get("cues", []))
        out[d["code"]] = Distortion(d["code"], d["name"], d["description"], cues)
    return out


def suggest_distortions(*texts: str | None) -> list[str]:
    """Distortion codes whose cues appear in the text, in the catalogue's order."""
    joined = "\n".join(t for t in texts if t).replace("’", "'")
    return [d.code for d in distortions().values() if any(c.search(joined) for c in d.cues)]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: str
    required: bool
    label: str | None
    max_length: int
    min_items: int
    max_items: int

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not acceptable, or None. Messages describe the rule, not the value."""
        t = self.type
        if t == "text":
            if not isinstance(value, str) or not value.strip():
                return "must be non-empty text"
            if len(value) > self.max_length:
                return f"must be at most {self.max_length} characters"
        elif t in ("percent", "scale"):
            lo, hi = (0, 100) if t == "percent" else (1, 10)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                return f"must be a whole number from {lo} to {hi}"
        elif t == "list":
            if not isinstance(value, list) or not self.min_items <= len(value) <= self.max_items:
                return f"must be a list of {self.min_items} to {self.max_items} items"
            if any(not isinstance(v, str) or not v.strip() or len(v) > self.max_length for v in value):
                return f"items must be non-empty text of at most {self.max_length} characters"
        elif t == "emotions":
            if not isinstance(value, list) or not self.min_items <= len(value) <= self.max_items:
                return f"must be a list of {self.min_items} to {self.max_items} emotions"
            for e in value:
                if not isinstance(e, dict) or set(e) != {"name", "intensity"}:
                    return "each emotion needs exactly a name and an intensity"
                name, intensity = e["name"], e["intensity"]
                if not isinstance(name, str) or not _EMOTION_NAME.match(name.strip()):
                    return "emotion names must be short words (up to 40 letters)"
                if isinstance(intensity, bool) or not isinstance(intensity, int) or not 0 <= intensity <= 100:
                    return "intensity must be a whole number from 0 to 100"
        elif t == "distortions":
            if not isinstance(value, list) or len(value) > self.max_items:
                return f"must be a list of at most {self.max_items} distortion codes"
            known = distortions()
            unknown = [v for v in value if not isinstance(v, str) or v not in known]
            if unknown:
                return "unknown distortion code; choose from the suggested catalogue"
        return None

    def clean(self, value: Any) -> Any:
        if self.type == "text":
            return value.strip()
        if self.type == "list":
            return [v.strip() for v in value]
        if self.type == "emotions":
            return [{"name": e["name"].strip().lower(), "intensity": e["intensity"]} for e in value]
        if self.type == "distortions":
            return list(dict.fromkeys(value))
        return value


@dataclass(frozen=True, slots=True)
class Step:
    number: int
    key: str
    title: str
    prompt: str
    help: str | None
    fields: tuple[FieldSpec, ...]
    suggests_distortions: bool

    def validate(self, answer: dict[str, Any]) -> dict[str, Any]:
        """The cleaned values for this step's fields; 422 naming every field that is wrong."""
        names = {f.name for f in self.fields}
        problems = [{"field": k, "message": "not a field of this step"} for k in answer if k not in names]
        cleaned: dict[str, Any] = {}
        for f in self.fields:
            value = answer.get(f.name)
            if value is None:
                if f.required:
                    problems.append({"field": f.name, "message": "is required"})
                else:
                    cleaned[f.name] = None
                continue
            why = f.problem(value)
            if why:
                problems.append({"field": f.name, "message": why})
            else:
                cleaned[f.name] = f.clean(value)
        if problems:
            raise InvalidInput(
                f"The answer to step '{self.key}' is not valid.",
                details={"step": self.key, "fields": problems},
            )
        return cleaned

    def describe(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "key": self.key,
            "title": self.title,
            "prompt": self.prompt,
            "help": self.help,
            "fields": [
                {"name": f.name, "type": f.type, "required": f.required, "label": f.label}
                for f in self.fields
            ],
        }


@dataclass(frozen=True, slots=True)
class Flow:
    name: str
    version: int
    title: str
    technique: str
    intro: str
    completion: str
    steps: tuple[Step, ...]

    def step(self, number: int) -> Step:
        return self.steps[number - 1]

    def step_by_key(self, key: str) -> Step | None:
        return next((s for s in self.steps if s.key == key), None)

    @property
    def last(self) -> int:
        return len(self.steps)

    def validate_all(self, answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """For flows submitted in one go: every step's answer, merged into one dict of fields."""
        unknown = [k for k in answers if self.step_by_key(k) is None]
        if unknown:
            raise InvalidInput(
                "Unknown steps in the answers.",
                details={"fields": [{"field": k, "message": "not a step of this flow"} for k in unknown]},
            )
        merged: dict[str, Any] = {}
        for s in self.steps:
            answer = answers.get(s.key) or {}
            if not isinstance(answer, dict):
                raise InvalidInput(
                    f"The answer to step '{s.key}' must be an object.",
                    details={"fields": [{"field": s.key, "message": "must be an object"}]},
                )
            merged.update(s.validate(answer))
        return merged

    def describe(self) -> dict[str, Any]:
        return {
            "flow": self.name,
            "version": self.version,
            "title": self.title,
            "intro": self.intro,
            "completion": self.completion,
            "steps": [s.describe() for s in self.steps],
        }


def _field(name: str, spec: dict[str, Any]) -> FieldSpec:
    if spec["type"] not in FIELD_TYPES:
        raise ValueError(f"guided field {name}: unknown type {spec['type']!r}")
    return FieldSpec(
        name=name,
        type=spec["type"],
        required=bool(spec.get("required", False)),
        label=spec.get("label"),
        max_length=int(spec.get("max_length", 4000)),
        min_items=int(spec.get("min_items", 0)),
        max_items=int(spec.get("max_items", 10)),
    )


def _load(path: Path) -> Flow:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    steps = tuple(
        Step(
            number=int(s["number"]),
            key=s["key"],
            title=s["title"],
            prompt=s["prompt"],
            help=s.get("help"),
            fields=tuple(_field(n, f) for n, f in s["fields"].items()),
            suggests_distortions=bool(s.get("suggest_distortions", False)),
        )
        for s in raw["steps"]
    )
    if [s.number for s in steps] != list(range(1, len(steps) + 1)):
        raise ValueError(f"{path.name}: steps must be numbered 1..n in order")
    return Flow(
        name=raw["flow"],
        version=int(raw["version"]),
        title=raw["title"],
        technique=raw["technique"],
        intro=raw["intro"],
        completion=raw["completion"],
        steps=steps,
    )


@functools.lru_cache(maxsize=1)
def flows() -> dict[str, Flow]:
    out = {}
    for path in sorted(guided_dir().glob("*.yaml")):
        if path.stem == "distortions":
            continue
        flow = _load(path)
        out[flow.name] = flow
    return out


def get_flow(name: str) -> Flow | None:
    return flows().get(name)
