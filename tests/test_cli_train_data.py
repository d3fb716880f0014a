"""``neuronet train DATA --target COL``: training on the user's own CSV, Parquet and JSON Lines
files, the preprocessing and the run stored in the model file, the held-out metrics in the
user's labels and units, and one clear line for every mistake in the data or the options."""

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import require
from neuronet import io
from neuronet.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, app
from neuronet.cli.train import classification_metrics, regression_metrics, split_rows

pd = require("pandas")
require("pyarrow")

runner = CliRunner()
WIDE = {"COLUMNS": "400"}  # so that rich prints every message on one line
FAST = ["-q", "--hidden", "8", "--epochs", "15", "--lr", "0.05"]


def animals(rng, n=90):
    """Two numeric features, a categorical one, and a string label that depends on them."""
    x1 = rng.normal(size=n).round(3)
    x2 = rng.normal(size=n).round(3)
    colour = rng.choice(["red", "green", "blue"], size=n)
    kind = np.where(x1 + x2 > 0.5, "owl", np.where(x1 - x2 > 0.0, "cat", "dog"))
    return pd.DataFrame({"x1": x1, "colour": colour, "x2": x2, "kind": kind})


def houses(rng, n=120):
    """A regression target in large units (so that unscaled metrics would be obvious)."""
    rooms = rng.integers(1, 7, size=n)
    area = rng.uniform(30, 200, size=n).round(1)
    town = rng.choice(["north", "south"], size=n)
    price = 50_000 + 1_500 * area + 10_000 * rooms + np.where(town == "north", 40_000, 0)
    price = price + rng.normal(scale=5_000, size=n)
    return pd.DataFrame({"rooms": rooms, "area": area, "town": town, "price": price.round(0)})


def write(frame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        raise AssertionError(path)
    return path


def train(*args, env=WIDE):
    return runner.invoke(app, ["train", *map(str, args)], env=env)


def one_error(result) -> str:
    """The single error line of a failed run (exit 1): ``Error: ...``, no traceback."""
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, result.output
    return lines[0]


def usage_line(result) -> str:
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if "Invalid value" in line]
    assert len(lines) == 1, result.output
    return lines[0]


# --- training on each format ---------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".jsonl"])
def test_trains_on_each_format_and_stores_the_preprocessing(tmp_path, rng, suffix):
    frame = animals(rng)
    data = write(frame, tmp_path / f"animals{suffix}")
    out = tmp_path / "m.safetensors"
    result = train(data, "--target", "kind", *FAST, "--out", out)
    assert result.exit_code == EXIT_OK, result.output
    assert f"Training on animals{suffix} (67 samples, 23 held out)" in result.output

    saved = io.read(out)
    assert saved.net.classes == ["cat", "dog", "owl"]
    # colour is one-hot over its three categories: 2 numeric inputs + 3.
    assert saved.net.sizes == [5, 8, 3]
    pre = saved.sections["preprocessing"].metadata
    assert pre["target"] == "kind" and pre["task"] == "classification"
    assert [f["name"] for f in pre["features"]] == ["x1", "colour", "x2"]
    record = saved.sections["training"].metadata
    assert record["data"] == f"animals{suffix}"
    assert record["rows"] == {"train": 67, "held_out": 23}
    assert record["columns"] == ["x1", "colour", "x2"]
    assert record["options"]["hidden"] == [8] and record["options"]["seed"] == 0

    # The stored accuracy is what the saved model and preprocessing give on the held-out rows.
    from neuronet.cli.tabular import Preprocessor

    _, held = split_rows(90, frame["kind"].to_numpy(), validation=0.25, seed=0)
    part = frame.iloc[held]
    stored = Preprocessor.from_section(saved.sections["preprocessing"])
    predicted = saved.net.predict(stored.transform(part))
    accuracy = float(np.mean(predicted == part["kind"].to_numpy()))
    assert record["metrics"]["accuracy"] == pytest.approx(accuracy)
    assert f"{accuracy:.1%}" in result.output


def test_the_same_file_in_each_format_gives_the_same_model(tmp_path, rng):
    frame = animals(rng)
    weights = []
    for suffix in (".csv", ".tsv", ".parquet", ".jsonl"):
        out = tmp_path / f"m{suffix}.safetensors"
        data = write(frame, tmp_path / f"animals{suffix}")
        assert train(data, "--target", "kind", *FAST, "--out", out).exit_code == EXIT_OK
        weights.append(io.load(out).parameters)
    for other in weights[1:]:
        np.testing.assert_array_equal(weights[0], other)


