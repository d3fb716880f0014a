"""neuronet.cli.tabular: data files in and out, and the preprocessing stored in a model file.

The preprocessing is compared with scikit-learn's StandardScaler, OneHotEncoder and
SimpleImputer as independent references; the stored form is checked through a real model file.
"""

import os
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from conftest import require
from neuronet import MLP, io
from neuronet.cli import tabular
from neuronet.cli.tabular import (
    NEEDS_PANDAS,
    SUFFIXES,
    DataError,
    Preprocessor,
    TableWriter,
    iter_tables,
    read_table,
    suggest,
    write_table,
)

pd = require("pandas")  # the extra neuronet[data]


def _frame(rng: np.random.Generator, n: int = 200) -> "pd.DataFrame":
    """Numeric and categorical features, a string label and a float target."""
    return pd.DataFrame(
        {
            "age": rng.normal(40, 12, n).round(1),
            "colour": rng.choice(["red", "green", "blue"], n),
            "rooms": rng.integers(1, 7, n),
            "member": rng.random(n) < 0.3,
            "price": rng.normal(100, 30, n),
            "label": rng.choice(["cat", "dog", "eel"], n),
        }
    )


def _write(frame, path: Path) -> Path:
    fmt = SUFFIXES[path.suffix]
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True)
    return path


# --- reading ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson"])
def test_every_format_reads_the_same_table_whole_and_in_chunks(tmp_path, rng, suffix):
    frame = _frame(rng, 50)
    path = _write(frame, tmp_path / f"data{suffix}")
    whole = read_table(path)
    assert list(whole.columns) == list(frame.columns)
    np.testing.assert_allclose(whole["age"].to_numpy(float), frame["age"].to_numpy())
    assert whole["colour"].tolist() == frame["colour"].tolist()
    assert whole["member"].tolist() == frame["member"].tolist()
    chunks = list(iter_tables(path, chunk_rows=16))
    assert [len(chunk) for chunk in chunks] == [16, 16, 16, 2]
    # The index runs on across chunks, so index + 1 is the file's row number.
    assert np.concatenate([chunk.index for chunk in chunks]).tolist() == list(range(50))
    again = pd.concat(chunks)
    assert again["label"].tolist() == frame["label"].tolist()
    np.testing.assert_allclose(again["price"].to_numpy(float), frame["price"].to_numpy())


def test_jsonl_keys_missing_from_a_whole_chunk_are_missing_values(tmp_path):
    path = tmp_path / "rows.jsonl"
    path.write_text('{"x": 1, "y": "a"}\n\n{"x": 2}\n{"x": 3, "y": "b"}\n')
    chunks = list(iter_tables(path, chunk_rows=1))
    assert [list(chunk.columns) for chunk in chunks] == [["x", "y"]] * 3
    assert chunks[1]["y"].isna().all()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty.csv: the file is empty"),
        ("blank.csv", b"\n\n", "blank.csv: the file is empty"),
        ("empty.jsonl", b"\n", "empty.jsonl: the file is empty"),
        ("header.csv", b"a,b,label\n", "header.csv: has a header (a, b, label) but no data rows"),
        (
            "ragged.csv",
            b"a,b\n1,2\n3,4,5\n",
            "ragged.csv: cannot read it as CSV: Error tokenizing",
        ),
        ("bad.parquet", b"PAR1 not really parquet", "bad.parquet: cannot read it as PARQUET"),
        ("bad.jsonl", b'{"a": 1}\n{"a": 2,\n', "bad.jsonl: line 2 is not valid JSON"),
        ("list.jsonl", b'{"a": 1}\n[1, 2]\n', "list.jsonl: line 2 is a JSON list, not an object"),
        ("latin1.csv", "a,b\ncafé,1\n".encode("latin-1"), "latin1.csv: not UTF-8 text"),
        ("data.xlsx", b"x", "data.xlsx: unknown file type '.xlsx'; supported: .csv, .tsv, "),
        ("data", b"x", "unknown file type (no suffix)"),
    ],
)
def test_bad_files_are_one_line_data_errors_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    for read in (read_table, lambda p: list(iter_tables(p, chunk_rows=1))):
        with pytest.raises(DataError) as caught:
            read(path)
        text = str(caught.value)
        assert message in text and "\n" not in text
        assert text.startswith(str(tmp_path))


