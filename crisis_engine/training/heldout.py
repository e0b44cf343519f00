"""The engine on the held-out validation split: ``python -m crisis_engine.training heldout``.

The whole detector (``CrisisDetector.load()``, message by message, no context) on the validation
rows, which no training run reads (``dataset.split``). Prints recall of the rows needing
MODERATE or more, the false-positive rate on hard negatives and on all negatives, and the same
by data file and by kind, so a frozen-head engine and a fine-tuned one can be compared on the
same rows (run it from a checkout of each). No message text is printed.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

from crisis_engine.training.dataset import needs_attention, split
from crisis_engine.types import RiskLevel


def run(detector: object) -> dict[str, object]:
    _, val = split()
    assessments = detector.assess_batch([e.text for e in val])  # type: ignore[attr-defined]
    flag = [a.level >= RiskLevel.MODERATE for a in assessments]
    pos = [needs_attention(e) for e in val]
    hard = [e.kind == "hard_negative" for e in val]
    imminent = [e.level == "imminent" for e in val]
    out: dict[str, object] = {
        "n": len(val),
        "recall_moderate_plus": _rate(flag, pos),
        "hard_negative_fpr": _rate(flag, hard),
        "all_negative_fpr": _rate(flag, [not p for p in pos]),
        "imminent_recall": _rate([a.level >= RiskLevel.IMMINENT for a in assessments], imminent),
        "level_exact": sum(a.level.value == e.level for a, e in zip(assessments, val, strict=True))
        / len(val),
    }
    by_tag: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for e, f in zip(val, flag, strict=True):
        key = f"{e.kind}:{e.tag}"
        by_tag[key][0] += int(f)
        by_tag[key][1] += 1
    out["flagged_by_kind_tag"] = {k: f"{v[0]}/{v[1]}" for k, v in sorted(by_tag.items())}
    return out


def _rate(flag: list[bool], mask: list[bool]) -> str:
    n = sum(mask)
    k = sum(f for f, m in zip(flag, mask, strict=True) if m)
    return f"{k / n:.3f} ({k}/{n})" if n else "-"


def main(argv: list[str] | None = None) -> int:
    from crisis_engine import CrisisDetector

    parser = argparse.ArgumentParser(prog="crisis_engine.training heldout", description=__doc__)
    parser.parse_args(argv)
    print(json.dumps(run(CrisisDetector.load(classifier=True)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
