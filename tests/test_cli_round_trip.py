"""The command line end to end: train on a file, predict on a held-out file, evaluate it, and
get what the Python API gives on the same data (the same preprocessing, the same seeded
network and training loop: the same weights, bit for bit, and the same predictions)."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import require
from neuronet import MLP, io
from neuronet.cli import EXIT_OK, app
from neuronet.cli.train import split_rows

pd = require("pandas")
require("pyarrow")

runner = CliRunner()
WIDE = {"COLUMNS": "400"}
SEED = 3


def cli(*args):
    result = runner.invoke(app, [str(arg) for arg in args], env=WIDE)
    assert result.exit_code == EXIT_OK, result.output
    return result


def python_path(frame, target, *, hidden, epochs, task=None, impute=None):
    """What ``neuronet train`` does, written with the library: split, preprocess, fit."""
    from neuronet.cli.tabular import Preprocessor

    whole = Preprocessor.fit(frame, target, task=task, impute=impute)
    labels = frame[target].to_numpy() if whole.task == "classification" else None
    train_rows, held_rows = split_rows(len(frame), labels, validation=0.25, seed=SEED)
    train, held = frame.iloc[train_rows], frame.iloc[held_rows]
    pre = Preprocessor.fit(train, target, task=whole.task, impute=impute)
    n_out = 1 if pre.classes is None else len(pre.classes)
    net = MLP(
        [pre.n_inputs, hidden, n_out],
        "relu",
        "identity" if pre.classes is None else "softmax",
        seed=SEED,
        classes=pre.classes,
    )
    net.fit(
        pre.transform(train),
        pre.encode_target(train),
        epochs=epochs,
        batch_size=32,
        lr=0.01,
        validation_data=(pre.transform(held), pre.encode_target(held)),
        verbose=0,
    )
    return net, pre, held


def test_classification_round_trip_matches_the_python_api(tmp_path, rng):
    n = 160
    x1, x2 = rng.normal(size=n).round(3), rng.normal(size=n).round(3)
    frame = pd.DataFrame(
        {
            "id": np.arange(1000, 1000 + n),
            "x1": x1,
            "colour": rng.choice(["red", "green", "blue"], size=n),
            "x2": x2,
            "kind": np.where(x1 + x2 > 0.5, "owl", np.where(x1 - x2 > 0.0, "cat", "dog")),
        }
    )
    frame.loc[[4, 77], "x2"] = np.nan
    known, new = frame.iloc[:120], frame.iloc[120:]
    known.drop(columns="id").to_csv(tmp_path / "train.csv", index=False)
    new.to_parquet(tmp_path / "new.parquet", index=False)
    model = tmp_path / "model.safetensors"

    cli("train", tmp_path / "train.csv", "--target", "kind", "--hidden", "8", "--epochs", "25",
        "--seed", SEED, "--impute", "median", "--out", model, "-q")  # fmt: skip
    cli("predict", model, tmp_path / "new.parquet", "-o", tmp_path / "scored.csv",
        "--keep", "id", "--proba")  # fmt: skip
    report = json.loads(
        cli("evaluate", model, tmp_path / "new.parquet", "--target", "kind", "--json").stdout
    )

    net, pre, held = python_path(known.drop(columns="id"), "kind", hidden=8, epochs=25,
                                 impute="median")  # fmt: skip
    saved = io.load(model)
    np.testing.assert_array_equal(saved.parameters, net.parameters)

    scored = pd.read_csv(tmp_path / "scored.csv")
    assert list(scored.columns) == ["id", "prediction", "proba_cat", "proba_dog", "proba_owl"]
    assert scored["id"].tolist() == new["id"].tolist()  # input order, id passed through
    X_new = pre.transform(new)
    assert scored["prediction"].tolist() == net.predict(X_new).tolist()
    np.testing.assert_allclose(scored[["proba_cat", "proba_dog", "proba_owl"]],
                               net.predict_proba(X_new), rtol=1e-6, atol=1e-7)  # fmt: skip
    truth = new["kind"].to_numpy()
    assert report["accuracy"] == pytest.approx(np.mean(net.predict(X_new) == truth))
    assert report["rows"] == 40

    # The held-out metrics train stored are what evaluate reports on those same rows.
    held.to_csv(tmp_path / "held.csv", index=False)
    again = json.loads(
        cli("evaluate", model, tmp_path / "held.csv", "--target", "kind", "--json").stdout
    )
    stored = io.read_metadata(model).sections["training"]["metrics"]
    assert again["accuracy"] == pytest.approx(stored["accuracy"])


def test_regression_round_trip_in_the_targets_units(tmp_path, rng):
    n = 150
    area = rng.uniform(30, 200, size=n).round(1)
    town = rng.choice(["north", "south"], size=n)
    price = 50_000 + 1_500 * area + np.where(town == "north", 40_000, 0)
    frame = pd.DataFrame({"area": area, "town": town, "price": price.round(0)})
    known, new = frame.iloc[:110], frame.iloc[110:]
    known.to_json(tmp_path / "train.jsonl", orient="records", lines=True)
    new.to_csv(tmp_path / "new.csv", index=False)
    model = tmp_path / "model.safetensors"

    cli("train", tmp_path / "train.jsonl", "--target", "price", "--hidden", "8",
        "--epochs", "30", "--seed", SEED, "--out", model, "-q")  # fmt: skip
    cli("predict", model, tmp_path / "new.csv", "-o", tmp_path / "scored.jsonl")
    report = json.loads(
        cli("evaluate", model, tmp_path / "new.csv", "--target", "price", "--json").stdout
    )

    net, pre, held = python_path(known, "price", hidden=8, epochs=30)
    np.testing.assert_array_equal(io.load(model).parameters, net.parameters)
    expected = pre.decode_target(net.predict(pre.transform(new)))
    scored = pd.read_json(tmp_path / "scored.jsonl", lines=True)
    np.testing.assert_allclose(scored["prediction"], expected, rtol=1e-9)
    truth = new["price"].to_numpy()
    assert report["mse"] == pytest.approx(np.mean((truth - expected) ** 2), rel=1e-6)
    assert report["mae"] == pytest.approx(np.mean(np.abs(truth - expected)), rel=1e-6)

    held.to_csv(tmp_path / "held.csv", index=False)
    again = json.loads(
        cli("evaluate", model, tmp_path / "held.csv", "--target", "price", "--json").stdout
    )
    stored = io.read_metadata(model).sections["training"]["metrics"]
    assert again["mse"] == pytest.approx(stored["mse"], rel=1e-6)
    assert again["r2"] == pytest.approx(stored["r2"], rel=1e-6)