def test_a_parquet_file_with_columns_and_no_rows(tmp_path):
    path = tmp_path / "none.parquet"
    pd.DataFrame({"x": pd.Series([], dtype=float)}).to_parquet(path)
    with pytest.raises(DataError, match=r"none.parquet: has a header \(x\) but no data rows"):
        read_table(path)
    with pytest.raises(DataError, match="no data rows"):
        list(iter_tables(path))


def test_missing_folder_and_unreadable_files(tmp_path, monkeypatch):
    with pytest.raises(DataError, match=r"nope.csv: no such file\."):
        read_table(tmp_path / "nope.csv")
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(DataError, match=r"dir.csv: is a folder, not a data file\."):
        read_table(tmp_path / "dir.csv")
    # The tests run as root, who may read anything: deny the read itself.
    path = _write(pd.DataFrame({"a": [1]}), tmp_path / "secret.csv")

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(DataError, match=r"secret.csv: cannot read it \(permission denied\)\."):
        read_table(path)


def test_without_pandas_one_line_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "pandas", None)
    path = tmp_path / "a.csv"
    path.write_text("a\n1\n")
    with pytest.raises(DataError) as caught:
        read_table(path)
    assert str(caught.value) == NEEDS_PANDAS
    with pytest.raises(DataError, match="pip install 'neuronet\\[data\\]'"):
        Preprocessor.fit(None, "y")  # type: ignore[arg-type]


def test_chunk_rows_is_checked(tmp_path):
    with pytest.raises(ValueError, match="`chunk_rows` must be an integer >= 1, got 0"):
        next(iter_tables(tmp_path / "a.csv", chunk_rows=0))


