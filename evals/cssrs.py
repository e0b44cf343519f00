"""Adapter for the C-SSRS Reddit data (Gaur et al., WWW 2019): one label per *user*.

Label mapping (C-SSRS severity -> acceptable engine levels)
    Supportive -> none..low   people writing to help others; many mention their own past, so a
                              LOW flag is not a meaningful error, but MODERATE+ is a false alarm.
    Indicator  -> low         risk factors (distress, hopelessness) without suicidal ideation.
    Ideation   -> moderate..high   thoughts of suicide; HIGH is reasonable when a plan is voiced.
    Behavior   -> high..imminent   self-harm, preparation, rehearsal.
    Attempt    -> high..imminent   an attempt (often past); not always IMMINENT *now*.

Aggregation (posts -> user)
    Each post is assessed on its own. The user's **level** is the maximum post level: in the app
    a single message at MODERATE or above starts the crisis flow, so the per-user question
    "would we have reached out?" is answered by the worst post. The user's **score** (used for
    ROC/PR curves and precision at fixed recall) is the 0.9 quantile of post scores: the maximum
    of many noisy scores rises with the number of posts, whereas a high quantile still reflects
    the few risky posts among many without letting one outlier decide. The post that drove the
    level is recorded (index only, never its text) for the worst-misses table.
"""

from __future__ import annotations

import ast
import csv
import sys
from collections.abc import Sequence
from pathlib import Path

from crisis_engine.types import RiskLevel
from evals.items import EvalItem, Prediction
from evals.metrics import percentile

LABEL_RANGES: dict[str, tuple[RiskLevel, RiskLevel]] = {
    "Supportive": (RiskLevel.NONE, RiskLevel.LOW),
    "Indicator": (RiskLevel.LOW, RiskLevel.LOW),
    "Ideation": (RiskLevel.MODERATE, RiskLevel.HIGH),
    "Behavior": (RiskLevel.HIGH, RiskLevel.IMMINENT),
    "Attempt": (RiskLevel.HIGH, RiskLevel.IMMINENT),
}
LABEL_ORDER: tuple[str, ...] = tuple(LABEL_RANGES)
SCORE_QUANTILE = 90.0


class CssrsError(ValueError):
    pass


def split_posts(raw: str) -> tuple[tuple[str, ...], bool]:
    """Posts of one user; ``(posts, parsed)``. Unparseable rows become one document."""
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return (raw,), False
    if isinstance(value, (list, tuple)) and value and all(isinstance(p, str) for p in value):
        posts = tuple(p for p in value if p.strip())
        return (posts or (raw,)), True
    return (raw,), False


def load_cssrs(path: Path) -> list[EvalItem]:
    csv.field_size_limit(sys.maxsize)
    items: list[EvalItem] = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"User", "Post", "Label"} - set(reader.fieldnames or ())
        if missing:
            raise CssrsError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        for rowno, row in enumerate(reader, start=2):
            label = row["Label"].strip()
            if label not in LABEL_RANGES:
                raise CssrsError(
                    f"{path}:{rowno}: unknown label {label!r} (expected {', '.join(LABEL_ORDER)})"
                )
            posts, _ = split_posts(row["Post"])
            lo, hi = LABEL_RANGES[label]
            items.append(
                EvalItem(
                    id=row["User"].strip(),
                    text="",
                    min_level=lo,
                    max_level=hi,
                    suite=f"cssrs:{label}",
                    documents=posts,
                    show_text=False,
                    source_label=label,
                )
            )
    return items


def aggregate_user(posts: Sequence[Prediction]) -> Prediction:
    """Combine per-post predictions into the user-level prediction described above."""
    if not posts:
        raise ValueError("a user needs at least one post")
    # Worst post: highest level, then highest score; first index wins ties (determinism).
    worst = max(range(len(posts)), key=lambda i: (posts[i].level.rank, posts[i].score, -i))
    score = percentile((p.score for p in posts), SCORE_QUANTILE)
    assert score is not None
    categories = frozenset(c for p in posts if p.level >= RiskLevel.MODERATE for c in p.categories)
    return Prediction(
        level=posts[worst].level,
        score=score,
        categories=categories,
        explanation=posts[worst].explanation,
        evidence=posts[worst].evidence,
        latency_ms=sum(p.latency_ms for p in posts) / len(posts),  # per post, as the report says
        document_index=worst,
        extra={"n_posts": float(len(posts)), "max_post_score": max(p.score for p in posts)},
    )


def label_confusion(items: Sequence[EvalItem], preds: Sequence[Prediction]) -> list[list[int]]:
    """5x5 counts: rows = C-SSRS label (Supportive..Attempt), columns = predicted level."""
    matrix = [[0] * 5 for _ in LABEL_ORDER]
    for item, pred in zip(items, preds, strict=True):
        matrix[LABEL_ORDER.index(item.source_label)][pred.level.rank] += 1
    return matrix
