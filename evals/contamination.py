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
# Paraphrase: the same content words (function words dropped, crude suffix stemming, a few
# everyday synonyms folded) with a lower bar. "everyone would be much better off without me" and
# "everybody's better off without me tbh" share no 0.8 token set but the same three content stems.
PARAPHRASE_JACCARD = 0.75
MIN_CONTENT = 3
_NON_WORD = re.compile(r"[^\w]+")
_STOP_WORDS = """
a an the and or but so to of in on at for with from by as is am are was were be been being
i im me my mine myself you your he she it its we they them their this that these those
do does did done doing have has had having will would shall should can could may might must
just really very too also even still ever again now then there here what which who whom
how why when where if than nor only own same such some any all each both more most
lol tbh idk honestly like kinda gonna wanna got get gets ok okay oh ugh um hey yeah pretty
much about going go sure maybe one thing things ive id ill dont cant didnt wont isnt wasnt
havent youre thats
"""
_STOP = frozenset(_STOP_WORDS.split())
# Spelling and word variants that say the same thing in chat.
_FOLD = {
    "everybody": "everyone", "everyones": "everyone", "everybodys": "everyone", "nobody": "noone",
    "anymore": "longer", "u": "you", "ur": "your", "tmrw": "tomorrow", "tonite": "tonight",
    "mum": "mom", "mam": "mom", "mother": "mom", "dad": "father", "pills": "pill", "tablets": "pill",
    "tablet": "pill", "meds": "pill", "medication": "pill",
}  # fmt: skip
_SUFFIXES = ("ing", "ed", "es", "s", "ly")


def normalise(text: str) -> str:
    return _NON_WORD.sub(" ", text.casefold().replace("'", "").replace("\u2019", "")).strip()


def content_tokens(text: str) -> frozenset[str]:
    """Content-word stems of a message: what a paraphrase keeps when it changes the phrasing."""
    out = set()
    for tok in normalise(text).split():
        tok = _FOLD.get(tok, tok)
        if tok in _STOP or tok.isdigit():
            continue
        for suffix in _SUFFIXES:
            if len(tok) > len(suffix) + 3 and tok.endswith(suffix):
                tok = tok[: -len(suffix)]
                break
        out.add(_FOLD.get(tok, tok))
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class Overlap:
    exact: tuple[str, ...]  # item ids whose normalised text is in the training data
    near: tuple[str, ...]  # item ids with a near-duplicate (token Jaccard >= NEAR_JACCARD)
    n_training: int
    # item ids with a paraphrase in the training data (content stems, PARAPHRASE_JACCARD)
    paraphrase: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "exact": list(self.exact),
            "near": list(self.near),
            "paraphrase": list(self.paraphrase),
            "n_training_texts": self.n_training,
            "near_jaccard": NEAR_JACCARD,
            "paraphrase_jaccard": PARAPHRASE_JACCARD,
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
    content = ParaphraseIndex(train_norm)
    exact: list[str] = []
    near: list[str] = []
    para: list[str] = []
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
        elif content.similar(item.text):
            para.append(item.id)
    return Overlap(tuple(exact), tuple(near), len(train_norm), tuple(para))


class ParaphraseIndex:
    """Training texts searchable by content-stem Jaccard (``content_tokens``) at or above
    ``PARAPHRASE_JACCARD``; messages with fewer than ``MIN_CONTENT`` content stems never match
    ("thanks, that helped" is everyone's phrasing, not a leak)."""

    def __init__(self, texts: Sequence[str], threshold: float = PARAPHRASE_JACCARD) -> None:
        sets = [content_tokens(t) for t in texts]
        self.texts = list(texts)
        self._keep = [i for i, c in enumerate(sets) if len(c) >= MIN_CONTENT]
        self._index = JaccardIndex([sets[i] for i in self._keep], threshold)

    def similar(self, text: str) -> list[tuple[int, float]]:
        """(index into ``texts``, similarity) of the training texts paraphrased by ``text``."""
        tokens = content_tokens(text)
        if len(tokens) < MIN_CONTENT:
            return []
        return [(self._keep[j], sim) for j, sim in self._index.similar(tokens)]
