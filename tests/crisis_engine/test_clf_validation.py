"""Held-out validation rows through the shipped encoder, head and fusion: floors we measured.

Measured with the shipped weights (see docs/crisis-engine.md): the floors below are those figures
minus a margin, so a retrain that makes detection clearly worse fails here.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

RECALL_FLOOR = 0.88  # measured 0.923 on the validation split (168 rows needing attention)
HARD_NEGATIVE_FPR_CEILING = 0.12  # measured 0.077 on 142 hard negatives, 0.070 since the 7 Dec rewordings
CATEGORY_RECALL_FLOOR = 0.8  # lowest measured with 10+ rows: plan or means 28/32


@pytest.mark.slow
def test_clf_validation_recall_and_false_positive_floors() -> None:
    from crisis_engine.classifier import RiskClassifier
    from crisis_engine.encoder import SentenceEncoder
    from crisis_engine.fusion import Fusion
    from crisis_engine.keywords import KeywordScorer
    from crisis_engine.normalize import normalize
    from crisis_engine.training.dataset import split
    from crisis_engine.training.embed import embed_texts
    from crisis_engine.training.report import assess_rows, summarise

    _, val = split()
    texts = [e.text for e in val]
    norm = [normalize(t).text for t in texts]
    out = RiskClassifier.load().predict(embed_texts(SentenceEncoder.load(), texts), texts=norm)
    results = assess_rows(Fusion.load(), KeywordScorer.load(), texts, out)
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
