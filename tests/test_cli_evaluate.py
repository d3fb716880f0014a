"""``neuronet evaluate``: metrics of a saved model on a labelled file, against sklearn.metrics."""

import json
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import require
from neuronet import MLP
from neuronet.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, app
from neuronet.cli.evaluate import ClassificationMetrics, RegressionMetrics
from test_cli_predict import make_frame, train_model, write

pd = require("pandas")

runner = CliRunner()
WIDE = {"COLUMNS": "400"}


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    folder = tmp_path_factory.mktemp("classifier")
    # Few epochs: an imperfect model, so that every cell of the confusion matrix is tested.
    net, pre = train_model(
        make_frame(np.random.default_rng(3), 300), "label", folder / "m.safetensors", epochs=3
    )
    return folder / "m.safetensors", net, pre


@pytest.fixture(scope="module")
def regressor(tmp_path_factory):
    folder = tmp_path_factory.mktemp("regressor")
    net, pre = train_model(
        make_frame(np.random.default_rng(4), 300), "price", folder / "m.safetensors"
    )
    return folder / "m.safetensors", net, pre


def invoke(*args):
    return runner.invoke(app, ["evaluate", *map(str, args)], env=WIDE)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_classification_metrics_match_sklearn(classifier, rng, tmp_path, suffix):
    metrics = require("sklearn.metrics")
    model, net, pre = classifier
    test = make_frame(rng, 157)
    data = write(test, tmp_path / f"test{suffix}")
    result = invoke(model, data, "--json", "--chunk-rows", "20")
    assert result.exit_code == EXIT_OK, result.output
    got = json.loads(result.stdout)
    truth = test["label"].to_numpy()
    predicted = net.predict(pre.transform(test))
    labels = sorted(set(truth) | set(predicted))
    assert got["task"] == "classification" and got["rows"] == 157 and got["target"] == "label"
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(truth, predicted), abs=1e-15)
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    assert [entry["label"] for entry in got["per_class"]] == labels
    np.testing.assert_allclose([e["precision"] for e in got["per_class"]], precision)
    np.testing.assert_allclose([e["recall"] for e in got["per_class"]], recall)
    np.testing.assert_allclose([e["f1"] for e in got["per_class"]], f1)
    assert [e["support"] for e in got["per_class"]] == support.tolist()
    macro = metrics.precision_recall_fscore_support(
        truth, predicted, average="macro", zero_division=0
    )
    np.testing.assert_allclose(
        [got["macro"][key] for key in ("precision", "recall", "f1")], macro[:3]
    )
    assert got["confusion_matrix"] == {
        "labels": labels,
        "matrix": metrics.confusion_matrix(truth, predicted, labels=labels).tolist(),
    }
    assert 0.2 < got["accuracy"] < 1.0  # an imperfect model: the test can tell cells apart
    assert result.stderr == "Note: ignored column(s) the model does not use: id, price\n"


def test_regression_metrics_in_the_targets_units_match_sklearn(regressor, rng, tmp_path):
    metrics = require("sklearn.metrics")
    model, net, pre = regressor
    test = make_frame(rng, 101)
    data = write(test, tmp_path / "test.csv")
    result = invoke(model, data, "--json", "--chunk-rows", "16")
    assert result.exit_code == EXIT_OK, result.output
    got = json.loads(result.stdout)
    y = test["price"].to_numpy()
    predicted = pre.decode_target(net.predict(pre.transform(test)))
    assert got["task"] == "regression" and got["rows"] == 101
    assert got["mse"] == pytest.approx(metrics.mean_squared_error(y, predicted), rel=1e-12)
    assert got["mae"] == pytest.approx(metrics.mean_absolute_error(y, predicted), rel=1e-12)
    assert got["r2"] == pytest.approx(metrics.r2_score(y, predicted), rel=1e-10)
    assert got["mae"] < 30  # in the target's units (prices near 1000), not standardised


def test_the_tables(classifier, regressor, rng, tmp_path):
    data = write(make_frame(rng, 40), tmp_path / "test.csv")
    result = invoke(classifier[0], data)
    assert result.exit_code == EXIT_OK, result.output
    for text in ("rows, target 'label'", "Accuracy:", "precision", "macro average"):
        assert text in result.stdout
    assert "Confusion matrix (rows: true, columns: predicted)" in result.stdout
    result = invoke(regressor[0], data)
    assert result.exit_code == EXIT_OK, result.output
    assert "mean squared error" in result.stdout and "R²" in result.stdout


