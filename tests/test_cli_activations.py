"""``neuronet activations`` stays readable at 80 columns and when piped."""

import pytest
from typer.testing import CliRunner

from neuronet import activations
from neuronet.cli import app

runner = CliRunner()  # its output is not a terminal: this is the piped case


@pytest.mark.parametrize("columns", [50, 80, 250])
def test_activations_keeps_every_word_whole(columns):
    result = runner.invoke(app, ["activations"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0
    assert "…" not in result.output
    assert all(len(line.rstrip()) <= columns for line in result.output.splitlines())
    words = set(result.output.split())
    bare = {word.rstrip(",;") for word in words}  # an issue is followed by a comma
    text = " ".join(result.output.split())  # a wrapped phrase reads whole once joined
    for name in activations.names():
        act = activations.get(name)
        assert name in words
        assert set(act.formula.split()) <= words, name
        for issue in act.issues:
            assert set(issue.name.split()) <= bare, (name, issue.name)
            assert issue.name in text, (name, issue.name)


def test_activations_shows_properties_and_aliases():
    result = runner.invoke(app, ["activations"], env={"COLUMNS": "80"})
    text = " ".join(result.output.split())
    assert "range (-1, 1); zero-centred, monotonic, smooth issues: vanishing gradient" in text
    assert "also called: swish" in text
