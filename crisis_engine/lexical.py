"""Word n-gram model: the second half of the classifier signal, in plain Python + numpy.

Frozen sentence embeddings place an ordinary message near the crisis messages it shares words
with ("i'd like to sleep a bit earlier" next to "i want to sleep and never wake up"); a bag of
word 1- and 2-grams, fitted on the same training rows, makes different mistakes. Averaging the
two risk logits ranked held-out messages better than either alone (validation ROC AUC 0.964 for
the embedding head, 0.941 for n-grams, 0.978 together; at recall 0.95 the false-positive rate on
negatives fell from 0.20 to 0.12), so ``RiskClassifier`` reports the mix as its ``risk``.

The features are exactly scikit-learn's ``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)``
on normalised text: tokens of two or more word characters, unigrams and bigrams, 1 + log(count),
times the stored idf, L2-normalised; the logit is the dot product with the stored coefficients
plus the intercept. Weights ship as ``weights/lexical.npz`` (``allow_pickle=False``), written by
``python -m crisis_engine.training.train``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

WEIGHTS_FILE = "lexical.npz"
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern


def ngrams(text: str) -> Counter[str]:
    tokens = _TOKEN.findall(text)
    grams: Counter[str] = Counter(tokens)
    grams.update(f"{a} {b}" for a, b in itertools.pairwise(tokens))
    return grams


class LexicalModel:
    def __init__(
        self, terms: Sequence[str], idf: NDArray[np.floating], coef: NDArray[np.floating], intercept: float,
        mix: float, version: str,
    ) -> None:  # fmt: skip
        if not len(terms) == len(idf) == len(coef):
            raise ValueError("lexical model arrays differ in length")
        # term -> (idf, coefficient); plain floats: per-message work is a few dict lookups
        self._table = {t: (float(i), float(c)) for t, i, c in zip(terms, idf, coef, strict=True)}
        self.intercept = float(intercept)
        self.mix = float(mix)  # weight of the embedding head's logit in the mix
        self.version = version

    @classmethod
    def load(cls, path: Path | None = None) -> LexicalModel:
        if path is None:
            ref = resources.files("crisis_engine").joinpath("weights", WEIGHTS_FILE)
            with resources.as_file(ref) as p, np.load(p, allow_pickle=False) as npz:
                return cls.from_arrays({k: npz[k] for k in npz.files})
        with np.load(path, allow_pickle=False) as npz:
            return cls.from_arrays({k: npz[k] for k in npz.files})

    @classmethod
    def from_arrays(cls, arrays: dict[str, NDArray[np.generic]]) -> LexicalModel:
        return cls(
            [str(t) for t in arrays["terms"]],
            np.asarray(arrays["idf"], dtype=np.float64),
            np.asarray(arrays["coef"], dtype=np.float64),
            float(np.asarray(arrays["intercept"])),
            float(np.asarray(arrays["mix"])),
            str(np.asarray(arrays["version"])),
        )

    def logit(self, text: str) -> float:
        """Risk logit of one normalised text."""
        num = 0.0
        norm = 0.0
        for gram, count in ngrams(text).items():
            found = self._table.get(gram)
            if found is None:
                continue
            value = (1.0 + math.log(count)) * found[0]
            norm += value * value
            num += value * found[1]
        return self.intercept + (num / math.sqrt(norm) if norm > 0 else 0.0)

    def logits(self, texts: Sequence[str]) -> NDArray[np.float64]:
        return np.asarray([self.logit(t) for t in texts], dtype=np.float64)


def mix_risk(
    head_risk: NDArray[np.floating], lexical_logit: NDArray[np.floating], mix: float
) -> NDArray[np.float32]:
    """Average of the two models' logits (weight ``mix`` on the embedding head), as a probability."""
    # np.minimum(np.maximum()) computes what np.clip does, without its Python wrapper.
    p = np.minimum(np.maximum(np.asarray(head_risk, dtype=np.float64), 1e-6), 1 - 1e-6)
    z = mix * np.log(p / (1 - p)) + (1 - mix) * np.asarray(lexical_logit, dtype=np.float64)
    return np.asarray(1.0 / (1.0 + np.exp(-np.minimum(np.maximum(z, -40.0), 40.0))), dtype=np.float32)
