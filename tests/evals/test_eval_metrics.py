"""Metric code against examples computed by hand (the arithmetic is in the comments)."""

from __future__ import annotations

import pytest

from crisis_engine.types import Category, RiskLevel
from evals.metrics import (
    alert_metrics,
    average_precision,
    bootstrap_alert_ci,
    category_prf,
    confusion_matrix,
    operating_points,
    per_level_prf,
    percentile,
    precision_at_recall,
    range_accuracy,
    resolve_gold,
    reweighted_precision,
    roc_auc,
    under_over_rates,
)

N, L, M, H, IM = (RiskLevel.NONE, RiskLevel.LOW, RiskLevel.MODERATE, RiskLevel.HIGH, RiskLevel.IMMINENT)

# Five items: gold ranges and predictions.
GOLDS = [(N, N), (L, M), (M, M), (H, IM), (H, H)]
PREDS = [L, M, N, IM, M]


def test_resolve_gold_clips_prediction_into_range() -> None:
    assert resolve_gold(L, M, M) is M  # inside: the prediction itself
    assert resolve_gold(L, M, IM) is M  # above: the top of the range
    assert resolve_gold(H, IM, N) is H  # below: the bottom
    assert resolve_gold(N, N, H) is N


def test_confusion_matrix_by_hand() -> None:
    # item1 N->L: row N col L; item2 L..M->M: diagonal M; item3 M->N: row M col N;
    # item4 H..I->I: diagonal I; item5 H->M: row H col M.
    assert confusion_matrix(GOLDS, PREDS) == [
        [0, 1, 0, 0, 0],
        [0, 0, 0, 0, 0],
        [1, 0, 1, 0, 0],
        [0, 0, 1, 0, 0],
        [0, 0, 0, 0, 1],
    ]


def test_per_level_precision_recall_f1_by_hand() -> None:
    prf = per_level_prf(confusion_matrix(GOLDS, PREDS))
    # MODERATE: tp=1 (item2), fn=1 (item3 said none), fp=1 (item5 was high) -> P=R=F1=1/2
    assert (prf[M].precision, prf[M].recall, prf[M].f1) == (0.5, 0.5, 0.5)
    assert (prf[M].support, prf[M].predicted) == (2, 2)
    # NONE: one gold item missed, one false NONE -> 0/0/0
    assert (prf[N].precision, prf[N].recall, prf[N].f1) == (0.0, 0.0, 0.0)
    # LOW: never gold, predicted once -> precision 0, recall undefined (None, not 0)
    assert prf[L].precision == 0.0
    assert prf[L].recall is None
    assert prf[L].f1 is None
    assert (prf[IM].precision, prf[IM].recall) == (1.0, 1.0)
    # HIGH: gold once (item5) and missed, never predicted
    assert prf[H].precision is None
    assert prf[H].recall == 0.0


def test_f1_is_harmonic_mean() -> None:
    # tp=2, fp=2, fn=0 on LOW: P=0.5, R=1 -> F1 = 2*0.5*1/1.5 = 0.6667
    prf = per_level_prf(confusion_matrix([(L, L), (L, L), (N, N), (N, N)], [L, L, L, L]))
    assert prf[L].f1 == pytest.approx(2 / 3)


def test_range_accuracy_and_under_over() -> None:
    assert range_accuracy(GOLDS, PREDS) == pytest.approx(2 / 5)  # items 2 and 4
    under, over = under_over_rates(GOLDS, PREDS)
    assert under == pytest.approx(2 / 5)  # items 3 and 5
    assert over == pytest.approx(1 / 5)  # item 1


def test_alert_metrics_leave_straddling_ranges_out() -> None:
    a = alert_metrics(GOLDS, PREDS)
    # item1 must-not & said low -> TN; item2 low..moderate -> ambiguous; item3 missed -> FN;
    # items 4, 5 alerted -> TP.
    assert (a.tp, a.fp, a.fn, a.tn, a.n_ambiguous) == (2, 0, 1, 1, 1)
    assert a.recall == pytest.approx(2 / 3)
    assert a.precision == 1.0
    assert a.fpr == 0.0


