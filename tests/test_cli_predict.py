"""``neuronet predict``: a saved model scores CSV, Parquet and JSON Lines files chunk by chunk.

Models are made in Python (Preprocessor.fit, MLP.fit, io.save with the preprocessing section),
so every prediction is compared with the Python API on the same rows.
"""

import json
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import require
from neuronet import MLP, io
from neuronet.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, app
from neuronet.cli.tabular import Preprocessor, read_table

pd = require("pandas")

runner = CliRunner()
WIDE = {"COLUMNS": "400"}  # so that rich prints every message on one line


def make_frame(rng: np.random.Generator, n: int) -> "pd.DataFrame":
    """An id, numeric, categorical and boolean features, a string label and a number."""
    x1 = rng.normal(size=n)
    x2 = rng.normal(5, 2, size=n)
    colour = rng.choice(["red", "green", "blue"], n)
    member = rng.random(n) < 0.5
    score = x1 + (colour == "red") - 0.5 * member
    label = np.where(score > 0.8, "eel", np.where(score > -0.3, "dog", "cat"))
    return pd.DataFrame(
        {
            "id": np.arange(1000, 1000 + n),
            "x1": x1.round(3),
            "x2": x2.round(3),
            "colour": colour,
            "member": member,
            "label": label,
            "price": (1000 + 30 * x1 - 20 * (colour == "red") + rng.normal(0, 1, n)).round(2),
        }
    )


def train_model(frame, target: str, path: Path, *, impute=None, epochs=60):
    """Preprocessor.fit, MLP.fit, io.save: what `neuronet train DATA` stores, made in Python.

    The features are x1, x2, colour and member; the target ``label`` or ``price``.
    """
    table = frame.drop(columns=["id", "price" if target == "label" else "label"])
    pre = Preprocessor.fit(table, target, impute=impute)
    if pre.task == "classification":
        net = MLP(
            [pre.n_inputs, 16, len(pre.classes)], "tanh", "softmax", classes=pre.classes, seed=0
        )
    else:
        net = MLP([pre.n_inputs, 16, 1], "tanh", "identity", seed=0)
    net.fit(pre.transform(table), pre.encode_target(table), epochs=epochs, lr=0.01, verbose=0)
    io.save(net, path, sections={"preprocessing": pre.to_section()})
    return net, pre


def write(frame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True)
    return path


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    rng = np.random.default_rng(8)
    folder = tmp_path_factory.mktemp("classifier")
    net, pre = train_model(make_frame(rng, 400), "label", folder / "model.safetensors")
    return folder / "model.safetensors", net, pre


@pytest.fixture(scope="module")
def regressor(tmp_path_factory):
    rng = np.random.default_rng(9)
    folder = tmp_path_factory.mktemp("regressor")
    net, pre = train_model(make_frame(rng, 400), "price", folder / "model.safetensors")
    return folder / "model.safetensors", net, pre


def invoke(*args: str):
    return runner.invoke(app, ["predict", *map(str, args)], env=WIDE)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_predictions_to_stdout_match_the_python_api_in_input_order(
    classifier, rng, tmp_path, suffix
):
    model, net, pre = classifier
    new = make_frame(rng, 50).drop(columns=["label", "price"])
    data = write(new, tmp_path / f"new{suffix}")
    result = invoke(model, data, "--keep", "id", "--chunk-rows", "16")
    assert result.exit_code == EXIT_OK, result.output
    assert result.stderr == ""  # every column is used (id is kept)
    lines = result.stdout.splitlines()
    assert lines[0] == "id,prediction"
    expected = net.predict(pre.transform(new))
    assert set(expected) <= {"cat", "dog", "eel"}
    assert lines[1:] == [f"{i},{label}" for i, label in zip(new["id"], expected, strict=True)]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_output_files_with_probabilities(classifier, rng, tmp_path, suffix):
    model, net, pre = classifier
    new = make_frame(rng, 70)
    data = write(new, tmp_path / "new.csv")
    out = tmp_path / f"scored{suffix}"
    result = invoke(model, data, "-o", out, "--proba", "--keep", "id", "--chunk-rows", "32")
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout == f"Wrote 70 predictions to {out}\n"
    assert result.stderr == "Note: ignored column(s) the model does not use: label, price\n"
    scored = read_table(out)
    assert list(scored.columns) == ["id", "prediction", "proba_cat", "proba_dog", "proba_eel"]
    assert scored["id"].tolist() == new["id"].tolist()
    X = pre.transform(new)
    assert scored["prediction"].tolist() == net.predict(X).tolist()
    np.testing.assert_allclose(
        scored[["proba_cat", "proba_dog", "proba_eel"]].to_numpy(),
        net.predict_proba(X),
        rtol=1e-6,
        atol=1e-14,
    )


