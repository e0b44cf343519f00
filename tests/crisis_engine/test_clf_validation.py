"""Held-out validation rows through the shipped encoder, head and fusion: floors we measured.

Measured with the shipped weights (see docs/crisis-engine.md): the floors below are those figures
minus a margin, so a retrain that makes detection clearly worse fails here.

The floors were measured on the validation rows of ``messages.jsonl`` and ``messages_acute.jsonl``
and are asserted on exactly those rows. The batches added on 7 Dec 2026 (issue #18: the weakest
kinds, written to be hard) have validation rows of their own, which the shipped weights were
never trained on; they get their own, lower, measured floors rather than dragging the first ones
down.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

RECALL_FLOOR = 0.88  # measured 0.923 on the validation split (168 rows needing attention)
HARD_NEGATIVE_FPR_CEILING = 0.12  # measured 0.077 on 142 hard negatives, 0.070 since the 7 Dec rewordings
CATEGORY_RECALL_FLOOR = 0.8  # lowest measured with 10+ rows: plan or means 28/32
FIRST_FILES = ("messages.jsonl", "messages_acute.jsonl")
# The 7 Dec 2026 batches' 160 validation rows, shipped weights clf-2026.11.3: recall 0.826,
# hard-negative FPR 0.111; plans without lexicon words are the weak spot (plan or means 11/19).
NEW_RECALL_FLOOR = 0.78
NEW_HARD_NEGATIVE_FPR_CEILING = 0.16


@pytest.mark.slow
def test_clf_validation_recall_and_false_positive_floors() -> None:
    from crisis_engine.classifier import RiskClassifier
    from crisis_engine.encoder import SentenceEncoder
    from crisis_engine.fusion import Fusion
    from crisis_engine.keywords import KeywordScorer
    from crisis_engine.normalize import normalize
    from crisis_engine.training.dataset import _load_file, split
    from crisis_engine.training.embed import embed_texts
    from crisis_engine.training.report import assess_rows, summarise

    _, all_val = split()
    texts = [e.text for e in all_val]
    norm = [normalize(t).text for t in texts]
    out = RiskClassifier.load().predict(embed_texts(SentenceEncoder.load(), texts), texts=norm)
    all_results = assess_rows(Fusion.load(), KeywordScorer.load(), texts, out)
    first = {e.text for name in FIRST_FILES for e in _load_file(name)}
    is_first = [e.text in first for e in all_val]
    new = summarise(
        [e for e, f in zip(all_val, is_first, strict=True) if not f],
        [r for r, f in zip(all_results, is_first, strict=True) if not f],
    )
    assert new["recall"] >= NEW_RECALL_FLOOR, new["recall"]
    assert new["fpr_hard_negatives"] <= NEW_HARD_NEGATIVE_FPR_CEILING, new["fpr_hard_negatives"]
    val = [e for e, f in zip(all_val, is_first, strict=True) if f]
    results = [r for r, f in zip(all_results, is_first, strict=True) if f]
    s = summarise(val, results)
    assert s["recall"] >= RECALL_FLOOR, s["recall"]
    assert s["fpr_hard_negatives"] <= HARD_NEGATIVE_FPR_CEILING, s["fpr_hard_negatives"]
    for cat, (hit, total) in s["by_category"].items():
        if total >= 10:
            assert hit / total >= CATEGORY_RECALL_FLOOR, cat
    # most imminent rows must be flagged, and more than half of them HIGH or above (measured
    # 27/30 and 19/30: acts in progress written without any lexicon cue are the weak spot)
    imminent = [r.level for e, r in zip(val, results, strict=True) if e.level == "imminent"]
    assert sum(lv.rank >= 2 for lv in imminent) / len(imminent) >= 0.8
    assert sum(lv.rank >= 3 for lv in imminent) / len(imminent) >= 0.55
