"""Reproduce the shipped classifier weights and fusion config.

    HF_HUB_OFFLINE=1 python -m crisis_engine.training.train [--no-cssrs] [--dry-run]

Steps: embed the hand-written messages and template examples (normalised, as at run time);
5-fold out-of-fold predictions on the training split's hand-written rows (templates always
train); fit the head on the whole training split and write ``weights/classifier.npz``; fit the
fusion model and thresholds on the out-of-fold rows and write ``config/engine.json``; report
validation figures on the held-out hand-written rows and the C-SSRS user-level confusion matrix.
Everything is seeded; two runs give the same arrays.
"""

from __future__ import annotations

import argparse
import hashlib
import random
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from crisis_engine.classifier import CATEGORIES, LEVELS, ClassifierOutput, RiskClassifier
from crisis_engine.encoder import SentenceEncoder
from crisis_engine.normalize import normalize
from crisis_engine.training import report
from crisis_engine.training.dataset import SEED, split
from crisis_engine.training.embed import balance, embed_texts, subset, targets
from crisis_engine.training.lexical_fit import fit_lexical, lexical_model
from crisis_engine.training.mlp import Targets, fit_head
from crisis_engine.training.templates import Example

PACKAGE = Path(__file__).resolve().parents[1]
WEIGHTS_PATH = PACKAGE / "weights" / "classifier.npz"
LEXICAL_PATH = PACKAGE / "weights" / "lexical.npz"
FOLDS = 5
ORDINARY_WEIGHT = 0.3
VERSION = "clf-2026.11.3"


def lexical_arrays(texts: list[str], t_all: Targets) -> dict[str, NDArray[np.generic]]:
    bal = balance(t_all)
    return fit_lexical(texts, bal.risk, bal.weight, VERSION)


def head_arrays(
    x: NDArray[np.float32], t_all: Targets, seed: int, version: str = VERSION
) -> dict[str, NDArray[np.generic]]:
    arrays = fit_head(x, balance(t_all), seed)
    arrays["levels"] = np.asarray([lv.value for lv in LEVELS])
    arrays["categories"] = np.asarray([c.value for c in CATEGORIES])
    arrays["input_dim"] = np.asarray(x.shape[1], dtype=np.int64)
    arrays["version"] = np.asarray(version)
    return arrays


def fold_assignment(t: Targets, hand: NDArray[np.bool_], folds: int = FOLDS) -> NDArray[np.int64]:
    """Fold of each hand-written row (stratified by level, seeded); -1 for template rows."""
    rng = random.Random(SEED)
    by_level: dict[int, list[int]] = {}
    for i in np.flatnonzero(hand):
        by_level.setdefault(int(t.level[i]), []).append(int(i))
    fold_of = np.full(len(hand), -1, dtype=np.int64)
    for rows in by_level.values():
        rng.shuffle(rows)
        for k, row in enumerate(rows):
            fold_of[row] = k % folds
    return fold_of


def out_of_fold(
    x: NDArray[np.float32], texts: list[str], t: Targets, hand: NDArray[np.bool_]
) -> ClassifierOutput:
    """Predictions for hand-written training rows from heads that never saw them."""
    hand_idx = np.flatnonzero(hand)
    fold_of = fold_assignment(t, hand)  # stratified by level so each fold sees every level
    risk = np.zeros(len(hand), dtype=np.float32)
    levels = np.zeros((len(hand), 5), dtype=np.float32)
    cats = np.zeros((len(hand), len(CATEGORIES)), dtype=np.float32)
    for k in range(FOLDS):
        test = np.flatnonzero(fold_of == k)
        train_idx = np.flatnonzero(fold_of != k)
        t_k = subset(t, train_idx)
        lexical = lexical_model(lexical_arrays([texts[i] for i in train_idx], t_k))
        clf = RiskClassifier(head_arrays(x[train_idx], t_k, SEED + k), lexical)
        out = clf.predict(x[test], texts=[texts[i] for i in test])
        risk[test], levels[test], cats[test] = out.risk, out.levels, out.categories
    return ClassifierOutput(risk[hand_idx], levels[hand_idx], cats[hand_idx])


def _save_reuse(
    path: Path, fingerprint: str, oof: ClassifierOutput,
    arrays: dict[str, NDArray[np.generic]], lex: dict[str, NDArray[np.generic]],
) -> None:  # fmt: skip
    flat: dict[str, NDArray[np.generic]] = {"fingerprint": np.asarray(fingerprint)}
    flat.update({"oof_risk": oof.risk, "oof_levels": oof.levels, "oof_categories": oof.categories})
    flat.update({f"head.{k}": v for k, v in arrays.items()})
    flat.update({f"lex.{k}": v for k, v in lex.items()})
    np.savez_compressed(path, **flat)  # type: ignore[arg-type]


def _load_reuse(
    path: Path | None, fingerprint: str
) -> tuple[ClassifierOutput, dict[str, NDArray[np.generic]], dict[str, NDArray[np.generic]]] | None:
    if path is None or not path.exists():
        return None
    with np.load(path, allow_pickle=False) as npz:
        if str(npz["fingerprint"]) != fingerprint:
            print(f"{path}: made from other data; refitting")
            return None
        oof = ClassifierOutput(npz["oof_risk"], npz["oof_levels"], npz["oof_categories"])
        arrays = {k[5:]: npz[k] for k in npz.files if k.startswith("head.")}
        lex = {k[4:]: npz[k] for k in npz.files if k.startswith("lex.")}
    print(f"reusing heads and out-of-fold outputs from {path}")
    return oof, arrays, lex