def test_regression_predictions_are_in_the_targets_units(regressor, rng, tmp_path):
    model, net, pre = regressor
    new = make_frame(rng, 30).drop(columns=["price"])
    data = write(new, tmp_path / "new.parquet")
    out = tmp_path / "scored.parquet"
    result = invoke(model, data, "-o", out, "--json")
    assert result.exit_code == EXIT_OK, result.output
    summary = json.loads(result.stdout)
    assert summary == {
        "model": str(model),
        "data": str(data),
        "output": str(out),
        "ignored": ["id", "label"],
        "columns": ["prediction"],
        "rows": 30,
    }
    got = read_table(out)["prediction"].to_numpy()
    expected = pre.decode_target(net.predict(pre.transform(new)))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert 900 < got.mean() < 1100  # the user's units, not the scaled target
    result = invoke(model, data, "--proba")
    assert result.exit_code == EXIT_USAGE
    assert "'--proba': the model is a regression: it has no class probabilities." in result.output


def test_json_without_output_prints_the_predictions_as_records(classifier, rng, tmp_path):
    model, net, pre = classifier
    new = make_frame(rng, 5)
    data = write(new, tmp_path / "new.jsonl")
    result = invoke(model, data, "--json", "--keep", "id")
    assert result.exit_code == EXIT_OK, result.output
    out = json.loads(result.stdout)
    labels = net.predict(pre.transform(new)).tolist()
    assert out["predictions"] == [
        {"id": int(i), "prediction": label} for i, label in zip(new["id"], labels, strict=True)
    ]
    assert out["rows"] == 5 and out["output"] is None and out["ignored"] == ["label", "price"]


def test_never_overwrites_without_force(classifier, rng, tmp_path):
    model, _, _ = classifier
    data = write(make_frame(rng, 10), tmp_path / "new.csv")
    out = tmp_path / "scored.csv"
    out.write_text("keep me")
    result = invoke(model, data, "-o", out)
    assert result.exit_code == EXIT_USAGE
    assert "already exists; pass --force to overwrite it." in result.output
    assert out.read_text() == "keep me"
    assert invoke(model, data, "-o", out, "--force").exit_code == EXIT_OK
    assert len(read_table(out)) == 10
    result = invoke(model, data, "-o", tmp_path / "scored.xlsx")
    assert result.exit_code == EXIT_USAGE
    assert "unknown file type '.xlsx'; supported: .csv, .tsv, .parquet" in result.output


def test_a_failure_mid_file_leaves_no_output_file(classifier, rng, tmp_path):
    model, _, _ = classifier
    new = make_frame(rng, 40).astype({"x2": object})
    new.loc[24, "x2"] = "n/a?"
    data = write(new, tmp_path / "new.csv")
    out = tmp_path / "scored.parquet"
    result = invoke(model, data, "-o", out, "--chunk-rows", "10")
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr == f"Error: {data}: column 'x2', row 25: 'n/a?' is not a number.\n"
    assert sorted(os.listdir(tmp_path)) == ["new.csv"]  # no output, no temporary file


