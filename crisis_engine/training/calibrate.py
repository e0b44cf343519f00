"""Calibrate the shipped classifier, build the example memory, choose the corroboration rule.

    HF_HUB_OFFLINE=1 python -m crisis_engine.training.calibrate [--dry-run]

(``train`` runs this after writing new weights.) Three steps, none of which refits the head:

1. Platt scaling of the classifier's raw risk, fitted on rows the head never saw: the
   validation split and the everyday pool (``data/everyday_pool.jsonl``, ordinary chat written
   for this step, worded apart from the everyday evaluation suite). Reliability is printed
   5-fold cross-validated on those rows (each fold's map fitted on the other four), so the
   table is not the fit grading itself. The classifier-alone cut-offs in ``engine.json`` are
   restated on the calibrated scale, so every level decision stays as it was.
2. The example memory (``weights/memory.npz``, ``crisis_engine.memory``): embeddings of the
   training split's hand-written rows and the everyday pool, with their labels. Never the
   validation split or any evaluation suite.
3. The corroboration rule: a message of at most ``MAX_WORDS`` words that only the classifier
   puts at MODERATE+ keeps that level only if its ``K`` nearest crisis examples are on average
   at least ``min_margin`` more similar than its ``K`` nearest ordinary ones. Recall of genuine
   risk binds: ``min_margin`` is the highest on the grid that keeps recall on the validation
   split within ``RECALL_SLACK`` of the engine without the rule; the everyday pool's rate
   (leave-one-out: a row is never its own neighbour) is printed beside it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crisis_engine.classifier import RiskClassifier
from crisis_engine.encoder import SentenceEncoder
from crisis_engine.fusion import Fusion, FusionConfig, calibrate
from crisis_engine.keywords import KeywordScorer
from crisis_engine.memory import MEMORY_FILE, ExampleMemory
from crisis_engine.normalize import normalize
from crisis_engine.training.calibration import fit_platt, format_reliability
from crisis_engine.training.dataset import needs_attention, split
from crisis_engine.training.fusion_fit import CONFIG_PATH
from crisis_engine.types import RiskLevel

PACKAGE = Path(__file__).resolve().parents[1]
MEMORY_PATH = PACKAGE / "weights" / MEMORY_FILE
POOL_FILE = "everyday_pool.jsonl"
CALIBRATION_VERSION = "cal-2026.12.2"  # bump with any change to the pool, the map or the rule
K = 5
MAX_WORDS = 20  # a chat message; journal entries and long texts have their own bar
MARGIN_GRID = (-0.03, -0.02, -0.01, 0.0, 0.01, 0.02, 0.03)
# HIGH+ from a short classifier-only message: at least as close to crisis examples as to
# ordinary ones (fixed, not searched: the genuine acute messages of the curated suite sit at
# +0.02 to +0.14, "i did it just now" at -0.03).
HIGH_MIN_MARGIN = 0.0
RECALL_SLACK = 0.012  # about two of the validation split's 168 rows needing attention
# The grid's choice is a ceiling, not the answer: with the third pool batch (cal-2026.12.2) the
# grid allowed -0.01 at the same validation recall, and that lost a curated ideation message
# ("... keeps popping into my head ...", margin -0.015). Thresholds are chosen on the risk
# suites and the everyday suite together (docs/crisis-engine.md), so the shipped margin is the
# lower of the grid's choice and this one.
MAX_MIN_MARGIN = -0.02
# In an ordinary conversation (``crisis_engine.context.ordinary_conversation``) a short
# classifier-only MODERATE with no lexicon word must be at least as close to the crisis
# examples as to the ordinary ones: no slack (fixed, not searched; see docs/crisis-engine.md).
CONVERSATION_MIN_MARGIN = 0.0
FOLDS = 5
SEED = 23
# Cut-offs compared with the classifier's risk; restated on the calibrated scale.
RISK_CUTOFFS = ("classifier_only_min_risk", "long_text_min_risk", "classifier_only_high_min_risk")


def pool_texts() -> list[str]:
    ref = resources.files("crisis_engine.training").joinpath("data", POOL_FILE)
    rows = [json.loads(line) for line in ref.read_text("utf-8").splitlines() if line.strip()]
    if any(r["level"] != "none" for r in rows):
        raise ValueError(f"{POOL_FILE}: every everyday row is level none")
    return [r["text"] for r in rows]


def _raw_cutoffs(data: dict[str, Any]) -> dict[str, float]:
    """The classifier-alone cut-offs as raw risks (undoing an earlier calibration, if any)."""
    old = data.get("calibration")
    out = {}
    for key in RISK_CUTOFFS:
        value = float(data["rules"][key])
        if old is not None and 0.0 < value < 1.0:
            a, b = float(old["a"]), float(old["b"])
            z = (float(np.log(value / (1 - value))) - b) / a
            value = float(1.0 / (1.0 + np.exp(-z)))
        out[key] = value
    return out


def cross_validated(raw: NDArray[np.floating], y: NDArray[np.bool_]) -> NDArray[np.float64]:
    rng = np.random.default_rng(SEED)
    fold = rng.permutation(len(raw)) % FOLDS
    out = np.zeros(len(raw))
    for k in range(FOLDS):
        a, b = fit_platt(raw[fold != k], y[fold != k])
        out[fold == k] = [calibrate(float(r), a, b) for r in raw[fold == k]]
    return out


def _levels(
    fusion: Fusion, scorer: KeywordScorer, texts: Sequence[str], out: Any, emb: NDArray[np.float32],
    memory: ExampleMemory | None, exclude: Sequence[int | None],
) -> list[RiskLevel]:  # fmt: skip
    levels = []
    for i, text in enumerate(texts):
        norm = normalize(text)
        row = replace(out.row(i), words=len(norm.text.split()), embedding=emb[i])
        if memory is not None and exclude[i] is not None:
            # Leave-one-out: the row's own copy in the memory is hidden from its vote.
            keep = np.ones(len(memory.needs_attention), dtype=bool)
            keep[exclude[i]] = False
            fusion.memory = ExampleMemory(memory.vectors[keep], memory.needs_attention[keep], memory.version)
        else:
            fusion.memory = memory
        levels.append(fusion.combine(scorer.score(norm), row).level)
    return levels


def run(encoder: SentenceEncoder | None = None, write: bool = True) -> dict[str, Any]:
    encoder = encoder or SentenceEncoder.load()
    clf = RiskClassifier.load()
    data: dict[str, Any] = json.loads(CONFIG_PATH.read_text("utf-8"))
    raw_cuts = _raw_cutoffs(data)
    train, val = split()
    hand_train = [e for e in train if e.origin == "hand"]
    pool = pool_texts()

    # 1. Calibration on rows the head never saw.
    held_texts = [e.text for e in val] + pool
    held_y = np.asarray([needs_attention(e) for e in val] + [False] * len(pool))
    held_norm = [normalize(t).text for t in held_texts]
    held_emb = np.asarray(encoder.encode(held_norm), dtype=np.float32)
    held_out = clf.predict(held_emb, texts=held_norm)
    a, b = fit_platt(held_out.risk, held_y)
    print(f"calibration: Platt a={a}, b={b} on {len(held_texts)} held-out rows "
          f"({len(val)} validation, {len(pool)} everyday pool)")  # fmt: skip
    cv = cross_validated(held_out.risk, held_y)
    print(format_reliability("reliability (5-fold cross-validated)", held_out.risk, cv, list(held_y)))
    data["calibration"] = {
        "method": "platt",
        "version": CALIBRATION_VERSION,
        "a": a,
        "b": b,
        "fitted_on": f"{len(val)} validation and {len(pool)} everyday pool rows (held out from the head)",
    }
    for key, value in raw_cuts.items():
        data["rules"][key] = round(calibrate(value, a, b), 4)

    # 2. The example memory.
    mem_texts = [e.text for e in hand_train] + pool
    mem_norm = [normalize(t).text for t in mem_texts]
    mem_emb = np.asarray(encoder.encode(mem_norm), dtype=np.float32)
    mem_y = np.asarray([needs_attention(e) for e in hand_train] + [False] * len(pool))
    memory = ExampleMemory.from_embeddings(mem_emb, mem_y, version=str(data["version"]))

    # 3. The corroboration rule's vote, on the validation split and the pool (leave-one-out).
    scorer = KeywordScorer.load()
    n_val = len(val)
    exclude: list[int | None] = [None] * n_val + [len(hand_train) + j for j in range(len(pool))]
    options = []
    base_recall = None
    for margin in (None, *MARGIN_GRID):
        data["rules"].update({
            "corroboration_k": K, "corroboration_max_words": MAX_WORDS,
            "corroboration_high_min_margin": HIGH_MIN_MARGIN,
            "corroboration_min_margin": margin if margin is not None else 0.0,
        })  # fmt: skip
        fusion = Fusion(FusionConfig.from_dict(data))
        use = memory if margin is not None else None
        levels = _levels(fusion, scorer, held_texts, held_out, held_emb, use, exclude)
        flagged = np.asarray([lv >= RiskLevel.MODERATE for lv in levels])
        recall = float(flagged[:n_val][held_y[:n_val]].mean())
        fpr_val = float(flagged[:n_val][~held_y[:n_val]].mean())
        everyday = float(flagged[n_val:].mean())
        name = "without the rule" if margin is None else f"margin >= {margin:+.2f}"
        print(f"  corroboration {name}: everyday pool {everyday:.3f}, "
              f"validation recall {recall:.3f}, validation FPR {fpr_val:.3f}")  # fmt: skip
        if margin is None:
            base_recall = recall
        else:
            options.append((margin, everyday, recall, fpr_val))
    assert base_recall is not None
    ok = [o for o in options if o[2] >= base_recall - RECALL_SLACK]
    chosen = max(ok) if ok else min(options)
    data["rules"]["corroboration_min_margin"] = min(chosen[0], MAX_MIN_MARGIN)
    data["rules"]["conversation_min_margin"] = CONVERSATION_MIN_MARGIN
    shipped = next((o for o in options if o[0] == data["rules"]["corroboration_min_margin"]), chosen)
    print(f"corroboration: margin >= {shipped[0]} (grid: {chosen[0]}) over the {K} nearest examples, "
          f"messages of at most {MAX_WORDS} words (everyday pool {shipped[1]:.3f}, "
          f"validation recall {shipped[2]:.3f})")  # fmt: skip
    if write:
        memory.save(MEMORY_PATH)
        CONFIG_PATH.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        root = PACKAGE.parent
        print(f"wrote {MEMORY_PATH.relative_to(root)} and {CONFIG_PATH.relative_to(root)}")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crisis_engine.training.calibrate", description=__doc__)
    parser.add_argument("--dry-run", action="store_true", help="print the figures, write nothing")
    args = parser.parse_args(argv)
    run(write=not args.dry_run)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
