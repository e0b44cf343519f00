"""The scripted engine's content, loaded from ``prompts/dialogue/`` and checked once.

Everything the engine says or listens for lives in YAML; this module only gives it types.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hp_agent.paths import prompts_dir

APPROACHES = ("cbt", "dbt_skills", "act", "supportive_listening", "motivational_interviewing")
DISTORTION_STYLES = ("name", "defuse", "check_facts", "reflect")


class DialogueContentError(ValueError):
    pass


def _compile(pattern: str, *, bounded: bool = False) -> re.Pattern[str]:
    try:
        return re.compile(rf"\b(?:{pattern})\b" if bounded else pattern, re.IGNORECASE)
    except re.error as exc:
        raise DialogueContentError(f"bad pattern {pattern!r}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Distortion:
    id: str
    name: str
    patterns: tuple[re.Pattern[str], ...]
    explain: str
    questions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Technique:
    id: str
    name: str
    markers: tuple[str, ...]
    emotions: frozenset[str]
    topics: frozenset[str]
    distortions: frozenset[str]
    high_distress: bool
    offer: tuple[str, ...]
    steps: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lexicon:
    emotions: dict[str, tuple[re.Pattern[str], ...]]
    painful: tuple[re.Pattern[str], ...]
    topics: dict[str, tuple[re.Pattern[str], ...]]
    relations: tuple[str, ...]
    things: tuple[str, ...]
    not_names: frozenset[str]
    intents: dict[str, tuple[re.Pattern[str], ...]]
    rating: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class Approach:
    name: str
    distortion_style: str
    offer_techniques: str  # always | when_asked
    offer_after_turns: int
    high_distress_threshold: int
    techniques: tuple[str, ...]
    # Template lists by dotted key: "reflections.plain", "context.goal", "questions", ...
    templates: dict[str, tuple[str, ...]]

    def lines(self, key: str) -> tuple[str, ...]:
        return self.templates.get(key, ())


@dataclass(frozen=True, slots=True)
class DialogueContent:
    lexicon: Lexicon
    distortions: tuple[Distortion, ...]
    techniques: dict[str, Technique]
    redirects: dict[str, tuple[str, ...]]
    approaches: dict[str, Approach]


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DialogueContentError(f"{path.name}: cannot read ({exc.__class__.__name__})") from exc


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DialogueContentError(f"{where}: expected a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{dotted}."))
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[dotted] = _strings(value, dotted)
    return out


_SETTINGS = (
    "distortion_style",
    "offer_techniques",
    "offer_after_turns",
    "high_distress_threshold",
    "techniques",
)


def _approach(
    name: str, common: dict[str, Any], own: dict[str, Any], techniques: dict[str, Technique]
) -> Approach:
    merged = {**common, **own}
    # Nested template groups merge key by key, so an approach can override only reflections.plain.
    for key, value in common.items():
        if isinstance(value, dict) and isinstance(own.get(key), dict):
            merged[key] = {**value, **own[key]}
    style = str(merged.get("distortion_style", "name"))
    if style not in DISTORTION_STYLES:
        raise DialogueContentError(f"{name}: distortion_style must be one of {DISTORTION_STYLES}")
    offer = str(merged.get("offer_techniques", "always"))
    if offer not in ("always", "when_asked"):
        raise DialogueContentError(f"{name}: offer_techniques must be always or when_asked")
    ids = _strings(merged.get("techniques", []), f"{name}.techniques")
    unknown = [t for t in ids if t not in techniques]
    if unknown:
        raise DialogueContentError(f"{name}: unknown techniques {unknown}")
    templates = _flatten({k: v for k, v in merged.items() if k not in _SETTINGS})
    for required in ("reflections.plain", "reflections.with_emotion", "questions", "fallbacks"):
        if not templates.get(required):
            raise DialogueContentError(f"{name}: missing templates for {required}")
    return Approach(
        name=name,
        distortion_style=style,
        offer_techniques=offer,
        offer_after_turns=int(merged.get("offer_after_turns", 1)),
        high_distress_threshold=int(merged.get("high_distress_threshold", 8)),
        techniques=ids,
        templates=templates,
    )


def _technique(tid: str, data: dict[str, Any]) -> Technique:
    fits = data.get("fits") or {}
    return Technique(
        id=tid,
        name=str(data["name"]),
        markers=_strings(data.get("markers", []), f"{tid}.markers"),
        emotions=frozenset(fits.get("emotions", [])),
        topics=frozenset(fits.get("topics", [])),
        distortions=frozenset(fits.get("distortions", [])),
        high_distress=bool(fits.get("high_distress", False)),
        offer=_strings(data.get("offer", []), f"{tid}.offer"),
        steps=_strings(data.get("steps", []), f"{tid}.steps"),
    )


def _lexicon(data: dict[str, Any]) -> Lexicon:
    def group(key: str, *, bounded: bool) -> dict[str, tuple[re.Pattern[str], ...]]:
        groups = data.get(key) or {}
        # YAML reads bare yes/no/on/off keys as booleans; insist on names.
        bad = [k for k in groups if not isinstance(k, str)]
        if bad:
            raise DialogueContentError(f"{key}: group names must be strings (quote {bad})")
        return {
            label: tuple(_compile(p, bounded=bounded) for p in _strings(patterns, f"{key}.{label}"))
            for label, patterns in groups.items()
        }

    return Lexicon(
        emotions=group("emotions", bounded=True),
        painful=tuple(_compile(p, bounded=True) for p in _strings(data.get("painful", []), "painful")),
        topics=group("topics", bounded=True),
        relations=_strings(data.get("relations", []), "relations"),
        things=_strings(data.get("things", []), "things"),
        not_names=frozenset(str(n) for n in data.get("not_names", [])),
        intents=group("intents", bounded=False),
        rating=_compile(str(data["rating"])),
    )


def load_content(root: Path | None = None) -> DialogueContent:
    base = root or prompts_dir() / "dialogue"
    techniques = {tid: _technique(tid, d) for tid, d in (_read(base / "techniques.yaml") or {}).items()}
    distortions = tuple(
        Distortion(
            id=str(d["id"]),
            name=str(d["name"]),
            patterns=tuple(_compile(p) for p in _strings(d["patterns"], f"{d['id']}.patterns")),
            explain=str(d["explain"]),
            questions=_strings(d.get("questions", []), f"{d['id']}.questions"),
        )
        for d in _read(base / "distortions.yaml") or []
    )
    redirects = {k: _strings(v, f"redirects.{k}") for k, v in (_read(base / "redirects.yaml") or {}).items()}
    common = _read(base / "common.yaml") or {}
    approaches = {}
    for name in APPROACHES:
        path = base / "approaches" / f"{name}.yaml"
        approaches[name] = _approach(name, common, _read(path) or {} if path.is_file() else {}, techniques)
    return DialogueContent(
        lexicon=_lexicon(_read(base / "lexicon.yaml") or {}),
        distortions=distortions,
        techniques=techniques,
        redirects=redirects,
        approaches=approaches,
    )


@functools.lru_cache(maxsize=1)
def default_content() -> DialogueContent:
    return load_content()