def test_missing_columns_are_listed_and_missing_values_named(classifier, rng, tmp_path):
    model, _, _ = classifier
    data = write(make_frame(rng, 10).drop(columns=["x1", "member"]), tmp_path / "new.csv")
    result = invoke(model, data)
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr == (
        f"Error: {data}: missing column(s) the model needs: x1, member (the model's inputs: "
        f"x1, x2, colour, member).\n"
    )
    gaps = make_frame(rng, 10)
    gaps.loc[[3, 6], "colour"] = None
    data = write(gaps, tmp_path / "gaps.jsonl")
    result = invoke(model, data)
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr.startswith(
        f"Error: {data}: column 'colour' has 2 missing values (empty, NA or NaN), the first in "
        f"row 4; the model was trained without --impute"
    )
    result = invoke(model, data, "--keep", "ID")
    assert result.exit_code == EXIT_USAGE
    assert "has no column 'ID'. Did you mean 'id'?" in result.output


def test_a_model_trained_with_imputation_fills_missing_values(rng, tmp_path):
    frame = make_frame(rng, 200)
    frame.loc[::9, "x1"] = np.nan
    net, pre = train_model(frame, "label", tmp_path / "m.safetensors", impute="median")
    new = make_frame(rng, 20)
    new.loc[::4, "x1"] = np.nan
    new.loc[::5, "colour"] = "purple"  # not seen in training: no colour input is on
    data = write(new, tmp_path / "new.csv")
    result = invoke(tmp_path / "m.safetensors", data)
    assert result.exit_code == EXIT_OK, result.output
    expected = net.predict(pre.transform(new)).tolist()
    assert result.stdout.splitlines() == ["prediction", *expected]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "the file is empty (no header, no rows)."),
        ("header.csv", b"x1,x2,colour,member\n", "has a header (x1, x2, colour, member) but no"),
        ("new.xlsx", b"PK", "unknown file type '.xlsx'; supported: .csv, .tsv, .parquet, .pq"),
        ("bad.parquet", b"PAR1 garbage", "cannot read it as PARQUET"),
    ],
)
def test_bad_data_files_are_one_line_errors(classifier, tmp_path, name, content, message):
    model, _, _ = classifier
    data = tmp_path / name
    data.write_bytes(content)
    result = invoke(model, data)
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr.startswith(f"Error: {data}: ") and message in result.stderr
    assert result.stderr.count("\n") == 1 and result.stdout == ""


def test_a_corrupt_model_is_one_line(classifier, rng, tmp_path):
    model, _, _ = classifier
    data = write(make_frame(rng, 5), tmp_path / "new.csv")
    broken = tmp_path / "broken.safetensors"
    raw = bytearray(model.read_bytes())
    raw[-3] ^= 0xFF  # a weight changed after saving
    broken.write_bytes(bytes(raw))
    result = invoke(broken, data)
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr.startswith(f"Error: Cannot load model file '{broken}': ")
    assert result.stderr.count("\n") == 1
    (tmp_path / "junk.safetensors").write_bytes(b"not a model at all")
    result = invoke(tmp_path / "junk.safetensors", data)
    assert result.exit_code == EXIT_FAILURE and "not a valid safetensors file" in result.stderr


def test_a_model_without_preprocessing_takes_the_columns_as_they_are(tmp_path, rng):
    net = MLP([2, 8, 3], "relu", "softmax", seed=0)
    net.save(tmp_path / "plain.safetensors")
    X = rng.normal(size=(12, 2)).astype(np.float32)
    data = write(pd.DataFrame({"key": range(12), "a": X[:, 0], "b": X[:, 1]}), tmp_path / "x.csv")
    result = invoke(tmp_path / "plain.safetensors", data, "--keep", "key", "--proba")
    assert result.exit_code == EXIT_OK, result.output
    scored = pd.read_csv(StringIO(result.stdout))
    assert list(scored.columns) == ["key", "prediction", "proba_0", "proba_1", "proba_2"]
    assert scored["prediction"].tolist() == net.predict(X).tolist()
    result = invoke(tmp_path / "plain.safetensors", data)
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr == (
        f"Error: {data}: the model has no stored preprocessing (it was not trained on a data "
        f"file), so the file's columns are its inputs as they are: it needs 2 numeric "
        f"column(s), the file has 3 (key, a, b).\n"
    )


