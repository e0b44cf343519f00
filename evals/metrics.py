"""Detection metrics, written out by hand so each one can be checked against a worked example.

Conventions
-----------
* Gold labels are ranges ``[lo, hi]`` of acceptable levels. For the level-wise tables a range is
  *resolved* to the acceptable level nearest to the prediction (``clip(pred, lo, hi)``): a
  prediction inside the range is a hit on the diagonal, one outside it is charged to the nearest
  boundary. A single-level label resolves to itself.
* The binary "alert" task is "needs MODERATE or above". Items whose range straddles MODERATE
  (e.g. ``low..moderate``) are neither positive nor negative: either answer is acceptable, so they
  are left out of binary metrics and counted as ``n_ambiguous``.
* A ratio with a zero denominator is ``None`` (undefined), never 0: a suite with no positives
  has no recall, rather than a recall of zero that would trip a gate.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from crisis_engine.types import Category, RiskLevel
from evals.items import ALERT_LEVEL, LEVELS

Number = float | None


def ratio(num: float, den: float) -> Number:
    return None if den == 0 else num / den


def f1_score(precision: Number, recall: Number) -> Number:
    if precision is None or recall is None:
        return None
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def resolve_gold(lo: RiskLevel, hi: RiskLevel, pred: RiskLevel) -> RiskLevel:
    """The acceptable level nearest to ``pred`` (``pred`` itself when inside the range)."""
    return RiskLevel.from_rank(min(max(pred.rank, lo.rank), hi.rank))


def confusion_matrix(
    golds: Sequence[tuple[RiskLevel, RiskLevel]], preds: Sequence[RiskLevel]
) -> list[list[int]]:
    """5x5 counts, rows = resolved gold level, columns = predicted level (NONE..IMMINENT)."""
    if len(golds) != len(preds):
        raise ValueError("golds and preds differ in length")
    matrix = [[0] * len(LEVELS) for _ in LEVELS]
    for (lo, hi), pred in zip(golds, preds, strict=True):
        matrix[resolve_gold(lo, hi, pred).rank][pred.rank] += 1
    return matrix


@dataclass(frozen=True, slots=True)
class PRF:
    precision: Number
    recall: Number
    f1: Number
    support: int  # number of gold items of this class
    predicted: int  # number of predictions of this class

    def as_dict(self) -> dict[str, Number | int]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
            "predicted": self.predicted,
        }


def prf_from_counts(tp: int, fp: int, fn: int) -> PRF:
    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    return PRF(precision, recall, f1_score(precision, recall), tp + fn, tp + fp)


def per_level_prf(matrix: Sequence[Sequence[int]]) -> dict[RiskLevel, PRF]:
    out: dict[RiskLevel, PRF] = {}
    for i, level in enumerate(LEVELS):
        tp = matrix[i][i]
        fn = sum(matrix[i]) - tp
        fp = sum(row[i] for row in matrix) - tp
        out[level] = prf_from_counts(tp, fp, fn)
    return out


def range_accuracy(golds: Sequence[tuple[RiskLevel, RiskLevel]], preds: Sequence[RiskLevel]) -> Number:
    hits = sum(lo <= p <= hi for (lo, hi), p in zip(golds, preds, strict=True))
    return ratio(hits, len(preds))


def under_over_rates(
    golds: Sequence[tuple[RiskLevel, RiskLevel]], preds: Sequence[RiskLevel]
) -> tuple[Number, Number]:
    """Share of items predicted below the range (under-call) and above it (over-call)."""
    under = sum(p < lo for (lo, _), p in zip(golds, preds, strict=True))
    over = sum(p > hi for (_, hi), p in zip(golds, preds, strict=True))
    return ratio(under, len(preds)), ratio(over, len(preds))


class _Counts:
    """Recall, precision and false-positive rate from a 2x2 table (``tp``, ``fp``, ``fn``, ``tn``)."""

    __slots__ = ()
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def recall(self) -> Number:
        return ratio(self.tp, self.tp + self.fn)

    @property
    def precision(self) -> Number:
        return ratio(self.tp, self.tp + self.fp)

    @property
    def fpr(self) -> Number:
        return ratio(self.fp, self.fp + self.tn)


@dataclass(frozen=True, slots=True)
class AlertMetrics(_Counts):
    """The binary "needs MODERATE or above" task at the engine's own level threshold."""

    tp: int
    fp: int
    fn: int
    tn: int
    n_ambiguous: int

    @property
    def f1(self) -> Number:
        return f1_score(self.precision, self.recall)

    @property
    def prevalence(self) -> Number:
        return ratio(self.tp + self.fn, self.tp + self.fn + self.fp + self.tn)


