"""Phrasing: choosing among equivalent templates without repeating, and shaping the final text."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from hp_agent.agents.scripted.memory import Memory

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


@dataclass(slots=True)
class Reply:
    parts: list[tuple[str, str]] = field(default_factory=list)

    def add(self, kind: str, text: str | None) -> None:
        if text:
            self.parts.append((kind, text.strip()))

    def kinds(self) -> set[str]:
        return {k for k, _ in self.parts}


def stable_seed(*items: object) -> int:
    digest = hashlib.sha256("\x1f".join(str(i) for i in items).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def stem(template: str) -> str:
    """The longest fixed stretch of a template: how to recognise it in an earlier reply."""
    # Sentence by sentence too: rendering may drop a template's closing question.
    segments = [s.strip(" .,") for part in _PLACEHOLDER.split(template) for s in re.split(r"[.!?]", part)]
    return max(segments, key=len, default="")[:48]


def cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


class Picker:
    """Chooses among equivalent phrasings: deterministic, and avoiding ones already used."""

    def __init__(self, rng: random.Random, memory: Memory) -> None:
        self.rng = rng
        self.memory = memory
        self.used_now: set[str] = set()

    def _fresh(self, options: Sequence[str]) -> list[str]:
        order = list(options)
        self.rng.shuffle(order)
        return [
            t
            for t in order
            if t not in self.used_now and not (len(stem(t)) >= 12 and self.memory.said(stem(t)))
        ]

    def pick(self, options: Sequence[str], *alternatives: Sequence[str], **values: str) -> str | None:
        """One of ``options``, preferring unused ones; when all are used, an unused one of
        ``alternatives`` (in order) before repeating a phrasing."""
        if not options:
            return None
        fresh = self._fresh(options)
        for group in alternatives:
            if fresh:
                break
            fresh = self._fresh(group)
        chosen = fresh[0] if fresh else self.rng.choice(list(options))
        self.used_now.add(chosen)
        return chosen.format_map(_Defaults(values))


class _Defaults(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


_WHOLE = frozenset({"step", "redirect", "technique", "question"})


def keep_last_questions(parts: list[tuple[str, str]], keep: int) -> str:
    sentences: list[str] = []
    whole: set[int] = set()
    for kind, text in parts:
        for s in _SENTENCE.split(text):
            if s:
                if kind in _WHOLE:
                    whole.add(len(sentences))
                sentences.append(s)
    question_idx = [i for i, s in enumerate(sentences) if s.rstrip().endswith("?") and i not in whole]
    # A part written whole (the question, an offer, a step) asks its own questions; they count first.
    keep = max(0, keep - sum(1 for i in whole if sentences[i].rstrip().endswith("?")))
    drop = set(question_idx[: len(question_idx) - keep]) if len(question_idx) > keep else set()
    return " ".join(s for i, s in enumerate(sentences) if i not in drop)


def truncate_sentences(text: str, limit: int) -> str:
    sentences = _SENTENCE.split(text)
    # Keep the final sentence (usually the question) and as many leading ones as fit.
    last = sentences[-1]
    kept: list[str] = []
    for s in sentences[:-1]:
        if len(" ".join([*kept, s, last])) > limit:
            break
        kept.append(s)
    return " ".join([*kept, last])