def test_regression_metrics_are_in_the_targets_units(tmp_path, rng):
    sklearn_metrics = require("sklearn.metrics")
    frame = houses(rng)
    data = write(frame, tmp_path / "houses.csv")
    out = tmp_path / "m.safetensors"
    result = train(
        data, "--target", "price", "-q", "--hidden", "16", "--epochs", "60", "--out", out,
        "--json",
    )  # fmt: skip
    assert result.exit_code == EXIT_OK, result.output
    report = json.loads(result.stdout)
    assert report["task"] == "regression" and report["classes"] is None

    from neuronet.cli.tabular import Preprocessor

    saved = io.read(out)
    assert saved.net.output_activation.name == "identity"
    _, held = split_rows(len(frame), None, validation=0.25, seed=0)
    part = frame.iloc[held]
    pre = Preprocessor.from_section(saved.sections["preprocessing"])
    predicted = pre.decode_target(saved.net.predict(pre.transform(part)))
    truth = part["price"].to_numpy()
    expected = {
        "mse": sklearn_metrics.mean_squared_error(truth, predicted),
        "mae": sklearn_metrics.mean_absolute_error(truth, predicted),
        "r2": sklearn_metrics.r2_score(truth, predicted),
    }
    assert report["metrics"] == pytest.approx(expected, rel=1e-6)
    # In dollars, not in standard deviations: a fair fit is off by thousands, not by 0.1.
    assert 1_000 < report["metrics"]["mae"] < 40_000 and report["metrics"]["r2"] > 0.5


