"""Metrics that matter for a crisis detector: recall of messages needing attention, false-positive
rate on hard negatives, precision at a realistic prevalence, and the 5-level confusion matrix."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

PREVALENCE = 0.03  # share of crisis messages in real traffic (dataset README)


def precision_at_prevalence(recall: float, fpr: float, prevalence: float = PREVALENCE) -> float:
    """Precision the detector would have if positives were ``prevalence`` of all traffic."""
    tp = prevalence * recall
    fp = (1.0 - prevalence) * fpr
    return tp / (tp + fp) if tp + fp > 0 else 0.0


def recall_by(
    groups: Sequence[Sequence[str]], positive: NDArray[np.bool_], flagged: NDArray[np.bool_]
) -> dict[str, tuple[int, int]]:
    """(flagged, total) among positives, per group label (a row may be in several groups)."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for labels, pos, flag in zip(groups, positive, flagged, strict=True):
        if not pos:
            continue
        for label in labels:
            out[label][1] += 1
            out[label][0] += int(flag)
    return {k: (v[0], v[1]) for k, v in sorted(out.items())}


def confusion(true: Sequence[int], pred: Sequence[int], n: int = 5) -> NDArray[np.int64]:
    m = np.zeros((n, n), dtype=np.int64)
    for t, p in zip(true, pred, strict=True):
        m[t, p] += 1
    return m


def format_confusion(m: NDArray[np.int64], names: Sequence[str]) -> str:
    width = max(len(x) for x in names) + 2
    head = "true\\pred".ljust(width) + "".join(x[:8].rjust(10) for x in names)
    rows = [name.ljust(width) + "".join(str(v).rjust(10) for v in m[i]) for i, name in enumerate(names)]
    return "\n".join([head, *rows])
