"""Calibration of the classifier's risk, and reliability figures.

The head's sigmoid is over-confident on ordinary chat that shares words with crisis messages
(issue #23: "my roommate keeps leaving dishes everywhere and i'm fed up" 0.95). Platt scaling
(a logistic regression on the raw risk's logit) turns it into a probability of needing
attention. It is fitted on *out-of-fold* predictions of the training split's hand-written rows
(each predicted by a head that never saw it), and its reliability is measured on the validation
split, which neither the head nor the calibration saw.

The probability is calibrated for the training data's mix (about 40% needing attention, the
rest hard negatives, low mood and ordinary chat). At a real chat prevalence of a few per cent the
same score means a lower probability; the cut-offs that act on it are chosen on the same mix, so
they are consistent with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from crisis_engine.fusion import calibrate

LOGIT_CLIP = 8.0
BINS = 10


def _logits(risk: NDArray[np.floating]) -> NDArray[np.float64]:
    p = np.clip(np.asarray(risk, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.clip(np.log(p / (1 - p)), -LOGIT_CLIP, LOGIT_CLIP)


def fit_platt(
    risk: NDArray[np.floating], positive: NDArray[np.bool_], weight: NDArray[np.floating] | None = None
) -> tuple[float, float]:
    """Slope and intercept of p = sigmoid(a * logit(risk) + b), by weighted maximum likelihood
    (Newton's method on two parameters; deterministic, no solver tolerance to depend on)."""
    x = _logits(risk)
    y = np.asarray(positive, dtype=np.float64)
    w = np.ones_like(x) if weight is None else np.asarray(weight, dtype=np.float64)
    a, b = 1.0, 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(a * x + b)))
        g = np.array([np.sum(w * (p - y) * x), np.sum(w * (p - y))])
        s = w * p * (1 - p)
        h = np.array([[np.sum(s * x * x), np.sum(s * x)], [np.sum(s * x), np.sum(s)]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(h, g)
        a, b = a - float(step[0]), b - float(step[1])
        if float(np.abs(step).max()) < 1e-10:
            break
    if not a > 0:
        raise ValueError("calibration slope is not positive: the classifier ranks risk backwards")
    return round(a, 6), round(b, 6)


@dataclass(frozen=True, slots=True)
class Bin:
    lo: float
    hi: float
    n: int
    mean_predicted: float
    observed: float  # share of the bin's rows needing attention


def reliability(prob: Sequence[float] | NDArray[np.floating], positive: Sequence[bool]) -> list[Bin]:
    """Equal-width bins of predicted probability with the observed rate in each."""
    p = np.asarray(prob, dtype=np.float64)
    y = np.asarray(positive, dtype=np.float64)
    out: list[Bin] = []
    for k in range(BINS):
        lo, hi = k / BINS, (k + 1) / BINS
        mask = (p >= lo) & ((p < hi) if k < BINS - 1 else (p <= hi))
        if mask.any():
            out.append(Bin(lo, hi, int(mask.sum()), float(p[mask].mean()), float(y[mask].mean())))
    return out


def expected_calibration_error(bins: Sequence[Bin]) -> float:
    total = sum(b.n for b in bins)
    return sum(b.n * abs(b.mean_predicted - b.observed) for b in bins) / total if total else math.nan


def brier(prob: Sequence[float] | NDArray[np.floating], positive: Sequence[bool]) -> float:
    p = np.asarray(prob, dtype=np.float64)
    return float(np.mean((p - np.asarray(positive, dtype=np.float64)) ** 2))


def calibrated(risk: NDArray[np.floating], a: float, b: float) -> NDArray[np.float64]:
    return np.asarray([calibrate(float(r), a, b) for r in np.asarray(risk).reshape(-1)])


def format_reliability(
    title: str, raw: NDArray[np.floating], cal: NDArray[np.floating], y: Sequence[bool]
) -> str:
    """A plain-text reliability table (raw and calibrated side by side) with ECE and Brier."""
    lines = [f"{title}: {len(y)} rows"]
    for name, p in (("raw", raw), ("calibrated", cal)):
        bins = reliability(p, y)
        lines.append(
            f"  {name}: ECE {expected_calibration_error(bins):.3f}, Brier {brier(p, y):.3f}; "
            + ", ".join(
                f"[{b.lo:.1f},{b.hi:.1f}) n={b.n} pred {b.mean_predicted:.2f} obs {b.observed:.2f}"
                for b in bins
            )
        )
    return "\n".join(lines)
