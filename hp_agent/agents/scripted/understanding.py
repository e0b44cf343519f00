"""What a message is doing (intent) and what it is about (topic), read from its sentence embedding.

The crisis engine already embeds every message with all-MiniLM-L6-v2 (``Assessment.embedding``);
two small softmax heads over that vector give the intent and the topic, so understanding costs a
few hundred multiply-adds and no second model pass. The heads are fitted on the hand-written
examples in ``prompts/dialogue/understanding/`` by ``python -m hp_agent.agents.scripted.train``,
which holds out every fifth example per label and records the held-out accuracy in the weights
file (and in ``docs/evals/agent-quality/understanding.md``).

Without an embedding (keyword-only crisis engine, an earlier turn whose assessment is no longer
in memory) the engine falls back to its lexicon patterns; see ``analysis.py``.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from hp_agent.paths import prompts_dir

WEIGHTS = Path(__file__).resolve().parent / "weights" / "understanding.npz"
HELD_OUT_EVERY = 5  # example i of a label is held out when i % 5 == 4
INTENTS_FILE = "intents.yaml"
TOPICS_FILE = "topics.yaml"
# Below these probabilities the head's answer is not used (the lexicon decides instead).
MIN_INTENT_CONFIDENCE = 0.30
MIN_TOPIC_CONFIDENCE = 0.20

FloatArray = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Reading:
    intent: str
    intent_confidence: float
    topic: str | None  # None: about nothing in particular, or not confident
    topic_confidence: float


@dataclass(frozen=True, slots=True)
class Head:
    labels: tuple[str, ...]
    w: FloatArray  # (384, n_labels)
    b: FloatArray  # (n_labels,)

    def probabilities(self, x: FloatArray) -> FloatArray:
        logits = np.asarray(x, dtype=np.float32) @ self.w + self.b
        logits = logits - logits.max(axis=-1, keepdims=True)
        e = np.exp(logits)
        out: FloatArray = e / e.sum(axis=-1, keepdims=True)
        return out

    def predict(self, x: FloatArray) -> tuple[str, float]:
        p = self.probabilities(x.reshape(1, -1))[0]
        i = int(np.argmax(p))
        return self.labels[i], float(p[i])


@dataclass(frozen=True, slots=True)
class Heads:
    intent: Head
    topic: Head
    examples_digest: str  # of the example files the heads were fitted on
    held_out: dict[str, float]  # accuracy per head on the held-out examples

    def read(self, embedding: Any) -> Reading | None:
        x = np.asarray(embedding, dtype=np.float32).reshape(-1)
        if x.shape[0] != self.intent.w.shape[0] or not np.all(np.isfinite(x)):
            return None
        intent, ip = self.intent.predict(x)
        topic, tp = self.topic.predict(x)
        return Reading(intent, ip, None if topic == "none" else topic, tp)


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str
    also: tuple[str, ...] = ()  # other labels the message is just as much about (held-out scoring)


def _example(item: Any, label: str, where: str) -> Example:
    if isinstance(item, str) and item.strip():
        return Example(item.strip(), label)
    if isinstance(item, dict) and isinstance(item.get("text"), str) and set(item) <= {"text", "also"}:
        also = item.get("also") or []
        if isinstance(also, list) and all(isinstance(a, str) for a in also):
            return Example(item["text"].strip(), label, tuple(also))
    raise ValueError(f"{where}: an example is a string or {{text: ..., also: [labels]}}")


def load_examples(root: Path | None = None) -> dict[str, dict[str, list[Example]]]:
    """{"intent": {label: [examples]}, "topic": {...}} from the YAML files, in file order."""
    base = root or prompts_dir() / "dialogue" / "understanding"
    out: dict[str, dict[str, list[Example]]] = {}
    for kind, name in (("intent", INTENTS_FILE), ("topic", TOPICS_FILE)):
        data = yaml.safe_load((base / name).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, list) for k, v in data.items()
        ):
            raise ValueError(f"{name}: expected a mapping of label -> list of examples")
        out[kind] = {k: [_example(x, k, f"{name}:{k}") for x in v] for k, v in data.items()}
        unknown = {a for exs in out[kind].values() for e in exs for a in e.also} - set(out[kind])
        if unknown:
            raise ValueError(f"{name}: unknown labels in also: {sorted(unknown)}")
    return out


def examples_digest(examples: dict[str, dict[str, list[Example]]]) -> str:
    h = hashlib.sha256()
    for kind in sorted(examples):
        for label in sorted(examples[kind]):
            for e in examples[kind][label]:
                h.update(f"{kind}\x1f{label}\x1f{e.text}\x1f{','.join(e.also)}\x1e".encode())
    return h.hexdigest()[:16]


def split(examples: dict[str, list[Example]]) -> tuple[list[Example], list[Example]]:
    """(train, held_out); deterministic, every label in both."""
    train: list[Example] = []
    held: list[Example] = []
    for texts in examples.values():
        for i, e in enumerate(texts):
            (held if i % HELD_OUT_EVERY == HELD_OUT_EVERY - 1 else train).append(e)
    return train, held


def load_heads(path: Path = WEIGHTS) -> Heads:
    with np.load(path, allow_pickle=False) as z:
        heads = {
            kind: Head(
                tuple(str(x) for x in z[f"{kind}_labels"]),
                z[f"{kind}_w"].astype(np.float32),
                z[f"{kind}_b"].astype(np.float32),
            )
            for kind in ("intent", "topic")
        }
        return Heads(
            heads["intent"],
            heads["topic"],
            str(z["examples_digest"]),
            {k: float(z[k]) for k in z.files if "held_out" in k},
        )


@functools.lru_cache(maxsize=1)
def default_heads() -> Heads | None:
    """The shipped heads, or None when the weights file is missing (lexicon fallback)."""
    try:
        return load_heads()
    except (OSError, KeyError, ValueError):
        return None
