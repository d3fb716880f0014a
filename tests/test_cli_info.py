"""``neuronet info MODEL``: the layers, classes, loss, dtype and provenance of a model file."""

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

import neuronet
from neuronet import MLP
from neuronet.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, app

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
