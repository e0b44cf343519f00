"""The fine-tuning pipeline's cheap parts: float16 storage, fold assignment, the command line.

The fine-tune itself takes many minutes on this CPU and is exercised by
``python -m crisis_engine.training finetune``; what it ships is checked by the validation and
evaluation tests like any other weights.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from crisis_engine.onnx_export import store_fp16
from crisis_engine.training.__main__ import main as training_main
from crisis_engine.training.dataset import split
from crisis_engine.training.embed import targets
from crisis_engine.training.train import FOLDS, fold_assignment


def _matmul_graph(path: Path, w: np.ndarray) -> None:
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", w.shape[0]])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", w.shape[1]])
    small = numpy_helper.from_array(np.ones(4, dtype=np.float32), "bias_small")
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "w"], ["xw"]),
            helper.make_node("Slice", ["xw", "zero", "four", "one"], ["head"]),
            helper.make_node("Add", ["head", "bias_small"], ["y"]),
        ],
        "g",
        [x],
        [y],
        [
            numpy_helper.from_array(w, "w"),
            small,
            numpy_helper.from_array(np.asarray([0], dtype=np.int64), "zero"),
            numpy_helper.from_array(np.asarray([4], dtype=np.int64), "four"),
            numpy_helper.from_array(np.asarray([1], dtype=np.int64), "one"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(path))


def test_fp16_storage_halves_the_file_and_keeps_float_arithmetic(tmp_path: Path) -> None:
    import onnx
    import onnxruntime as ort

    rng = np.random.default_rng(0)
    w = rng.standard_normal((64, 64)).astype(np.float32)
    fp32, fp16 = tmp_path / "a.onnx", tmp_path / "b.onnx"
    _matmul_graph(fp32, w)
    store_fp16(fp32, fp16)
    assert fp16.stat().st_size < 0.6 * fp32.stat().st_size
    stored = {i.name: i.data_type for i in onnx.load(str(fp16)).graph.initializer}
    assert stored["w__fp16"] == onnx.TensorProto.FLOAT16
    assert stored["bias_small"] == onnx.TensorProto.FLOAT  # small tensors stay as they were
    x = rng.standard_normal((3, 64)).astype(np.float32)
    a = ort.InferenceSession(str(fp32)).run(["y"], {"x": x})[0]
    b = ort.InferenceSession(str(fp16)).run(["y"], {"x": x})[0]
    assert b.dtype == np.float32
    np.testing.assert_allclose(a, b, rtol=0, atol=0.02)  # weights rounded to float16, not more
    assert not np.array_equal(a, b)


def test_fold_assignment_is_seeded_stratified_and_skips_templates() -> None:
    train, _ = split()
    t = targets(train)
    hand = np.asarray([e.origin == "hand" for e in train])
    folds = fold_assignment(t, hand)
    assert np.array_equal(folds, fold_assignment(t, hand))
    assert (folds[~hand] == -1).all()
    assert set(folds[hand].tolist()) == set(range(FOLDS))
    for level in range(5):  # every fold sees every level
        rows = hand & (t.level == level)
        assert set(folds[rows].tolist()) == set(range(FOLDS))
    two = fold_assignment(t, hand, 2)
    assert set(two[hand].tolist()) == {0, 1}


def test_training_command_line_names_its_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert training_main([]) == 2
    assert training_main(["nonsense"]) == 2
    assert "finetune" in capsys.readouterr().err
