"""``neuronet diagnose MODEL --data NAME``: a saved model looked inside on a built-in data set."""

import json

import pytest
from typer.testing import CliRunner

from neuronet import MLP, datasets, diagnose
from neuronet.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, app

runner = CliRunner()
WIDE = {"COLUMNS": "400"}  # so that rich prints every message on one line


@pytest.fixture
def dead_model(tmp_path):
    """A relu model whose second hidden layer is dead: a bias of -100 on every unit."""
    net = MLP([2, 8, 8, 2], "relu", "softmax", seed=0)
    net.dense_layers[1].bias[:] = -100.0
    path = tmp_path / "dead.safetensors"
    net.save(path)
    return path


def test_a_dead_layer_is_found_and_json_is_the_librarys_diagnosis(dead_model):
    result = runner.invoke(app, ["diagnose", str(dead_model), "--data", "moons"], env=WIDE)
    assert result.exit_code == EXIT_OK, result.output
    assert "layer 2: 100 % of relu units are dead" in result.output

    result = runner.invoke(app, ["diagnose", str(dead_model), "--data", "moons", "--json"])
    data = json.loads(result.stdout)
    # Every unit's output is max(0, z - 100) = 0 on inputs of size about 1: all dead.
    assert [layer["dead"] for layer in data["layers"][:2]] == [pytest.approx(0.0), 1.0]
    X, y = datasets.load("moons", seed=0)
    net = MLP([2, 8, 8, 2], "relu", "softmax", seed=0)
    net.dense_layers[1].bias[:] = -100.0
    assert data == json.loads(json.dumps(diagnose(net, X, y).to_dict()))


def test_data_that_does_not_fit_the_model_is_exit_code_1(dead_model):
    result = runner.invoke(app, ["diagnose", str(dead_model), "--data", "curve"], env=WIDE)
    assert result.exit_code == EXIT_FAILURE
    assert f"cannot diagnose {str(dead_model)!r} on --data curve" in result.output
    assert "expects 2" in result.output


def test_usage_errors(dead_model):
    result = runner.invoke(app, ["diagnose", str(dead_model), "--data", "moon"], env=WIDE)
    assert result.exit_code == EXIT_USAGE and "Did you mean 'moons'" in result.output
    result = runner.invoke(
        app, ["diagnose", str(dead_model), "--data", "moons", "--samples", "0"], env=WIDE
    )
    assert result.exit_code == EXIT_USAGE and "--samples" in result.output
