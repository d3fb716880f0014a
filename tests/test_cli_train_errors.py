"""``neuronet train``: every ordinary mistake is one line naming the option, exit code 2,
found before training; a diverged run is one line, exit code 1, and saves nothing."""

import pytest
from typer.testing import CliRunner

from neuronet import datasets
from neuronet.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, app
from neuronet.cli.train import parse_hidden

runner = CliRunner()
WIDE = {"COLUMNS": "400"}  # so that rich prints the message on one line
FAST = ["train", "-q", "--epochs", "2", "--samples", "60", "--hidden", "8"]


def error_line(result) -> str:
    """The one line of the output holding the error; fails unless there is exactly one."""
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if "Invalid value" in line]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize(
    ("args", "option", "message"),
    [
        (["--data", "spirl"], "--data", "Did you mean 'spiral'? Valid names: blobs, circles"),
        (["--activation", "rleu"], "--activation", "Did you mean 'relu'? Valid names: elu"),
        (["--activation", "softmax"], "--activation", "meant for the output layer"),
        (["--optimizer", "adma"], "--optimizer", "Did you mean 'adam'? Valid names: adam"),
        (["--lr", "0"], "--lr", "must be a finite number > 0 such as 0.01, got 0.0"),
        (["--lr", "-1"], "--lr", "must be a finite number > 0 such as 0.01, got -1.0"),
        (["--lr", "nan"], "--lr", "must be a finite number > 0 such as 0.01, got nan"),
        (["--lr", "inf"], "--lr", "must be a finite number > 0 such as 0.01, got inf"),
        (["--test-size", "0"], "--test-size", "must be in (0, 1), got 0.0"),
        (["--test-size", "1"], "--test-size", "must be in (0, 1), got 1.0"),
        (["--test-size", "1.5"], "--test-size", "must be in (0, 1), got 1.5"),
        (["--test-size", "100"], "--test-size", "must be in (0, 1), got 100.0"),
        (["--seed", "-1"], "--seed", "greater than or equal to 0"),
        (["--epochs", "0"], "--epochs", "greater than or equal to 1"),
        (["--hidden", "a,b"], "--hidden", "expected positive integer widths"),
        (["--hidden", "64x"], "--hidden", "got '64x'"),
        (["--hidden", "0"], "--hidden", "got '0'"),
        (["--hidden", "-8"], "--hidden", "got '-8'"),
        (["--hidden", "8,,8"], "--hidden", "got '8,,8'"),
        (["--hidden", "1.5"], "--hidden", "got '1.5'"),
        (["--hidden", ""], "--hidden", "got ''"),
        (["--hidden", "8,8", "--activation", "relu,tanh,elu"], "--activation", "3 activations"),
        (["--activation", "relu,softmax"], "--activation", "meant for the output layer"),
        (["--output", "tanh"], "--output", "mismatched pair"),
        (["--output", "softmx"], "--output", "Did you mean 'softmax'"),
        (["--loss", "mse"], "--loss", "mse is a regression loss, but the task is classification"),
        (["--data", "curve", "--loss", "cce"], "--loss", "a classification loss, but the task"),
        (["--data", "curve", "--output", "softmax"], "--output", "mismatched pair"),
        (["--validation", "0"], "--validation", "must be in (0, 1), got 0.0"),
        (["--validation", "0.5", "--test-size", "0.5"], "--test-size", "give only one"),
        (["--patience", "0"], "--patience", "greater than or equal to 1"),
        (["--dropout", "-0.1"], "--dropout", "must be in [0, 1)"),
        (["--dropout", "0.5", "--optimizer", "lbfgs"], "--dropout", "L-BFGS"),
        (["--l2", "nan"], "--l2", "must be a finite number >= 0"),
        (["--target", "y"], "--target", "applies to a data file"),
        (["--categorical", "a"], "--categorical", "applies to a data file"),
    ],
)
def test_a_mistake_is_one_line_naming_the_option(tmp_path, args, option, message):
    result = runner.invoke(app, [*FAST, "--out", str(tmp_path / "m.safetensors"), *args], env=WIDE)
    assert result.exit_code == EXIT_USAGE, result.output
    line = error_line(result)
    assert f"'{option}'" in line and message in line
    assert "Training on" not in result.output  # found before any work
    assert not (tmp_path / "m.safetensors").exists()


