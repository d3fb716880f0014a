"""``neuronet info MODEL``: the layers, classes, loss, dtype and provenance of a model file."""

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

import neuronet
from conftest import require
from neuronet import MLP, io
from neuronet.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, app
from neuronet.io import read_metadata

runner = CliRunner()
DATA = Path(__file__).parent / "data"


def field(output: str, name: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith(name + " ")]
    assert len(lines) == 1, output
    return lines[0][len(name) :].strip()


def test_info_describes_a_classifier(tmp_path):
    path = tmp_path / "m.safetensors"
    MLP([2, 4, 3], output="softmax", classes=["cat", "dog", "owl"], seed=0).save(path)
    result = runner.invoke(app, ["info", str(path)])
    assert result.exit_code == EXIT_OK, result.output
    assert "MLP 2 → 4 → 3" in result.output and "parameters" in result.output
    assert field(result.output, "classes") == "cat, dog, owl"
    assert field(result.output, "loss") == "categorical_cross_entropy"
    assert field(result.output, "dtype") == "float32"
    assert field(result.output, "neuronet") == f"{neuronet.__version__} (file format 2)"
    saved = datetime.fromisoformat(field(result.output, "saved"))
    assert abs((datetime.now(UTC) - saved).total_seconds()) < 60


def test_info_describes_a_regressor_without_classes(tmp_path):
    path = tmp_path / "m.safetensors"
    MLP([2, 3, 1], output="identity", dtype="float64", seed=0).save(path)
    result = runner.invoke(app, ["info", str(path)])
    assert result.exit_code == EXIT_OK, result.output
    assert "MLP 2 → 3 → 1" in result.output
    assert field(result.output, "classes") == "none (regression)"
    assert field(result.output, "dtype") == "float64"


def test_info_reads_a_format_version_1_file():
    result = runner.invoke(app, ["info", str(DATA / "model_v1.safetensors")])
    assert result.exit_code == EXIT_OK, result.output
    assert field(result.output, "classes") == "a, b, c"
    assert field(result.output, "saved").startswith("unknown")
    assert field(result.output, "neuronet") == "0.1.0 (file format 1)"


def test_info_rejects_junk_in_one_line(tmp_path):
    (tmp_path / "junk.safetensors").write_bytes(b"junk")
    result = runner.invoke(app, ["info", str(tmp_path / "junk.safetensors")])
    assert result.exit_code == EXIT_FAILURE
    assert result.output.count("\n") == 1 and "junk.safetensors" in result.output
    assert result.output.startswith("Error: ") and "Traceback" not in result.output


def test_info_rejects_a_tampered_file(tmp_path):
    path = tmp_path / "m.safetensors"
    MLP([2, 3, 1], seed=0).save(path)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    result = runner.invoke(app, ["info", str(path)])
    assert result.exit_code == EXIT_FAILURE and "checksum" in result.output


def test_info_on_a_missing_file_or_a_folder_is_a_usage_error(tmp_path):
    for path in (tmp_path / "nope.safetensors", tmp_path):
        result = runner.invoke(app, ["info", str(path)])
        assert result.exit_code == EXIT_USAGE
        assert "Traceback" not in result.output


# --- a model trained on a table: its preprocessing and how it was trained ------------------