def alert_labels(golds: Sequence[tuple[RiskLevel, RiskLevel]]) -> list[bool | None]:
    """True = must alert, False = must not, None = the range allows both."""
    out: list[bool | None] = []
    for lo, hi in golds:
        if lo >= ALERT_LEVEL:
            out.append(True)
        elif hi < ALERT_LEVEL:
            out.append(False)
        else:
            out.append(None)
    return out


def alert_metrics(golds: Sequence[tuple[RiskLevel, RiskLevel]], preds: Sequence[RiskLevel]) -> AlertMetrics:
    tp = fp = fn = tn = amb = 0
    for label, pred in zip(alert_labels(golds), preds, strict=True):
        alerted = pred >= ALERT_LEVEL
        if label is None:
            amb += 1
        elif label and alerted:
            tp += 1
        elif label:
            fn += 1
        elif alerted:
            fp += 1
        else:
            tn += 1
    return AlertMetrics(tp, fp, fn, tn, amb)


def category_prf(
    gold: Sequence[frozenset[Category]], pred: Sequence[frozenset[Category]]
) -> dict[Category, PRF]:
    """Multi-label precision/recall/F1 per category (an item may carry several categories)."""
    out: dict[Category, PRF] = {}
    for cat in Category:
        tp = sum(cat in g and cat in p for g, p in zip(gold, pred, strict=True))
        fn = sum(cat in g and cat not in p for g, p in zip(gold, pred, strict=True))
        fp = sum(cat not in g and cat in p for g, p in zip(gold, pred, strict=True))
        if tp + fn + fp:
            out[cat] = prf_from_counts(tp, fp, fn)
    return out


# --- score-based curves -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OperatingPoint(_Counts):
    threshold: float  # alert when score >= threshold
    tp: int
    fp: int
    fn: int
    tn: int


def operating_points(scores: Sequence[float], labels: Sequence[bool]) -> list[OperatingPoint]:
    """One point per distinct score, from the strictest threshold to the most lenient.

    Tied scores move together (a threshold cannot split them), which keeps the curves honest
    for detectors that output a handful of discrete scores, such as the keyword baseline.
    """
    if len(scores) != len(labels):
        raise ValueError("scores and labels differ in length")
    pos = sum(labels)
    neg = len(labels) - pos
    pairs = sorted(zip(scores, labels, strict=True), key=lambda sl: -sl[0])
    points = [OperatingPoint(math.inf, 0, 0, pos, neg)]
    tp = fp = 0
    i = 0
    while i < len(pairs):
        threshold = pairs[i][0]
        while i < len(pairs) and pairs[i][0] == threshold:
            if pairs[i][1]:
                tp += 1
            else:
                fp += 1
            i += 1
        points.append(OperatingPoint(threshold, tp, fp, pos - tp, neg - fp))
    return points


def roc_auc(points: Sequence[OperatingPoint]) -> Number:
    """Area under (fpr, recall) by the trapezoid rule; ties give diagonal segments."""
    if not points or points[0].tp + points[0].fn == 0 or points[0].fp + points[0].tn == 0:
        return None
    area = 0.0
    for a, b in itertools.pairwise(points):
        assert a.fpr is not None
        assert b.fpr is not None
        assert a.recall is not None
        assert b.recall is not None
        area += (b.fpr - a.fpr) * (a.recall + b.recall) / 2
    return area


