"""Turn reviewed clinician feedback into classifier training rows (issue #18 item 6).

    python -m evals.feedback_rows --out /secure/place/feedback_rows.jsonl [--database-url URL]

"Reviewed" means a clinician judged it: a false-positive mark on an escalation (the detection's
``review_label``) or a missed-risk report by the person's treating clinician; only people with
research consent are read (``evals.feedback``). Each row follows the training schema
(``crisis_engine/training/data/README.md``): false alarms become hard negatives at ``none``
(``low`` when the clinician coded "clinically assessed low risk"), misses crisis rows at the level
the clinician gave.

The rows hold what people wrote, so the file is for a training run on a protected machine, never
for the repository: the script refuses an output path inside the repository (the training data
there is written by the project, ``test_clf_eval_overlap`` and the README say why), creates the
file readable by its owner only (0600), and prints counts, never text. Nothing trains on the rows
by itself: put them beside the training data of a run on that machine and compare with
``docs/evals`` on the curated and everyday suites before shipping anything.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from evals.feedback import FeedbackError, load_feedback_records, training_rows

REPO_ROOT = Path(__file__).resolve().parent.parent


def write_rows(rows: Sequence[dict[str, object]], out: Path) -> None:
    """Write ``rows`` as JSONL to ``out``, owner-only, refusing paths inside the repository."""
    target = out.resolve()
    if target == REPO_ROOT or REPO_ROOT in target.parents:
        raise ValueError(f"{out}: inside the repository; clinician feedback holds people's words")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.feedback_rows", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="JSONL file outside the repository")
    parser.add_argument("--database-url", default=None, help="owner URL (default HP_DATABASE_URL)")
    args = parser.parse_args(argv)
    try:
        records = load_feedback_records(args.database_url)
        rows = training_rows(records)
        write_rows(rows, args.out)
    except (FeedbackError, ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    counts = Counter(f"{r['tag']}:{r['level']}" for r in rows)
    print(
        f"{len(rows)} rows written to {args.out}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