def test_metric_functions_match_scikit_learn(rng):
    sklearn_metrics = require("sklearn.metrics")
    true = rng.choice(["a", "b", "c", "d"], size=200)
    pred = np.where(rng.random(200) < 0.6, true, rng.choice(["a", "b", "c", "e"], size=200))
    got = classification_metrics(true, pred)
    assert got["accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(true, pred))
    assert got["macro_f1"] == pytest.approx(
        sklearn_metrics.f1_score(true, pred, average="macro", zero_division=0.0)
    )
    y, p = rng.normal(size=50), rng.normal(size=50)
    assert regression_metrics(y, p) == pytest.approx(
        {
            "mse": sklearn_metrics.mean_squared_error(y, p),
            "mae": sklearn_metrics.mean_absolute_error(y, p),
            "r2": sklearn_metrics.r2_score(y, p),
        }
    )
    assert np.isnan(regression_metrics([2.0, 2.0], [1.0, 3.0])["r2"])


def test_string_labels_stratified_split_and_integer_labels(tmp_path, rng):
    frame = animals(rng)
    frame["kind"] = frame["kind"].map({"cat": 1, "dog": 2, "owl": 3})
    data = write(frame, tmp_path / "codes.csv")
    out = tmp_path / "m.safetensors"
    result = train(data, "--target", "kind", *FAST, "--out", out)
    assert result.exit_code == EXIT_OK, result.output
    # Whole numbers with few values are classes, and the run says so.
    assert "Note: target 'kind' holds 3 distinct whole numbers" in result.output
    assert io.load(out).classes == [1, 2, 3]
    _, held = split_rows(90, frame["kind"].to_numpy(), validation=0.25, seed=0)
    shares = frame["kind"].iloc[held].value_counts(normalize=True).sort_index()
    overall = frame["kind"].value_counts(normalize=True).sort_index()
    assert np.abs(shares - overall).max() < 1 / 23 + 1e-9  # within one row of each share

    result = train(data, "--target", "kind", "--task", "regression", *FAST, "--out", out, "-f")
    assert result.exit_code == EXIT_OK, result.output
    assert io.load(out).classes is None and "mean squared error" in result.output


def test_options_shape_the_network(tmp_path, rng):
    data = write(animals(rng), tmp_path / "a.csv")
    out = tmp_path / "m.safetensors"
    result = train(
        data, "--target", "kind", "-q", "--hidden", "8,6", "--activation", "tanh,elu",
        "--dropout", "0.1", "--l2", "0.001", "--epochs", "3", "--out", out,
    )  # fmt: skip
    assert result.exit_code == EXIT_OK, result.output
    net = io.load(out)
    assert [a.name for a in net.hidden_activations] == ["tanh", "elu"]
    assert net.sizes == [5, 8, 6, 3] and net.dropout == 0.1
    options = io.read_metadata(out).sections["training"]["options"]
    assert options["l2"] == 0.001 and options["dropout"] == 0.1


def test_sigmoid_output_for_two_classes(tmp_path, rng):
    frame = animals(rng)
    frame["kind"] = np.where(frame["kind"] == "owl", "owl", "other")
    data = write(frame, tmp_path / "a.csv")
    out = tmp_path / "m.safetensors"
    result = train(data, "--target", "kind", *FAST, "--output", "sigmoid", "--out", out)
    assert result.exit_code == EXIT_OK, result.output
    net = io.load(out)
    assert net.sizes[-1] == 1 and net.loss.name == "binary_cross_entropy"
    assert net.classes == ["other", "owl"]


def test_early_stopping_stops_and_reports_it(tmp_path, rng):
    data = write(animals(rng, n=60), tmp_path / "a.csv")
    out = tmp_path / "m.safetensors"
    result = train(
        data, "--target", "kind", "-q", "--hidden", "32", "--lr", "0.1", "--epochs", "400",
        "--early-stopping", "--patience", "3", "--validation", "0.3", "--json", "--out", out,
    )  # fmt: skip
    assert result.exit_code == EXIT_OK, result.output
    report = json.loads(result.stdout)
    assert report["stop_reason"] == "early stopping: no improvement for 3 epochs"
    assert report["epochs"] < 400 and report["best_epoch"] == report["epochs"] - 3
    assert report["rows"] == {"train": 42, "held_out": 18}


def test_test_size_is_still_accepted_as_the_old_name_of_validation(tmp_path, rng):
    data = write(animals(rng), tmp_path / "a.csv")
    out = tmp_path / "m.safetensors"
    result = train(data, "--target", "kind", *FAST, "--test-size", "0.5", "--out", out)
    assert result.exit_code == EXIT_OK, result.output
    assert "(45 samples, 45 held out)" in result.output
    both = train(data, "--target", "kind", "--test-size", "0.5", "--validation", "0.5")
    assert both.exit_code == EXIT_USAGE and "give only one" in usage_line(both)


# --- missing values and imputation ---------------------------------------------------------


def test_missing_values_are_an_error_naming_the_file_row_without_impute(tmp_path, rng):
    frame = animals(rng)
    frame.loc[6, "x2"] = np.nan  # row 7 of the file's data rows
    frame.loc[40, "colour"] = None
    data = write(frame, tmp_path / "gaps.csv")
    out = tmp_path / "m.safetensors"
    result = train(data, "--target", "kind", *FAST, "--out", out)
    assert result.exit_code == EXIT_FAILURE
    line = one_error(result)
    assert "gaps.csv" in line and "'colour'" in line and "row 41" in line, line
    assert "--impute" in line
    assert not out.exists()

    frame.loc[40, "colour"] = "red"
    write(frame, data)
    line = one_error(train(data, "--target", "kind", *FAST, "--out", out))
    assert "'x2'" in line and "row 7" in line and "--impute" in line, line

    result = train(data, "--target", "kind", *FAST, "--impute", "median", "--out", out)
    assert result.exit_code == EXIT_OK, result.output
    pre = io.read_metadata(out).sections["preprocessing"]
    assert pre["impute"] == "median"


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_imputation_on_parquet_and_json_lines(tmp_path, rng, suffix):
    frame = animals(rng)
    frame.loc[[3, 50], "x1"] = np.nan
    data = write(frame, tmp_path / f"gaps{suffix}")
    out = tmp_path / "m.safetensors"
    assert train(data, "--target", "kind", *FAST, "--out", out).exit_code == EXIT_FAILURE
    result = train(data, "--target", "kind", *FAST, "--impute", "mean", "--out", out)
    assert result.exit_code == EXIT_OK, result.output


def test_a_missing_target_value_is_an_error_even_with_impute(tmp_path, rng):
    frame = animals(rng)
    frame.loc[11, "kind"] = None
    data = write(frame, tmp_path / "a.csv")
    result = train(data, "--target", "kind", *FAST, "--impute", "mean")
    assert result.exit_code == EXIT_FAILURE
    line = one_error(result)
    assert "'kind'" in line and "row 12" in line


def test_a_label_only_in_the_held_out_rows_counts_as_wrong(tmp_path, rng):
    frame = animals(rng)
    frame.loc[5, "kind"] = "emu"  # one row: it cannot be in both parts
    data = write(frame, tmp_path / "a.csv")
    out = tmp_path / "m.safetensors"
    # The stratified split gives a class of one row a held-out place only when its share of
    # a place beats the other classes' remainders: find a fraction where it does.
    for validation in np.arange(0.2, 0.7, 0.01).round(2):
        _, held = split_rows(90, frame["kind"].to_numpy(), validation=validation, seed=0)
        if 5 in held:
            break
    else:
        raise AssertionError("no fraction holds the lone row out")
    result = train(
        data, "--target", "kind", *FAST, "--validation", validation, "--out", out, "--json"
    )
    assert result.exit_code == EXIT_OK, result.output
    assert "1 held-out row(s) have a label that no training row has" in result.output
    assert "emu" not in io.load(out).classes


# --- mistakes in the data: one line, exit code 1, no model --------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", "", "the file is empty"),
        ("header.csv", "x1,x2,kind\n", "has a header (x1, x2, kind) but no data rows"),
        ("header.jsonl", "\n", "empty"),
        ("data.xlsx", "x1,kind\n1,a\n", "unknown file type '.xlsx'"),
        ("data", "x1,kind\n1,a\n", "unknown file type (no suffix)"),
        ("text.csv", "x1,x2,kind\n1,2,a\n3,x,b\n5,6,a\n7,8,b\n9,1,a\n", "row 2"),
        ("one.csv", "x1,kind\n1,a\n2,a\n3,a\n4,a\n", "single class ('a')"),
        ("bad.jsonl", '{"x1": 1, "kind": "a"}\n{"x1": 2,\n', "line 2 is not valid JSON"),
        ("only.csv", "kind\na\nb\na\nb\n", "no feature columns"),
    ],
)
def test_a_mistake_in_the_data_is_one_line(tmp_path, name, content, message):
    data = tmp_path / name
    data.write_text(content)
    out = tmp_path / "m.safetensors"
    result = train(data, "--target", "kind", *FAST, "--out", out)
    assert result.exit_code == EXIT_FAILURE, result.output
    line = one_error(result)
    assert message in line and name in line, line
    assert "Training on" not in result.output
    assert not out.exists()


