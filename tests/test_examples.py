"""Every example script runs from start to end and writes the figures it promises."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("[0-9]*.py"))


def test_the_examples_are_numbered_steps():
    assert SCRIPTS[:4] == [
        "01_one_neuron.py",
        "02_activations.py",
        "03_train_and_look_inside.py",
        "04_published_experiments.py",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("script", SCRIPTS)
def test_example_runs_and_writes_its_figures(script, tmp_path):
    require("matplotlib")
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), str(tmp_path / "figures")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    promised = [
        line.split("wrote ")[-1] for line in result.stdout.splitlines() if "wrote " in line
    ]
    for path in promised:
        assert (
            Path(tmp_path / path if not Path(path).is_absolute() else path).stat().st_size > 5000
        )
