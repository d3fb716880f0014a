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


def test_activations_json_holds_every_activation_as_its_card_says():
    import json

    import neuronet

    result = runner.invoke(app, ["activations", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)["activations"]
    assert [item["name"] for item in listed] == activations.names()
    for item in listed:
        card = neuronet.explain(item["name"]).to_dict()
        assert item["formula"] == card["formula"]
        assert item["derivative_formula"] == card["derivative_formula"]
        assert item["issues"] == [issue["name"] for issue in card["issues"]]
        assert item["properties"] == card["properties"]
    by_name = {item["name"]: item for item in listed}
    # Closed forms, not the card: tanh maps onto (-1, 1), relu onto (0, inf); swish is silu.
    assert by_name["tanh"]["range"] == [-1.0, 1.0]
    assert by_name["relu"]["range"] == [0.0, "inf"]
    assert by_name["silu"]["aliases"] == ["swish"]
    assert by_name["relu"]["recommended_init"] == "he_uniform"
