"""A simple alternative to stand beside every headline figure: TF-IDF + logistic regression.

It is trained on the *engine's own* hand-written training data (``crisis_engine/training``),
so the comparison asks "does the engine's machinery beat a bag of n-grams fitted to the same
examples?". The keyword-only baseline needs no code here: it is the engine loaded with
``classifier=False`` and run through ``evals.detectors.EngineDetector``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from crisis_engine.types import RiskLevel
from evals.cssrs import aggregate_user
from evals.items import ALERT_LEVEL, EvalItem, Prediction


@dataclass(frozen=True, slots=True)
class TrainingExample:
    text: str
    level: RiskLevel


class TrainingDataError(ValueError):
    pass


def engine_training_texts() -> list[str]:
    """Every text of the engine's training data, train *and* validation (for overlap checks)."""
    try:
        from crisis_engine.training.dataset import split
    except ImportError as exc:
        raise TrainingDataError(f"engine training data unavailable: {exc}") from exc
    train, validation = split()
    return [ex.text for ex in (*train, *validation)]


def load_engine_training_data() -> list[TrainingExample]:
    """The *train* part of the engine's own split (``crisis_engine.training.dataset.split``).

    Using the engine's loader, not our own reading of its files, guarantees the baseline sees
    exactly the rows the engine's head was fitted on and never its validation rows.
    """
    try:
        from crisis_engine.training.dataset import split
    except ImportError as exc:
        raise TrainingDataError(f"engine training data unavailable: {exc}") from exc
    train, _validation = split()
    out = [TrainingExample(ex.text, RiskLevel(ex.level)) for ex in train]
    if len({ex.level for ex in out}) < 2:
        raise TrainingDataError("training data needs at least two distinct levels")
    return out


class TfidfBaseline:
    """Word 1-2-grams + character 3-5-grams (robust to typos), multinomial logistic regression.

    ``score`` = P(level >= MODERATE), so the curves compare like with like; ``level`` is the most
    probable class. The model predicts no categories (category tables show it as n/a).
    """

    name = "tfidf_lr"

    def __init__(self, examples: Sequence[TrainingExample]):
        self.n_train = len(examples)
        self.model = Pipeline(
            [
                (
                    "features",
                    FeatureUnion(
                        [
                            ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)),
                            (
                                "char",
                                TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True),
                            ),
                        ]
                    ),
                ),
                ("lr", LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")),
            ]
        )
        self.model.fit([ex.text for ex in examples], [ex.level.value for ex in examples])
        classes = [RiskLevel(c) for c in self.model.classes_]
        self.classes = classes
        self.alert_columns = np.array([c >= ALERT_LEVEL for c in classes])

    def _score_texts(self, texts: Sequence[str]) -> list[tuple[RiskLevel, float]]:
        proba = self.model.predict_proba(list(texts))
        out: list[tuple[RiskLevel, float]] = []
        for row in proba:
            out.append((self.classes[int(np.argmax(row))], float(row[self.alert_columns].sum())))
        return out

    def predict(self, items: Sequence[EvalItem]) -> list[Prediction]:
        out: list[Prediction] = []
        for item in items:
            # No context model: the baseline sees the last message only, as a bag of n-grams.
            texts = list(item.documents) if item.documents else [item.text]
            start = time.perf_counter()
            scored = self._score_texts(texts)
            per_text = (time.perf_counter() - start) * 1000 / len(texts)
            preds = [Prediction(level=lv, score=sc, latency_ms=per_text) for lv, sc in scored]
            out.append(aggregate_user(preds) if item.documents else preds[0])
        return out
