"""Validation and C-SSRS figures printed by the training script (no message text is printed)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from crisis_engine.classifier import LEVELS, ClassifierOutput, RiskClassifier
from crisis_engine.encoder import SentenceEncoder
from crisis_engine.fusion import Fusion, FusionResult
from crisis_engine.keywords import KeywordScorer
from crisis_engine.normalize import normalize
from crisis_engine.training.fusion_fit import FittedFusion
from crisis_engine.training.metrics import (
    confusion,
    format_confusion,
    precision_at_prevalence,
    recall_by,
)
from crisis_engine.training.templates import Example
from crisis_engine.types import RiskLevel

NAMES = [lv.value for lv in LEVELS]
CHUNK_WORDS = 150


def classifier_report(val: Sequence[Example], out: ClassifierOutput) -> None:
    from sklearn.metrics import roc_auc_score

    y = np.asarray([RiskLevel(e.level) >= RiskLevel.MODERATE for e in val])
    print(f"classifier alone on validation (n={len(val)}): ROC AUC {roc_auc_score(y, out.risk):.3f}")


def assess_rows(
    fusion: Fusion, scorer: KeywordScorer, texts: Sequence[str], out: ClassifierOutput
) -> list[FusionResult]:
    results = []
    for i, t in enumerate(texts):
        norm = normalize(t)
        # The length rules read the word count, as at run time.
        row = replace(out.row(i), words=len(norm.text.split()))
        results.append(fusion.combine(scorer.score(norm), row))
    return results


def summarise(examples: Sequence[Example], results: Sequence[FusionResult]) -> dict[str, Any]:
    """Recall of >= MODERATE rows, false-positive rates, precision at 3% prevalence."""
    pos = np.asarray([RiskLevel(e.level) >= RiskLevel.MODERATE for e in examples])
    flag = np.asarray([r.level >= RiskLevel.MODERATE for r in results])
    hard = np.asarray([e.kind == "hard_negative" for e in examples])
    neg = ~pos
    recall = float(flag[pos].mean()) if pos.any() else 0.0
    fpr_hard = float(flag[hard].mean()) if hard.any() else 0.0
    fpr_all = float(flag[neg].mean()) if neg.any() else 0.0
    return {
        "n": len(examples),
        "positives": int(pos.sum()),
        "recall": recall,
        "fpr_hard_negatives": fpr_hard,
        "hard_negatives": int(hard.sum()),
        "fpr_all_negatives": fpr_all,
        "negatives": int(neg.sum()),
        "precision_at_3pct": precision_at_prevalence(recall, fpr_all),
        "by_category": recall_by([e.categories for e in examples], pos, flag),
        "everyday_pool": (
            int(sum(f for e, f in zip(examples, flag, strict=True) if e.tag.startswith("everyday_"))),
            sum(e.tag.startswith("everyday_") for e in examples),
        ),
        "hard_negative_fp_by_tag": dict(
            Counter(e.tag for e, f, h in zip(examples, flag, hard, strict=True) if f and h)
        ),
        "confusion": confusion([RiskLevel(e.level).rank for e in examples], [r.level.rank for r in results]),
    }


def print_summary(title: str, s: dict[str, Any]) -> None:
    print(f"\n== {title} (n={s['n']}, positives={s['positives']}) ==")
    print(
        f"recall(>=moderate) {s['recall']:.3f}  FPR hard negatives {s['fpr_hard_negatives']:.3f} "
        f"(n={s['hard_negatives']})  FPR all negatives {s['fpr_all_negatives']:.3f} "
        f"(n={s['negatives']})  precision at 3% prevalence {s['precision_at_3pct']:.3f}"
    )
    print("recall by category: " + ", ".join(f"{k} {a}/{b}" for k, (a, b) in s["by_category"].items()))
    flagged, n_everyday = s["everyday_pool"]
    if n_everyday:
        print(f"everyday pool rows flagged: {flagged}/{n_everyday}")
    if s["hard_negative_fp_by_tag"]:
        print(f"hard-negative false positives by tag: {s['hard_negative_fp_by_tag']}")
    print(format_confusion(s["confusion"], NAMES))


def fusion_report(
    fitted: FittedFusion,
    val: Sequence[Example],
    val_out: ClassifierOutput,
    hand_train: Sequence[Example],
    oof: ClassifierOutput,
) -> Fusion:
    fusion = fitted.fusion
    scorer = KeywordScorer.load()
    print(f"thresholds {fitted.data['thresholds']}")
    oof_results = assess_rows(fusion, scorer, [e.text for e in hand_train], oof)
    print_summary("training split, out-of-fold classifier (fusion in-sample)",
                  summarise(hand_train, oof_results))  # fmt: skip
    val_results = assess_rows(fusion, scorer, [e.text for e in val], val_out)
    print_summary("validation split (held out)", summarise(val, val_results))
    # Baselines on the same rows: each signal alone at its natural 0.5 cut.
    pos = np.asarray([RiskLevel(e.level) >= RiskLevel.MODERATE for e in val])
    hard = np.asarray([e.kind == "hard_negative" for e in val])
    kw = np.asarray([scorer.score(normalize(e.text)).score >= 0.5 for e in val])
    clf = val_out.risk >= 0.5
    for name, flag in (("keywords alone", kw), ("classifier alone", clf)):
        print(f"{name}: recall {flag[pos].mean():.3f}, FPR hard negatives {flag[hard].mean():.3f}")
    return fusion


def _chunks(post: str) -> list[str]:
    words = re.split(r"\s+", post.strip())
    return [" ".join(words[i : i + CHUNK_WORDS]) for i in range(0, len(words), CHUNK_WORDS)]


def cssrs_report(encoder: SentenceEncoder, clf: RiskClassifier, fusion: Fusion) -> None:
    """Per-user 5-level confusion on the C-SSRS Reddit users.

    Each post is cut into 150-word windows (the encoder reads 256 tokens); a post's level is
    its highest window; a user's level is aggregated two ways: the max over posts (one alarming
    post is enough, as a crisis service would act) and the second-highest post level for users
    with 3+ posts (one stray post does not decide).
    """
    from crisis_engine.training.cssrs import DEFAULT_PATH, load_users

    if not DEFAULT_PATH.exists():
        print(f"\nC-SSRS data not found at {DEFAULT_PATH}; skipped")
        return
    users = load_users()
    scorer = KeywordScorer.load()
    owner: list[tuple[int, int]] = []
    texts: list[str] = []
    for u, user in enumerate(users):
        for p, post in enumerate(user.posts):
            for chunk in _chunks(post):
                owner.append((u, p))
                texts.append(normalize(chunk).text)
    out = clf.predict(encoder.encode(texts), texts=texts)
    post_level: dict[tuple[int, int], int] = {}
    for i, key in enumerate(owner):
        kw = scorer.score(normalize(texts[i]))
        level = fusion.combine(kw, out.row(i)).level.rank
        post_level[key] = max(post_level.get(key, 0), level)
    per_user: list[list[int]] = [[] for _ in users]
    for (u, _), level in post_level.items():
        per_user[u].append(level)
    true = [user.level.rank for user in users]
    agg_max = [max(v) if v else 0 for v in per_user]
    agg_2nd = [sorted(v)[-2] if len(v) >= 3 else (max(v) if v else 0) for v in per_user]
    print(f"\n== C-SSRS Reddit users (n={len(users)}, {len(texts)} windows) ==")
    print("label mapping: Supportive=none Indicator=low Ideation=moderate Behavior=high "
          "Attempt=imminent")  # fmt: skip
    for name, pred in (("max over posts", agg_max), ("second-highest post", agg_2nd)):
        m = confusion(true, pred)
        t_arr = np.asarray(true)
        flagged = np.asarray(pred) >= RiskLevel.MODERATE.rank
        need = t_arr >= RiskLevel.MODERATE.rank
        print(f"\n-- user level = {name}: recall(>=moderate) {flagged[need].mean():.3f}, "
              f"flagged Supportive {flagged[t_arr == 0].mean():.3f}, "
              f"flagged Indicator {flagged[t_arr == 1].mean():.3f}")  # fmt: skip
        print(format_confusion(m, NAMES))
