"""``neuronet export MODEL OUT.onnx``: writes the file, refuses to overwrite, fails in one line."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import require
from neuronet import MLP, load
from neuronet.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, app

onnx = require("onnx")
ort = require("onnxruntime")

runner = CliRunner()


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "m.safetensors"
    MLP([3, 5, 2], activation="tanh", output="softmax", classes=["no", "yes"], seed=0).save(path)
    return path


def run_onnx(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": X})


def test_export_writes_a_file_that_predicts_as_the_model(model, tmp_path):
    out = tmp_path / "m.onnx"
    result = runner.invoke(app, ["export", str(model), str(out)])
    assert result.exit_code == EXIT_OK, result.output
    assert result.output.startswith(f"Wrote {out} (ONNX opset 7)")
    net = load(model)
    X = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    (probabilities,) = run_onnx(out, X)
    np.testing.assert_allclose(probabilities, net.forward(X), rtol=1e-5, atol=1e-6)


def test_export_json_with_labels(model, tmp_path):
    out = tmp_path / "m.onnx"
    result = runner.invoke(app, ["export", str(model), str(out), "--labels", "--json"])
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.output) == {
        "path": str(out),
        "opset": 7,  # Gemm, Tanh, Softmax, ArgMax, Gather: all in opset 7
        "inputs": {"input": ["batch", 3]},
        "outputs": {"label": ["batch"], "probabilities": ["batch", 2]},
    }
    X = np.zeros((2, 3), np.float32)
    label, _ = run_onnx(out, X)
    assert label.tolist() == load(model).predict(X).tolist()


def test_export_refuses_to_overwrite_without_force(model, tmp_path):
    out = tmp_path / "m.onnx"
    out.write_bytes(b"keep me")
    result = runner.invoke(app, ["export", str(model), str(out)])
    assert result.exit_code == EXIT_USAGE
    assert "already exists; pass --force" in result.output and "Traceback" not in result.output
    assert out.read_bytes() == b"keep me"
    result = runner.invoke(app, ["export", str(model), str(out), "--force"])
    assert result.exit_code == EXIT_OK, result.output
    assert onnx.load(str(out)).producer_name == "neuronet"
    assert sorted(os.listdir(tmp_path)) == ["m.onnx", "m.safetensors"]  # no temporary left


def test_labels_on_a_regressor_is_a_usage_error(tmp_path):
    path = tmp_path / "r.safetensors"
    MLP([2, 3, 1], seed=0).save(path)
    result = runner.invoke(app, ["export", str(path), str(tmp_path / "r.onnx"), "--labels"])
    assert result.exit_code == EXIT_USAGE
    assert "--labels" in result.output and "predict_proba needs a classifier" in result.output
    assert not (tmp_path / "r.onnx").exists()


def test_a_bad_model_file_fails_in_one_line(tmp_path):
    (tmp_path / "junk.safetensors").write_bytes(b"junk")
    result = runner.invoke(app, ["export", str(tmp_path / "junk.safetensors"), "o.onnx"])
    assert result.exit_code == EXIT_FAILURE
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert "junk.safetensors" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("target", "message"),
    [("missing/m.onnx", "does not exist"), (".", "is a folder")],
)
def test_a_destination_that_cannot_be_written_is_a_usage_error(model, tmp_path, target, message):
    result = runner.invoke(app, ["export", str(model), str(tmp_path / target)])
    text = " ".join(result.output.replace("│", " ").split())  # typer frames and wraps it
    assert result.exit_code == EXIT_USAGE and message in text


def test_help_shows_an_example():
    result = runner.invoke(app, ["export", "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == EXIT_OK
    assert "Example: neuronet export model.safetensors model.onnx" in result.output
    for option in ("--force", "--labels", "--no-labels", "--json"):
        assert option in result.output


def test_python_dash_m_neuronet_export(model, tmp_path):
    out = tmp_path / "m.onnx"
    args = [sys.executable, "-m", "neuronet", "export", str(model), str(out), "--json"]
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    assert result.returncode == EXIT_OK, result.stderr
    assert json.loads(result.stdout)["path"] == str(out) and out.is_file()
    again = subprocess.run(args, capture_output=True, text=True, check=False)
    assert again.returncode == EXIT_USAGE and again.stdout == ""
    lines = again.stderr.strip().splitlines()
    assert len(lines) == 1 and "neuronet export: error:" in lines[0] and "--force" in lines[0]


def test_without_the_onnx_package_it_says_what_to_install(model, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now raises ImportError
    result = runner.invoke(app, ["export", str(model), str(tmp_path / "m.onnx")])
    assert result.exit_code == EXIT_FAILURE
    assert "needs the 'onnx' package: pip install" in result.output
    assert result.output.count("\n") == 1 and not (tmp_path / "m.onnx").exists()


def test_a_model_with_preprocessing_says_the_graph_takes_the_preprocessed_inputs(tmp_path):
    pd = require("pandas")
    from neuronet import io
    from neuronet.cli.tabular import Preprocessor

    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "c": ["a", "b", "a", "b"], "y": [0, 1] * 2})
    pre = Preprocessor.fit(frame, "y")
    path = tmp_path / "m.safetensors"
    net = MLP([pre.n_inputs, 4, 2], output="softmax", classes=pre.classes, seed=0)
    io.save(net, path, sections={"preprocessing": pre.to_section()})
    result = runner.invoke(app, ["export", str(path), str(tmp_path / "m.onnx")])
    assert result.exit_code == EXIT_OK, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2 and lines[1].startswith(
        "Note: the graph takes the 3 preprocessed inputs (numeric columns standardised with "
        "the stored means and stds; one 0/1 input per category of each categorical column), "
        "not the data file's columns"
    )
    as_json = runner.invoke(app, ["export", str(path), str(tmp_path / "m.onnx"), "-f", "--json"])
    assert "preprocessed inputs" in json.loads(as_json.stdout)["note"]


def test_a_model_without_preprocessing_has_no_note(model, tmp_path):
    result = runner.invoke(app, ["export", str(model), str(tmp_path / "m.onnx")])
    assert result.exit_code == EXIT_OK and "Note" not in result.output


def test_out_that_is_the_model_file_is_a_usage_error(model):
    before = model.read_bytes()
    result = runner.invoke(app, ["export", str(model), str(model), "--force"])
    assert result.exit_code == EXIT_USAGE
    assert "is the model file MODEL" in result.output
    assert model.read_bytes() == before