def test_unknown_data_lists_every_data_set():
    result = runner.invoke(app, [*FAST, "--data", "foo"], env=WIDE)
    assert result.exit_code == EXIT_USAGE
    assert ", ".join(datasets.names()) in error_line(result)


def test_out_into_a_missing_folder_is_refused_before_training(tmp_path):
    out = tmp_path / "no" / "such" / "m.safetensors"
    result = runner.invoke(app, [*FAST, "--out", str(out)], env=WIDE)
    assert result.exit_code == EXIT_USAGE
    line = error_line(result)
    assert "'--out'" in line and f"folder '{out.parent}' does not exist" in line
    assert "Training on" not in result.output


def test_out_that_is_a_folder_names_the_folder(tmp_path):
    result = runner.invoke(app, [*FAST, "--out", str(tmp_path)], env=WIDE)
    assert result.exit_code == EXIT_USAGE
    line = error_line(result)
    assert f"'--out': '{tmp_path}' is a folder" in line
    assert ".tmp" not in result.output  # no internal temporary file named
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", ["8,8", "8 8", "8, 8", " 8 ,8 ", "8\t8"])
def test_hidden_accepts_commas_and_spaces(tmp_path, text):
    out = tmp_path / "m.safetensors"
    result = runner.invoke(app, [*FAST, "--hidden", text, "--epochs", "1", "--out", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    assert "MLP 2 → 8 → 8 → 3" in result.output


def test_parse_hidden():
    assert parse_hidden("64,64") == parse_hidden("64 64") == parse_hidden("64, 64") == [64, 64]
    assert parse_hidden("128") == [128]


DIVERGES = ["--data", "curve", "--optimizer", "sgd", "--lr", "10", "--epochs", "5"]


def test_divergence_is_a_one_line_failure_and_saves_nothing(tmp_path):
    out = tmp_path / "m.safetensors"
    result = runner.invoke(app, [*FAST, *DIVERGES, "--out", str(out)], env=WIDE)
    assert result.exit_code == EXIT_FAILURE, result.output
    assert "Traceback" not in result.output and "Warning" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert "training failed: diverged in epoch" in errors[0]
    assert "lower --lr (it was 10)" in errors[0] and "No model was saved" in errors[0]
    assert "Held-out" not in result.output
    assert not out.exists()


def test_save_diverged_keeps_the_model_but_still_fails(tmp_path):
    out = tmp_path / "m.safetensors"
    args = [*FAST, *DIVERGES, "--out", str(out), "--save-diverged"]
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == EXIT_FAILURE, result.output
    assert "saved to" in result.output and out.exists()


def test_divergence_with_the_progress_bar_prints_no_warning(tmp_path):
    args = [a for a in FAST if a != "-q"]
    result = runner.invoke(app, [*args, *DIVERGES, "--out", str(tmp_path / "m.safetensors")])
    assert result.exit_code == EXIT_FAILURE
    assert "DivergenceWarning" not in result.output and "Traceback" not in result.output


def test_a_loss_that_runs_away_without_nan_is_a_failure_too(tmp_path):
    # Adam at lr 1e6 keeps the loss finite but huge: the core calls that diverged too.
    out = tmp_path / "m.safetensors"
    args = [*FAST, "--data", "curve", "--lr", "1e6", "--out", str(out)]
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == EXIT_FAILURE, result.output
    assert "training failed" in result.output and "lower --lr (it was 1e+06)" in result.output
    assert not out.exists()
