"""Expand the hand-written everyday chat into ``evals/datasets/everyday_chat/*.jsonl``.

``python -m evals.everyday.build`` rewrites the files; the output is deterministic (fixed seed),
and ``tests/evals/test_everyday_suite.py`` checks the committed files match it. Per category: every
base line, the issue's examples, then frame expansions (all combinations, sampled with the seed)
and chat-noise copies of base lines (a prefix, a suffix, dropped apostrophes) until the
category holds ``TARGET_PER_CATEGORY`` distinct messages. Conversations become one item per
turn, with the earlier turns (at most ``CONTEXT_TURNS``) as the item's conversation.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from pathlib import Path
from typing import Any

from evals.everyday.conversations import CONVERSATIONS
from evals.everyday.lines import BASE, FRAMES, ISSUE_EXAMPLES, PREFIXES, SUFFIXES, TARGET_PER_CATEGORY

OUT_DIR = Path(__file__).resolve().parent.parent / "datasets" / "everyday_chat"
SEED = 20261207
CONTEXT_TURNS = 6  # hp_agent.chat.service.CONTEXT_MESSAGES: the engine's context window
CATEGORIES = tuple(BASE)
LABEL = {"min_level": "none", "max_level": "low"}
_SPACES = re.compile(r"\s+")


def _key(text: str) -> str:
    return _SPACES.sub(" ", re.sub(r"[^\w\s]", "", text.casefold())).strip()


def _expand(template: str, slots: dict[str, list[str]]) -> list[str]:
    names = sorted(slots)
    out = []
    for values in itertools.product(*(slots[n] for n in names)):
        text = template.format(**dict(zip(names, values, strict=True)))
        out.append(_SPACES.sub(" ", text).strip().replace(" ,", ","))
    return out


def _noisy(text: str, rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return rng.choice(PREFIXES) + text
    if kind == 1:
        return text.rstrip("?.!") + rng.choice(SUFFIXES)
    return text.replace("'", "") if "'" in text else rng.choice(PREFIXES) + text


def category_lines(category: str, rng: random.Random, seen: set[str]) -> list[str]:
    lines: list[str] = []

    def add(text: str) -> bool:
        k = _key(text)
        if not k or k in seen:
            return False
        seen.add(k)
        lines.append(text)
        return True

    for text in BASE[category]:
        add(text)
    for text, cat in ISSUE_EXAMPLES.items():
        if cat == category:
            add(text)
    framed = [t for template, slots in FRAMES.get(category, []) for t in _expand(template, slots)]
    rng.shuffle(framed)
    room = TARGET_PER_CATEGORY - len(lines)
    for text in framed[: max(0, room * 2 // 3)]:
        add(text)
    base = list(lines)
    for _ in range(20 * TARGET_PER_CATEGORY):
        if len(lines) >= TARGET_PER_CATEGORY:
            break
        add(_noisy(rng.choice(base), rng))
    return lines


def build() -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(SEED)
    seen: set[str] = set()
    files: dict[str, list[dict[str, Any]]] = {}
    for category in CATEGORIES:
        rows = []
        for n, text in enumerate(category_lines(category, rng, seen), start=1):
            row: dict[str, Any] = {"id": f"everyday-{category}-{n:04d}", "text": text, **LABEL}
            if category == "idioms":
                row["hard_negative"] = True
            rows.append(row)
        files[category] = rows
    turns = []
    for c, (topic, messages) in enumerate(CONVERSATIONS, start=1):
        for t, text in enumerate(messages):
            row = {"id": f"everyday-conv-{c:03d}-{t + 1}", "text": text, **LABEL, "tags": [topic]}
            if t:
                row["conversation"] = messages[max(0, t - CONTEXT_TURNS) : t]
            turns.append(row)
    files["conversations"] = turns
    return files


def render(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, rows in build().items():
        (OUT_DIR / f"{name}.jsonl").write_text(render(rows), encoding="utf-8")
        print(f"{name}: {len(rows)}")


if __name__ == "__main__":
    main()
