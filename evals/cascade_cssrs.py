"""C-SSRS users: the engine with its first stage against the full path, exactly and cheaply.

    HF_HUB_OFFLINE=1 python -m evals.cascade_cssrs [--data-root DIR]

The cascade differs from the full path only on posts the first stage settles (they become NONE),
so this finds those posts without the encoder, reads them with the full path, and for every user
with a settled post the full path puts at MODERATE+, compares the user's level (max over posts)
both ways. A full second run of ``python -m evals crisis --dataset cssrs-reddit`` costs about
50 minutes on two busy cores; this costs the settled posts and those users' posts. Prints
counts and user ids only (third-party text is never printed).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from evals.datasets import resolve_dataset

REPO_ROOT = Path(__file__).resolve().parents[1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.cascade_cssrs", description=__doc__.split("\n")[0])
    parser.add_argument("--data-root", type=Path, default=None, help="directory holding cssrs-reddit/")
    args = parser.parse_args(list(argv) if argv is not None else None)

    from crisis_engine import CrisisDetector, RiskLevel
    from crisis_engine.detector import DetectorConfig
    from crisis_engine.normalize import normalize
    from evals.cssrs import load_cssrs

    _, where = resolve_dataset("cssrs-reddit", REPO_ROOT, args.data_root)
    assert isinstance(where, Path)
    items = load_cssrs(where)
    cascade = CrisisDetector.load(classifier=True)
    first = cascade.first_stage
    if first is None:
        print("error: the engine has no first stage", file=sys.stderr)
        return 2
    scorer = cascade.keyword_scorer
    settled: list[tuple[int, str]] = []
    n_posts = 0
    for ui, item in enumerate(items):
        for text in item.documents:
            n_posts += 1
            norm = normalize(text)
            if first.settles(norm.text, scorer.score(norm))[0]:
                settled.append((ui, text))
    full = CrisisDetector.load(classifier=True, config=DetectorConfig(cascade=False), encoder=cascade.encoder)
    levels = full.assess_batch([t for _, t in settled])
    print(f"posts {n_posts}, settled by the first stage {len(settled)} ({len(settled) / n_posts:.1%})")
    print("the full path's levels of the settled posts:", dict(Counter(a.level.value for a in levels)))
    users = sorted({ui for (ui, _), a in zip(settled, levels, strict=True) if a.level >= RiskLevel.MODERATE})
    changed = 0
    for ui in users:
        docs = list(items[ui].documents)
        by_full = max(a.level for a in full.assess_batch(docs))
        by_cascade = max(a.level for a in cascade.assess_batch(docs))
        if by_full != by_cascade:
            changed += 1
            item = items[ui]
            print(f"user {item.id} ({item.source_label}): full {by_full.value}, cascade {by_cascade.value}")
    print(
        f"users with a settled post the full path reads at MODERATE+: {len(users)}; level changed: {changed}"
    )
    return 1 if changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
