"""SentenceEncoder: same embeddings as sentence-transformers, batch-invariant, deterministic."""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest

from crisis_engine.encoder import EMBEDDING_DIM, SentenceEncoder, bundled_model_dir
from crisis_engine.onnx_export import onnx_path, source_hash

os.environ.setdefault("HF_HUB_OFFLINE", "1")

_SENTENCE = (
    "i feel tired today and work was long but my cat is cute the exam is killing me lol i want to "
    "sleep and not wake up everyone would be better off i'm not suicidal just stressed we went "
    "to the beach cut the onions my friend said she wants to die 😂 💊"
)
_WORDS = tuple(_SENTENCE.split(" "))


def _texts(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out = [" ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 40))) for _ in range(n)]
    out.append(" ".join(_WORDS * 12))  # longer than 256 tokens: truncation must agree too
    return out


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder.load()


@pytest.mark.slow
def test_encoder_matches_sentence_transformers(encoder: SentenceEncoder) -> None:
    from sentence_transformers import SentenceTransformer

    texts = _texts(300)
    ours = encoder.encode(texts)
    ref = SentenceTransformer(str(bundled_model_dir()), device="cpu").encode(
        texts, normalize_embeddings=True, batch_size=32
    )
    cos = (ours * ref).sum(axis=1)
    assert ours.shape == (len(texts), EMBEDDING_DIM)
    assert ours.dtype == np.float32
    assert cos.mean() >= 0.995, cos.mean()
    assert cos.min() >= 0.99, cos.min()


@pytest.mark.slow
def test_encoder_batch_invariant_and_deterministic(encoder: SentenceEncoder) -> None:
    texts = _texts(40, seed=9)
    batched = encoder.encode(texts)
    single = np.stack([encoder.encode([t])[0] for t in texts])
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-4)
    assert ((batched * single).sum(axis=1)).min() > 0.9999
    assert np.array_equal(encoder.encode(texts), batched)
    # Rows do not depend on their batch neighbours: other batches give identical bits, and a
    # lone text sent through the batched arithmetic (min_rows=2) matches too.
    assert np.array_equal(encoder.encode(texts[::-1])[::-1], batched)
    assert np.array_equal(encoder.encode(texts[:7]), batched[:7])
    lone = np.stack([encoder.encode([t], min_rows=2)[0] for t in texts[:10]])
    assert np.array_equal(lone, batched[:10])


def test_encoder_empty_input_gives_empty_matrix(encoder: SentenceEncoder) -> None:
    assert encoder.encode([]).shape == (0, EMBEDDING_DIM)


@pytest.mark.slow
def test_encoder_torch_fallback_agrees(encoder: SentenceEncoder) -> None:
    texts = _texts(30, seed=5)
    torch_enc = SentenceEncoder.load(backend="torch")
    assert torch_enc.backend == "torch"
    cos = (torch_enc.encode(texts) * encoder.encode(texts)).sum(axis=1)
    assert cos.min() > 0.995


def test_encoder_cache_key_follows_model_files(tmp_path: Path) -> None:
    model = tmp_path / "model"
    (model / "1_Pooling").mkdir(parents=True)
    for name in ("config.json", "model.safetensors", "tokenizer.json", "1_Pooling/config.json"):
        (model / name).write_text("v1")
    first = onnx_path(tmp_path / "cache", model, "int8-weights")
    assert first.name.startswith(f"minilm-{source_hash(model)}")
    (model / "model.safetensors").write_text("v2")  # new weights must never reuse an old export
    assert onnx_path(tmp_path / "cache", model, "int8-weights") != first
    assert onnx_path(tmp_path / "cache", model, "none") != onnx_path(
        tmp_path / "cache", model, "int8-dynamic"
    )
