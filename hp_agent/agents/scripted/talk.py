"""The conversation content of ``prompts/dialogue/conversation.yaml``: paraphrases by theme, the
summary, psychoeducation, plan prompts and the exercise frame lines, typed and checked once."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hp_agent.paths import prompts_dir

THEMES = (
    "sleep",
    "exams_work",
    "relationships",
    "loneliness",
    "grief",
    "anger",
    "worry_panic",
    "low_mood",
    "self_esteem",
)


@dataclass(frozen=True, slots=True)
class Info:
    id: str
    keywords: frozenset[str]
    text: str


@dataclass(frozen=True, slots=True)
class PlanPrompts:
    ask_subjects: str
    ask_hours: str
    intro: str
    tips: str


@dataclass(frozen=True, slots=True)
class Talk:
    gist: dict[str, tuple[str, ...]]
    theme_feeling: dict[str, str]
    feeling_names: dict[str, str]
    reflect: tuple[str, ...]
    short_ack: tuple[str, ...]
    summary: tuple[str, ...]
    summary_theme: dict[str, str]
    listen: tuple[str, ...]
    about_agent: tuple[str, ...]
    closing: tuple[str, ...]
    info: tuple[Info, ...]
    info_offer: tuple[str, ...]
    tips: dict[str, str]
    tips_question: tuple[str, ...]
    own_idea: tuple[str, ...]
    own_idea_familiar: tuple[str, ...]
    plan_later: tuple[str, ...]
    plans: dict[str, PlanPrompts]
    exercise: dict[str, tuple[str, ...]]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"conversation.yaml {where}: expected a non-empty list of strings")
    return tuple(" ".join(v.split()) for v in value)


def load_talk(path: Path | None = None) -> Talk:
    data = yaml.safe_load((path or prompts_dir() / "dialogue" / "conversation.yaml").read_text("utf-8"))
    gist = {k: _strings(v, f"gist.{k}") for k, v in data["gist"].items()}
    missing = [t for t in (*THEMES, "none") if t not in gist or t not in data["theme_feeling"]]
    if missing:
        raise ValueError(f"conversation.yaml: no gist or feeling for {missing}")
    return Talk(
        gist=gist,
        theme_feeling={k: str(v) for k, v in data["theme_feeling"].items()},
        feeling_names={k: str(v) for k, v in (data.get("feeling_names") or {}).items()},
        reflect=_strings(data["reflect"], "reflect"),
        short_ack=_strings(data["short_ack"], "short_ack"),
        summary=_strings(data["summary"], "summary"),
        summary_theme={k: str(v) for k, v in data["summary_theme"].items()},
        listen=_strings(data["listen"], "listen"),
        about_agent=_strings(data["about_agent"], "about_agent"),
        closing=_strings(data["closing"], "closing"),
        info=tuple(
            Info(k, frozenset(str(w) for w in v["keywords"]), " ".join(str(v["text"]).split()))
            for k, v in data["info"].items()
        ),
        info_offer=_strings(data["info_offer"], "info_offer"),
        tips={k: " ".join(str(v).split()) for k, v in data["tips"].items()},
        tips_question=_strings(data["tips_question"], "tips_question"),
        own_idea=_strings(data["own_idea"], "own_idea"),
        own_idea_familiar=_strings(data["own_idea_familiar"], "own_idea_familiar"),
        plan_later=_strings(data["plan_later"], "plan_later"),
        plans={
            k: PlanPrompts(
                **{f: " ".join(str(v[f]).split()) for f in ("ask_subjects", "ask_hours", "intro", "tips")}
            )
            for k, v in data["plan"].items()
        },
        exercise={k: _strings(v, f"exercise.{k}") for k, v in data["exercise"].items()},
    )


def feeling_name(talk: Talk, emotion: str) -> str:
    return talk.feeling_names.get(emotion, emotion)


@functools.lru_cache(maxsize=1)
def default_talk() -> Talk:
    return load_talk()
