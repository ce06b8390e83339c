"""The optional user ONNX detector, with tiny models the test builds (skipped without onnx/onnxruntime)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper  # noqa: E402

from audit import onnx_detector  # noqa: E402
from audit.features import extract_one, forensic  # noqa: E402


def _mean_sigmoid_model(path: Path, size: int | str = 32, two_class: bool = False, scale: float = 8.0) -> Path:
    """AI probability = sigmoid(scale * (mean pixel - 0.5)); bright images look 'AI'."""
    x = helper.make_tensor_value_info("pixels", TensorProto.FLOAT, [1, 3, size, size])
    nodes = [
        helper.make_node("ReduceMean", ["pixels"], ["m"], keepdims=0),
        helper.make_node("Sub", ["m", "half"], ["c"]),
        helper.make_node("Mul", ["c", "k"], ["logit"]),
    ]
    inits = [helper.make_tensor("half", TensorProto.FLOAT, [], [0.5]),
             helper.make_tensor("k", TensorProto.FLOAT, [], [scale])]
    if two_class:  # [real, ai] logits = [-logit/2, logit/2]
        nodes += [helper.make_node("Mul", ["logit", "h"], ["a"]), helper.make_node("Neg", ["a"], ["r"]),
                  helper.make_node("Unsqueeze", ["r", "ax"], ["r1"]), helper.make_node("Unsqueeze", ["a", "ax"], ["a1"]),
                  helper.make_node("Concat", ["r1", "a1"], ["v"], axis=0),
                  helper.make_node("Unsqueeze", ["v", "ax"], ["out"])]
        inits += [helper.make_tensor("h", TensorProto.FLOAT, [], [0.5]),
                  helper.make_tensor("ax", TensorProto.INT64, [1], [0])]
        y = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 2])
    else:
        nodes += [helper.make_node("Sigmoid", ["logit"], ["p"]), helper.make_node("Reshape", ["p", "shp"], ["out"])]
        inits += [helper.make_tensor("shp", TensorProto.INT64, [2], [1, 1])]
        y = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 1])
    graph = helper.make_graph(nodes, "tiny", [x], [y], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    onnx_detector.load.cache_clear()
    return path


def _photo(tmp: Path, name: str, value: int) -> str:
    rng = np.random.default_rng(value)
    arr = np.clip(value + rng.normal(0, 4, (240, 200, 3)), 0, 255).astype(np.uint8)
    Image.fromarray(arr).save(tmp / name, "JPEG", quality=90)
    return name


@pytest.mark.parametrize("two_class", [False, True])
def test_tiny_model_scores_follow_the_convention(tmp_path, two_class):
    path = _mean_sigmoid_model(tmp_path / "m.onnx", two_class=two_class)
    det = onnx_detector.load(str(path))
    assert det.size == 32
    bright = onnx_detector.score_image(path, Image.new("RGB", (64, 80), (230, 230, 230)))
    dark = onnx_detector.score_image(path, Image.new("RGB", (64, 80), (20, 20, 20)))
    grey = onnx_detector.score_image(path, Image.new("RGB", (64, 64), (128, 128, 128)))
    assert bright > 0.9 and dark < 0.1 and abs(grey - 0.5) < 0.05
    expected = 1 / (1 + np.exp(-8 * (230 / 255 - 0.5)))
    assert bright == pytest.approx(expected, abs=2e-3)


def test_dynamic_input_size_defaults_to_224(tmp_path):
    path = _mean_sigmoid_model(tmp_path / "dyn.onnx", size="S")
    assert onnx_detector.load(str(path)).size == onnx_detector.DEFAULT_SIZE
    assert onnx_detector.check_model(path)["grey_image_score"] == pytest.approx(0.5, abs=0.05)


def test_extractor_reports_onnx_score_and_combines(tmp_path):
    path = _mean_sigmoid_model(tmp_path / "m.onnx")
    name = _photo(tmp_path, "bright.jpg", 235)
    row = extract_one(str(tmp_path), name, {"ai_model": str(path)})
    assert row["feature_errors"] is None
    assert row["onnx_score"] > 0.9 and row["onnx_error"] is None
    assert row["forensic_score"] == forensic.combine_scores(row["forensic_model_score"], row["onnx_score"])
    assert "user detector says AI" in row["forensic_reasons"]
    plain = extract_one(str(tmp_path), name)
    assert plain["onnx_score"] is None and plain["forensic_score"] == plain["forensic_model_score"]


def test_bad_models_raise_clear_errors(tmp_path):
    with pytest.raises(onnx_detector.OnnxModelError, match="not found"):
        onnx_detector.load(str(tmp_path / "missing.onnx"))
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(onnx_detector.OnnxModelError, match="junk.onnx: cannot load"):
        onnx_detector.load(str(tmp_path / "junk.onnx"))
    with pytest.raises(onnx_detector.OnnxModelError, match="1 value"):
        onnx_detector.interpret_output(np.zeros((1, 5)))
    # a broken model never loses the built-in forensic score
    name = _photo(tmp_path, "x.jpg", 120)
    row = extract_one(str(tmp_path), name, {"ai_model": str(tmp_path / "junk.onnx")})
    assert row["onnx_score"] is None and "junk.onnx" in row["onnx_error"]
    assert row["forensic_score"] == row["forensic_model_score"]


def test_output_interpretation():
    assert onnx_detector.interpret_output(np.array([[0.3]])) == pytest.approx(0.3)
    assert onnx_detector.interpret_output(np.array([2.0])) == pytest.approx(1 / (1 + np.exp(-2)))
    assert onnx_detector.interpret_output(np.array([[0.2, 0.8]])) == pytest.approx(0.8)
    assert onnx_detector.interpret_output(np.array([[0.0, 2.0]])) == pytest.approx(np.exp(2) / (1 + np.exp(2)))


def test_cli_evaluate_with_user_model(tmp_path):
    import json

    from click.testing import CliRunner

    from audit.cli import cli

    path = _mean_sigmoid_model(tmp_path / "m.onnx")
    root = tmp_path / "set"
    for label, value in (("real", 40), ("ai", 220)):
        (root / label).mkdir(parents=True)
        for i in range(2):
            _photo(root / label, f"{i}.jpg", value + i)
    res = CliRunner().invoke(cli, ["evaluate", str(root), "--json", "--ai-model", str(path)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["n_scored"] == 4
    # bright "ai" images get a high user-detector score, so the combined ranking separates them
    assert data["auroc"] == 1.0


def test_cli_run_with_user_model(tmp_path):
    """`run --ai-model` puts the user's detector into every photo's forensic evidence."""
    import json

    from click.testing import CliRunner

    from audit.cli import cli

    model = _mean_sigmoid_model(tmp_path / "m.onnx")
    root = tmp_path / "portfolio"
    root.mkdir()
    _photo(root, "E1.jpg", 230)
    (root / "staff.csv").write_text("employee_id,name,photo\nE1,Ann,E1.jpg\n")
    res = CliRunner().invoke(cli, ["run", str(root), "--out", str(tmp_path / "o"), "--format", "json",
                                   "--no-cache", "--ai-model", str(model)])
    assert res.exit_code == 0, res.output
    photo = json.loads((tmp_path / "o" / "audit.json").read_text())["photos"][0]
    assert photo["onnx_score"] > 0.9
