"""``neuronet experiment [NAME]``: the list, one run's numbers, its figure."""

import inspect
import json
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import require
from neuronet import experiments
from neuronet.cli import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, app

runner = CliRunner()
WIDE = {"COLUMNS": "400"}  # so that rich prints every message on one line

EXPERIMENTS = sorted(
    name for name in experiments.__all__ if inspect.isfunction(getattr(experiments, name))
)


def test_no_name_lists_every_experiment_with_its_claim():
    result = runner.invoke(app, ["experiment"], env=WIDE)
    assert result.exit_code == EXIT_OK, result.output
    listed = [line.split("│")[1].strip() for line in result.output.splitlines() if "│" in line]
    assert listed == EXPERIMENTS
    assert "Narrow deep ReLU networks are born dead" in result.output
    # reStructuredText is turned into plain text.
    assert "std √(1/n) halves it" in result.output and ":math:" not in result.output

    data = json.loads(runner.invoke(app, ["experiment", "--json"]).stdout)
    assert [item["name"] for item in data["experiments"]] == EXPERIMENTS
    for item in data["experiments"]:
        first = inspect.getdoc(getattr(experiments, item["name"])).splitlines()[0]
        assert item["claim"].split()[:3] == first.split()[:3]


def test_a_run_prints_the_numbers_the_library_returns():
    result = runner.invoke(app, ["experiment", "vanishing_gradients"], env=WIDE)
    assert result.exit_code == EXIT_OK, result.output
    expected = experiments.vanishing_gradients(seed=0).gradient_rms
    rows = {
        cells[2]: cells[3]
        for line in result.output.splitlines()
        if (cells := [cell.strip() for cell in line.split("│")])[1:2] == ["gradient_rms"]
    }
    assert set(rows) == {"sigmoid", "relu"}
    for name, values in expected.items():
        # Nine layers: more than are shown whole, so the first and the last.
        assert rows[name].startswith(f"{values[0]:.4g} → {values[-1]:.4g} (9 values")
    # The claim itself, from the closed form: sigmoid' <= 1/4 shrinks the gradient by orders of
    # magnitude over 8 layers; relu with He keeps it within one.
    assert expected["sigmoid"][-1] / expected["sigmoid"][0] > 100
    assert 0.1 < expected["relu"][-1] / expected["relu"][0] < 10


def test_json_holds_every_number_and_a_hyphen_works():
    result = runner.invoke(app, ["experiment", "he-init-variance", "--seed", "1", "--json"])
    assert result.exit_code == EXIT_OK, result.output
    data = json.loads(result.stdout)
    assert data["name"] == "he_init_variance" and data["figure"] is None
    expected = experiments.he_init_variance(seed=1)
    for init, variance in expected.variance.items():
        np.testing.assert_allclose(data["result"]["variance"][init], variance, rtol=1e-12)
    # He et al. 2015: with std sqrt(2/n) the variance is kept, with sqrt(1/n) halved per layer.
    assert data["result"]["factor_per_layer"]["he_normal"] == pytest.approx(1.0, abs=0.1)
    assert data["result"]["factor_per_layer"]["lecun_normal"] == pytest.approx(0.5, abs=0.05)


def test_networks_are_named_in_json_not_dumped():
    result = runner.invoke(app, ["experiment", "linear_vs_nonlinear", "--json"])
    networks = json.loads(result.stdout)["result"]["networks"]
    assert networks["relu"].startswith("MLP([2, 16, 16, 2]")
    table = runner.invoke(app, ["experiment", "linear_vs_nonlinear"], env=WIDE).output
    assert "networks" not in table and "test_accuracy" in table


def test_an_unknown_experiment_is_a_usage_error_with_a_did_you_mean():
    result = runner.invoke(app, ["experiment", "dying_rlu"], env=WIDE)
    assert result.exit_code == EXIT_USAGE
    assert "Invalid value for 'NAME': unknown experiment 'dying_rlu'." in result.output
    assert "Did you mean 'dying_relu'?" in result.output


def test_plots_saves_the_figure_and_keeps_it_unless_force(tmp_path):
    require("matplotlib")
    folder = tmp_path / "figures"
    args = ["experiment", "vanishing_gradients", "--plots", str(folder)]
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == EXIT_OK, result.output
    figure = folder / "vanishing_gradients.png"
    assert figure.read_bytes()[:4] == b"\x89PNG"
    assert f"Saved the figure to {figure}" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["vanishing_gradients.png"]

    figure.write_bytes(b"mine")
    result = runner.invoke(app, args, env=WIDE)
    assert result.exit_code == EXIT_USAGE and "pass --force" in result.output
    assert figure.read_bytes() == b"mine"
    result = runner.invoke(app, [*args, "--force", "--json"])
    assert json.loads(result.stdout)["figure"] == str(figure)
    assert figure.read_bytes()[:4] == b"\x89PNG"


def test_plots_must_be_a_folder(tmp_path):
    afile = tmp_path / "figures"
    afile.write_text("")
    result = runner.invoke(app, ["experiment", "dying_relu", "--plots", str(afile)], env=WIDE)
    assert result.exit_code == EXIT_USAGE and "--plots" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("name", EXPERIMENTS)
def test_every_experiment_runs_from_the_command_line(name):
    result = runner.invoke(app, ["experiment", name, "--json"])
    assert result.exit_code == EXIT_OK, result.output
    assert set(json.loads(result.stdout)["result"]) == {
        field for field in getattr(experiments, name)(seed=0).__dataclass_fields__
    }


def test_plots_without_matplotlib_fails_before_running(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises

    def must_not_run(**kwargs):
        """Fails the test if the experiment is run."""
        pytest.fail("the experiment ran although its figure cannot be drawn")

    monkeypatch.setattr(experiments, "dying_relu", must_not_run)
    folder = tmp_path / "figures"
    result = runner.invoke(app, ["experiment", "dying_relu", "--plots", str(folder)], env=WIDE)
    assert result.exit_code == EXIT_FAILURE
    assert result.output == "Error: plots need matplotlib: pip install 'neuronet[plot]'\n"
    assert not folder.exists()
