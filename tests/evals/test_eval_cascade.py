"""Issue #15: evaluation reports count what the engine's first stage settled and list its misses."""

from __future__ import annotations

from crisis_engine import RiskLevel
from evals.evaluate import cascade_metrics, flatten, system_metrics
from evals.items import EvalItem, Prediction


def item(i: str, level: RiskLevel) -> EvalItem:
    return EvalItem(id=i, text=f"text {i}", min_level=level, max_level=level, suite="s")


def pred(level: RiskLevel, first: bool | None) -> Prediction:
    extra = {} if first is None else {"first_stage": 1.0 if first else 0.0}
    return Prediction(level=level, score=0.9 if level >= RiskLevel.MODERATE else 0.1, extra=extra)


def test_cascade_share_and_misses() -> None:
    items = [
        item("a", RiskLevel.NONE),
        item("b", RiskLevel.HIGH),
        item("c", RiskLevel.NONE),
        item("d", RiskLevel.LOW),
    ]
    preds = [
        pred(RiskLevel.NONE, True),
        pred(RiskLevel.NONE, True),  # needed HIGH, settled: a miss
        pred(RiskLevel.NONE, False),
        pred(RiskLevel.NONE, True),
    ]
    m = cascade_metrics(items, preds)
    assert m == {"assessed": 4, "settled": 3, "share": 0.75, "misses": ["b"]}
    full = system_metrics(items, preds)
    assert full["cascade"]["share"] == 0.75
    assert flatten(full)["first_stage_share"] == 0.75


def test_no_cascade_figures_without_engine_stages() -> None:
    items = [item("a", RiskLevel.NONE)]
    assert cascade_metrics(items, [pred(RiskLevel.NONE, None)]) is None
    assert "cascade" not in system_metrics(items, [pred(RiskLevel.NONE, None)])


def test_users_count_post_by_post_and_are_never_misses() -> None:
    user = EvalItem(
        id="u", text="", min_level=RiskLevel.HIGH, max_level=RiskLevel.HIGH, documents=("p1", "p2", "p3")
    )
    p = Prediction(level=RiskLevel.NONE, score=0.1, extra={"n_posts": 3.0, "first_stage_posts": 2.0})
    assert cascade_metrics([user], [p]) == {"assessed": 3, "settled": 2, "share": 2 / 3, "misses": []}
