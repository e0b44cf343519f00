"""Fine-tune all-MiniLM-L6-v2 end to end on the training split (issue #18 item 1).

    HF_HUB_OFFLINE=1 python -m crisis_engine.training finetune [--dry-run] [--no-cssrs]

A classification fine-tune: the encoder (BERT + mean pooling + L2 normalisation, exactly the
run-time graph) with three linear read-outs on the pooled vector, trained on the same targets
and row weights as the head (risk, level, categories). The read-outs are thrown away; the
fine-tuned encoder is exported to ONNX (``weights/encoder.onnx``, float16 storage that ONNX
Runtime folds back to float32 at load, so it runs at the float graph's speed) and the usual
pipeline is refitted on its embeddings: head, word n-gram model, fusion, calibration and the
example memory (``train.fit_and_write``).

Out-of-fold outputs for the fusion come from encoders that never saw the fold: the encoder is
fine-tuned once per fold (hand-written training rows split in ``train.FOLDS`` folds, templates
always train), otherwise the fusion would learn to trust a classifier that had memorised its
inputs. The validation split and the everyday pool are never read by any fine-tune.

Everything is seeded; torch runs deterministic algorithms.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from crisis_engine.encoder import MAX_TOKENS, bundled_model_dir
from crisis_engine.training.embed import balance
from crisis_engine.training.mlp import Targets

EPOCHS = 2
BATCH = 32
LR_ENCODER = 4e-5
LR_HEADS = 2e-3
WEIGHT_DECAY = 0.01
WARMUP = 0.1
TRAIN_TOKENS = 128  # chat messages are short; long rows are cut for training only
SCALE = 20.0  # the pooled vector is unit length: read-outs see it scaled, as cosine heads do
SEED = 20261207
# Only the top layers train: the lower ones' outputs are computed once per text and cached, which
# makes a fine-tune on this shared 2-core CPU take minutes instead of half an hour.
TOP_LAYERS = 2


def _tokenizer(max_len: int) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(bundled_model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=max_len)
    return tok


def _batch(tok: Any, texts: Sequence[str]) -> tuple[Any, Any]:
    import torch

    enc = tok.encode_batch(list(texts))
    width = max(len(e.ids) for e in enc)
    ids = torch.zeros((len(enc), width), dtype=torch.int64)
    mask = torch.zeros((len(enc), width), dtype=torch.int64)
    for row, e in enumerate(enc):
        ids[row, : len(e.ids)] = torch.tensor(e.ids)
        mask[row, : len(e.ids)] = 1
    return ids, mask


def _pool_hidden(hidden: Any, mask: Any) -> Any:
    import torch

    m = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2.0, dim=1)


def _additive(mask: Any) -> Any:
    import torch

    return (1.0 - mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min


def _bottom(model: Any, ids: Any, mask: Any) -> Any:
    """Hidden states after the frozen lower layers (no gradient)."""
    import torch

    with torch.no_grad():
        h = model.embeddings(input_ids=ids, token_type_ids=torch.zeros_like(ids))
        ext = _additive(mask)
        for layer in model.encoder.layer[: len(model.encoder.layer) - TOP_LAYERS]:
            h = layer(h, ext)
    return h


def _top(model: Any, h: Any, mask: Any) -> Any:
    ext = _additive(mask)
    for layer in model.encoder.layer[len(model.encoder.layer) - TOP_LAYERS :]:
        h = layer(h, ext)
    return _pool_hidden(h, mask)


def _load_base() -> Any:
    from transformers import AutoModel

    path = str(bundled_model_dir())
    return AutoModel.from_pretrained(path, local_files_only=True, attn_implementation="eager")


def _cache_bottom(model: Any, tok: Any, texts: Sequence[str]) -> list[Any]:
    """Each text's hidden states after the frozen layers (its own length, no padding)."""
    out: list[Any] = [None] * len(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for start in range(0, len(order), 64):
        idx = order[start : start + 64]
        ids, mask = _batch(tok, [texts[i] for i in idx])
        h = _bottom(model, ids, mask)
        lengths = mask.sum(1).tolist()
        for row, i in enumerate(idx):
            out[i] = h[row, : lengths[row]].clone()
    return out


def _stack(cached: Sequence[Any]) -> tuple[Any, Any]:
    import torch

    width = max(int(c.shape[0]) for c in cached)
    h = torch.zeros((len(cached), width, cached[0].shape[1]), dtype=torch.float32)
    mask = torch.zeros((len(cached), width), dtype=torch.int64)
    for row, c in enumerate(cached):
        h[row, : c.shape[0]] = c
        mask[row, : c.shape[0]] = 1
    return h, mask


def finetune(
    texts: Sequence[str], t: Targets, seed: int = SEED, epochs: int = EPOCHS, log: bool = True,
    cached: Sequence[Any] | None = None,
) -> Any:  # fmt: skip
    """The fine-tuned encoder (a transformers ``BertModel``) for normalised ``texts``.

    ``cached``: the texts' hidden states after the frozen layers (``bottom_states``), when the
    caller fine-tunes several times on subsets of the same rows."""
    import torch

    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    gen = torch.Generator().manual_seed(seed)
    model = _load_base()
    tok = _tokenizer(TRAIN_TOKENS)
    if cached is None:
        cached = _cache_bottom(model, tok, texts)
    top = model.encoder.layer[len(model.encoder.layer) - TOP_LAYERS :]
    for p in model.parameters():
        p.requires_grad_(False)
    for p in top.parameters():
        p.requires_grad_(True)
    top.train()
    n_cat = t.categories.shape[1]
    heads = torch.nn.ModuleDict({
        "risk": torch.nn.Linear(model.config.hidden_size, 1),
        "level": torch.nn.Linear(model.config.hidden_size, 5),
        "cat": torch.nn.Linear(model.config.hidden_size, n_cat),
    })  # fmt: skip
    opt = torch.optim.AdamW(
        [{"params": top.parameters(), "lr": LR_ENCODER}, {"params": heads.parameters(), "lr": LR_HEADS}],
        weight_decay=WEIGHT_DECAY,
    )
    bal = balance(t)
    n = len(texts)
    steps = epochs * math.ceil(n / BATCH)
    warm = max(1, int(WARMUP * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (steps - s) / max(1, steps - warm))
    )
    y_risk = torch.from_numpy(bal.risk)
    y_level = torch.from_numpy(bal.level)
    y_cat = torch.from_numpy(bal.categories)
    w = torch.from_numpy(bal.weight)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    ce = torch.nn.functional.cross_entropy
    for epoch in range(epochs):
        order = torch.randperm(n, generator=gen).tolist()
        # Batches of similar length (shuffled in chunks): far less padding, same randomness.
        chunks = [sorted(order[i : i + BATCH * 8], key=lambda j: int(cached[j].shape[0]))
                  for i in range(0, n, BATCH * 8)]  # fmt: skip
        batches = [c[i : i + BATCH] for c in chunks for i in range(0, len(c), BATCH)]
        perm = torch.randperm(len(batches), generator=gen).tolist()
        total = 0.0
        for b in perm:
            idx = torch.tensor(batches[b])
            h, mask = _stack([cached[i] for i in batches[b]])
            z = SCALE * _top(model, h, mask)
            wb = w[idx]
            loss_risk = (bce(heads["risk"](z).squeeze(1), y_risk[idx], reduction="none") * wb).sum()
            loss_level = (ce(heads["level"](z), y_level[idx], reduction="none") * wb).sum()
            loss_cat = (bce(heads["cat"](z), y_cat[idx], reduction="none").mean(1) * wb).sum()
            loss = (loss_risk + 0.5 * loss_level + 0.5 * loss_cat) / wb.sum().clamp(min=1e-6)
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            torch.nn.utils.clip_grad_norm_(list(top.parameters()) + list(heads.parameters()), 1.0)
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(idx)
        if log:
            print(f"  fine-tune epoch {epoch + 1}/{epochs}: loss {total / n:.4f}", flush=True)
    model.eval()
    return model


def bottom_states(texts: Sequence[str]) -> list[Any]:
    """Hidden states of ``texts`` after the frozen layers of the base model (training length)."""
    return _cache_bottom(_load_base(), _tokenizer(TRAIN_TOKENS), texts)


def embed(model: Any, texts: Sequence[str], batch: int = 64) -> NDArray[np.float32]:
    """Embeddings of normalised texts with a torch model (run-time truncation, 256 tokens)."""
    import torch

    tok = _tokenizer(MAX_TOKENS)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            ids, mask = _batch(tok, [texts[i] for i in idx])
            out[idx] = _top(model, _bottom(model, ids, mask), mask).numpy()
    return out


def export(model: Any, target: Path) -> Path:
    """Write the fine-tuned encoder as the run-time ONNX graph (float16 storage) to ``target``."""
    from crisis_engine.onnx_export import export_fp32, store_fp16

    tmp = Path(tempfile.mkdtemp(prefix="hp-finetune-"))
    try:
        model.save_pretrained(str(tmp))  # config.json + model.safetensors
        fp32 = export_fp32(tmp, tmp / "encoder-fp32.onnx")
        store_fp16(fp32, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
def embed_cached(model: Any, cached: Sequence[Any], batch: int = 64) -> NDArray[np.float32]:
    """Embeddings from cached lower-layer states (training length): out-of-fold rows only."""
    import torch

    order = sorted(range(len(cached)), key=lambda i: int(cached[i].shape[0]))
    out = np.zeros((len(cached), model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            h, mask = _stack([cached[i] for i in idx])
            out[idx] = _top(model, h, mask).numpy()
    return out


def out_of_fold(
    texts: list[str], t: Targets, hand: NDArray[np.bool_], cached: Sequence[Any], folds: int, epochs: int
) -> Any:
    """Classifier outputs for the hand-written training rows from encoders *and* heads that
    never saw them (one fine-tune per fold)."""
    from crisis_engine.classifier import CATEGORIES, ClassifierOutput, RiskClassifier
    from crisis_engine.training.dataset import SEED as TRAIN_SEED
    from crisis_engine.training.embed import subset
    from crisis_engine.training.lexical_fit import lexical_model
    from crisis_engine.training.train import fold_assignment, head_arrays, lexical_arrays

    fold_of = fold_assignment(t, hand, folds)
    n = len(texts)
    risk = np.zeros(n, dtype=np.float32)
    levels = np.zeros((n, 5), dtype=np.float32)
    cats = np.zeros((n, len(CATEGORIES)), dtype=np.float32)
    for k in range(folds):
        test = np.flatnonzero(fold_of == k)
        train_idx = np.flatnonzero(fold_of != k)
        print(f"fold {k + 1}/{folds}: fine-tuning on {len(train_idx)} rows", flush=True)
        t_k = subset(t, train_idx)
        rows = [int(i) for i in train_idx]
        model = finetune([texts[i] for i in rows], t_k, SEED + k, epochs, cached=[cached[i] for i in rows])
        x = embed_cached(model, cached)
        lexical = lexical_model(lexical_arrays([texts[i] for i in train_idx], t_k))
        clf = RiskClassifier(head_arrays(x[train_idx], t_k, TRAIN_SEED + k), lexical)
        out = clf.predict(x[test], texts=[texts[i] for i in test])
        risk[test], levels[test], cats[test] = out.risk, out.levels, out.categories
    hand_idx = np.flatnonzero(hand)
    return ClassifierOutput(risk[hand_idx], levels[hand_idx], cats[hand_idx])


def main(argv: list[str] | None = None) -> int:
    import argparse
    import time

    import torch

    from crisis_engine.classifier import RiskClassifier
    from crisis_engine.encoder import FINETUNED_ONNX, SentenceEncoder
    from crisis_engine.normalize import normalize
    from crisis_engine.training import train as tr
    from crisis_engine.training.dataset import SEED as TRAIN_SEED
    from crisis_engine.training.dataset import split
    from crisis_engine.training.embed import subset, targets
    from crisis_engine.training.lexical_fit import lexical_model

    parser = argparse.ArgumentParser(prog="crisis_engine.training finetune", description=__doc__)
    parser.add_argument("--no-cssrs", action="store_true", help="skip the C-SSRS evaluation")
    parser.add_argument("--dry-run", action="store_true", help="report only; the graph goes to a temp dir")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument(
        "--folds", type=int, default=0,
        help="fine-tune once per fold for out-of-fold outputs and once more on everything (slow); "
        "default 0: one fine-tune on the templates and half the hand-written rows, which ships, "
        "and the fusion fitted on the other half",
    )  # fmt: skip
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    started = time.time()

    train, val = split()
    norm_train = [normalize(e.text).text for e in train]
    t_train = targets(train)
    template_ordinary = np.asarray([e.kind == "ordinary" and e.origin == "template" for e in train])
    t_train.weight[template_ordinary] = tr.ORDINARY_WEIGHT
    hand = np.asarray([e.origin == "hand" for e in train])
    print(f"{len(train)} training rows ({int(hand.sum())} hand-written), {len(val)} validation", flush=True)
    cached = bottom_states(norm_train)
    fusion_rows = None
    if args.folds:
        oof = out_of_fold(norm_train, t_train, hand, cached, args.folds, args.epochs)
        print("final fine-tune on the whole training split", flush=True)
        model = finetune(norm_train, t_train, SEED, args.epochs, cached=cached)
    else:
        fold_of = tr.fold_assignment(t_train, hand, 2)
        fit_idx = np.flatnonzero(fold_of != 0)  # templates and half the hand-written rows
        held = np.flatnonzero(fold_of == 0)
        rows = [int(i) for i in fit_idx]
        print(f"fine-tuning on {len(rows)} rows; the fusion reads the other {len(held)}", flush=True)
        t_fit = subset(t_train, fit_idx)
        fit_cache = [cached[i] for i in rows]
        model = finetune([norm_train[i] for i in rows], t_fit, SEED, args.epochs, cached=fit_cache)
        x = embed_cached(model, cached)
        lexical = lexical_model(tr.lexical_arrays([norm_train[i] for i in rows], t_fit))
        clf = RiskClassifier(tr.head_arrays(x[fit_idx], t_fit, TRAIN_SEED), lexical)
        oof = clf.predict(x[held], texts=[norm_train[int(i)] for i in held])
        fusion_rows = [train[int(i)] for i in held]
    target = FINETUNED_ONNX
    if args.dry_run:
        target = Path(tempfile.mkdtemp(prefix="hp-ft-")) / FINETUNED_ONNX.name
    export(model, target)
    size = target.stat().st_size / 1e6
    print(f"exported {target} ({size:.1f} MB) after {time.time() - started:.0f} s", flush=True)
    encoder = SentenceEncoder.load(onnx_file=target)
    write, cssrs = not args.dry_run, not args.no_cssrs
    tr.fit_and_write(encoder, train, val, oof, VERSION, write, cssrs, fusion_rows=fusion_rows)
    print(f"done in {time.time() - started:.0f} s")
    return 0


VERSION = "clf-2026.12.2-ft"
FOLDS = 2


if __name__ == "__main__":
    raise SystemExit(main())