# --- writing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".jsonl"])
def test_write_table_round_trips_and_never_overwrites_without_force(tmp_path, suffix):
    frame = pd.DataFrame({"id": [3, 1, 2], "prediction": ["b", "a", None], "p": [0.5, 1, 2]})
    path = tmp_path / f"out{suffix}"
    write_table(frame, path, force=False)
    back = read_table(path)
    assert back["id"].tolist() == [3, 1, 2]
    assert back["prediction"].tolist()[:2] == ["b", "a"] and back["prediction"].isna()[2]
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="already exists; pass --force"):
        write_table(frame.head(1), path, force=False)
    assert path.read_bytes() == before
    write_table(frame.head(1), path, force=True)
    assert len(read_table(path)) == 1
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_a_failure_mid_way_leaves_no_file_and_the_old_one_intact(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    path.write_bytes(b"the previous file")
    with pytest.raises(RuntimeError, match="disk full"), TableWriter(path, force=True) as writer:
        writer.write(pd.DataFrame({"a": [1, 2]}))
        raise RuntimeError("disk full")
    assert path.read_bytes() == b"the previous file"
    assert os.listdir(tmp_path) == [path.name]


def test_write_table_refuses_unknown_suffixes_and_missing_folders(tmp_path):
    frame = pd.DataFrame({"a": [1]})
    with pytest.raises(DataError, match=r"out.txt: unknown file type '.txt'; supported: .csv"):
        write_table(frame, tmp_path / "out.txt", force=False)
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        write_table(frame, tmp_path / "no" / "out.csv", force=False)
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(IsADirectoryError, match=r"dir\.csv' is a folder"):
        write_table(frame, tmp_path / "dir.csv", force=True)


def test_suggest():
    assert suggest("lable", ["x", "label"]) == " Did you mean 'label'?"
    assert suggest("LABEL", ["x", "label"]) == " Did you mean 'label'?"
    assert suggest("qqq", ["x", "label"]) == ""


# --- the preprocessing against scikit-learn ------------------------------------------------


def test_numeric_and_categorical_features_match_standard_scaler_and_one_hot_encoder(rng):
    sklearn_pre = require("sklearn.preprocessing")
    train, test = _frame(rng, 300), _frame(rng, 100)
    test.loc[:4, "colour"] = "purple"  # unseen at training time: a row of zeros
    pre = Preprocessor.fit(train, "label")
    assert pre.features == ["age", "colour", "rooms", "member", "price"]
    assert pre.task == "classification" and pre.classes == ["cat", "dog", "eel"]
    assert pre.n_inputs == 1 + 3 + 1 + 2 + 1
    got = pre.transform(test)
    assert got.dtype == np.float32 and got.shape == (100, pre.n_inputs)

    numeric = ["age", "rooms", "price"]
    scaler = sklearn_pre.StandardScaler().fit(train[numeric].to_numpy(float))
    scaled = scaler.transform(test[numeric].to_numpy(float))
    encoder = sklearn_pre.OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    encoder.fit(train[["colour"]].to_numpy(object))
    colour = encoder.transform(test[["colour"]].to_numpy(object))
    member = sklearn_pre.OneHotEncoder(sparse_output=False).fit(train[["member"]])
    expected = np.column_stack(
        [scaled[:, 0], colour, scaled[:, 1], member.transform(test[["member"]]), scaled[:, 2]]
    )
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    assert (got[:5, 1:4] == 0).all()
    described = pre.describe()
    assert described["features"][1] == {
        "name": "colour",
        "kind": "categorical",
        "categories": ["blue", "green", "red"],
    }
    np.testing.assert_allclose(described["features"][0]["mean"], scaler.mean_[0])
    np.testing.assert_allclose(described["features"][0]["std"], scaler.scale_[0])


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent"])
def test_imputation_matches_simple_imputer_then_standard_scaler(rng, strategy):
    sklearn_pre = require("sklearn.preprocessing")
    impute = require("sklearn.impute")
    pipeline = require("sklearn.pipeline")
    train = _frame(rng, 200)
    train["age"] = train["age"].round(0)  # so that the most frequent value is well defined
    train.loc[rng.choice(200, 30, replace=False), "age"] = np.nan
    train.loc[rng.choice(200, 20, replace=False), "colour"] = None
    test = _frame(rng, 60)
    test.loc[:9, "age"] = np.nan
    test.loc[5:14, "colour"] = None
    pre = Preprocessor.fit(train, "price", impute=strategy)
    got = pre.transform(test)

    reference = pipeline.make_pipeline(
        impute.SimpleImputer(strategy=strategy), sklearn_pre.StandardScaler()
    ).fit(train[["age"]])
    np.testing.assert_allclose(got[:, 0], reference.transform(test[["age"]])[:, 0], rtol=1e-6)
    # A categorical column is always filled with its most frequent category.
    colours = pipeline.make_pipeline(
        impute.SimpleImputer(strategy="most_frequent"),
        sklearn_pre.OneHotEncoder(handle_unknown="ignore", sparse_output=False),
    ).fit(train[["colour"]].astype(object))
    np.testing.assert_array_equal(got[:, 1:4], colours.transform(test[["colour"]].astype(object)))
    if strategy != "most_frequent":
        assert any("'colour' is categorical" in note for note in pre.notes)
    assert pre.describe()["impute"] == strategy


def test_regression_target_is_standardised_and_decoded(rng):
    sklearn_pre = require("sklearn.preprocessing")
    frame = _frame(rng, 120)
    pre = Preprocessor.fit(frame, "price")
    assert pre.task == "regression" and pre.classes is None
    assert pre.features == ["age", "colour", "rooms", "member", "label"]
    y = pre.encode_target(frame)
    assert y.dtype == np.float32 and y.shape == (120,)
    reference = sklearn_pre.StandardScaler().fit(frame[["price"]])
    np.testing.assert_allclose(y, reference.transform(frame[["price"]])[:, 0], rtol=1e-5)
    np.testing.assert_allclose(pre.decode_target(y), frame["price"], rtol=1e-6)
    assert pre.describe()["target_scaling"]["mean"] == pytest.approx(frame["price"].mean())


def test_a_constant_column_gets_std_one_and_a_note():
    frame = pd.DataFrame({"c": [3.0, 3.0, 3.0], "x": [1.0, 2.0, 4.0], "y": ["a", "b", "a"]})
    pre = Preprocessor.fit(frame, "y")
    np.testing.assert_array_equal(pre.transform(frame)[:, 0], [0, 0, 0])
    assert pre.describe()["features"][0] == {
        "name": "c",
        "kind": "numeric",
        "mean": 3.0,
        "std": 1.0,
        "constant": True,
    }
    assert pre.notes == [
        "column 'c' is constant (3) in the training rows: it carries no information (scaled "
        "with std 1, it is always 0)."
    ]


# --- the task and the labels ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "task", "classes"),
    [
        (["b", "a", "b", "c"], "classification", ["a", "b", "c"]),
        ([True, False, True, True], "classification", [False, True]),
        ([1, 0, 1, 1], "classification", [0, 1]),
        ([3.0, 5.0, 4.0, 3.0], "classification", [3.0, 4.0, 5.0]),
        ([0.5, 1.0, 1.5, 2.0], "regression", None),
        (list(range(25)), "regression", None),
    ],
)
def test_the_task_is_inferred_from_the_target(target, task, classes):
    frame = pd.DataFrame({"x": np.arange(len(target), dtype=float), "y": target})
    pre = Preprocessor.fit(frame, "y")
    assert (pre.task, pre.classes) == (task, classes)
    assert all(type(label) in (str, bool, int, float) for label in pre.classes or [])
    if task == "classification" and not isinstance(target[0], str | bool):
        assert "pass --task regression" in pre.notes[-1]


