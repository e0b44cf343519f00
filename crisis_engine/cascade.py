"""The engine's first stage: settle clearly benign messages without the sentence encoder.

The sentence encoder is nearly all of the engine's cost (a few ms of CPU per message against
about 0.1 ms for everything else), and most chat is ordinary. A message is *settled* by the first
stage, at level NONE, only when all of these hold:

- the lexicon found nothing in it (no match at all, qualified or not: a negated, idiomatic or
  third-person hit still takes the full path, whose rules read those words);
- it is one encoder window long (``max_words``); longer texts are read window by window;
- the first-stage model's risk logit is below the cut-off ``cutoff``;
- the conversation around it carries no risk (``CrisisDetector`` checks that: every recent
  message was NONE on its own with no lexicon match, and no recent assessment was LOW+), so
  context rules that build on earlier turns see exactly what the full path would show them.

Everything else takes the full path. The first-stage model is one logistic regression over word
1-2-gram TF-IDF features (computed like ``lexical.py``) and a static embedding distilled from the
packaged MiniLM with ``model2vec`` (mean of token vectors, no transformer at run time), fitted on
the classifier's training split; both parts ship in ``weights/static.npz``. See
``docs/crisis-engine.md``, "First stage" for why this and not the shipped n-gram model alone. The cut-off
is chosen on validation rows by ``python -m crisis_engine.training.cascade_fit`` so that at most
0.5% of the rows that need MODERATE or more are settled, and written with its figures to
``config/cascade.json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crisis_engine.keywords import KeywordSignal
from crisis_engine.lexical import LexicalModel

__all__ = ["STAGE_FIRST", "STAGE_FULL", "STAGE_KEYWORDS", "CascadeConfig", "FirstStage", "StaticEmbedding"]

CONFIG_FILE = "cascade.json"
STATIC_FILE = "static.npz"
# Which stage settled an assessment (``Assessment.stage``).
STAGE_FIRST = "first"
STAGE_FULL = "full"
STAGE_KEYWORDS = "keywords"  # keyword-only mode: no model at all

FloatArray = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class CascadeConfig:
    """The first stage's cut-off, as ``cascade_fit`` wrote it."""

    version: str
    cutoff: float  # settle when the first-stage logit is below this
    max_words: int = 140  # one encoder window (DetectorConfig.chunk_words)
    figures: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def load(cls, path: Path | None = None) -> CascadeConfig:
        if path is None:
            ref = resources.files("crisis_engine").joinpath("config", CONFIG_FILE)
            data = json.loads(ref.read_text("utf-8"))
        else:
            data = json.loads(path.read_text("utf-8"))
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CascadeConfig:
        return cls(
            version=str(data["version"]),
            cutoff=float(data["cutoff"]),
            max_words=int(data.get("max_words", 140)),
            figures=dict(data.get("figures", {})),
        )


class StaticEmbedding:
    """Static token vectors (a model2vec distillation of the packaged MiniLM).

    ``encode`` is what ``model2vec.StaticModel.encode`` computes: the mean of the vectors of the
    text's word pieces (no special tokens), L2-normalised. The tokenizer is the distilled
    model's own (stored in the weights file), so nothing else is read at load."""

    def __init__(
        self, tokenizer_json: str, vectors: NDArray[np.generic], scale: NDArray[np.floating] | None = None
    ) -> None:
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_str(tokenizer_json)
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        # int8 rows with a scale per row stay int8 in memory (7 MB instead of 30); a message's
        # few rows are scaled when it is encoded, to the same floats.
        self.vectors = np.ascontiguousarray(vectors)
        self._scale = None if scale is None else np.asarray(scale, dtype=np.float32)
        unk = self._tokenizer.token_to_id("[UNK]")
        self._unk = -1 if unk is None else int(unk)

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def encode(self, text: str) -> FloatArray:
        ids = [i for i in self._tokenizer.encode(text, add_special_tokens=False).ids if i != self._unk]
        if not ids:
            return np.zeros(self.dim, dtype=np.float32)
        rows = self.vectors[ids].astype(np.float32)
        if self._scale is not None:
            rows = rows * self._scale[ids, None]
        v = rows.mean(axis=0)
        n = float(np.sqrt(v @ v))
        out: FloatArray = v / n if n > 0 else v
        return out


class FirstStage:
    """One logistic model over word 1-2-gram TF-IDF features and the static embedding, fitted
    together (``cascade_fit``): logit = n-gram part (with the intercept) + static part."""

    def __init__(
        self, config: CascadeConfig, ngrams: LexicalModel, static: StaticEmbedding, static_w: FloatArray
    ) -> None:
        if static_w.shape != (static.dim,):
            raise ValueError("first-stage weights do not fit the static embedding")
        self.config = config
        self._ngrams = ngrams
        self._static = static
        self._static_w = np.asarray(static_w, dtype=np.float32)

    @classmethod
    def load(cls, config: CascadeConfig | None = None, path: Path | None = None) -> FirstStage:
        cfg = config or CascadeConfig.load()
        if path is None:
            ref = resources.files("crisis_engine").joinpath("weights", STATIC_FILE)
            with resources.as_file(ref) as p:
                return cls._read(cfg, p)
        return cls._read(cfg, path)

    @classmethod
    def _read(cls, cfg: CascadeConfig, path: Path) -> FirstStage:
        with np.load(path, allow_pickle=False) as npz:
            a = {k: npz[k] for k in npz.files}
        static = StaticEmbedding(str(a["tokenizer"]), np.asarray(a["vectors"]), np.asarray(a["scale"]))
        ngrams = LexicalModel.from_arrays(
            {"terms": a["terms"], "idf": a["idf"], "coef": a["coef"], "intercept": a["intercept"],
             "mix": np.asarray(0.0), "version": a["version"]}
        )  # fmt: skip
        return cls(cfg, ngrams, static, np.asarray(a["static_w"], dtype=np.float32))

    @property
    def version(self) -> str:
        return self.config.version

    def logit(self, normalized: str) -> float:
        """Risk logit of one normalised text (higher: more likely to need attention)."""
        return self._ngrams.logit(normalized) + float(self._static.encode(normalized) @ self._static_w)

    def settles(self, normalized: str, keyword: KeywordSignal) -> tuple[bool, float | None]:
        """(settled, logit): whether the message is clearly benign on its own. The logit is
        None when the model was not asked (a lexicon hit, an empty or long text)."""
        if keyword.matches or not normalized:
            return False, None
        if len(normalized.split()) > self.config.max_words:
            return False, None
        z = self.logit(normalized)
        return (z < self.config.cutoff and math.isfinite(z)), z
