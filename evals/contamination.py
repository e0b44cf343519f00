"""Overlap between an evaluation set and the engine's training data.

The curated suites are meant to be held out. Some phrasings are so canonical ("i want to kill
myself") that the training data may contain them too; the report lists such items so a reader
knows which hits the engine may have memorised rather than generalised to.
"""

from __future__ import annotations

import math
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


class JaccardIndex:
    """Token sets, searchable for those with Jaccard similarity >= ``threshold`` to a query.

    Prefix filtering: with each set's tokens in one global order (rarest first), two sets whose
    similarity reaches t share a token among the first |x| - ceil(t * |x|) + 1 of each. Only
    sets sharing such a token are compared, so thousands of messages against thousands of
    training rows cost milliseconds instead of a pairwise loop (the everyday suite has ~3,000)."""

    def __init__(self, token_sets: Sequence[frozenset[str]], threshold: float = NEAR_JACCARD) -> None:
        self.sets = list(token_sets)
        self.threshold = threshold
        freq: dict[str, int] = {}
        for tokens in self.sets:
            for tok in tokens:
                freq[tok] = freq.get(tok, 0) + 1
        self._freq = freq
        self._index: dict[str, list[int]] = {}
        for i, tokens in enumerate(self.sets):
            for tok in self._prefix(tokens):
                self._index.setdefault(tok, []).append(i)

    def _prefix(self, tokens: frozenset[str]) -> list[str]:
        ordered = sorted(tokens, key=lambda t: (self._freq.get(t, 0), t))
        keep = len(ordered) - math.ceil(self.threshold * len(ordered)) + 1
        return ordered[: max(keep, 1)]

    def similar(self, tokens: frozenset[str]) -> list[tuple[int, float]]:
        """(index, similarity) of the stored sets at or above the threshold."""
        if not tokens:
            return []
        candidates = {i for tok in self._prefix(tokens) for i in self._index.get(tok, ())}
        out = []
        for i in sorted(candidates):
            other = self.sets[i]
            sim = len(tokens & other) / len(tokens | other)
            if sim >= self.threshold:
                out.append((i, sim))
        return out


def find_overlap(items: Sequence[EvalItem], training_texts: Iterable[str]) -> Overlap:
    train_norm = sorted({normalise(t) for t in training_texts})
    train_set = set(train_norm)
    index = JaccardIndex([frozenset(t.split()) for t in train_norm])
    exact: list[str] = []
    near: list[str] = []
    for item in items:
        text = normalise(item.text)
        if text in train_set:
            exact.append(item.id)
            continue
        tokens = frozenset(text.split())
        if len(tokens) < MIN_TOKENS:
            continue
        if index.similar(tokens):
            near.append(item.id)
    return Overlap(tuple(exact), tuple(near), len(train_norm))
