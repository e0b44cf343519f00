"""The everyday false-alarm suite (issue #23): committed files, shape, and its metrics."""

from __future__ import annotations

from collections import Counter

from crisis_engine.types import RiskLevel
from evals.datasets import EVERYDAY_DIR, EVERYDAY_NAME, load_many, resolve_dataset
from evals.evaluate import flatten, system_metrics
from evals.everyday.build import CATEGORIES, CONTEXT_TURNS, build, render
from evals.everyday.lines import ISSUE_EXAMPLES
from evals.items import EvalItem, Prediction


def test_committed_suite_is_what_the_builder_writes() -> None:
    built = build()
    on_disk = sorted(p.stem for p in EVERYDAY_DIR.glob("*.jsonl"))
    assert on_disk == sorted(built)
    for name, rows in built.items():
        assert (EVERYDAY_DIR / f"{name}.jsonl").read_text("utf-8") == render(rows), (
            f"{name}.jsonl is stale: run python -m evals.everyday.build"
        )


def test_suite_has_every_category_thousands_of_messages_and_the_issue_examples() -> None:
    kind, paths = resolve_dataset(EVERYDAY_NAME, EVERYDAY_DIR.parent.parent)
    assert kind == "jsonl"
    items = load_many(paths)  # type: ignore[arg-type]
    per_suite = Counter(i.suite for i in items)
    assert set(per_suite) == {*CATEGORIES, "conversations"}
    assert all(n >= 250 for n in per_suite.values()), per_suite
    assert len(items) >= 2500
    texts = {i.text: i.suite for i in items if i.suite != "conversations"}
    for text, category in ISSUE_EXAMPLES.items():
        assert texts.get(text) == category, text
    singles = [i.text.casefold() for i in items if i.suite != "conversations"]
    assert len(set(singles)) == len(singles)
    assert all(i.max_level == RiskLevel.LOW and i.is_alert_negative for i in items)
    turns = [i for i in items if i.suite == "conversations"]
    assert sum(1 for i in turns if i.conversation) >= 200
    assert all(len(i.conversation) <= CONTEXT_TURNS for i in turns)


def test_false_alarm_rates_per_suite_are_reported_and_gateable() -> None:
    items = [
        EvalItem(id=f"x{n}", text="t", min_level=RiskLevel.NONE, max_level=RiskLevel.LOW, suite=s)
        for n, s in enumerate(["a"] * 4 + ["b"] * 2)
    ]
    none, low, mod, high = RiskLevel.NONE, RiskLevel.LOW, RiskLevel.MODERATE, RiskLevel.HIGH
    levels = [none, mod, high, low, none, low]
    preds = [Prediction(level=lv, score=0.9 if lv >= RiskLevel.MODERATE else 0.1) for lv in levels]
    metrics = system_metrics(items, preds)
    flat = flatten(metrics)
    assert flat["suite.a.moderate_plus_rate"] == 0.5
    assert flat["suite.a.high_plus_rate"] == 0.25
    assert flat["suite.b.moderate_plus_rate"] == 0.0
    assert flat["moderate_plus_rate"] == 2 / 6
    assert flat["high_plus_rate"] == 1 / 6
    assert metrics["reliability"]["score"]["n"] == 6
