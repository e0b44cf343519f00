"""End to end through ``evals.cli.main`` with a fake engine: gates, baseline comparison,
determinism and the written reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eval_fakes import ITEMS_JSONL, FakeEngine

from evals.baselines import TrainingDataError
from evals.cli import DetectorFactory, main
from evals.detectors import Detector, EngineDetector

GOOD: dict[str, DetectorFactory] = {"engine": lambda: EngineDetector("engine", FakeEngine())}
BLIND: dict[str, DetectorFactory] = {"engine": lambda: EngineDetector("engine", FakeEngine(blind=True))}


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "mini.jsonl"
    path.write_text(ITEMS_JSONL + "\n", encoding="utf-8")
    return path


def run(dataset: Path, out: Path, *extra: str, factories: dict[str, DetectorFactory] = GOOD) -> int:
    argv = ["crisis", "--dataset", str(dataset), "--out", str(out), "--systems", "engine", *extra]
    return main(argv, factories=factories)


def load(out: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return report


def test_metrics_on_the_mini_set(dataset: Path, tmp_path: Path) -> None:
    assert run(dataset, tmp_path / "o") == 0
    m = load(tmp_path / "o")["metrics"]
    # Must-alert items: a (high), b (imminent), c (moderate), d (imminent via context), h (missed).
    assert m["engine.recall_moderate_plus"] == pytest.approx(4 / 5)
    # Must-not items: e (idiom -> moderate: false alarm), f, g -> FPR 1/3, hard negatives 1/1.
    assert m["engine.fpr_moderate_plus"] == pytest.approx(1 / 3)
    assert m["engine.hard_negative_fpr"] == 1.0
    assert m["engine.suite.oblique.recall_moderate_plus"] == 0.0
    assert m["engine.tag.idiom.fpr_moderate_plus"] == 1.0
    assert load(tmp_path / "o")["systems"]["engine"]["tags"]["idiom"]["n"] == 1


def test_reports_are_written_with_the_command_on_top(dataset: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    assert run(dataset, out) == 0
    for name in ("report.md", "report.html", "report.json", "roc.png", "pr.png"):
        assert (out / name).stat().st_size > 0, name
    md = (out / "report.md").read_text(encoding="utf-8").splitlines()
    assert md[0].startswith("# Crisis engine evaluation")
    assert md[3].startswith("python -m evals crisis --dataset")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<img src="roc.png"' in html
    assert "this homework is killing me" in html


def test_fail_under_gate_sets_exit_code(
    dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(dataset, tmp_path / "a", "--fail-under", "recall_moderate_plus=0.8") == 0
    assert run(dataset, tmp_path / "b", "--fail-under", "recall_moderate_plus=0.81") == 1
    err = capsys.readouterr().err
    assert "FAIL engine.recall_moderate_plus >= 0.81: measured 0.8000" in err
    assert "evaluation gate FAILED" in err
    assert run(dataset, tmp_path / "c", "--fail-over", "hard_negative_fpr=0.5") == 1
    assert run(dataset, tmp_path / "d", "--fail-under", "engine.level.imminent.recall=1") == 0


def test_gate_on_unknown_or_malformed_metric(
    dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(dataset, tmp_path / "a", "--fail-under", "recal_moderate_plus=0.5") == 1
    assert "no such metric" in capsys.readouterr().err
    assert run(dataset, tmp_path / "b", "--fail-under", "recall_moderate_plus") == 2
    assert "expected METRIC=VALUE" in capsys.readouterr().err


def test_gates_file(dataset: Path, tmp_path: Path) -> None:
    gates = tmp_path / "gates.txt"
    gates.write_text("# comment\n--fail-under recall_moderate_plus=0.5\n--fail-over fpr_moderate_plus=0.2\n")
    assert run(dataset, tmp_path / "a", "--gates-file", str(gates)) == 1  # FPR is 1/3
    gates.write_text("--fail-under recall_moderate_plus=0.5  # ok\n")
    assert run(dataset, tmp_path / "b", "--gates-file", str(gates)) == 0


def test_baseline_comparison_flags_a_regression(dataset: Path, tmp_path: Path) -> None:
    assert run(dataset, tmp_path / "before") == 0
    baseline = tmp_path / "before" / "report.json"
    # Same engine: nothing regresses, even with --fail-on-regression.
    assert run(dataset, tmp_path / "same", "--baseline", str(baseline), "--fail-on-regression") == 0
    assert load(tmp_path / "same")["comparison"]["regressions"] == []
    # A blind engine: recall collapses; flagged in the report, gated only on request.
    assert run(dataset, tmp_path / "after", "--baseline", str(baseline), factories=BLIND) == 0
    after = load(tmp_path / "after")
    assert "engine.recall_moderate_plus" in after["comparison"]["regressions"]
    # FPR went *down* (0.33 -> 0): an improvement for a lower-is-better metric.
    assert "engine.fpr_moderate_plus" in after["comparison"]["improvements"]
    md = (tmp_path / "after" / "report.md").read_text(encoding="utf-8")
    assert "### Regressions" in md
    assert "engine.recall_moderate_plus" in md
    code = run(
        dataset, tmp_path / "gated", "--baseline", str(baseline), "--fail-on-regression", factories=BLIND
    )
    assert code == 1


def test_two_runs_are_identical_apart_from_timing(dataset: Path, tmp_path: Path) -> None:
    assert run(dataset, tmp_path / "one") == 0
    assert run(dataset, tmp_path / "two") == 0
    one, two = load(tmp_path / "one"), load(tmp_path / "two")
    for report in (one, two):
        report.pop("timing")
        report.pop("command")  # names the --out directory
    assert one == two
    assert (tmp_path / "one" / "roc.png").read_bytes() == (tmp_path / "two" / "roc.png").read_bytes()


def test_bad_dataset_and_prevalence_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crisis", "--dataset", "nope", "--out", str(tmp_path)], factories=GOOD) == 2
    assert "unknown dataset 'nope'" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "level": "meh"}\n', encoding="utf-8")
    assert main(["crisis", "--dataset", str(bad), "--out", str(tmp_path)], factories=GOOD) == 2
    assert f"{bad}:1:" in capsys.readouterr().err
    assert main(["crisis", "--dataset", str(bad), "--prevalence", "3"], factories=GOOD) == 2


def test_engine_that_cannot_load_exits_2(
    dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken() -> Detector:
        raise FileNotFoundError("weights/classifier.npz")

    assert run(dataset, tmp_path / "o", factories={"engine": broken}) == 2
    assert "cannot load the engine: weights/classifier.npz" in capsys.readouterr().err


def test_a_baseline_that_cannot_load_is_skipped_and_reported(dataset: Path, tmp_path: Path) -> None:
    def no_data() -> Detector:
        raise TrainingDataError("engine training data unavailable")

    factories = {**GOOD, "tfidf_lr": no_data}
    argv = ["crisis", "--dataset", str(dataset), "--out", str(tmp_path / "o"), "--systems", "engine,tfidf_lr"]
    assert main(argv, factories=factories) == 0
    report = load(tmp_path / "o")
    assert report["skipped_systems"] == {"tfidf_lr": "engine training data unavailable"}
    assert list(report["systems"]) == ["engine"]