def test_another_target_column_and_its_mistakes(classifier, rng, tmp_path):
    model, _, _ = classifier
    test = make_frame(rng, 30).rename(columns={"label": "truth"})
    data = write(test, tmp_path / "test.csv")
    assert invoke(model, data, "--target", "truth", "--json").exit_code == EXIT_OK
    result = invoke(model, data)
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr == (
        f"Error: {data}: no target column 'label'. The columns are: id, x1, x2, colour, "
        f"member, truth, price.\n"
    )
    result = invoke(model, data, "--target", "trut")
    assert result.exit_code == EXIT_FAILURE
    assert "no target column 'trut'. Did you mean 'truth'?" in result.stderr
    test.loc[12, "truth"] = "bat"
    data = write(test, tmp_path / "bat.jsonl")
    result = invoke(model, data, "--target", "truth")
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr == (
        f"Error: {data}: column 'truth', row 13: label 'bat' is not one of the model's classes "
        f"(cat, dog, eel).\n"
    )


def test_a_model_without_preprocessing_needs_target(tmp_path, rng):
    metrics = require("sklearn.metrics")
    net = MLP([2, 4, 2], "relu", "softmax", seed=1, classes=["no", "yes"])
    net.save(tmp_path / "plain.safetensors")
    X = rng.normal(size=(30, 2)).astype(np.float32)
    truth = rng.choice(["no", "yes"], 30)
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": truth})
    data = write(frame, tmp_path / "plain.csv")
    result = invoke(tmp_path / "plain.safetensors", data)
    assert result.exit_code == EXIT_USAGE
    assert "has no stored target column" in result.output
    result = invoke(tmp_path / "plain.safetensors", data, "--target", "y", "--json")
    assert result.exit_code == EXIT_OK, result.output
    got = json.loads(result.stdout)
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(truth, net.predict(X)))


def test_accumulators_over_batches_equal_one_pass(rng):
    metrics = require("sklearn.metrics")
    true, predicted = rng.integers(0, 4, 500), rng.integers(0, 3, 500)
    m = ClassificationMetrics(["a", "b", "c", "d"])
    for start in range(0, 500, 77):
        m.update(true[start : start + 77], predicted[start : start + 77])
    np.testing.assert_array_equal(m.matrix, metrics.confusion_matrix(true, predicted))
    # A large offset: the merged sums of squares must not cancel (R² stays exact).
    y = 1e8 + rng.normal(size=1000)
    guess = y + rng.normal(scale=0.5, size=1000)
    r = RegressionMetrics()
    for start in range(0, 1000, 300):
        r.update(y[start : start + 300], guess[start : start + 300])
    assert r.r2 == pytest.approx(metrics.r2_score(y, guess), rel=1e-9)
    assert r.mse == pytest.approx(metrics.mean_squared_error(y, guess), rel=1e-12)
    constant = RegressionMetrics()
    constant.update(np.ones(3), np.ones(3))
    assert constant.r2 == 1.0 == metrics.r2_score(np.ones(3), np.ones(3))


def test_help_and_a_subprocess(classifier, rng, tmp_path):
    result = runner.invoke(app, ["evaluate", "--help"], env=WIDE)
    assert "Example: neuronet evaluate model.safetensors test.csv --target label" in result.output
    data = write(make_frame(rng, 20), tmp_path / "test.parquet")
    command = [sys.executable, "-m", "neuronet", "evaluate", str(classifier[0]), str(data)]
    done = subprocess.run([*command, "--json"], capture_output=True, text=True, check=False)
    assert done.returncode == EXIT_OK, done.stderr
    assert json.loads(done.stdout)["rows"] == 20
    done = subprocess.run(
        [*command, "--target", "colour"], capture_output=True, text=True, check=False
    )
    assert done.returncode == EXIT_FAILURE and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"Error: {data}: column 'colour', row 1: label ")


