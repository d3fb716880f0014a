"""``neuronet plot KIND ...``: figures saved to files, checked first, written atomically."""

import json
import sys

import pytest
from typer.testing import CliRunner

from conftest import require
from neuronet import MLP, datasets
from neuronet.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, app, main

runner = CliRunner()
WIDE = {"COLUMNS": "400"}  # so that rich prints every message on one line


@pytest.fixture
def mpl():
    return require("matplotlib")


@pytest.fixture
def classifier(tmp_path):
    """A 2-input, 2-class model file, trained a little on moons."""
    X, y = datasets.moons(200, seed=0)
    net = MLP([2, 6, 2], "tanh", "softmax", seed=0)
    net.fit(X, y, epochs=5, verbose=0)
    path = tmp_path / "moons.safetensors"
    net.save(path)
    return path


def files(folder):
    return sorted(p.name for p in folder.iterdir())


def image(path):
    import matplotlib.image

    return matplotlib.image.imread(path)


def test_activations_writes_the_png_the_library_draws(mpl, tmp_path):
    out = tmp_path / "act.png"
    result = runner.invoke(app, ["plot", "activations", "relu", "tanh", "-o", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    assert result.output == f"Saved {out}\n"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # neuronet.plot.activations draws one 6.4 x 4.4 inch axes; savefig's default 100 dpi.
    assert image(out).shape[:2] == (440, 640)
    assert files(tmp_path) == ["act.png"]  # no temporary file left behind


def test_every_activation_by_default_and_other_formats(mpl, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["plot", "activations", "--no-derivative"])
    assert result.exit_code == EXIT_OK, result.output
    assert (tmp_path / "activations.png").exists()
    result = runner.invoke(app, ["plot", "activations", "gelu", "-o", "a.svg", "--json"])
    assert json.loads(result.stdout) == {"path": "a.svg"}
    svg = (tmp_path / "a.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    runner.invoke(app, ["plot", "activations", "gelu", "-o", "a.pdf"])
    assert (tmp_path / "a.pdf").read_bytes()[:5] == b"%PDF-"


def test_an_existing_file_is_kept_unless_force(mpl, tmp_path):
    out = tmp_path / "act.png"
    out.write_bytes(b"mine")
    args = ["plot", "activations", "relu", "-o", str(out)]
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == EXIT_USAGE
    assert "'--output'" in result.output and "already exists; pass --force" in result.output
    assert out.read_bytes() == b"mine"
    result = runner.invoke(app, [*args, "--force"])
    assert result.exit_code == EXIT_OK
    assert out.read_bytes()[:4] == b"\x89PNG"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(mpl, tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    out = tmp_path / "act.png"
    out.write_bytes(b"mine")

    def disk_full(self, fname, **kwargs):
        fname.write(b"half a figure")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", disk_full)
    result = runner.invoke(app, ["plot", "activations", "relu", "-o", str(out), "-f"], env=WIDE)
    assert result.exit_code == EXIT_FAILURE
    expected = (
        f"Cannot save figure to {str(out)!r}: no space left on device; the previous file is "
        "unchanged. To fix: free some space"
    )
    assert expected in result.output
    assert out.read_bytes() == b"mine"
    assert files(tmp_path) == ["act.png"]


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("plot.jpg", "must end in one of .png, .svg, .pdf (the file type), got '.jpg'"),
        ("plot", "got 'no suffix'"),
        ("missing/plot.png", "does not exist; create it first"),
        (".", "is a folder"),
    ],
)
def test_a_bad_output_is_a_usage_error_before_any_work(tmp_path, monkeypatch, output, message):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["plot", "activations", "-o", output], env=WIDE)
    assert result.exit_code == EXIT_USAGE
    assert "'--output'" in result.output and message in result.output
    assert files(tmp_path) == []


def test_without_matplotlib_one_line_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises
    with pytest.raises(SystemExit) as exit_info:
        main(["plot", "activations", "-o", str(tmp_path / "a.png")])
    assert exit_info.value.code == EXIT_FAILURE
    captured = capsys.readouterr()
    assert captured.err == "Error: plots need matplotlib: pip install 'neuronet[plot]'\n"
    assert captured.out == "" and files(tmp_path) == []


def test_an_unknown_activation_is_a_usage_error():
    result = runner.invoke(app, ["plot", "activations", "rleu"], env=WIDE)
    assert result.exit_code == EXIT_USAGE
    assert "Did you mean 'relu'" in result.output


def test_network_of_a_saved_model(mpl, tmp_path, classifier):
    out = tmp_path / "net.png"
    result = runner.invoke(app, ["plot", "network", str(classifier), "-o", str(out), "--json"])
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout) == {"path": str(out)}
    assert image(out).ndim == 3