def fit_and_write(
    encoder: SentenceEncoder, train: list[Example], val: list[Example], oof: ClassifierOutput,
    version: str, write: bool, cssrs: bool, fusion_rows: list[Example] | None = None,
) -> None:  # fmt: skip
    """Fit the head and the n-gram model on ``encoder``'s embeddings of the whole training split,
    the fusion on ``oof`` (outputs for ``fusion_rows``, default every hand-written training row),
    report, and (``write``) save weights, config and calibration."""
    norm_train = [normalize(e.text).text for e in train]
    x_train = embed_texts(encoder, [e.text for e in train])
    t_train = targets(train)
    template_ordinary = np.asarray([e.kind == "ordinary" and e.origin == "template" for e in train])
    t_train.weight[template_ordinary] = ORDINARY_WEIGHT
    arrays = head_arrays(x_train, t_train, SEED, version)
    lex_arrays = lexical_arrays(norm_train, t_train)
    _report_and_write(encoder, arrays, lex_arrays, train, val, oof, version, write, cssrs, fusion_rows)


def _report_and_write(
    encoder: SentenceEncoder, arrays: dict[str, NDArray[np.generic]],
    lex_arrays: dict[str, NDArray[np.generic]], train: list[Example], val: list[Example],
    oof: ClassifierOutput, version: str, write: bool, cssrs: bool,
    fusion_rows: list[Example] | None = None,
) -> None:  # fmt: skip
    norm_val = [normalize(e.text).text for e in val]
    x_val = embed_texts(encoder, [e.text for e in val])
    clf = RiskClassifier(arrays, lexical_model(lex_arrays))
    val_out = clf.predict(x_val, texts=norm_val)
    hand_train = fusion_rows if fusion_rows is not None else [e for e in train if e.origin == "hand"]

    from crisis_engine.training.fusion_fit import fit_fusion

    config = fit_fusion(hand_train, oof, version=version)
    report.classifier_report(val, val_out)
    fusion = report.fusion_report(config, val, val_out, hand_train, oof)
    if cssrs:
        report.cssrs_report(encoder, clf, fusion)
    if write:
        WEIGHTS_PATH.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(WEIGHTS_PATH, **arrays)  # type: ignore[arg-type]
        np.savez_compressed(LEXICAL_PATH, **lex_arrays)  # type: ignore[arg-type]
        config.write()
        written = f"{WEIGHTS_PATH.relative_to(PACKAGE.parent)}, {LEXICAL_PATH.name}"
        print(f"wrote {written} and {config.path_hint()}")
        # Calibration, the example memory and the corroboration rule read the weights just
        # written (``training/calibrate.py``, issue #23).
        from crisis_engine.training.calibrate import run as calibrate_run

        calibrate_run(encoder, write=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crisis_engine.training.train", description=__doc__)
    parser.add_argument("--no-cssrs", action="store_true", help="skip the C-SSRS evaluation")
    parser.add_argument("--dry-run", action="store_true", help="report only, write nothing")
    parser.add_argument(
        "--reuse",
        type=Path,
        default=None,
        help="npz of the models and out-of-fold outputs: read it if it exists (and matches the "
        "data), else write it; for iterating on fusion and calibration without refitting the heads",
    )
    args = parser.parse_args(argv)

    encoder = SentenceEncoder.load()
    train, val = split()
    x_train = embed_texts(encoder, [e.text for e in train])
    # Ordinary chat is easy and plentiful; at full weight it crowds the hard negatives out of
    # the NONE level's share of the loss (measured: more false alarms on idioms and means words).
    t_train = targets(train)
    # Only the template rows are down-weighted: hand-written ordinary messages are the realistic
    # negatives the classifier got wrong most often ("i'd like to sleep earlier").
    template_ordinary = np.asarray([e.kind == "ordinary" and e.origin == "template" for e in train])
    t_train.weight[template_ordinary] = ORDINARY_WEIGHT
    hand = np.asarray([e.origin == "hand" for e in train])

    norm_train = [normalize(e.text).text for e in train]
    norm_val = [normalize(e.text).text for e in val]  # the fingerprint covers validation too
    fingerprint = hashlib.sha256("\n".join([*norm_train, "--", *norm_val]).encode()).hexdigest()
    cached = _load_reuse(args.reuse, fingerprint)
    if cached is not None:
        oof, arrays, lex_arrays = cached
    else:
        oof = out_of_fold(x_train, norm_train, t_train, hand)
        arrays = head_arrays(x_train, t_train, SEED)
        lex_arrays = lexical_arrays(norm_train, t_train)
        if args.reuse is not None:
            _save_reuse(args.reuse, fingerprint, oof, arrays, lex_arrays)
    write, cssrs = not args.dry_run, not args.no_cssrs
    _report_and_write(encoder, arrays, lex_arrays, train, val, oof, VERSION, write, cssrs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
