"""Nearest labelled examples: a second opinion for a message only the classifier flags.

The classifier head is one score, and on short everyday messages it is confidently wrong in
ways calibration cannot fix, because calibration keeps the order ("how do i stop beating myself
up about it?" scores as high as real ideation). Issue #23 asks that no single classifier score
decide MODERATE for such a message without other evidence. This module is that other evidence:
whether the message lies closer to the written crisis messages than to the written ordinary ones
in the same embedding space (mean similarity of the ``k`` nearest of each; the hand-written
training rows and the everyday pool, ``training/data/everyday_pool.jsonl``). It is
instance-based, so it disagrees with the head exactly where the head generalises from surface
words: a flatmate complaint sits next to other flatmate complaints, a real goodbye next to
goodbyes. (A plain vote among the nearest rows was tried first: at the same recall it left about
half again as many everyday messages flagged.)

Shipped as ``weights/memory.npz``: int8 embeddings (L2-normalised floats times 127; cosine
error below 1e-3) and one bool per row. Built by ``python -m crisis_engine.training.calibrate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

MEMORY_FILE = "memory.npz"
SCALE = 127.0


@dataclass(frozen=True)
class ExampleMemory:
    vectors: NDArray[np.float32]  # (n, d), L2-normalised
    needs_attention: NDArray[np.bool_]  # (n,)
    version: str = ""

    def __post_init__(self) -> None:
        # The two classes as contiguous matrices: one matrix-vector product each per query.
        object.__setattr__(self, "_pos", np.ascontiguousarray(self.vectors[self.needs_attention]))
        object.__setattr__(self, "_neg", np.ascontiguousarray(self.vectors[~self.needs_attention]))

    @classmethod
    def from_embeddings(
        cls, embeddings: NDArray[np.floating], needs_attention: NDArray[np.bool_], version: str = ""
    ) -> ExampleMemory:
        q = quantise(embeddings)
        return cls(dequantise(q), np.asarray(needs_attention, dtype=bool), version)

    @classmethod
    def load(cls, path: Path | None = None) -> ExampleMemory | None:
        """The shipped memory, or None when the file is absent (then no corroboration rule)."""
        if path is None:
            ref = resources.files("crisis_engine").joinpath("weights", MEMORY_FILE)
            if not ref.is_file():
                return None
            with resources.as_file(ref) as p:
                return cls._read(p)
        return cls._read(path) if path.exists() else None

    @classmethod
    def _read(cls, path: Path) -> ExampleMemory:
        with np.load(path, allow_pickle=False) as npz:
            return cls(
                dequantise(npz["vectors"]),
                np.asarray(npz["needs_attention"], dtype=bool),
                str(npz["version"]),
            )

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            vectors=quantise(self.vectors),
            needs_attention=self.needs_attention,
            version=np.asarray(self.version),
        )

    def margin(self, embedding: NDArray[np.floating], k: int, exclude: int | None = None) -> float:
        """Mean cosine similarity of the ``k`` nearest rows that need attention minus that of
        the ``k`` nearest rows that do not: above 0, the message is closer to written crisis
        messages than to written ordinary ones. ``exclude``: a row index left out, for
        leave-one-out figures on the memory's own rows."""
        e = np.asarray(embedding, dtype=np.float32)
        if exclude is not None:  # rare (figures only): the plain path with one row hidden
            sims = self.vectors @ e
            keep = np.ones(len(sims), dtype=bool)
            keep[exclude] = False
            pos = sims[keep & self.needs_attention]
            neg = sims[keep & ~self.needs_attention]
            return _top_mean(pos, k) - _top_mean(neg, k)
        pos_m: NDArray[np.float32] = getattr(self, "_pos")  # noqa: B009 - set in __post_init__
        neg_m: NDArray[np.float32] = getattr(self, "_neg")  # noqa: B009
        return _top_mean(pos_m @ e, k) - _top_mean(neg_m @ e, k)


def _top_mean(values: NDArray[np.float32], k: int) -> float:
    if len(values) == 0:
        return -1.0
    k = min(k, len(values))
    return float(np.partition(values, len(values) - k)[len(values) - k :].astype(np.float64).mean())


def quantise(embeddings: NDArray[np.floating]) -> NDArray[np.int8]:
    x = np.asarray(embeddings, dtype=np.float32)
    return np.asarray(np.clip(np.round(x * SCALE), -127, 127), dtype=np.int8)


def dequantise(q: NDArray[np.integer]) -> NDArray[np.float32]:
    x = np.asarray(q, dtype=np.float32) / SCALE
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.asarray(x / np.maximum(norms, 1e-12), dtype=np.float32)
