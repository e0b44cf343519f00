"""Suggest CI gates from a report: today's figure minus a margin (plus, for lower-is-better).

``python -m evals suggest-gates docs/evals/curated/report.json > evals/gates.txt``

Headline metrics get the small margin; a per-suite recall or FPR rests on a handful of positives
or negatives, where one item moves the figure by 0.03-0.2, so its margin is at least one item of
its denominator: a gate then flags a real change rather than a single relabelled message.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from evals.evaluate import lower_is_better

HEADLINE = (
    "recall_moderate_plus",
    "fpr_moderate_plus",
    "hard_negative_fpr",
    "precision_at_recall_90_realistic",
    "roc_auc",
    "range_accuracy",
    "level.imminent.recall",
)
SUITE_KEYS = ("recall_moderate_plus", "fpr_moderate_plus")


def _bound(value: float, margin: float, lower_better: bool) -> float:
    # Round away from today's value so the gate never fails on today's run through rounding.
    # round(..., 6) first: 0.9 - 0.05 is 0.8500000000000001 in floating point.
    if lower_better:
        return min(1.0, math.ceil(round((value + margin) * 100, 6)) / 100)
    return max(0.0, math.floor(round((value - margin) * 100, 6)) / 100)


def suggest(report: Mapping[str, Any], system: str = "engine", margin: float = 0.02) -> list[str]:
    metrics: Mapping[str, float | None] = report["metrics"]
    suites: Mapping[str, Mapping[str, Any]] = report["systems"][system]["suites"]
    lines = [
        f"# Suggested gates from {report['command']}",
        f"# engine {report.get('engine_version', '')}",
        f"# headline margin {margin:g}; per-suite margin max({margin:g}, one item of the denominator)",
    ]
    names: list[tuple[str, float]] = [(f"{system}.{m}", margin) for m in HEADLINE]
    for suite, sm in sorted(suites.items()):
        for key, denominator in zip(SUITE_KEYS, ("n_positive", "n_negative"), strict=True):
            one_item = 1 / max(1, int(sm[denominator]))
            names.append((f"{system}.suite.{suite}.{key}", max(margin, one_item)))
    for name, m in names:
        value = metrics.get(name)
        if value is None:
            continue
        lower = lower_is_better(name)
        bound = _bound(value, m, lower)
        if (lower and bound >= 1.0) or (not lower and bound <= 0.0):
            continue  # a gate that can never fail is noise
        flag = "--fail-over" if lower else "--fail-under"
        lines.append(f"{flag} {name}={bound:.2f}  # today {value:.3f}")
    return lines
