"""Load the hand-written training messages and split them reproducibly.

``data/messages.jsonl`` holds one JSON object per line (schema in ``data/README.md``):
``text``, ``level`` (none|low|moderate|high|imminent), ``categories`` (list of Category values),
``kind`` (crisis|low|hard_negative|ordinary) and ``tag`` (finer subtype, e.g. "idiom").
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from importlib import resources

from crisis_engine.training.templates import Example, generate
from crisis_engine.types import Category, RiskLevel

LEVELS: tuple[RiskLevel, ...] = tuple(RiskLevel.from_rank(i) for i in range(5))
CATEGORIES: tuple[Category, ...] = tuple(Category)
SEED = 20261125
VAL_FRACTION = 0.25


def load_messages() -> list[Example]:
    """The fully hand-written messages, validated against the schema."""
    text = resources.files("crisis_engine.training").joinpath("data", "messages.jsonl")
    out: list[Example] = []
    valid_levels = {lv.value for lv in LEVELS}
    valid_cats = {c.value for c in CATEGORIES}
    for n, line in enumerate(text.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["level"] not in valid_levels or not set(row["categories"]) <= valid_cats:
            raise ValueError(f"messages.jsonl line {n}: bad level or category")
        if RiskLevel(row["level"]) >= RiskLevel.MODERATE and not row["categories"]:
            raise ValueError(f"messages.jsonl line {n}: a crisis row needs a category")
        out.append(
            Example(row["text"], row["level"], tuple(row["categories"]), row["kind"], row["tag"],
                    "hand")
        )  # fmt: skip
    return out


def split(seed: int = SEED) -> tuple[list[Example], list[Example]]:
    """(train, validation). Validation is a stratified (level x tag) sample of the hand-written
    rows only; every template row trains, because its siblings would leak into validation."""
    hand = load_messages()
    groups: dict[tuple[str, str], list[Example]] = defaultdict(list)
    for ex in hand:
        groups[(ex.level, ex.tag)].append(ex)
    rng = random.Random(seed)
    train: list[Example] = []
    val: list[Example] = []
    for key in sorted(groups):
        rows = groups[key]
        rng.shuffle(rows)
        n_val = round(len(rows) * VAL_FRACTION)
        val.extend(rows[:n_val])
        train.extend(rows[n_val:])
    # A template can reproduce a hand-written sentence word for word; keep the hand row only.
    hand_texts = {ex.text.lower() for ex in hand}
    train.extend(ex for ex in generate() if ex.text.lower() not in hand_texts)
    return train, val


def needs_attention(ex: Example) -> bool:
    return RiskLevel(ex.level) >= RiskLevel.MODERATE
