"""Turn (items, predictions) into the metrics dictionary written to ``report.json``.

Everything here is deterministic given the predictions; latency lives in a separate function
so that it never enters the compared or gated metrics.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from crisis_engine.training.calibration import brier, expected_calibration_error, reliability
from crisis_engine.types import RiskLevel
from evals.cssrs import LABEL_ORDER, label_confusion
from evals.items import ALERT_LEVEL, LEVELS, EvalItem, Prediction
from evals.metrics import (
    Number,
    alert_labels,
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
    ratio,
    roc_auc,
    under_over_rates,
)

RECALL_TARGETS = (0.90, 0.95)
DEFAULT_PREVALENCE = 0.03
WORST_N = 15


def _golds(items: Sequence[EvalItem]) -> list[tuple[RiskLevel, RiskLevel]]:
    return [(i.min_level, i.max_level) for i in items]


def scored_alert_task(
    items: Sequence[EvalItem], preds: Sequence[Prediction]
) -> tuple[list[float], list[bool]]:
    """Scores and labels of the unambiguous items, for curves and precision at recall."""
    scores: list[float] = []
    labels: list[bool] = []
    for label, pred in zip(alert_labels(_golds(items)), preds, strict=True):
        if label is not None:
            scores.append(pred.score)
            labels.append(label)
    return scores, labels


def _group_metrics(
    items: Sequence[EvalItem], preds: Sequence[Prediction], groups_of: Callable[[EvalItem], Iterable[str]]
) -> dict[str, dict[str, Number | int]]:
    """Range accuracy and alert recall/FPR per group (suite, or tag: an item may have several)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for idx, item in enumerate(items):
        for group in groups_of(item):
            groups[group].append(idx)
    out: dict[str, dict[str, Number | int]] = {}
    for group in sorted(groups):
        its = [items[i] for i in groups[group]]
        levels = [preds[i].level for i in groups[group]]
        alert = alert_metrics(_golds(its), levels)
        out[group] = {
            "n": len(its),
            "n_positive": alert.tp + alert.fn,
            "n_negative": alert.fp + alert.tn,
            "range_accuracy": range_accuracy(_golds(its), levels),
            "recall_moderate_plus": alert.recall,
            "fpr_moderate_plus": alert.fpr,
            # Share of all the group's items at each alert level: for an all-negative group
            # (the everyday suite's categories) the false-alarm rates the issue #23 gates read.
            "moderate_plus_rate": ratio(sum(lv >= RiskLevel.MODERATE for lv in levels), len(its)),
            "high_plus_rate": ratio(sum(lv >= RiskLevel.HIGH for lv in levels), len(its)),
        }
    return out