def test_a_file_that_cannot_be_read_is_one_line(tmp_path, rng, monkeypatch):
    data = write(animals(rng), tmp_path / "secret.csv")
    real_open = Path.open

    def refuse(self, *args, **kwargs):
        # chmod 000 does not stop root (CI containers often run as root): refuse here instead.
        if self.name == "secret.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    result = train(data, "--target", "kind", *FAST, "--out", tmp_path / "m.safetensors")
    assert result.exit_code == EXIT_FAILURE
    line = one_error(result)
    assert "secret.csv" in line and "permission denied" in line


def test_a_missing_file_is_one_line(tmp_path):
    line = one_error(train(tmp_path / "nope.csv", "--target", "kind"))
    assert "nope.csv" in line and "no such file" in line


# --- mistakes in the options: one line, exit code 2, nothing read or trained --------------


def test_a_wrong_target_names_the_columns_and_a_close_match(tmp_path, rng):
    # A data error (exit code 1), as in neuronet evaluate: the column is looked for in the file.
    data = write(animals(rng), tmp_path / "a.parquet")
    result = train(data, "--target", "knd", *FAST, "--out", tmp_path / "m.safetensors")
    assert result.exit_code == EXIT_FAILURE
    line = one_error(result)
    assert "a.parquet: no target column 'knd'. Did you mean 'kind'?" in line
    assert "x1, colour, x2, kind" in line
    assert not (tmp_path / "m.safetensors").exists()

    result = train(data, "--target", "kind", *FAST, "--categorical", "colr")
    assert result.exit_code == EXIT_FAILURE
    assert "no feature column 'colr'" in one_error(result)
    assert "Did you mean 'colour'?" in one_error(result)