def test_help_has_an_example():
    result = runner.invoke(app, ["predict", "--help"], env=WIDE)
    assert result.exit_code == EXIT_OK
    assert "Example: neuronet predict model.safetensors new.csv -o scored.csv" in result.output


def test_as_a_subprocess(classifier, rng, tmp_path):
    model, net, pre = classifier
    new = make_frame(rng, 25)
    data = write(new, tmp_path / "new.csv")
    command = [sys.executable, "-m", "neuronet", "predict", str(model), str(data)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.splitlines() == ["prediction", *net.predict(pre.transform(new))]
    assert done.stderr == "Note: ignored column(s) the model does not use: id, label, price\n"
    done = subprocess.run(
        [*command[:-1], str(tmp_path / "nope.tsv")], capture_output=True, text=True, check=False
    )
    assert done.returncode == EXIT_USAGE and "Traceback" not in done.stderr
    assert "nope.tsv" in done.stderr and done.stderr.count("\n") == 1


def test_without_pandas_one_line_says_how_to_install(classifier, tmp_path, monkeypatch):
    model, _, _ = classifier
    data = tmp_path / "new.csv"
    data.write_text("x1,x2,colour,member\n1,2,red,True\n")
    monkeypatch.setitem(sys.modules, "pandas", None)
    result = invoke(model, data)
    assert result.exit_code == EXIT_FAILURE
    assert result.stderr == (
        "Error: reading data files needs pandas and pyarrow: pip install 'neuronet[data]'\n"
    )


def test_an_output_the_disk_refuses_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    import errno

    from neuronet import io as nio

    frame = make_frame(np.random.default_rng(3), 40)
    model = tmp_path / "m.safetensors"
    train_model(frame, "label", model, epochs=2)
    data = write(frame, tmp_path / "new.csv")
    out = tmp_path / "scored.csv"
    out.write_text("the previous file")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(nio.os, "fsync", full)
    result = runner.invoke(
        app, ["predict", str(model), str(data), "-o", str(out), "--force"], env=WIDE
    )
    assert result.exit_code == EXIT_FAILURE
    assert f"Cannot save data file to {str(out)!r}: no space left on device" in result.output
    assert "Traceback" not in result.output
    assert out.read_text() == "the previous file"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([model.name, data.name, out.name])


def test_a_category_that_looks_like_a_number_is_matched_whatever_the_other_rows(tmp_path):
    # "007" was read as the number 7 in a chunk of digits alone, and matched no category.
    codes = ["007", "A13", "B22", "C9"] * 25
    frame = pd.DataFrame({"code": codes, "y": ["yes" if c == "007" else "no" for c in codes]})
    pre = Preprocessor.fit(frame, "y")
    net = MLP([pre.n_inputs, 8, 2], "tanh", "softmax", classes=pre.classes, seed=0)
    net.fit(pre.transform(frame), pre.encode_target(frame), epochs=40, lr=0.05, verbose=0)
    model = tmp_path / "codes.safetensors"
    io.save(net, model, sections={"preprocessing": pre.to_section()})
    alone, mixed = tmp_path / "alone.csv", tmp_path / "mixed.csv"
    alone.write_text("code\n007\n007\n")
    mixed.write_text("code\n007\nA13\n")
    first = [
        runner.invoke(app, ["predict", str(model), str(path), "--proba"])
        for path in (alone, mixed)
    ]
    assert [result.exit_code for result in first] == [EXIT_OK, EXIT_OK]
    assert first[0].stdout.splitlines()[1] == first[1].stdout.splitlines()[1]
    assert first[0].stdout.splitlines()[1].startswith("yes,")


def test_an_output_the_disk_refuses_while_writing_is_one_line_and_keeps_the_old_file(
    tmp_path, monkeypatch
):
    # The rows themselves cannot be written (not only the final flush): discarding the file
    # then failed a second time, with a traceback.
    import errno
    import io as pyio

    from neuronet import io as nio

    frame = make_frame(np.random.default_rng(3), 400)
    model = tmp_path / "m.safetensors"
    train_model(frame, "label", model, epochs=2)
    data = write(frame, tmp_path / "new.csv")
    out = tmp_path / "scored.csv"
    out.write_text("the previous file")

    class Full(pyio.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    real_fdopen = os.fdopen

    def fdopen(fd, *args, **kwargs):
        real_fdopen(fd, *args, **kwargs).close()
        return pyio.BufferedWriter(Full(), buffer_size=64)

    monkeypatch.setattr(nio.os, "fdopen", fdopen)
    result = runner.invoke(
        app, ["predict", str(model), str(data), "-o", str(out), "--force"], env=WIDE
    )
    assert result.exit_code == EXIT_FAILURE, result.output
    assert isinstance(result.exception, SystemExit)  # not a traceback
    assert result.stderr.count("\n") == 1
    assert f"Cannot save data file to {str(out)!r}: no space left on device" in result.stderr
    assert out.read_text() == "the previous file"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([model.name, data.name, out.name])


@pytest.mark.parametrize(
    ("value", "message"),
    [
        # beyond float32 once standardised: the input itself cannot be represented
        ("1e300", r"column 'x', row 2: 1e\+300 is too large for the model: after scaling"),
        # a valid float32, but the network's products overflow (empty probabilities before)
        ("3e38", r"row 2: the model's prediction is not a finite number .*column 'x', 3e\+38"),
    ],
)
def test_values_too_large_for_the_network_are_one_line_naming_the_row(tmp_path, value, message):
    frame = pd.DataFrame({"x": [-1.0, 1.0] * 5, "y": ["a", "b"] * 5})  # mean 0, std 1
    pre = Preprocessor.fit(frame, "y")
    net = MLP([1, 8, 2], "relu", "softmax", classes=pre.classes, seed=0)
    net.parameters[...] = 1.0  # 8 units of 3e38 add up to more than float32 holds
    model = tmp_path / "m.safetensors"
    io.save(net, model, sections={"preprocessing": pre.to_section()})
    data = tmp_path / "new.csv"
    data.write_text(f"x\n1\n{value}\n")
    result = runner.invoke(app, ["predict", str(model), str(data), "--proba"], env=WIDE)
    assert result.exit_code == EXIT_FAILURE
    assert "Warning" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert re.search(message, result.stderr), result.stderr


@pytest.mark.parametrize(
    ("train_codes", "predict_codes"),
    [
        (["02134", "02135", "10001"], ["02134", "02135", "10001"]),
        (["1.0", "2.0", "3.0"], ["1.0", "2.0", "3.0"]),
        (["1", "2", "3"], ["1.0", "2.0", "3.0"]),
    ],
    ids=["leading zeros", "floats", "ints then floats"],
)
def test_number_codes_of_a_categorical_column_match_however_they_read(
    train_codes, predict_codes, tmp_path
):
    # Training reads numbers as numbers (the categories "2134", "1"...); prediction reads a
    # categorical column as text ("02134", "1.0"): a code that is the same number matches.
    pd = require("pandas")
    rng = np.random.default_rng(0)
    picks = rng.integers(0, 3, 300)
    labels = [["a", "b", "c"][i] for i in picks]
    frame = pd.DataFrame({"zip": [train_codes[i] for i in picks], "y": labels})
    (tmp_path / "train.csv").write_text(frame.to_csv(index=False))
    model = tmp_path / "m.safetensors"
    args = ["train", str(tmp_path / "train.csv"), "--target", "y", "--categorical", "zip"]
    args += ["--epochs", "60", "--out", str(model), "--quiet"]
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == EXIT_OK, result.output
    (tmp_path / "new.csv").write_text("zip\n" + "\n".join(predict_codes) + "\n")
    result = invoke(model, tmp_path / "new.csv")
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout.split() == ["prediction", "a", "b", "c"]
