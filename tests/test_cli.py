"""The command line as a whole: the default run, --version, help texts, exit codes."""

import pytest
import typer
from typer.testing import CliRunner

import neuronet
from neuronet import activations, datasets, load, optimizers
from neuronet.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, app

runner = CliRunner()
WIDE = {"COLUMNS": "400"}  # so that rich prints every message on one line


def metric(output: str, name: str) -> str:
    """The value in the row ``name`` of the held-out metrics table."""
    rows = [line for line in output.splitlines() if f"│ {name} " in line]
    assert len(rows) == 1, output
    return rows[0].split("│")[2].strip()


def test_train_with_no_arguments_trains_reports_and_saves(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["train", "--quiet"], env=WIDE)
    assert result.exit_code == 0, result.output
    # The held-out accuracy, once a line of its own, is now a row of the metrics table.
    assert "held out (150 rows)" in result.output
    assert float(metric(result.output, "accuracy").rstrip("%")) >= 95.0
    assert 0.95 <= float(metric(result.output, "macro F1")) <= 1.0
    net = load(tmp_path / "model.safetensors")
    assert net.sizes == [2, 64, 64, 3]
    assert net.hidden_activations[0].name == "relu"

    # Run again: the model is not overwritten without --force, and nothing is trained.
    before = (tmp_path / "model.safetensors").read_bytes()
    result = runner.invoke(app, ["train", "--quiet"], env=WIDE)
    assert result.exit_code == EXIT_USAGE
    assert "'--out': 'model.safetensors' already exists; pass --force" in result.output
    assert "Training on" not in result.output
    assert (tmp_path / "model.safetensors").read_bytes() == before


def test_force_overwrites_an_existing_model(tmp_path):
    out = tmp_path / "m.safetensors"
    out.write_bytes(b"an older model")
    args = ["train", "-q", "--epochs", "1", "--samples", "60", "--hidden", "8", "--out", str(out)]
    assert runner.invoke(app, args).exit_code == EXIT_USAGE
    assert out.read_bytes() == b"an older model"
    result = runner.invoke(app, [*args, "--force"])
    assert result.exit_code == EXIT_OK, result.output
    assert load(out).sizes == [2, 8, 3]


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
    assert out.exists()
    for name in ("mean squared error", "mean absolute error", "R²"):
        assert float(metric(result.output, name)) == pytest.approx(
            load_training(out)["metrics"][
                {"mean squared error": "mse", "mean absolute error": "mae", "R²": "r2"}[name]
            ],
            rel=1e-3,
        )


def load_training(path):
    from neuronet import io

    return io.read_metadata(path).sections["training"]


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == EXIT_OK
    assert result.output == f"neuronet {neuronet.__version__}\n"


def test_no_command_shows_help():
    result = runner.invoke(app, [])
    assert "train" in result.output and "activations" in result.output
    assert "--version" in result.output


def test_train_help_lists_the_valid_names():
    result = runner.invoke(app, ["train", "--help"], env=WIDE)
    assert result.exit_code == EXIT_OK
    text = " ".join(result.output.split())
    assert "Built-in data set: one of " + ", ".join(datasets.names()) in text
    assert "Optimizer: one of " + ", ".join(optimizers.names()) in text
    hidden = [name for name in activations.names() if activations.get(name).elementwise]
    assert "activation: one of " + ", ".join(hidden) in text
    for option in ("--force", "--save-diverged", "--quiet", "--seed", "--out"):
        assert option in text


def test_every_option_of_every_command_has_help():
    group = typer.main.get_command(app)
    commands = {"": group, **group.commands}  # type: ignore[attr-defined]
    # Other commands join the group over time; these are always there.
    assert {"", "train", "activations", "info"} <= set(commands)
    for name, command in commands.items():
        assert command.help, name
        for param in command.params:
            assert getattr(param, "help", None), f"{name} {param.name}"


def test_exit_codes_are_documented():
    assert (EXIT_OK, EXIT_FAILURE, EXIT_USAGE) == (0, 1, 2)
    doc = neuronet.cli.__doc__
    assert "Exit codes" in doc
    for code in ("0\n    Success", "1\n    Failure", "2\n    Usage error"):
        assert code in doc


def test_help_is_not_cut_at_80_columns():
    for args in (["--help"], ["train", "--help"], ["activations", "--help"], ["info", "--help"]):
        result = runner.invoke(app, args, env={"COLUMNS": "80"})
        assert result.exit_code == EXIT_OK
        assert "…" not in result.output, args


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--activation", "rleu"], "Did you mean 'relu'"),
        (["train", "--epochs", "0"], "--epochs"),
        (["train", "--lr", "nan"], "--lr"),
        (["info"], "Missing argument"),
        (["bogus"], "No such command"),
    ],
)
def test_the_neuronet_script_reports_a_mistake_in_one_line(args, message, tmp_path):
    # The installed script (not CliRunner): exactly one line on stderr, exit code 2.
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "neuronet.cli", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and ": error: " in lines[0] and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_built_in_data_with_json_plots_and_an_activation_per_layer(tmp_path):
    import json

    from conftest import require

    require("matplotlib")
    out, figures = tmp_path / "m.safetensors", tmp_path / "figures"
    args = ["train", "--data", "moons", "--samples", "80", "--hidden", "8,8", "--epochs", "3"]
    args += ["--activation", "relu,tanh", "--plots", str(figures), "--out", str(out), "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == EXIT_OK, result.output
    report = json.loads(result.stdout)
    assert report["data"] == "moons" and report["task"] == "classification"
    assert report["rows"] == {"train": 60, "held_out": 20}
    assert [a["name"] for a in report["architecture"]["activations"]] == ["relu", "tanh"]
    assert sorted(report["plots"]) == [
        str(figures / "decision_boundary.png"),
        str(figures / "training_curves.png"),
    ]
    record = load_training(out)
    assert record["options"]["samples"] == 80 and record["options"]["data"] == "moons"
    assert record["metrics"] == report["metrics"] and record["epochs"] == 3


def test_plots_are_written_atomically_and_a_failed_one_is_one_line(tmp_path, monkeypatch):
    from conftest import require

    require("matplotlib")
    from matplotlib.figure import Figure

    figures = tmp_path / "figures"
    figures.mkdir()
    old = figures / "training_curves.png"
    old.write_bytes(b"the previous figure")
    real_savefig = Figure.savefig

    def full_disk(self, target, *args, **kwargs):
        target.write(b"half a PNG")  # a partial write, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", full_disk)
    args = ["train", "--data", "moons", "--samples", "80", "--epochs", "2", "--quiet"]
    args += ["--plots", str(figures), "--out", str(tmp_path / "m.safetensors")]
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == EXIT_FAILURE, result.output
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1
    assert "no space left on device; the previous file is unchanged" in result.stderr
    assert old.read_bytes() == b"the previous figure"  # kept whole
    assert sorted(p.name for p in figures.iterdir()) == ["training_curves.png"]  # no temp file
    monkeypatch.setattr(Figure, "savefig", real_savefig)
    result = runner.invoke(app, [*args, "--force"], env=WIDE)
    assert result.exit_code == EXIT_OK, result.output
    assert old.read_bytes().startswith(b"\x89PNG")