def test_the_task_can_be_given_and_labels_come_back_as_given(rng):
    frame = pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [1, 2, 2, 1]})
    assert Preprocessor.fit(frame, "y", task="regression").task == "regression"
    pre = Preprocessor.fit(frame, "y", task="classification")
    assert pre.notes == []
    labels = pre.encode_target(frame)
    assert labels.tolist() == [1, 2, 2, 1]
    # The same labels read as text (another file, or a CSV with a stray quote) still match.
    as_text = pre.encode_target(pd.DataFrame({"y": ["2", "1"]}))
    assert as_text.tolist() == [2, 1]
    with pytest.raises(DataError, match=r"scores.csv: column 'y', row 12: label 7 is not one"):
        pre.encode_target(pd.DataFrame({"y": [1, 7]}), source="scores.csv", first_row=11)


def test_string_labels_train_an_mlp_that_predicts_them():
    frame = pd.DataFrame({"x": [0.0, 0.1, 0.9, 1.0] * 5, "y": ["low", "low", "high", "high"] * 5})
    pre = Preprocessor.fit(frame, "y")
    net = MLP([pre.n_inputs, 4, len(pre.classes)], "tanh", "softmax", classes=pre.classes, seed=0)
    net.fit(pre.transform(frame), pre.encode_target(frame), epochs=200, lr=0.05, verbose=0)
    assert net.predict(pre.transform(frame)).tolist() == frame["y"].tolist()


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (
            {"x": [1.0, 2.0], "y": ["a", "a"]},
            {},
            "f.csv: target column 'y' holds a single class ('a'); a classifier needs examples",
        ),
        ({"x": [1.0, 2.0], "label": ["a", "b"]}, {}, "f.csv: no target column 'y'. The col"),
        ({"x": [1.0, 2.0], "yy": ["a", "b"]}, {}, "no target column 'y'. Did you mean 'yy'?"),
        ({"y": ["a", "b"]}, {}, "f.csv: no feature columns besides the target 'y'"),
        (
            {"x": [1.0, np.nan, np.nan], "y": ["a", "b", "a"]},
            {},
            "f.csv: column 'x' has 2 missing values (empty, NA or NaN), the first in row 2; "
            "fill them, or pass --impute mean, median or most_frequent.",
        ),
        (
            {"x": [1.0, 2.0, 3.0], "y": ["a", None, "b"]},
            {"impute": "mean"},
            "f.csv: column 'y' has a missing value (empty, NA or NaN), the first in row 2; "
            "drop those rows (a target is never imputed).",
        ),
        (
            {"x": ["1", "2", "3", "4x", "5x"], "y": ["a", "b", "a", "b", "a"]},
            {},
            "f.csv: column 'x', row 4: '4x' is not a number (2 values in this column are not",
        ),
        (
            {"x": [1.0, np.inf], "y": ["a", "b"]},
            {},
            "f.csv: column 'x', row 2: inf is not a finite number.",
        ),
        (
            {"x": pd.to_datetime(["2020-01-01", "2021-01-01"]), "y": ["a", "b"]},
            {},
            "f.csv: column 'x' holds dates or times",
        ),
        (
            {"x": [f"id{i}" for i in range(1001)], "y": ["a", "b"] * 500 + ["a"]},
            {},
            "f.csv: column 'x' has 1001 distinct values (more than 1000)",
        ),
        (
            {"x": [1.0, 2.0], "y": ["a", "b"]},
            {"categorical": ["z"]},
            "f.csv: no feature column 'z' to treat as categorical.",
        ),
        ({"x": [], "y": []}, {}, "f.csv: no data rows."),
    ],
)
def test_fit_refuses_bad_data_in_one_line(frame, kwargs, message):
    with pytest.raises(DataError) as caught:
        Preprocessor.fit(pd.DataFrame(frame), "y", source="f.csv", **kwargs)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_fit_checks_its_options():
    frame = pd.DataFrame({"x": [1.0, 2.0], "y": ["a", "b"]})
    with pytest.raises(ValueError, match="`task` must be 'classification' or 'regression'"):
        Preprocessor.fit(frame, "y", task="ranking")
    with pytest.raises(ValueError, match="`impute` must be 'mean', 'median' or 'most_freq"):
        Preprocessor.fit(frame, "y", impute="zero")