def system_metrics(
    items: Sequence[EvalItem],
    preds: Sequence[Prediction],
    prevalence: float = DEFAULT_PREVALENCE,
    predicts_categories: bool = True,
) -> dict[str, Any]:
    golds = _golds(items)
    levels = [p.level for p in preds]
    matrix = confusion_matrix(golds, levels)
    alert = alert_metrics(golds, levels)
    under, over = under_over_rates(golds, levels)
    hard = [p.level >= ALERT_LEVEL for i, p in zip(items, preds, strict=True) if i.hard_negative]
    scores, labels = scored_alert_task(items, preds)
    alerted = [
        p.level >= ALERT_LEVEL for lab, p in zip(alert_labels(golds), preds, strict=True) if lab is not None
    ]
    points = operating_points(scores, labels)
    par: dict[str, Any] = {}
    for target in RECALL_TARGETS:
        op = precision_at_recall(scores, labels, target, prevalence)
        par[f"{target:.2f}"] = (
            None
            if op is None
            else {
                "threshold": op.threshold,
                "recall": op.recall,
                "precision": op.precision,
                "fpr": op.fpr,
                "precision_realistic": op.precision_realistic,
            }
        )
    result: dict[str, Any] = {
        "n_items": len(items),
        "range_accuracy": range_accuracy(golds, levels),
        "moderate_plus_rate": ratio(sum(lv >= RiskLevel.MODERATE for lv in levels), len(levels)),
        "high_plus_rate": ratio(sum(lv >= RiskLevel.HIGH for lv in levels), len(levels)),
        "under_call_rate": under,
        "over_call_rate": over,
        "alert": {
            "recall_moderate_plus": alert.recall,
            "precision_moderate_plus": alert.precision,
            "f1_moderate_plus": alert.f1,
            "fpr_moderate_plus": alert.fpr,
            "tp": alert.tp,
            "fp": alert.fp,
            "fn": alert.fn,
            "tn": alert.tn,
            "n_ambiguous": alert.n_ambiguous,
            "prevalence": alert.prevalence,
            "ci95": bootstrap_alert_ci(labels, alerted),
        },
        "hard_negatives": {"n": len(hard), "fpr": ratio(sum(hard), len(hard))},
        "levels": {lv.value: prf.as_dict() for lv, prf in per_level_prf(matrix).items()},
        "confusion_matrix": {"labels": [lv.value for lv in LEVELS], "matrix": matrix},
        "categories": (
            {
                c.value: prf.as_dict()
                for c, prf in category_prf(
                    [i.categories for i in items], [p.categories for p in preds]
                ).items()
            }
            if predicts_categories
            else None
        ),
        "curves": {"roc_auc": roc_auc(points), "average_precision": average_precision(points)},
        "precision_at_recall": par,
        "prevalence_realistic": prevalence,
        "suites": _group_metrics(items, preds, lambda i: (i.suite,)),
        "tags": _group_metrics(items, preds, lambda i: i.tags),
        "reliability": reliability_tables(items, preds),
    }
    cascade = cascade_metrics(items, preds)
    if cascade is not None:
        result["cascade"] = cascade
    if all(i.source_label in LABEL_ORDER for i in items) and items:
        result["cssrs_label_confusion"] = {
            "rows": list(LABEL_ORDER),
            "columns": [lv.value for lv in LEVELS],
            "matrix": label_confusion(items, preds),
        }
    return result


def cascade_metrics(items: Sequence[EvalItem], preds: Sequence[Prediction]) -> dict[str, Any] | None:
    """How many assessments the engine's first stage settled without the sentence encoder, and
    the items needing MODERATE+ it settled (its misses). Users of multi-document data count
    post by post; a user is not listed as a miss (its label is per user, not per post)."""
    settled = assessed = 0
    misses: list[str] = []
    for item, p in zip(items, preds, strict=True):
        if "first_stage_posts" in p.extra:
            settled += int(p.extra["first_stage_posts"])
            assessed += int(p.extra.get("n_posts", 0))
        elif "first_stage" in p.extra:
            first = p.extra["first_stage"] > 0
            settled += first
            assessed += 1
            if first and item.is_alert_positive:
                misses.append(item.id)
    if not assessed:
        return None
    return {"assessed": assessed, "settled": settled, "share": ratio(settled, assessed), "misses": misses}


def reliability_tables(items: Sequence[EvalItem], preds: Sequence[Prediction]) -> dict[str, Any]:
    """Predicted probability against the observed share needing attention, in ten bins, for the
    engine's score and (full mode) the calibrated and raw classifier probability; items whose
    range straddles the alert level are left out."""
    labels = alert_labels(_golds(items))
    out: dict[str, Any] = {}
    for name in ("score", "classifier_probability", "classifier_raw"):
        pairs = [
            (p.score if name == "score" else p.extra.get(name), lab)
            for p, lab in zip(preds, labels, strict=True)
            if lab is not None
        ]
        values = [(float(v), bool(lab)) for v, lab in pairs if v is not None]
        if not values:
            continue
        bins = reliability([v for v, _ in values], [lab for _, lab in values])
        out[name] = {
            "n": len(values),
            "ece": expected_calibration_error(bins),
            "brier": brier([v for v, _ in values], [lab for _, lab in values]),
            "bins": [
                {"lo": b.lo, "hi": b.hi, "n": b.n, "mean_predicted": b.mean_predicted, "observed": b.observed}
                for b in bins
            ],
        }
    return out


# Metrics where a smaller number is better; everything else flattened is "higher is better".
LOWER_IS_BETTER = ("fpr", "under_call_rate", "over_call_rate", "plus_rate")


def lower_is_better(name: str) -> bool:
    return any(token in name for token in LOWER_IS_BETTER)


