"""Dataset adapters: the generic JSONL format and dataset-name resolution.

The JSONL format is documented in ``evals/README.md``. Validation is strict on purpose: a
typo in a hand-written label file ("catgory", "moderat") should stop the run with the file and
line, not silently turn into an unlabelled item that flatters the numbers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crisis_engine.types import Category, RiskLevel
from evals.items import EvalItem

CURATED_DIR = Path(__file__).resolve().parent / "datasets"
# The everyday false-alarm suite (issue #23): a dataset of its own, not part of "curated", so
# its ~3,000 ordinary messages do not swamp the risk suites' aggregate figures.
EVERYDAY_DIR = CURATED_DIR / "everyday_chat"
EVERYDAY_NAME = "everyday-chat"
# Chat-style messages in the languages the crisis lines serve (issue #18 item 4), one file per
# language; also a dataset of its own, so the curated aggregate and its gates stay as they were.
MULTILINGUAL_DIR = CURATED_DIR / "multilingual_chat"
MULTILINGUAL_NAME = "multilingual-chat"
# Clinicians' feedback (false-positive marks, missed-risk reports) read from the service's
# database at run time (``evals.feedback``); nothing of it is stored in the repository.
FEEDBACK_NAME = "feedback"
CSSRS_RELATIVE = Path("cssrs-reddit") / "anonymized_dataset" / "500_Reddit_users_posts_labels.csv"
ALLOWED_KEYS = frozenset(
    {
        "id",
        "text",
        "level",
        "min_level",
        "max_level",
        "category",
        "hard_negative",
        "suite",
        "conversation",
        "note",
        "tags",
    }
)


class DatasetError(ValueError):
    """A dataset file or name that cannot be used; the message says where and why."""


def _level(value: Any, key: str, where: str) -> RiskLevel:
    try:
        return RiskLevel(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(level.value for level in RiskLevel)
        raise DatasetError(f"{where}: {key}={value!r} is not a risk level ({allowed})") from None


def _categories(value: Any, where: str) -> frozenset[Category]:
    if value is None:
        return frozenset()
    raw = [value] if isinstance(value, str) else value
    if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
        raise DatasetError(f"{where}: category must be a string or a list of strings")
    out: set[Category] = set()
    for name in raw:
        try:
            out.add(Category(name.strip().lower()))
        except ValueError:
            allowed = ", ".join(c.value for c in Category)
            raise DatasetError(f"{where}: unknown category {name!r} (allowed: {allowed})") from None
    return frozenset(out)


def _conversation(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise DatasetError(f"{where}: conversation must be a list of earlier messages")
    out: list[str] = []
    for turn in value:
        text = turn.get("text") if isinstance(turn, dict) else turn
        if not isinstance(text, str) or not text.strip():
            raise DatasetError(
                f"{where}: each conversation turn must be a non-empty string or {{'text': ...}}"
            )
        out.append(text)
    return tuple(out)


def _tags(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        raise DatasetError(f"{where}: tags must be a list of non-empty strings")
    return tuple(t.strip() for t in value)


def parse_item(obj: Any, where: str, default_suite: str, default_id: str) -> EvalItem:
    if not isinstance(obj, dict):
        raise DatasetError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - ALLOWED_KEYS)
    if unknown:
        raise DatasetError(f"{where}: unknown field(s) {', '.join(unknown)}")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise DatasetError(f"{where}: 'text' must be a non-empty string")
    has_range = "min_level" in obj or "max_level" in obj
    if "level" in obj and has_range:
        raise DatasetError(f"{where}: give either 'level' or 'min_level'/'max_level', not both")
    if "level" in obj:
        lo = hi = _level(obj["level"], "level", where)
    elif has_range:
        # One-sided ranges are allowed: "at least moderate" leaves the top open.
        lo = _level(obj.get("min_level", "none"), "min_level", where)
        hi = _level(obj.get("max_level", "imminent"), "max_level", where)
        if lo > hi:
            raise DatasetError(f"{where}: min_level {lo.value} is above max_level {hi.value}")
    else:
        raise DatasetError(f"{where}: missing label: give 'level' or 'min_level'/'max_level'")
    hard = obj.get("hard_negative", False)
    if not isinstance(hard, bool):
        raise DatasetError(f"{where}: hard_negative must be true or false")
    if hard and lo >= RiskLevel.MODERATE:
        raise DatasetError(f"{where}: a hard negative cannot require {lo.value} or above")
    suite = obj.get("suite", default_suite)
    if not isinstance(suite, str) or not suite:
        raise DatasetError(f"{where}: suite must be a non-empty string")
    raw_id = obj.get("id", default_id)
    if not isinstance(raw_id, (str, int)) or isinstance(raw_id, bool):
        raise DatasetError(f"{where}: id must be a string or an integer")
    return EvalItem(
        id=str(raw_id),
        text=text,
        min_level=lo,
        max_level=hi,
        categories=_categories(obj.get("category"), where),
        hard_negative=hard,
        suite=suite,
        conversation=_conversation(obj.get("conversation"), where),
        tags=_tags(obj.get("tags"), where),
    )


def load_jsonl(path: Path) -> list[EvalItem]:
    items: list[EvalItem] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from None
            item = parse_item(obj, where, default_suite=path.stem, default_id=f"{path.stem}:{lineno}")
            if item.id in seen:
                raise DatasetError(f"{where}: duplicate id {item.id!r} (first on line {seen[item.id]})")
            seen[item.id] = lineno
            items.append(item)
    if not items:
        raise DatasetError(f"{path}: no items")
    return items


def curated_suites(directory: Path = CURATED_DIR) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def load_many(paths: Sequence[Path]) -> list[EvalItem]:
    items: list[EvalItem] = []
    seen: dict[str, Path] = {}
    for path in paths:
        for item in load_jsonl(path):
            if item.id in seen:
                raise DatasetError(f"{path}: id {item.id!r} also used in {seen[item.id]}")
            seen[item.id] = path
            items.append(item)
    return items


def resolve_dataset(
    name: str, repo_root: Path, data_root: Path | None = None
) -> tuple[str, Path | list[Path]]:
    """Map a dataset name or path to ``("jsonl", [paths])``, ``("cssrs", csv_path)`` or
    ``("feedback", [])`` (read from the database by ``evals.feedback``)."""
    suites = {p.stem: p for p in curated_suites()}
    if name == "curated":
        if not suites:
            raise DatasetError(f"no curated suites in {CURATED_DIR}")
        return "jsonl", list(suites.values())
    if name in suites:
        return "jsonl", [suites[name]]
    if name == EVERYDAY_NAME:
        files = sorted(EVERYDAY_DIR.glob("*.jsonl"))
        if not files:
            raise DatasetError(f"no everyday suites in {EVERYDAY_DIR} (python -m evals.everyday.build)")
        return "jsonl", files
    if name == MULTILINGUAL_NAME:
        files = sorted(MULTILINGUAL_DIR.glob("*.jsonl"))
        if not files:
            raise DatasetError(f"no multilingual suites in {MULTILINGUAL_DIR}")
        return "jsonl", files
    if name == FEEDBACK_NAME:
        return "feedback", []
    if name == "cssrs-reddit":
        root = data_root if data_root is not None else repo_root.parent / "shared" / "datasets"
        csv_path = root / CSSRS_RELATIVE
        if not csv_path.is_file():
            raise DatasetError(
                f"C-SSRS data not found at {csv_path} (use --data-root DIR holding cssrs-reddit/)"
            )
        return "cssrs", csv_path
    path = Path(name)
    if path.is_file() and path.suffix == ".jsonl":
        return "jsonl", [path]
    if path.is_file() and path.suffix == ".csv":
        return "cssrs", path
    if path.is_dir() and (path / CSSRS_RELATIVE.relative_to("cssrs-reddit")).is_file():
        return "cssrs", path / CSSRS_RELATIVE.relative_to("cssrs-reddit")
    known = ", ".join(["curated", EVERYDAY_NAME, MULTILINGUAL_NAME, FEEDBACK_NAME, "cssrs-reddit", *suites])
    raise DatasetError(f"unknown dataset {name!r}: use one of {known}, or a .jsonl/.csv path")