@pytest.mark.parametrize(("target", "suffix"), [("label", ".csv"), ("price", ".parquet")])
def test_round_trip_train_predict_evaluate_equals_the_python_api(tmp_path, target, suffix):
    """neuronet train on a file, predict on held-out rows, evaluate: as the library computes."""
    from neuronet import io
    from neuronet.cli.tabular import Preprocessor, read_table

    metrics = require("sklearn.metrics")
    frame = make_frame(np.random.default_rng(5), 360).drop(columns=["id"])
    other = "price" if target == "label" else "label"
    train_file = write(frame.iloc[:300].drop(columns=[other]), tmp_path / f"train{suffix}")
    held = frame.iloc[300:].reset_index(drop=True)
    held_file = write(held, tmp_path / f"held{suffix}")
    model = tmp_path / "model.safetensors"
    result = runner.invoke(
        app,
        [
            "train",
            str(train_file),
            "--target",
            target,
            "--epochs",
            "20",
            "-q",
            "--out",
            str(model),
        ],
        env=WIDE,
    )
    assert result.exit_code == EXIT_OK, result.output

    saved = io.read(model)
    pre = Preprocessor.from_section(saved.sections["preprocessing"])
    outputs = saved.net.predict(pre.transform(held))
    expected = outputs if pre.task == "classification" else pre.decode_target(outputs)

    scored = tmp_path / "scored.jsonl"
    result = runner.invoke(
        app, ["predict", str(model), str(held_file), "-o", str(scored)], env=WIDE
    )
    assert result.exit_code == EXIT_OK, result.output
    got = read_table(scored)["prediction"].to_numpy()
    if pre.task == "classification":
        assert got.tolist() == expected.tolist()
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-12)

    result = runner.invoke(app, ["evaluate", str(model), str(held_file), "--json"], env=WIDE)
    assert result.exit_code == EXIT_OK, result.output
    report = json.loads(result.stdout)
    truth = held[target].to_numpy()
    if pre.task == "classification":
        assert report["accuracy"] == pytest.approx(metrics.accuracy_score(truth, expected))
    else:
        assert report["r2"] == pytest.approx(metrics.r2_score(truth, expected), rel=1e-10)
        assert report["mse"] == pytest.approx(metrics.mean_squared_error(truth, expected))


def test_a_model_trained_on_a_built_in_set_scores_a_file_of_its_inputs(tmp_path, rng):
    model = tmp_path / "spiral.safetensors"
    args = ["train", "--data", "spiral", "--epochs", "2", "-q", "--out", str(model)]
    assert runner.invoke(app, args, env=WIDE).exit_code == EXIT_OK
    from neuronet import load

    X = rng.normal(size=(9, 2)).astype(np.float32)
    truth = load(model).predict(X)
    data = write(pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": truth}), tmp_path / "p.csv")
    result = invoke(model, data, "--target", "y", "--json")
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout)["accuracy"] == 1.0


def test_text_labels_that_look_like_numbers_are_matched_in_every_chunk(tmp_path):
    # A chunk of "007" labels alone was read as the number 7: "not one of the model's classes".
    pd = require("pandas")
    from neuronet import io
    from neuronet.cli.tabular import Preprocessor

    frame = pd.DataFrame({"x": [0.0, 1.0] * 20, "label": ["007", "A1"] * 20})
    pre = Preprocessor.fit(frame, "label")
    net = MLP([1, 4, 2], "tanh", "softmax", classes=pre.classes, seed=0)
    net.fit(pre.transform(frame), pre.encode_target(frame), epochs=60, lr=0.05, verbose=0)
    model = tmp_path / "m.safetensors"
    io.save(net, model, sections={"preprocessing": pre.to_section()})
    data = tmp_path / "test.csv"
    data.write_text("x,label\n0,007\n1,A1\n0,007\n")
    result = invoke(model, data, "--chunk-rows", "1", "--json")
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout)["rows"] == 3


def test_regression_metrics_of_targets_near_the_float64_limit(rng):
    y = rng.normal(size=50) * 1e200
    predicted = y + rng.normal(size=50) * 1e199
    metrics = RegressionMetrics(scale=1e200)
    with np.errstate(all="raise"):
        metrics.update(y, predicted)
    unit_y, unit_p = y / 1e200, predicted / 1e200
    r2 = 1 - np.sum((unit_y - unit_p) ** 2) / np.sum((unit_y - unit_y.mean()) ** 2)
    assert metrics.r2 == pytest.approx(r2) and metrics.mse == np.inf
    assert metrics.mae == pytest.approx(np.mean(np.abs(unit_y - unit_p)) * 1e200)