def test_text_of_mostly_words_is_categorical_and_numbers_can_be_categories():
    frame = pd.DataFrame({"code": [10, 20, 10, 30], "size": ["S", "M", "7", "L"], "y": [0, 1] * 2})
    pre = Preprocessor.fit(frame, "y", categorical=["code"])
    assert [f["categories"] for f in pre.describe()["features"]] == [
        ["10", "20", "30"],
        ["7", "L", "M", "S"],
    ]
    # Codes read as floats elsewhere (a column with a missing value) are the same categories.
    other = pd.DataFrame({"code": [20.0, 99.0], "size": ["M", "XL"]})
    np.testing.assert_array_equal(
        pre.transform(other), [[0, 1, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 0]]
    )


# --- applying to new data -------------------------------------------------------------------


def test_transform_names_missing_columns_rows_and_values_with_the_chunk_offset(rng):
    pre = Preprocessor.fit(_frame(rng, 50), "label")
    new = _frame(rng, 5).drop(columns=["age", "price"]).assign(extra=1)
    with pytest.raises(DataError) as caught:
        pre.transform(new, source="new.csv")
    assert str(caught.value) == (
        "new.csv: missing column(s) the model needs: age, price (the model's inputs: age, "
        "colour, rooms, member, price)."
    )
    assert pre.extra_columns(_frame(rng, 2).assign(extra=1, id=2)) == ["extra", "id"]
    bad = _frame(rng, 5).astype({"age": object})
    bad.loc[3, "age"] = "forty"
    with pytest.raises(DataError, match=r"^new.csv: column 'age', row 1004: 'forty' is not a"):
        pre.transform(bad, source="new.csv", first_row=1001)
    gap = _frame(rng, 5)
    gap.loc[[2, 4], "colour"] = None
    with pytest.raises(DataError) as caught:
        pre.transform(gap, source="new.csv", first_row=11)
    assert str(caught.value) == (
        "new.csv: column 'colour' has 2 missing values (empty, NA or NaN), the first in row "
        "13; the model was trained without --impute, so every value is needed; fill them, or "
        "train again with --impute mean, median or most_frequent."
    )


def test_transform_is_the_same_chunk_by_chunk(rng, tmp_path):
    frame = _frame(rng, 100)
    pre = Preprocessor.fit(frame, "label")
    path = _write(frame, tmp_path / "d.csv")
    chunks = [pre.transform(chunk) for chunk in iter_tables(path, chunk_rows=7)]
    np.testing.assert_array_equal(np.concatenate(chunks), pre.transform(read_table(path)))


