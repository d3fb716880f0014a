"""``neuronet datasets``: the built-in data sets, their task, inputs and classes."""

import json

from typer.testing import CliRunner

from neuronet import datasets
from neuronet.cli import EXIT_OK, app

runner = CliRunner()
WIDE = {"COLUMNS": "400"}  # so that rich prints every message on one line

# From neuronet.datasets' documentation, not from the code that builds the table.
EXPECTED = {
    "blobs": ("classification", 2, 3),
    "circles": ("classification", 2, 2),
    "curve": ("regression", 1, None),
    "moons": ("classification", 2, 2),
    "spiral": ("classification", 2, 3),
    "xor": ("classification", 2, 2),
}


def test_json_lists_every_data_set_with_task_inputs_and_classes():
    result = runner.invoke(app, ["datasets", "--json"])
    assert result.exit_code == EXIT_OK, result.output
    rows = json.loads(result.stdout)["datasets"]
    assert [row["name"] for row in rows] == datasets.names()
    assert {row["name"]: (row["task"], row["inputs"], row["classes"]) for row in rows} == EXPECTED
    by_name = {row["name"]: row for row in rows}
    assert by_name["xor"]["description"].startswith("Four jittered clusters")
    assert "``" not in by_name["moons"]["description"]


def test_the_table():
    result = runner.invoke(app, ["datasets"], env=WIDE)
    assert result.exit_code == EXIT_OK, result.output
    cells = {
        row[0]: row[1:4]
        for line in result.output.splitlines()
        if len(row := [cell.strip() for cell in line.split("│")[1:-1]]) == 5
    }
    assert cells["curve"] == ["regression", "1", "-"]
    assert cells["spiral"] == ["classification", "2", "3"]
    assert set(cells) == set(EXPECTED)  # one row per data set
