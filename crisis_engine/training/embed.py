"""Turn examples into model inputs exactly as the detector does at run time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from crisis_engine.classifier import CATEGORIES, LEVELS
from crisis_engine.encoder import SentenceEncoder
from crisis_engine.normalize import normalize
from crisis_engine.training.mlp import Targets
from crisis_engine.training.templates import Example
from crisis_engine.types import RiskLevel

_LEVEL_INDEX = {lv.value: i for i, lv in enumerate(LEVELS)}
_CAT_INDEX = {c.value: i for i, c in enumerate(CATEGORIES)}


def embed_texts(encoder: SentenceEncoder, texts: Sequence[str]) -> NDArray[np.float32]:
    return encoder.encode([normalize(t).text for t in texts])


def targets(examples: Sequence[Example], weight: float = 1.0) -> Targets:
    n = len(examples)
    cats = np.zeros((n, len(CATEGORIES)), dtype=np.float32)
    for i, ex in enumerate(examples):
        for c in ex.categories:
            cats[i, _CAT_INDEX[c]] = 1.0
    return Targets(
        risk=np.asarray([RiskLevel(ex.level) >= RiskLevel.MODERATE for ex in examples], dtype=np.float32),
        level=np.asarray([_LEVEL_INDEX[ex.level] for ex in examples], dtype=np.int64),
        categories=cats,
        weight=np.full(n, weight, dtype=np.float32),
        level_known=np.ones(n, dtype=np.float32),
    )


def subset(t: Targets, idx: NDArray[np.int64]) -> Targets:
    return Targets(t.risk[idx], t.level[idx], t.categories[idx], t.weight[idx], t.level_known[idx])


def balance(t: Targets) -> Targets:
    """Scale weights so that each level's total weight is equal (the data is not a traffic
    sample); relative weights inside a level are kept."""
    counts = np.bincount(t.level, weights=t.weight, minlength=5).astype(np.float32)
    per_level = np.where(counts > 0, float(t.weight.sum()) / (5 * np.maximum(counts, 1e-6)), 0.0)
    return Targets(t.risk, t.level, t.categories, t.weight * per_level[t.level], t.level_known)
