import pytest
from typer.testing import CliRunner

from neuronet import load
from neuronet.cli import app

runner = CliRunner()


def test_train_with_no_arguments_trains_reports_and_saves(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["train", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Held-out accuracy" in result.output
    accuracy = float(result.output.split("Held-out accuracy:")[1].split("%")[0])
    assert accuracy >= 95.0
    net = load(tmp_path / "model.safetensors")
    assert net.sizes == [2, 64, 64, 3]


def test_train_regression_and_options(tmp_path):
    out = tmp_path / "curve.safetensors"
    result = runner.invoke(
        app,
        [
            "train",
            "--data",
            "curve",
            "--hidden",
            "16",
            "--epochs",
            "20",
            "--activation",
            "tanh",
            "--out",
            str(out),
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "mean squared error" in result.output and out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "spirl"], "Did you mean 'spiral'"),
        (["--hidden", "a,b"], "expected widths"),
    ],
)
def test_train_bad_options(args, message):
    result = runner.invoke(app, ["train", "-q", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_activations_lists_every_activation():
    from neuronet import activations

    result = runner.invoke(app, ["activations"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    for name in activations.names():
        assert name in result.output


def test_info_describes_a_model_and_rejects_junk(tmp_path):
    from neuronet import MLP

    MLP([2, 3, 1], seed=0).save(tmp_path / "m.safetensors")
    result = runner.invoke(app, ["info", str(tmp_path / "m.safetensors")])
    assert result.exit_code == 0 and "MLP 2 → 3 → 1" in result.output
    (tmp_path / "junk.safetensors").write_bytes(b"junk")
    result = runner.invoke(app, ["info", str(tmp_path / "junk.safetensors")])
    assert result.exit_code == 1 and "junk.safetensors" in result.output