def trained_on_a_table(tmp_path, rng):
    """A model file written by ``neuronet train`` on a small CSV with a categorical column."""
    pd = require("pandas")
    require("pyarrow")
    n = 60
    x1 = rng.normal(size=n).round(3)
    frame = pd.DataFrame(
        {
            "size": x1,
            "colour": rng.choice(["red", "blue"], size=n),
            "label": np.where(x1 > 0, "big", "small"),
        }
    )
    frame.to_csv(tmp_path / "shapes.csv", index=False)
    out = tmp_path / "shapes.safetensors"
    args = ["train", str(tmp_path / "shapes.csv"), "--target", "label", "-q", "--hidden", "4"]
    result = runner.invoke(app, [*args, "--epochs", "3", "--out", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    return out


def test_info_shows_the_preprocessing_and_the_training_record(tmp_path, rng):
    out = trained_on_a_table(tmp_path, rng)
    result = runner.invoke(app, ["info", str(out)], env={"COLUMNS": "400"})
    assert result.exit_code == EXIT_OK, result.output
    text = result.output
    assert field(text, "classes") == "big, small"
    assert field(text, "neuronet") == f"{neuronet.__version__} (file format 3)"
    section = text.split("\npreprocessing\n")[1].split("\n\n")[0]
    assert "  target    label (classification)" in section
    assert "size: numeric, standardised (mean " in section
    assert "colour: categorical, one-hot over 2 categories (blue, red)" in section
    assert "  inputs    3 (after one-hot encoding)" in section
    assert "  impute    none (a missing value is an error)" in section
    record = text.split("\ntraining\n")[1]
    assert "  data      shapes.csv" in record
    assert "  rows      45 for training, 15 held out" in record
    assert "  columns   size, colour" in record
    assert f"  neuronet  {neuronet.__version__}" in record
    assert "  epochs    3 (completed all epochs)" in record
    accuracy = read_metadata(out).sections["training"]["metrics"]["accuracy"]
    assert f"  metrics   accuracy {accuracy:.1%}, macro F1 " in record
    assert "hidden 4" in record


def test_info_json_holds_everything(tmp_path, rng):
    out = trained_on_a_table(tmp_path, rng)
    result = runner.invoke(app, ["info", str(out), "--json"])
    assert result.exit_code == EXIT_OK, result.output
    report = json.loads(result.stdout)
    assert report["path"] == str(out) and report["format_version"] == "3"
    assert report["architecture"]["sizes"] == [3, 4, 2]
    assert [layer["parameters"] for layer in report["layers"]] == [16, 10]
    assert report["parameters"] == 26 and report["classes"] == ["big", "small"]
    pre = report["preprocessing"]
    assert pre["target"] == "label" and pre["task"] == "classification"
    assert [f["name"] for f in pre["features"]] == ["size", "colour"]
    assert pre["features"][1]["categories"] == ["blue", "red"]
    training = report["training"]
    assert training == read_metadata(out).sections["training"]
    assert training["data"] == "shapes.csv" and training["rows"]["train"] == 45
    saved = datetime.fromisoformat(report["saved_at"])
    assert abs((datetime.now(UTC) - saved).total_seconds()) < 60


def test_info_json_of_a_plain_model_file(tmp_path):
    path = tmp_path / "m.safetensors"
    MLP([2, 3, 1], seed=0).save(path)
    result = runner.invoke(app, ["info", str(path), "--json"])
    assert result.exit_code == EXIT_OK
    report = json.loads(result.stdout)
    assert report["preprocessing"] is None and report["training"] is None
    assert report["classes"] is None and report["loss"] == "mse"
    assert report["format_version"] == "2" and report["saved_at"] is not None


def test_info_names_other_sections(tmp_path):
    path = tmp_path / "m.safetensors"
    io.save(MLP([2, 3, 1], seed=0), path, sections={"notes": io.Section({"by": "me"})})
    result = runner.invoke(app, ["info", str(path)])
    assert result.exit_code == EXIT_OK
    assert "other sections  notes" in result.output
    report = json.loads(runner.invoke(app, ["info", str(path), "--json"]).stdout)
    assert report["other_sections"] == {"notes": {"by": "me"}}


def test_info_on_a_malformed_preprocessing_is_one_line(tmp_path):
    require("pandas")
    path = tmp_path / "m.safetensors"
    bogus = io.Section({"version": 1, "task": "guessing"})
    io.save(MLP([2, 3, 1], seed=0), path, sections={"preprocessing": bogus})
    result = runner.invoke(app, ["info", str(path)])
    assert result.exit_code == EXIT_FAILURE
    assert result.output.count("\n") == 1 and result.output.startswith("Error: ")
    assert "preprocessing" in result.output and "Traceback" not in result.output


def test_info_needs_no_pandas(tmp_path, rng, monkeypatch):
    import sys

    out = trained_on_a_table(tmp_path, rng)
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    result = runner.invoke(app, ["info", str(out)], env={"COLUMNS": "400"})
    assert result.exit_code == EXIT_OK, result.output
    assert "colour: categorical, one-hot over 2 categories (blue, red)" in result.output
