"""Load the hand-written training messages and split them reproducibly.

``data/messages.jsonl`` holds one JSON object per line (schema in ``data/README.md``):
``text``, ``level`` (none|low|moderate|high|imminent), ``categories`` (list of Category values),
``kind`` (crisis|low|hard_negative|ordinary) and ``tag`` (finer subtype, e.g. "idiom").
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from fnmatch import fnmatch
from importlib import resources

from crisis_engine.training.templates import Example, generate
from crisis_engine.types import Category, RiskLevel

LEVELS: tuple[RiskLevel, ...] = tuple(RiskLevel.from_rank(i) for i in range(5))
CATEGORIES: tuple[Category, ...] = tuple(Category)
SEED = 20261125
VAL_FRACTION = 0.25


DATA_FILES_GLOB = "messages*.jsonl"


def data_files() -> list[str]:
    """The hand-written data files: ``messages.jsonl`` first, then later batches by name."""
    data = resources.files("crisis_engine.training").joinpath("data")
    names = sorted(p.name for p in data.iterdir() if fnmatch(p.name, DATA_FILES_GLOB))
    return sorted(names, key=lambda n: (n != "messages.jsonl", n))


def load_messages() -> list[Example]:
    """The fully hand-written messages of every data file, validated against the schema."""
    return [ex for name in data_files() for ex in _load_file(name)]


def _load_file(name: str) -> list[Example]:
    text = resources.files("crisis_engine.training").joinpath("data", name)
    out: list[Example] = []
    valid_levels = {lv.value for lv in LEVELS}
    valid_cats = {c.value for c in CATEGORIES}
    for n, line in enumerate(text.read_text("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if row["level"] not in valid_levels or not set(row["categories"]) <= valid_cats:
            raise ValueError(f"{name} line {n}: bad level or category")
        if RiskLevel(row["level"]) >= RiskLevel.MODERATE and not row["categories"]:
            raise ValueError(f"{name} line {n}: a crisis row needs a category")
        out.append(
            Example(row["text"], row["level"], tuple(row["categories"]), row["kind"], row["tag"],
                    "hand")
        )  # fmt: skip
    return out


def split(seed: int = SEED) -> tuple[list[Example], list[Example]]:
    """(train, validation). Validation is a stratified (level x tag) sample of the hand-written
    rows only; every template row trains, because its siblings would leak into validation.

    Each data file is split on its own (``messages.jsonl`` with ``seed`` itself, later files with
    a seed derived from their name), so adding a batch of rows never moves an earlier row between
    training and validation: figures on the earlier validation rows stay comparable."""
    hand: list[Example] = []
    train: list[Example] = []
    val: list[Example] = []
    for name in data_files():
        rows_of_file = _load_file(name)
        hand.extend(rows_of_file)
        file_seed: int | str = seed if name == "messages.jsonl" else f"{seed}:{name}"
        t, v = _stratified(rows_of_file, random.Random(file_seed))
        train.extend(t)
        val.extend(v)
    # A template can reproduce a hand-written sentence word for word; keep the hand row only.
    hand_texts = {ex.text.lower() for ex in hand}
    train.extend(ex for ex in generate() if ex.text.lower() not in hand_texts)
    return train, val


def _stratified(rows_in: list[Example], rng: random.Random) -> tuple[list[Example], list[Example]]:
    groups: dict[tuple[str, str], list[Example]] = defaultdict(list)
    for ex in rows_in:
        groups[(ex.level, ex.tag)].append(ex)
    train: list[Example] = []
    val: list[Example] = []
    for key in sorted(groups):
        rows = groups[key]
        rng.shuffle(rows)
        n_val = round(len(rows) * VAL_FRACTION)
        val.extend(rows[:n_val])
        train.extend(rows[n_val:])
    return train, val


def needs_attention(ex: Example) -> bool:
    return RiskLevel(ex.level) >= RiskLevel.MODERATE
