"""Classifier head over sentence embeddings, in numpy (no torch at inference).

The head is a small shared hidden layer followed by three linear read-outs:
- ``risk``: probability that the message needs attention (level >= MODERATE), a binary logistic
  output trained for exactly the decision the service acts on;
- ``levels``: softmax over the five risk levels (NONE..IMMINENT), used to tell HIGH/IMMINENT apart;
- ``categories``: independent sigmoids, one per Category (multi-label).

Weights ship as ``weights/classifier.npz`` (plain arrays, loaded with ``allow_pickle=False``) and
are produced by ``python -m crisis_engine.training.train``; ``weights/lexical.npz`` holds the word
n-gram model whose logit is averaged into ``risk`` when the texts are given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from crisis_engine.lexical import WEIGHTS_FILE as LEXICAL_FILE
from crisis_engine.lexical import LexicalModel, mix_risk
from crisis_engine.types import Category, RiskLevel

WEIGHTS_FILE = "classifier.npz"
LEVELS: tuple[RiskLevel, ...] = tuple(RiskLevel.from_rank(i) for i in range(5))
CATEGORIES: tuple[Category, ...] = tuple(Category)
_REQUIRED = (
    "hidden_w", "hidden_b", "risk_w", "risk_b", "level_w", "level_b", "cat_w", "cat_b",
    "levels", "categories", "input_dim",
)  # fmt: skip

FloatArray = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class ClassifierRow:
    """One message's classifier signal."""

    risk: float
    level_probs: tuple[float, ...]  # aligned with LEVELS
    category_probs: dict[Category, float]
    # Windows the text was cut into (long text); the row is the riskiest window. Fusion asks a
    # long text for a stronger window than a chat message, because the maximum over many windows
    # of an ordinary journal entry is high by chance alone.
    windows: int = 1
    # Words in the whole text: a message of a few words ("maybe", "see you tomorrow then") has no
    # meaning of its own for the classifier to read; fusion leaves it to the conversation.
    words: int = 1_000
    # The window's sentence embedding, kept so callers (the scripted agents' intent reader) reuse
    # it instead of encoding the text a second time.
    embedding: FloatArray | None = field(default=None, repr=False, compare=False)

    @property
    def level(self) -> RiskLevel:
        return LEVELS[int(np.argmax(self.level_probs))]


@dataclass(frozen=True, slots=True)
class ClassifierOutput:
    risk: FloatArray  # (n,)
    levels: FloatArray  # (n, 5)
    categories: FloatArray  # (n, 9), columns aligned with CATEGORIES

    def __len__(self) -> int:
        return int(self.risk.shape[0])

    def row(self, i: int) -> ClassifierRow:
        return ClassifierRow(
            risk=float(self.risk[i]),
            level_probs=tuple(float(p) for p in self.levels[i]),
            category_probs={c: float(p) for c, p in zip(CATEGORIES, self.categories[i], strict=True)},
        )


def _rowwise(x: FloatArray, w: FloatArray) -> FloatArray:
    """``x @ w`` as one vector-matrix product per row (looped in C by ``np.matmul``).

    A matrix-matrix product blocks the rows differently for different batch sizes, which moves
    the last float digit of a row's result with the number of rows around it; row by row, a
    message's output does not depend on its batch and equals the one-row result. Costs about
    4 us per row."""
    out: FloatArray = np.matmul(x[:, None, :], w)[:, 0]
    return out


def _sigmoid(x: FloatArray) -> FloatArray:
    # np.minimum(np.maximum()) is np.clip's arithmetic without its wrapper (half the time for
    # one row).
    return np.asarray(1.0 / (1.0 + np.exp(-np.minimum(np.maximum(x, -40.0), 40.0))), dtype=np.float32)


def _softmax(x: FloatArray) -> FloatArray:
    z = np.exp(x - x.max(axis=1, keepdims=True))
    return np.asarray(z / z.sum(axis=1, keepdims=True), dtype=np.float32)


class RiskClassifier:
    def __init__(self, arrays: dict[str, NDArray[np.generic]], lexical: LexicalModel | None = None) -> None:
        missing = [k for k in _REQUIRED if k not in arrays]
        if missing:
            raise ValueError(f"classifier weights lack {missing}")
        if tuple(str(v) for v in arrays["levels"]) != tuple(lv.value for lv in LEVELS):
            raise ValueError("classifier weights were trained for other risk levels")
        if tuple(str(v) for v in arrays["categories"]) != tuple(c.value for c in CATEGORIES):
            raise ValueError("classifier weights were trained for other categories")
        f32 = np.float32
        self._hidden_w = np.asarray(arrays["hidden_w"], dtype=f32)
        self._hidden_b = np.asarray(arrays["hidden_b"], dtype=f32)
        self._risk_w = np.asarray(arrays["risk_w"], dtype=f32)
        self._risk_b = np.asarray(arrays["risk_b"], dtype=f32)
        self._level_w = np.asarray(arrays["level_w"], dtype=f32)
        self._level_b = np.asarray(arrays["level_b"], dtype=f32)
        self._cat_w = np.asarray(arrays["cat_w"], dtype=f32)
        self._cat_b = np.asarray(arrays["cat_b"], dtype=f32)
        self.input_dim = int(np.asarray(arrays["input_dim"]))
        self.version = str(np.asarray(arrays.get("version", np.asarray("unversioned"))))
        self.lexical = lexical

    @classmethod
    def load(cls, path: Path | None = None) -> RiskClassifier:
        """Load shipped weights (``crisis_engine/weights/classifier.npz``) or a given file."""
        if path is None:
            ref = resources.files("crisis_engine").joinpath("weights", WEIGHTS_FILE)
            with resources.as_file(ref) as p, np.load(p, allow_pickle=False) as npz:
                return cls({k: npz[k] for k in npz.files}, LexicalModel.load())
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        lexical_path = path.with_name(LEXICAL_FILE)
        return cls(arrays, LexicalModel.load(lexical_path) if lexical_path.exists() else None)

    def predict(self, embeddings: FloatArray, texts: Sequence[str] | None = None) -> ClassifierOutput:
        """Outputs for embeddings of (normalised) texts. With ``texts`` and a word n-gram model,
        ``risk`` mixes the head's risk with the n-gram model's (see ``crisis_engine.lexical``);
        levels and categories come from the head alone."""
        x = np.asarray(embeddings, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != self.input_dim:
            raise ValueError(f"expected embeddings of shape (n, {self.input_dim}), got {x.shape}")
        h = np.maximum(_rowwise(x, self._hidden_w) + self._hidden_b, 0.0)
        risk = _sigmoid(_rowwise(h, self._risk_w) + self._risk_b).reshape(-1)
        if texts is not None and self.lexical is not None:
            if len(texts) != x.shape[0]:
                raise ValueError("texts and embeddings differ in length")
            risk = mix_risk(risk, self.lexical.logits(texts), self.lexical.mix)
        return ClassifierOutput(
            risk=risk,
            levels=_softmax(_rowwise(h, self._level_w) + self._level_b),
            categories=_sigmoid(_rowwise(h, self._cat_w) + self._cat_b),
        )
