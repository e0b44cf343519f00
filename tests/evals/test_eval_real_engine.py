"""The evaluation run against the real engine (keyword-only mode, fast) and the TF-IDF baseline:
two runs must give identical metrics. Skipped only while the engine package is incomplete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.cli import main


def _engine_available() -> bool:
    try:
        from crisis_engine import CrisisDetector

        CrisisDetector.load(classifier=False)
    except (ImportError, OSError):
        return False
    return True


pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not _engine_available(), reason="crisis engine not importable yet"),
]


def _run(out: Path) -> dict[str, Any]:
    argv = ["crisis", "--dataset", "multi_turn", "--out", str(out), "--systems", "keyword_only,tfidf_lr"]
    assert main(argv) == 0
    report: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return report


def test_real_runs_are_deterministic(tmp_path: Path) -> None:
    one, two = _run(tmp_path / "one"), _run(tmp_path / "two")
    assert one["skipped_systems"] == {}
    for key in ("systems", "metrics", "worst"):
        assert one[key] == two[key], key
    assert one["dataset"]["n_items"] == 25
    assert one["metrics"]["tfidf_lr.recall_moderate_plus"] is not None
