"""``neuronet explain NAME...``: an activation's card, or a comparison, in the terminal."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import neuronet
from neuronet import activations
from neuronet.cli import EXIT_USAGE, app, main

runner = CliRunner()
WIDE = {"COLUMNS": "400"}  # so that rich prints every message on one line


def joined(text: str) -> str:
    """The words of `text` with single spaces, and without the card's frame."""
    return " ".join(text.replace("│", " ").split())


@pytest.mark.parametrize("name", activations.names())
def test_the_card_shows_formulas_range_properties_init_and_every_issue(name):
    result = runner.invoke(app, ["explain", name], env=WIDE)
    assert result.exit_code == 0, result.output
    text = joined(result.output)
    act = activations.get(name)
    card = neuronet.explain(name)
    assert joined(act.formula) in text
    assert joined(act.derivative_formula) in text
    assert card.range_text(unicode=True) in text
    assert card.properties_text() in text
    assert f"init={act.recommended_init!r}" in text
    for issue in act.issues:
        assert issue.name in text
        assert joined(issue.remedy) in text, (name, issue.name)


def test_the_card_at_80_columns_keeps_every_word_whole():
    result = runner.invoke(app, ["explain", "gelu"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "…" not in result.output
    assert all(len(line) <= 80 for line in result.output.splitlines())


def test_an_alias_explains_its_activation():
    result = runner.invoke(app, ["explain", "swish"], env=WIDE)
    assert result.exit_code == 0
    assert "SiLU()" in result.output and "f(z) = z * sigmoid(z)" in joined(result.output)


def test_json_is_the_cards_to_dict():
    result = runner.invoke(app, ["explain", "relu", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data == json.loads(json.dumps(neuronet.explain("relu").to_dict()))
    # Against the maths, not the card: relu is 0 then z, with a kink at 0.
    assert data["range"] == [0.0, "inf"]
    assert data["kinks"] == [{"z": 0.0, "left": 0.0, "right": 1.0, "derivative": 0.0}]


def test_several_names_are_compared_side_by_side():
    result = runner.invoke(app, ["explain", "relu", "tanh", "sigmoid"], env=WIDE)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # The table's row comes first, then the formulas under it.
    rows = {
        name: next(line for line in lines if line.split()[:1] == [name])
        for name in ("relu", "tanh")
    }
    assert "(-1, 1)" in rows["tanh"] and "glorot_uniform" in rows["tanh"]
    assert "(0, ∞)" in rows["relu"] and "he_uniform" in rows["relu"]
    assert "binary_cross_entropy" in result.output  # sigmoid's canonical loss

    result = runner.invoke(app, ["explain", "relu", "tanh", "--json"])
    data = json.loads(result.stdout)
    assert data == json.loads(json.dumps(neuronet.compare(["relu", "tanh"]).to_dict()))
    assert [row["name"] for row in data["rows"]] == ["relu", "tanh"]


def test_an_unknown_name_is_a_one_line_usage_error_with_a_did_you_mean(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["explain", "relu", "tahn"])
    assert exit_info.value.code == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("neuronet explain: error: Invalid value for 'NAME...'")
    assert "Did you mean 'tanh'?" in lines[0]


def test_no_name_is_a_usage_error():
    result = runner.invoke(app, ["explain"])
    assert result.exit_code == EXIT_USAGE
    assert "Missing argument" in result.output


def test_python_m_neuronet_explain_relu():
    result = subprocess.run(
        [sys.executable, "-m", "neuronet", "explain", "relu"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "COLUMNS": "200"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "f(z) = max(0, z)" in result.stdout and "dying ReLU" in result.stdout
