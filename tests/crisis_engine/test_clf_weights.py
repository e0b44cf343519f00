"""RiskClassifier: shipped weights load without torch or pickle, outputs are well formed."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources

import numpy as np
import pytest

from crisis_engine.classifier import CATEGORIES, LEVELS, WEIGHTS_FILE, RiskClassifier


def _weights_bytes() -> int:
    ref = resources.files("crisis_engine").joinpath("weights", WEIGHTS_FILE)
    return len(ref.read_bytes())


def test_clf_weights_are_small_and_not_pickled() -> None:
    assert _weights_bytes() < 400_000
    ref = resources.files("crisis_engine").joinpath("weights", WEIGHTS_FILE)
    with resources.as_file(ref) as path, np.load(path, allow_pickle=False) as npz:
        assert all(npz[k].dtype != object for k in npz.files)


def test_clf_loads_and_predicts_without_torch() -> None:
    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['sentence_transformers'] = None\n"
        "import numpy as np\n"
        "from crisis_engine.classifier import RiskClassifier\n"
        "clf = RiskClassifier.load()\n"
        "out = clf.predict(np.ones((2, 384), dtype=np.float32) / np.sqrt(384))\n"
        "assert out.levels.shape == (2, 5) and 'torch' not in [m for m in sys.modules if sys.modules[m]]\n"
        "print('ok')\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"


def test_clf_output_shapes_and_probabilities() -> None:
    clf = RiskClassifier.load()
    x = np.random.default_rng(0).normal(size=(7, 384)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    out = clf.predict(x)
    assert len(out) == 7
    assert out.levels.shape == (7, len(LEVELS))
    assert out.categories.shape == (7, len(CATEGORIES))
    assert np.allclose(out.levels.sum(axis=1), 1.0, atol=1e-5)
    assert ((out.risk >= 0) & (out.risk <= 1)).all()
    row = out.row(3)
    assert set(row.category_probs) == set(CATEGORIES)
    assert row.level in LEVELS
    assert np.array_equal(clf.predict(x).risk, out.risk)  # deterministic


def test_clf_rejects_wrong_embedding_width() -> None:
    with pytest.raises(ValueError, match="384"):
        RiskClassifier.load().predict(np.zeros((1, 512), dtype=np.float32))


def test_clf_rejects_weights_for_other_categories() -> None:
    ref = resources.files("crisis_engine").joinpath("weights", WEIGHTS_FILE)
    with resources.as_file(ref) as path, np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["categories"] = arrays["categories"][::-1]
    with pytest.raises(ValueError, match="categories"):
        RiskClassifier(arrays)


def test_clf_training_is_deterministic() -> None:
    pytest.importorskip("torch")
    from crisis_engine.training.mlp import Hyper, Targets, fit_head

    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 384)).astype(np.float32)
    level = rng.integers(0, 5, size=60)
    t = Targets(
        risk=(level >= 2).astype(np.float32),
        level=level.astype(np.int64),
        categories=(rng.random((60, 9)) > 0.7).astype(np.float32),
        weight=np.ones(60, dtype=np.float32),
        level_known=np.ones(60, dtype=np.float32),
    )
    hp = Hyper(hidden=16, epochs=3)
    a, b = fit_head(x, t, 5, hp), fit_head(x, t, 5, hp)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    c = fit_head(x, t, 6, hp)
    assert not np.array_equal(a["hidden_w"], c["hidden_w"])