# --- storing --------------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "impute"), [("label", None), ("price", "median")])
def test_the_stored_preprocessing_transforms_bit_identically(rng, tmp_path, target, impute):
    frame = _frame(rng, 80)
    frame.loc[::7, "age"] = np.nan if impute else frame["age"][::7]
    pre = Preprocessor.fit(frame, target, impute=impute)
    section = pre.to_section()
    assert all(array.dtype == np.float64 for array in section.arrays.values())
    n_out = len(pre.classes) if pre.classes else 1
    output = "softmax" if pre.classes else "identity"
    net = MLP([pre.n_inputs, 3, n_out], "relu", output, classes=pre.classes, seed=0)
    path = tmp_path / "m.safetensors"
    io.save(net, path, sections={"preprocessing": section})
    saved = io.read(path)
    again = Preprocessor.from_section(saved.sections["preprocessing"])
    assert io.read_metadata(path).sections["preprocessing"] == section.metadata
    new = _frame(rng, 40)
    new.loc[::5, "age"] = np.nan if impute else new["age"][::5]
    assert again.transform(new).tobytes() == pre.transform(new).tobytes()
    assert again.describe() == pre.describe()
    assert (again.features, again.classes, again.task) == (pre.features, pre.classes, pre.task)
    if pre.task == "regression":
        y = pre.encode_target(new)
        assert again.encode_target(new).tobytes() == y.tobytes()
        assert again.decode_target(y).tobytes() == pre.decode_target(y).tobytes()


def test_a_malformed_section_is_a_value_error(rng):
    section = Preprocessor.fit(_frame(rng, 20), "label").to_section()
    meta = section.metadata
    broken = [
        ({**meta, "task": "ranking"}, section.arrays, "malformed: task 'ranking'"),
        (
            {**meta, "version": 9},
            section.arrays,
            "layout version 9; this neuronet reads version 1",
        ),
        ({**meta, "features": []}, section.arrays, "malformed: no features"),
        ({**meta, "classes": None}, section.arrays, "malformed: classes None for a class"),
        (meta, {**section.arrays, "std": np.zeros(3)}, "non-positive standard deviations"),
        (meta, {**section.arrays, "mean": np.zeros(2)}, "array 'mean' missing or not of shape"),
        (
            {**meta, "features": [{"name": "a", "kind": "fuzzy"}]},
            section.arrays,
            "kind of feature 'a'",
        ),
    ]
    for metadata, arrays, message in broken:
        with pytest.raises(ValueError, match=message):
            Preprocessor.from_section(io.Section(metadata, arrays))


