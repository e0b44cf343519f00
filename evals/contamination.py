"""Overlap between an evaluation set and the engine's training data.

The curated suites are meant to be held out. Some phrasings are so canonical ("i want to kill
myself") that the training data may contain them too; the report lists such items so a reader
knows which hits the engine may have memorised rather than generalised to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from evals.items import EvalItem

NEAR_JACCARD = 0.8  # token-set similarity above which two messages count as the same phrasing
MIN_TOKENS = 3  # shorter messages are too generic for a near-duplicate verdict
_NON_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    return _NON_WORD.sub(" ", text.casefold()).strip()


@dataclass(frozen=True, slots=True)
class Overlap:
    exact: tuple[str, ...]  # item ids whose normalised text is in the training data
    near: tuple[str, ...]  # item ids with a near-duplicate (token Jaccard >= NEAR_JACCARD)
    n_training: int

    def as_dict(self) -> dict[str, object]:
        return {
            "exact": list(self.exact),
            "near": list(self.near),
            "n_training_texts": self.n_training,
            "near_jaccard": NEAR_JACCARD,
        }


def find_overlap(items: Sequence[EvalItem], training_texts: Iterable[str]) -> Overlap:
    train_norm = {normalise(t) for t in training_texts}
    train_tokens = [frozenset(t.split()) for t in train_norm]
    exact: list[str] = []
    near: list[str] = []
    for item in items:
        text = normalise(item.text)
        if text in train_norm:
            exact.append(item.id)
            continue
        tokens = frozenset(text.split())
        if len(tokens) < MIN_TOKENS:
            continue
        if any(len(tokens & other) / len(tokens | other) >= NEAR_JACCARD for other in train_tokens):
            near.append(item.id)
    return Overlap(tuple(exact), tuple(near), len(train_norm))