def flatten(metrics: dict[str, Any]) -> dict[str, float | None]:
    """Gate-able scalar metrics with stable dotted names (counts and thresholds left out)."""
    flat: dict[str, float | None] = {
        "range_accuracy": metrics["range_accuracy"],
        "under_call_rate": metrics["under_call_rate"],
        "over_call_rate": metrics["over_call_rate"],
        "hard_negative_fpr": metrics["hard_negatives"]["fpr"],
        "moderate_plus_rate": metrics.get("moderate_plus_rate"),
        "high_plus_rate": metrics.get("high_plus_rate"),
        "first_stage_share": (metrics.get("cascade") or {}).get("share"),
        "roc_auc": metrics["curves"]["roc_auc"],
        "average_precision": metrics["curves"]["average_precision"],
    }
    for key in ("recall_moderate_plus", "precision_moderate_plus", "f1_moderate_plus", "fpr_moderate_plus"):
        flat[key] = metrics["alert"][key]
    for target, op in metrics["precision_at_recall"].items():
        pct = round(float(target) * 100)
        flat[f"precision_at_recall_{pct}"] = None if op is None else op["precision"]
        flat[f"precision_at_recall_{pct}_realistic"] = None if op is None else op["precision_realistic"]
    for level, prf in metrics["levels"].items():
        for key in ("precision", "recall", "f1"):
            flat[f"level.{level}.{key}"] = prf[key]
    for cat, prf in (metrics["categories"] or {}).items():
        for key in ("precision", "recall", "f1"):
            flat[f"category.{cat}.{key}"] = prf[key]
    for group_kind, prefix in (("suites", "suite"), ("tags", "tag")):
        for name, gm in metrics.get(group_kind, {}).items():
            for key in (
                "range_accuracy", "recall_moderate_plus", "fpr_moderate_plus",
                "moderate_plus_rate", "high_plus_rate",
            ):  # fmt: skip
                value = gm.get(key)
                flat[f"{prefix}.{name}.{key}"] = None if value is None else float(value)
    return flat


def latency_summary(preds: Sequence[Prediction]) -> dict[str, Number]:
    values = [p.latency_ms for p in preds]
    return {
        "p50_ms": percentile(values, 50),
        "p90_ms": percentile(values, 90),
        "p99_ms": percentile(values, 99),
        "mean_ms": ratio(sum(values), len(values)),
    }


def _shown_text(item: EvalItem, limit: int = 220) -> str | None:
    if not item.show_text:
        return None
    text = " ".join(item.text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _explanation(item: EvalItem, pred: Prediction) -> str:
    if not item.show_text:
        # Engine explanations quote matched spans of the user's text; for third-party data the
        # report shows the text-free evidence (lexicon terms, categories, modifiers) instead.
        return pred.evidence[:300] or "(explanation withheld: third-party text)"
    return " ".join(pred.explanation.split())[:300]


def _row(item: EvalItem, pred: Prediction) -> dict[str, Any]:
    return {
        "id": item.id,
        "suite": item.suite,
        "gold": item.min_level.value
        if item.min_level == item.max_level
        else f"{item.min_level.value}..{item.max_level.value}",
        "predicted": pred.level.value,
        "score": pred.score,
        "text": _shown_text(item),
        "post_index": pred.document_index,
        "n_turns_context": len(item.conversation),
        "explanation": _explanation(item, pred),
    }


def worst_cases(
    items: Sequence[EvalItem], preds: Sequence[Prediction], n: int = WORST_N
) -> dict[str, list[dict[str, Any]]]:
    """Misses that matter (needed MODERATE+, got less) and false alarms that matter (got
    MODERATE+ where the label rules it out), the most confident first; ties broken by id."""
    misses = [
        (i, p)
        for i, p in zip(items, preds, strict=True)
        if i.min_level >= ALERT_LEVEL and p.level < i.min_level
    ]
    misses.sort(key=lambda ip: (-(ip[0].min_level.rank - ip[1].level.rank), ip[1].score, ip[0].id))
    alarms = [
        (i, p) for i, p in zip(items, preds, strict=True) if p.level >= ALERT_LEVEL and p.level > i.max_level
    ]
    alarms.sort(key=lambda ip: (-(ip[1].level.rank - ip[0].max_level.rank), -ip[1].score, ip[0].id))
    return {"misses": [_row(*ip) for ip in misses[:n]], "false_alarms": [_row(*ip) for ip in alarms[:n]]}
