"""Suggested gates: today's value minus a margin, at least one item for small suites."""

from __future__ import annotations

from evals.suggest import suggest

REPORT = {
    "command": "python -m evals crisis --dataset curated",
    "engine_version": "x",
    "metrics": {
        "engine.recall_moderate_plus": 0.813,
        "engine.hard_negative_fpr": 0.323,
        "engine.roc_auc": 0.01,  # bound would be <= 0: dropped
        "engine.suite.s.recall_moderate_plus": 0.9,
        "engine.suite.s.fpr_moderate_plus": 0.0,
    },
    "systems": {"engine": {"suites": {"s": {"n": 30, "n_positive": 20, "n_negative": 10}}}},
}


def test_suggested_bounds() -> None:
    lines = [line.split("  #")[0] for line in suggest(REPORT) if not line.startswith("#")]
    assert lines == [
        "--fail-under engine.recall_moderate_plus=0.79",  # floor(0.793)
        "--fail-over engine.hard_negative_fpr=0.35",  # ceil(0.343)
        "--fail-under engine.suite.s.recall_moderate_plus=0.85",  # one of 20 positives = 0.05
        "--fail-over engine.suite.s.fpr_moderate_plus=0.10",  # one of 10 negatives = 0.10
    ]