def average_precision(points: Sequence[OperatingPoint]) -> Number:
    """Step-wise AP: sum over thresholds of (recall gain) x (precision at that threshold)."""
    if not points or points[0].tp + points[0].fn == 0:
        return None
    ap = 0.0
    prev_recall = 0.0
    for p in points[1:]:
        assert p.recall is not None
        if p.recall > prev_recall:
            ap += (p.recall - prev_recall) * (p.precision or 0.0)
            prev_recall = p.recall
    return ap


def reweighted_precision(recall: float, fpr: float, prevalence: float) -> Number:
    """Precision the same operating point would have where positives make up ``prevalence``.

    precision' = r*pi / (r*pi + fpr*(1-pi)). Recall and FPR are properties of the classifier
    per class, so they carry over; precision depends on the mix, so it is recomputed.
    """
    return ratio(recall * prevalence, recall * prevalence + fpr * (1 - prevalence))


@dataclass(frozen=True, slots=True)
class PrecisionAtRecall:
    target: float
    threshold: float
    recall: float
    precision: Number
    fpr: float
    precision_realistic: Number
    prevalence_realistic: float


def precision_at_recall(
    scores: Sequence[float], labels: Sequence[bool], target: float, prevalence: float
) -> PrecisionAtRecall | None:
    """The strictest threshold whose recall reaches ``target``, and its precision.

    Strictest (= highest) threshold because that is the one a deployment would pick to meet a
    recall requirement with the fewest false alarms. ``None`` when there are no positives or no
    negatives (precision and FPR would be meaningless).
    """
    points = operating_points(scores, labels)
    if points[0].tp + points[0].fn == 0 or points[0].fp + points[0].tn == 0:
        return None
    for p in points:
        assert p.recall is not None
        assert p.fpr is not None
        if p.recall >= target:
            return PrecisionAtRecall(
                target=target,
                threshold=p.threshold,
                recall=p.recall,
                precision=p.precision,
                fpr=p.fpr,
                precision_realistic=reweighted_precision(p.recall, p.fpr, prevalence),
                prevalence_realistic=prevalence,
            )
    raise AssertionError("the most lenient threshold always reaches recall 1")  # pragma: no cover


def percentile(values: Iterable[float], q: float) -> Number:
    """Linear-interpolated percentile (q in [0, 100]), as numpy's default method."""
    data = sorted(values)
    if not data:
        return None
    pos = (len(data) - 1) * q / 100
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def bootstrap_alert_ci(
    labels: Sequence[bool], alerted: Sequence[bool], n_resamples: int = 1000, seed: int = 20261125
) -> dict[str, tuple[float, float] | None]:
    """95% percentile-bootstrap intervals for recall, precision and FPR of the alert task.

    The curated suites hold ~150 positives, so a recall of 0.80 is really "somewhere in
    0.73-0.86"; the interval tells a reader when two systems differ by more than the sample
    can show. A fixed seed keeps the report deterministic.
    """
    import numpy as np

    y = np.asarray(labels, dtype=bool)
    a = np.asarray(alerted, dtype=bool)
    if y.size == 0:
        return {"recall": None, "precision": None, "fpr": None}
    idx = np.random.default_rng(seed).integers(0, y.size, size=(n_resamples, y.size))
    ys, as_ = y[idx], a[idx]
    tp = (ys & as_).sum(axis=1)
    fp = (~ys & as_).sum(axis=1)
    pos = ys.sum(axis=1)
    neg = (~ys).sum(axis=1)
    out: dict[str, tuple[float, float] | None] = {}
    for name, num, den in (("recall", tp, pos), ("precision", tp, tp + fp), ("fpr", fp, neg)):
        ok = den > 0
        if not ok.any():
            out[name] = None
            continue
        values = num[ok] / den[ok]
        lo, hi = np.percentile(values, [2.5, 97.5])
        out[name] = (float(lo), float(hi))
    return out