@pytest.mark.parametrize(
    ("args", "option", "message"),
    [
        (["--hidden", "8,8", "--activation", "relu,tanh,elu"], "--activation", "3 activations"),
        (["--output", "sigmoid"], "--output", "for two classes; the target has 3"),
        (["--loss", "mse"], "--loss", "mse is a regression loss, but the task is classification"),
        (["--output", "tanh"], "--output", "mismatched pair"),
        (["--output", "sigmod"], "--output", "Did you mean 'sigmoid'"),
        (["--loss", "msee"], "--loss", "Did you mean 'mse'"),
        (["--task", "classify"], "--task", "must be one of classification, regression"),
        (["--impute", "zero"], "--impute", "must be one of mean, median, most_frequent"),
        (["--validation", "1.5"], "--validation", "must be in (0, 1), got 1.5"),
        (["--dropout", "1"], "--dropout", "must be in [0, 1), got 1.0"),
        (["--dropout", "0.2", "--optimizer", "lbfgs"], "--dropout", "L-BFGS"),
        (["--l2", "-1"], "--l2", "must be a finite number >= 0"),
        (["--samples", "100"], "--samples", "applies to --data"),
        (["--data", "moons"], "--data", "not both"),
    ],
)
def test_a_mistake_in_the_options_is_one_line(tmp_path, rng, args, option, message):
    data = write(animals(rng), tmp_path / "a.csv")
    out = tmp_path / "m.safetensors"
    result = train(data, "--target", "kind", *FAST, "--out", out, *args)
    assert result.exit_code == EXIT_USAGE, result.output
    line = usage_line(result)
    assert f"'{option}'" in line and message in line, line
    assert "Training on" not in result.output and not out.exists()


def test_regression_refuses_a_softmax_output(tmp_path, rng):
    data = write(houses(rng), tmp_path / "h.csv")
    result = train(data, "--target", "price", *FAST, "--output", "softmax")
    assert result.exit_code == EXIT_USAGE
    assert "'--output'" in usage_line(result)


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--target", "kind"], "--target"),
        (["--task", "regression"], "--task"),
        (["--impute", "mean"], "--impute"),
    ],
)
def test_table_options_without_a_table_are_usage_errors(args, option):
    result = train(*args)
    assert result.exit_code == EXIT_USAGE
    line = usage_line(result)
    assert f"'{option}'" in line and "applies to a data file" in line


def test_a_table_without_target_is_a_usage_error(tmp_path, rng):
    data = write(animals(rng), tmp_path / "a.csv")
    result = train(data)
    assert result.exit_code == EXIT_USAGE
    assert "'--target'" in usage_line(result) and "a.csv" in usage_line(result)


# --- the model file: never overwritten unless asked, never half-written --------------------


def test_an_existing_model_is_kept_unless_force(tmp_path, rng):
    data = write(animals(rng), tmp_path / "a.csv")
    out = tmp_path / "m.safetensors"
    out.write_bytes(b"an older model")
    result = train(data, "--target", "kind", *FAST, "--out", out)
    assert result.exit_code == EXIT_USAGE and "pass --force" in usage_line(result)
    assert out.read_bytes() == b"an older model"
    # A data error with --force still leaves the old file as it was.
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,kind\n")
    assert train(bad, "--target", "kind", "--out", out, "--force").exit_code == EXIT_FAILURE
    assert out.read_bytes() == b"an older model"
    result = train(data, "--target", "kind", *FAST, "--out", out, "--force")
    assert result.exit_code == EXIT_OK, result.output
    assert io.load(out).classes == ["cat", "dog", "owl"]
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# --- --json and --plots ----------------------------------------------------------------------


def test_json_is_one_object_on_stdout_even_with_the_progress_bar(tmp_path, rng):
    data = write(animals(rng), tmp_path / "a.jsonl")
    out = tmp_path / "m.safetensors"
    args = [data, "--target", "kind", "--hidden", "8", "--epochs", "5", "--out", out, "--json"]
    result = train(*args)
    assert result.exit_code == EXIT_OK, result.output
    report = json.loads(result.stdout)
    assert report["data"] == "a.jsonl" and report["target"] == "kind"
    assert report["rows"] == {"train": 67, "held_out": 23}
    assert report["columns"] == ["x1", "colour", "x2"]
    assert report["classes"] == ["cat", "dog", "owl"]
    assert report["architecture"]["sizes"] == [5, 8, 3]
    assert report["epochs"] == 5 and report["stop_reason"] == "completed all epochs"
    assert set(report["metrics"]) == {"accuracy", "macro_f1"}
    assert report["model"] == str(out)
    assert "epoch 5/5" in result.stderr  # the progress went to stderr


