"""Fit the classifier head (shared hidden layer + risk/level/category read-outs) with torch.

Torch is used only here, at training time; the result is exported as plain arrays that
``crisis_engine.classifier.RiskClassifier`` evaluates in numpy. Training is deterministic: fixed
seed, one thread, deterministic algorithms, full-order mini-batches from a seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

HIDDEN = 128
EPOCHS = 100
BATCH = 64
LR = 2e-3
WEIGHT_DECAY = 1e-2
DROPOUT = 0.2
INPUT_NOISE = 0.02  # small gaussian noise on embeddings: paraphrases move embeddings about this much


@dataclass(frozen=True, slots=True)
class Targets:
    risk: NDArray[np.float32]  # (n,) 1 if level >= MODERATE
    level: NDArray[np.int64]  # (n,) 0..4
    categories: NDArray[np.float32]  # (n, 9) multi-hot
    weight: NDArray[np.float32]  # (n,) sample weight
    level_known: NDArray[np.float32]  # (n,) 0 where only the binary risk label is trusted


@dataclass(frozen=True, slots=True)
class Hyper:
    hidden: int = HIDDEN
    epochs: int = EPOCHS
    lr: float = LR
    weight_decay: float = WEIGHT_DECAY
    dropout: float = DROPOUT
    noise: float = INPUT_NOISE


def fit_head(
    x: NDArray[np.float32], t: Targets, seed: int, hp: Hyper | None = None
) -> dict[str, NDArray[np.generic]]:
    import torch

    hp = hp or Hyper()

    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    gen = torch.Generator().manual_seed(seed)

    n_cat = t.categories.shape[1]
    hidden = torch.nn.Linear(x.shape[1], hp.hidden)
    risk = torch.nn.Linear(hp.hidden, 1)
    level = torch.nn.Linear(hp.hidden, 5)
    cat = torch.nn.Linear(hp.hidden, n_cat)
    drop = torch.nn.Dropout(hp.dropout)
    params = [*hidden.parameters(), *risk.parameters(), *level.parameters(), *cat.parameters()]
    opt = torch.optim.AdamW(params, lr=hp.lr, weight_decay=hp.weight_decay)

    X = torch.from_numpy(np.asarray(x, dtype=np.float32))
    y_risk = torch.from_numpy(t.risk)
    y_level = torch.from_numpy(t.level)
    y_cat = torch.from_numpy(t.categories)
    w = torch.from_numpy(t.weight)
    known = torch.from_numpy(t.level_known)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    ce = torch.nn.functional.cross_entropy
    n = X.shape[0]
    for _ in range(hp.epochs):
        order = torch.randperm(n, generator=gen)
        for start in range(0, n, BATCH):
            idx = order[start : start + BATCH]
            xb = X[idx] + hp.noise * torch.randn(len(idx), X.shape[1], generator=gen)
            h = drop(torch.relu(hidden(xb)))
            wb = w[idx]
            kb = known[idx] * wb
            loss_risk = (bce(risk(h).squeeze(1), y_risk[idx], reduction="none") * wb).sum()
            loss_level = (ce(level(h), y_level[idx], reduction="none") * kb).sum()
            loss_cat = (bce(cat(h), y_cat[idx], reduction="none").mean(1) * kb).sum()
            loss = (loss_risk + 0.5 * loss_level + 0.5 * loss_cat) / wb.sum().clamp(min=1e-6)
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()

    for m in (hidden, risk, level, cat):
        m.eval()

    def arr(p: torch.Tensor) -> NDArray[np.float32]:
        return np.asarray(p.detach().numpy(), dtype=np.float32)

    return {
        "hidden_w": arr(hidden.weight.T),
        "hidden_b": arr(hidden.bias),
        "risk_w": arr(risk.weight.T.squeeze(1)),
        "risk_b": arr(risk.bias.squeeze(0)),
        "level_w": arr(level.weight.T),
        "level_b": arr(level.bias),
        "cat_w": arr(cat.weight.T),
        "cat_b": arr(cat.bias),
    }