def test_decision_boundary_on_a_built_in_data_set(mpl, tmp_path, classifier):
    out = tmp_path / "boundary.png"
    args = ["plot", "decision-boundary", str(classifier), "--data", "moons"]
    result = runner.invoke(app, [*args, "--resolution", "20", "-o", str(out)])
    assert result.exit_code == EXIT_OK, result.output
    # neuronet.plot.decision_boundary draws on a 6.4 x 5.2 inch figure.
    assert image(out).shape[:2] == (520, 640)


def test_decision_boundary_of_what_it_cannot_show_is_exit_code_1(mpl, tmp_path, classifier):
    regressor = tmp_path / "curve.safetensors"
    MLP([2, 4, 1], seed=0).save(regressor)
    out = tmp_path / "b.png"
    result = runner.invoke(
        app,
        ["plot", "decision-boundary", str(regressor), "--data", "moons", "-o", str(out)],
        env=WIDE,
    )
    assert result.exit_code == EXIT_FAILURE
    assert f"cannot draw the decision boundary of {str(regressor)!r}" in result.output
    assert "regressor" in result.output
    # Three spiral classes for a two-class model.
    result = runner.invoke(
        app,
        ["plot", "decision-boundary", str(classifier), "--data", "spiral", "-o", str(out)],
        env=WIDE,
    )
    assert result.exit_code == EXIT_FAILURE
    assert "labels the network does not know" in result.output
    assert not out.exists()


def test_a_bad_data_name_or_size_is_a_usage_error(classifier):
    args = ["plot", "decision-boundary", str(classifier)]
    result = runner.invoke(app, [*args, "--data", "mons"], env=WIDE)
    assert result.exit_code == EXIT_USAGE
    assert "'--data'" in result.output and "Did you mean 'moons'" in result.output
    result = runner.invoke(app, [*args], env=WIDE)
    assert result.exit_code == EXIT_USAGE and "--data" in result.output


def test_neuron_heatmaps(mpl, tmp_path, classifier):
    out = tmp_path / "h.png"
    args = ["plot", "neuron-heatmaps", str(classifier), "--resolution", "10", "-o", str(out)]
    result = runner.invoke(app, [*args, "--data", "moons", "--layer", "1"])
    assert result.exit_code == EXIT_OK, result.output
    assert out.exists()
    result = runner.invoke(app, [*args, "--layer", "3", "-f"], env=WIDE)
    assert result.exit_code == EXIT_USAGE
    assert "'--layer'" in result.output and "from 1 to 2" in result.output


def test_a_missing_or_corrupt_model(mpl, tmp_path, capsys):
    result = runner.invoke(app, ["plot", "network", str(tmp_path / "nope.safetensors")])
    assert result.exit_code == EXIT_USAGE and "does not exist" in result.output

    corrupt = tmp_path / "bad.safetensors"
    corrupt.write_bytes(b"\x00" * 7)
    out = tmp_path / "n.png"
    with pytest.raises(SystemExit) as exit_info:
        main(["plot", "network", str(corrupt), "-o", str(out)])
    assert exit_info.value.code == EXIT_FAILURE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"Error: Cannot load model file {str(corrupt)!r}")
    assert not out.exists()


def test_check_output_accepts_upper_case_suffixes(tmp_path):
    from neuronet.cli.plot import check_output

    path = tmp_path / "FIG.PNG"
    assert check_output(path, force=False) == path


def test_history_draws_the_curves_train_stored(mpl, tmp_path, monkeypatch):
    from neuronet import io, plot

    model = tmp_path / "moons.safetensors"
    args = ["train", "--data", "moons", "--epochs", "6", "--hidden", "4", "-q"]
    assert runner.invoke(app, [*args, "--out", str(model)]).exit_code == EXIT_OK
    stored = io.read_metadata(model).sections["training"]["history"]
    assert set(stored) >= {"loss", "val_loss", "accuracy", "val_accuracy"}
    assert len(stored["loss"]) == 6
    drawn = {}
    original = plot.history
    monkeypatch.setattr(plot, "history", lambda h, **kw: drawn.setdefault("h", h) and original(h))
    out = tmp_path / "curves.png"
    result = runner.invoke(app, ["plot", "history", str(model), "-o", str(out), "--json"])
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.stdout) == {"path": str(out)}
    assert drawn["h"] == stored and image(out).shape[2] in (3, 4)


def test_history_of_a_model_without_one_is_one_line(mpl, tmp_path, classifier):
    out = tmp_path / "curves.png"
    result = runner.invoke(app, ["plot", "history", str(classifier), "-o", str(out)], env=WIDE)
    assert result.exit_code == EXIT_FAILURE
    assert "holds no training history" in result.output and not out.exists()