def test_plots_writes_training_curves_and_a_decision_boundary(tmp_path, rng):
    require("matplotlib")
    frame = animals(rng).drop(columns="colour")  # two inputs: a boundary can be drawn
    data = write(frame, tmp_path / "a.csv")
    figures = tmp_path / "figures"
    out = tmp_path / "m.safetensors"
    result = train(data, "--target", "kind", *FAST, "--plots", figures, "--out", out)
    assert result.exit_code == EXIT_OK, result.output
    names = sorted(p.name for p in figures.iterdir())
    assert names == ["decision_boundary.png", "training_curves.png"]
    for name in names:
        assert (figures / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Three inputs after one-hot encoding: no boundary, only the curves.
    data = write(animals(rng), tmp_path / "b.csv")
    figures = tmp_path / "more"
    result = train(data, "--target", "kind", *FAST, "--plots", figures, "--out", out, "-f")
    assert result.exit_code == EXIT_OK, result.output
    assert sorted(p.name for p in figures.iterdir()) == ["training_curves.png"]


def test_plots_into_a_file_is_a_usage_error(tmp_path, rng):
    require("matplotlib")
    data = write(animals(rng), tmp_path / "a.csv")
    result = train(data, "--target", "kind", *FAST, "--plots", data)
    assert result.exit_code == EXIT_USAGE and "is a file" in usage_line(result)


def test_plots_without_matplotlib_says_how_to_install_it(tmp_path, rng, monkeypatch):
    data = write(animals(rng), tmp_path / "a.csv")
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    result = train(data, "--target", "kind", *FAST, "--plots", tmp_path / "f")
    assert result.exit_code == EXIT_FAILURE
    assert "pip install 'neuronet[plot]'" in one_error(result)
    assert not (tmp_path / "f").exists()


# --- the installed script ------------------------------------------------------------------


def test_the_neuronet_script_trains_on_a_csv(tmp_path, rng):
    data = write(animals(rng), tmp_path / "animals.csv")
    command = [sys.executable, "-m", "neuronet.cli", "train", "animals.csv", "--target"]
    result = subprocess.run(
        [*command, "kind", "--hidden", "8", "--epochs", "5", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["model"] == "model.safetensors"
    assert (tmp_path / "model.safetensors").exists() and data.exists()
    assert "Traceback" not in result.stderr

    result = subprocess.run(
        [*command, "knd", "-f"], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert result.returncode == EXIT_FAILURE and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Did you mean 'kind'?" in lines[0], result.stderr


def test_without_pandas_a_table_is_one_line_saying_what_to_install(tmp_path, rng, monkeypatch):
    data = write(animals(rng), tmp_path / "a.csv")
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    result = train(data, "--target", "kind", *FAST, "--out", tmp_path / "m.safetensors")
    assert result.exit_code == EXIT_FAILURE
    assert "pip install 'neuronet[data]'" in one_error(result)


# --- extreme numbers, destinations and checkpoints ------------------------------------------


def _extreme(path, column, values):
    rng = np.random.default_rng(0)
    n = len(values)
    frame = pd.DataFrame({"x": rng.normal(size=n), "label": np.where(np.arange(n) % 2, "a", "b")})
    frame[column] = values
    return write(frame, path)


@pytest.mark.parametrize(
    ("column", "scale", "target"),
    [
        ("t", 1e200, "t"),  # a regression target: squares overflow, "constant", a traceback
        ("x", 1.7e308, "label"),  # a feature near the float64 limit: warnings, a traceback
        ("x", 1e250, "label"),  # std overflowed to inf: the column silently zeroed
    ],
)
def test_numbers_near_the_float64_limit_train_without_warnings(tmp_path, column, scale, target):
    values = np.random.default_rng(1).uniform(-1, 1, 60) * scale
    data = _extreme(tmp_path / "big.csv", column, values)
    out = tmp_path / "m.safetensors"
    task = ["--task", "regression"] if target == "t" else []
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = train(data, "--target", target, *task, *FAST, "--out", out, "--json")
    assert result.exit_code == EXIT_OK, result.output
    assert "constant" not in result.stderr
    pre = io.read(out).sections["preprocessing"]
    std = pre.arrays["std"][0] if column == "x" else pre.arrays["target"][1]
    assert 0.1 * scale < std < scale  # of the training rows: finite, the column's own scale
    if column == "t":
        metrics = json.loads(result.stdout)["metrics"]
        assert np.isfinite(metrics["r2"]) and metrics["mse"] is None  # inf: beyond float64


def test_out_or_checkpoint_that_is_the_data_file_is_a_usage_error(tmp_path, rng):
    data = write(animals(rng), tmp_path / "animals.csv")
    before = data.read_bytes()
    for option in ("--out", "--checkpoint"):
        result = train(data, "--target", "kind", *FAST, option, data, "--force")
        assert result.exit_code == EXIT_USAGE
        assert f"'{option}': {str(data)!r} is the data file DATA" in usage_line(result)
    assert data.read_bytes() == before


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("run-{foo}.ckpt", "names the field 'foo', which this run does not have"),
        ("run-{epoch:s}.ckpt", "formats a field wrongly"),
        ("run-{epoch.ckpt", "is not a valid template"),
        ("run-{val_accuracy}.ckpt", "field 'val_accuracy', which this run does not have"),
    ],
)
def test_a_checkpoint_template_that_cannot_be_filled_is_a_usage_error_before_training(
    tmp_path, rng, template, message
):
    data = write(houses(rng), tmp_path / "houses.csv")  # a regression: no accuracy
    result = train(
        data,
        "--target",
        "price",
        *FAST,
        "--checkpoint",
        tmp_path / template,
        "--out",
        tmp_path / "m.safetensors",
    )
    assert result.exit_code == EXIT_USAGE
    assert message in usage_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["houses.csv"]


def test_a_checkpoint_template_does_not_overwrite_a_run_without_force(tmp_path, rng):
    data = write(animals(rng), tmp_path / "animals.csv")
    old = tmp_path / "run-003.ckpt"
    old.write_text("an earlier run")
    template = tmp_path / "run-{epoch:03d}.ckpt"
    args = ["--target", "kind", *FAST, "--epochs", "5", "--checkpoint", template]
    result = train(data, *args, "--out", tmp_path / "m.safetensors")
    assert result.exit_code == EXIT_USAGE
    assert f"{str(old)!r} already exists and this run would overwrite it" in usage_line(result)
    assert old.read_text() == "an earlier run"
    # Epochs it will not reach are no conflict; --force overwrites.
    assert (
        train(
            data,
            *args[:-4],
            "--epochs",
            "2",
            "--checkpoint",
            template,
            "--out",
            tmp_path / "a.safetensors",
        ).exit_code
        == EXIT_OK
    )
    assert train(data, *args, "--out", tmp_path / "b.safetensors", "--force").exit_code == EXIT_OK
    assert old.read_bytes() != b"an earlier run"


def test_a_checkpoint_the_disk_refuses_stops_training_and_saves_the_model(
    tmp_path, rng, monkeypatch
):
    import errno

    from neuronet import checkpoints
    from neuronet import io as nio

    def full(path, *args, **kwargs):
        raise nio._save_error(Path(path), OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(checkpoints, "save", full)
    data = write(animals(rng), tmp_path / "animals.csv")
    out, ckpt = tmp_path / "m.safetensors", tmp_path / "run.ckpt"
    result = train(data, "--target", "kind", *FAST, "--checkpoint", ckpt, "--out", out)
    assert result.exit_code == EXIT_FAILURE
    line = one_error(result)
    assert f"Cannot save model to {str(ckpt)!r}: no space left on device" in line
    assert (
        f"training stopped after epoch 1, and the model trained so far was saved to {str(out)!r}"
        in line
    )
    assert io.read(out).sections["training"].metadata["epochs"] == 1


def test_a_model_the_disk_refuses_is_one_line_that_says_it_once(tmp_path, rng, monkeypatch):
    import errno

    from neuronet import io as nio

    def full(net, path, **kwargs):
        raise nio._save_error(Path(path), OSError(errno.ENOSPC, "No space left on device"))

    monkeypatch.setattr(nio, "save", full)
    data = write(animals(rng), tmp_path / "animals.csv")
    out = tmp_path / "m.safetensors"
    result = train(data, "--target", "kind", *FAST, "--out", out)
    assert result.exit_code == EXIT_FAILURE
    line = one_error(result)
    assert line.startswith(f"Error: Cannot save model to {str(out)!r}: no space left on device")
    assert "could not save" not in line