def test_category_prf_multilabel() -> None:
    si, sh, ab = Category.SUICIDAL_IDEATION, Category.SELF_HARM, Category.ABUSE
    gold = [frozenset({si}), frozenset({si, sh}), frozenset(), frozenset({ab})]
    pred = [frozenset({si}), frozenset({si}), frozenset({sh}), frozenset()]
    prf = category_prf(gold, pred)
    assert (prf[si].precision, prf[si].recall) == (1.0, 1.0)
    assert (prf[sh].precision, prf[sh].recall, prf[sh].f1) == (0.0, 0.0, 0.0)
    assert prf[ab].precision is None
    assert prf[ab].recall == 0.0
    assert Category.HARM_TO_OTHERS not in prf  # never gold nor predicted: no row


# Ten scored items, 4 positives: P P N P N P N N N N by descending score.
SCORES = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05]
LABELS = [True, True, False, True, False, True, False, False, False, False]


def test_precision_at_fixed_recall_by_hand() -> None:
    # Recall first reaches 0.9 at threshold 0.4 (all 4 positives, 2 negatives above):
    # precision 4/6, FPR 2/6. Re-weighted to 3%: 1*0.03 / (1*0.03 + (1/3)*0.97) = 0.084906
    op = precision_at_recall(SCORES, LABELS, 0.90, prevalence=0.03)
    assert op is not None
    assert op.threshold == 0.4
    assert op.recall == 1.0
    assert op.precision == pytest.approx(4 / 6)
    assert op.fpr == pytest.approx(1 / 3)
    assert op.precision_realistic == pytest.approx(0.084906, abs=1e-6)
    # Recall 0.75 is met earlier, at 0.6: 3 TP, 1 FP -> precision 3/4, FPR 1/6.
    op75 = precision_at_recall(SCORES, LABELS, 0.75, prevalence=0.03)
    assert op75 is not None
    assert op75.threshold == 0.6
    assert op75.precision == pytest.approx(0.75)


def test_reweighted_precision_worked_number() -> None:
    # r=0.9, fpr=0.05, pi=0.03: 0.027 / (0.027 + 0.05*0.97) = 0.027 / 0.0755 = 0.357616
    assert reweighted_precision(0.9, 0.05, 0.03) == pytest.approx(0.357616, abs=1e-6)
    # At the data's own prevalence it reproduces ordinary precision: 4 pos, 6 neg,
    # r=1, fpr=1/3 -> 4 / (4 + 2) = 2/3.
    assert reweighted_precision(1.0, 1 / 3, 0.4) == pytest.approx(2 / 3)


def test_precision_at_recall_undefined_without_both_classes() -> None:
    assert precision_at_recall([0.1, 0.2], [True, True], 0.9, 0.03) is None


def test_roc_auc_equals_pairwise_ranking_by_hand() -> None:
    # Positive beats negative in 6 + 6 + 5 + 4 = 21 of 24 pairs.
    assert roc_auc(operating_points(SCORES, LABELS)) == pytest.approx(21 / 24)


def test_average_precision_by_hand() -> None:
    # Recall steps of 1/4 at precisions 1, 1, 3/4, 4/6.
    expected = 0.25 * (1 + 1 + 0.75 + 4 / 6)
    assert average_precision(operating_points(SCORES, LABELS)) == pytest.approx(expected)


def test_tied_scores_move_together() -> None:
    points = operating_points([0.5, 0.5], [True, False])
    assert [(p.tp, p.fp) for p in points] == [(0, 0), (1, 1)]
    assert roc_auc(points) == pytest.approx(0.5)


def test_percentile_linear_interpolation() -> None:
    # position (4-1)*0.9 = 2.7 -> 3 + 0.7*(4-3)
    assert percentile([4.0, 1.0, 3.0, 2.0], 90) == pytest.approx(3.7)
    assert percentile([], 50) is None


def test_bootstrap_interval_brackets_the_estimate_and_is_repeatable() -> None:
    labels = [True] * 40 + [False] * 60
    alerted = [True] * 30 + [False] * 10 + [True] * 6 + [False] * 54  # recall .75, fpr .10
    ci = bootstrap_alert_ci(labels, alerted)
    assert ci == bootstrap_alert_ci(labels, alerted)
    recall, fpr = ci["recall"], ci["fpr"]
    assert recall is not None
    assert fpr is not None
    assert recall[0] < 0.75 < recall[1]
    assert fpr[0] < 0.10 < fpr[1]
    # With everything right there is nothing to resample away from.
    assert bootstrap_alert_ci([True, False], [True, False])["recall"] == (1.0, 1.0)
    assert bootstrap_alert_ci([], []) == {"recall": None, "precision": None, "fpr": None}