def test_the_module_keeps_pandas_out_of_import_neuronet(tmp_path):
    import subprocess

    code = (
        "import sys, neuronet, neuronet.cli; from neuronet.cli import tabular; "
        "print(sorted(m for m in ('pandas', 'pyarrow') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
    assert tabular.__name__ == "neuronet.cli.tabular"


# --- text that looks like numbers, extreme numbers, awkward files -----------------------------


def test_the_text_columns_are_read_as_text_whatever_a_chunk_holds(tmp_path):
    # Type guessing per chunk made "007" the number 7 in a chunk without letters, so that it
    # matched no stored category: the prediction depended on the other rows of the file.
    train = pd.DataFrame(
        {
            "code": ["007", "A13", "1.50", "+5", "flag", "B22", "x", "y", "z", "w"] * 2,
            "member": [True, False] * 10,
            "label": ["007", "no"] * 10,
        }
    )
    pre = Preprocessor.fit(train, "label")
    assert pre.text_columns() == ["code", "label"]  # booleans are pandas' own, in any case
    path = tmp_path / "new.csv"
    path.write_text("code,member,label\n007,True,007\n1.50,false,no\n+5,True,no\n")
    chunks = list(iter_tables(path, chunk_rows=1, text_columns=pre.text_columns()))
    assert [chunk["code"].iloc[0] for chunk in chunks] == ["007", "1.50", "+5"]
    X = np.concatenate([pre.transform(chunk) for chunk in chunks])
    assert X[:, :10].sum(axis=1).tolist() == [1, 1, 1]  # each a known category
    labels = [pre.target_values(chunk).tolist() for chunk in chunks]
    assert labels == [[0], [1], [1]]


def test_duplicate_column_names_are_one_line_naming_the_column(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "dup.parquet"
    table = pa.Table.from_arrays([pa.array([1.0, 2.0]), pa.array([3.0, 4.0])], names=["x", "x"])
    pq.write_table(table, path)
    for read in (read_table, lambda p: list(iter_tables(p, chunk_rows=1))):
        with pytest.raises(DataError, match=r"dup\.parquet: the column name 'x' appears 2 times"):
            read(path)


def test_a_late_latin_1_byte_is_reported_at_its_line_and_offset(tmp_path):
    path = tmp_path / "latin.csv"
    lines = ["x,y\n"] + [f"{i},a\n" for i in range(3000)]
    head = "".join(lines).encode()
    path.write_bytes(head + "5,caf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError) as caught:
        read_table(path)
    offset = len(head) + len(b"5,caf")
    assert f"not UTF-8 text (line {len(lines) + 1}, byte {offset:,} of the file)" in str(
        caught.value
    )


@pytest.mark.parametrize(
    ("name", "header", "hint"),
    [
        ("semi.csv", "a;b;y", "looks separated by semicolons, but neuronet reads .csv files"),
        ("commas.tsv", "a,b,y", "looks separated by commas, but neuronet reads .tsv files"),
        ("tabs.csv", "a\tb\ty", "name the file .tsv"),
    ],
)
def test_a_file_read_as_one_column_says_which_separator_it_seems_to_use(
    tmp_path, name, header, hint
):
    path = tmp_path / name
    path.write_text(header + "\n" + header.replace("a", "1").replace("b", "2") + "\n")
    frame = read_table(path)
    pre = Preprocessor.fit(pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "y": ["p", "q"]}), "y")
    message = f"single column named {re.escape(repr(header))}.*{re.escape(hint)}"
    with pytest.raises(DataError, match=message):
        pre.transform(frame, source=str(path))
    with pytest.raises(DataError, match=r"no target column 'y'.*single column named"):
        Preprocessor.fit(frame, "y", source=str(path))


@pytest.mark.parametrize("magnitude", [1e200, 1.7e308])
def test_numbers_near_the_float64_limit_are_standardised_without_overflow(magnitude):
    values = np.array([1.0, -0.5, 0.25, 0.9]) * magnitude
    frame = pd.DataFrame({"x": values, "t": values[::-1], "y": ["a", "b", "a", "b"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning reaches the user
        pre = Preprocessor.fit(frame.drop(columns="t"), "y")
        X = pre.transform(frame)
        regression = Preprocessor.fit(
            frame.drop(columns="y"), "t", task="regression", impute="median"
        )
        y = regression.encode_target(frame)
    unit = values / magnitude
    expected = (unit - unit.mean()) / unit.std()
    np.testing.assert_allclose(X[:, 0], expected, rtol=1e-6)
    np.testing.assert_allclose(y, expected[::-1], rtol=1e-6)
    assert regression.notes == []  # not "constant"
    assert np.isfinite(regression.target_std) and regression.target_std > 0


def test_ordinary_numbers_are_standardised_bit_for_bit_as_numpy_does(rng):
    values = rng.normal(40, 12, 500)
    pre = Preprocessor.fit(pd.DataFrame({"x": values, "y": ["a", "b"] * 250}), "y")
    spec = pre.describe()["features"][0]
    assert (spec["mean"], spec["std"]) == (float(values.mean()), float(values.std()))


def test_a_value_a_float32_input_cannot_hold_names_its_column_row_and_value():
    pre = Preprocessor.fit(pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": ["a", "b", "a"]}), "y")
    new = pd.DataFrame({"x": [1.0, 2.0, 1e300]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DataError, match=r"new\.csv: column 'x', row 13: 1e\+300 is too large"):
            pre.transform(new, source="new.csv", first_row=11)


def test_a_classifier_whose_classes_are_not_its_preprocessings_is_refused(tmp_path):
    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": ["a", "b", "a", "c"]})
    pre = Preprocessor.fit(frame, "y")
    path = tmp_path / "m.safetensors"
    net = MLP([1, 3, 3], output="softmax", classes=["c", "b", "a"], seed=0)
    io.save(net, path, sections={"preprocessing": pre.to_section()})
    with pytest.raises(io.ModelFileError, match=r"classes \(c, b, a\) are not its prep"):
        tabular.read_model(path)
