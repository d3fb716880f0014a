"""The command line as an application: help with an example everywhere, --json that parses,
--version, shell completion, exit codes, and a quick start."""

import json
import os
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

import neuronet
from conftest import require
from neuronet.cli import EXIT_OK, EXIT_USAGE, app

runner = CliRunner()
WIDE = {"COLUMNS": "400"}  # so that rich prints every message on one line


def _commands(group, path=()):
    """Every command path under `group`, subcommands of `neuronet plot` included."""
    found = []
    for name, command in sorted(group.commands.items()):
        found.append((*path, name))
        if hasattr(command, "commands"):
            found += _commands(command, (*path, name))
    return found


COMMANDS = _commands(typer.main.get_command(app))

# Commands owned elsewhere whose --help has no example yet: xfail(strict) until they do.
WITHOUT_EXAMPLE: set[tuple[str, ...]] = set()


def run(*args, env=None):
    """``python -m neuronet ARGS`` in a subprocess: the installed program as a shell runs it."""
    return subprocess.run(
        [sys.executable, "-m", "neuronet", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
        check=False,
    )


def test_the_seeing_inside_commands_are_registered():
    assert {
        ("activations",),
        ("datasets",),
        ("diagnose",),
        ("experiment",),
        ("explain",),
        ("plot",),
        ("plot", "activations"),
        ("plot", "decision-boundary"),
        ("plot", "network"),
        ("plot", "neuron-heatmaps"),
        ("train",),
        ("info",),
    } <= set(COMMANDS)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(
            command,
            marks=[pytest.mark.xfail(strict=True, reason="no example yet")]
            if command in WITHOUT_EXAMPLE
            else [],
        )
        for command in COMMANDS
    ],
    ids=" ".join,
)
def test_every_command_has_help_with_an_example(command):
    result = runner.invoke(app, [*command, "--help"], env=WIDE)
    assert result.exit_code == EXIT_OK, result.output
    assert "Usage: " in result.output
    assert "Example" in result.output, f"neuronet {' '.join(command)} --help shows no example"
    narrow = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80"})
    assert "…" not in narrow.output  # wrapped at 80 columns, never cut


def test_the_top_level_help_has_an_example_and_completion():
    result = runner.invoke(app, ["--help"], env=WIDE)
    assert result.exit_code == EXIT_OK
    for text in ("Example", "--version", "--install-completion", "--show-completion"):
        assert text in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["activations"],
        ["datasets"],
        ["explain", "gelu"],
        ["explain", "relu", "elu", "softmax"],
        ["experiment"],
        ["experiment", "vanishing_gradients"],
    ],
    ids=" ".join,
)
def test_json_output_parses_and_is_all_that_is_printed(args):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == EXIT_OK, result.output
    assert result.stderr == ""
    assert isinstance(json.loads(result.stdout), dict)


def test_json_output_of_the_model_commands_parses(tmp_path):
    require("matplotlib")
    model = tmp_path / "m.safetensors"
    neuronet.MLP([2, 4, 2], output="softmax", seed=0).save(model)
    for args in (
        ["diagnose", str(model), "--data", "xor"],
        ["plot", "network", str(model), "-o", str(tmp_path / "n.png")],
    ):
        result = runner.invoke(app, [*args, "--json"])
        assert result.exit_code == EXIT_OK, result.output
        assert isinstance(json.loads(result.stdout), dict)


def test_version():
    result = run("--version")
    assert (result.returncode, result.stdout) == (EXIT_OK, f"neuronet {neuronet.__version__}\n")


def test_no_command_shows_the_help_without_an_error_line():
    result = run()
    assert result.returncode == EXIT_USAGE  # click's convention: a command was expected
    assert "Usage: neuronet [OPTIONS] COMMAND" in result.stdout
    assert result.stderr == ""
    result = run("plot")
    assert "Usage: neuronet plot [OPTIONS] COMMAND" in result.stdout and result.stderr == ""


def test_show_completion_prints_the_bash_script(monkeypatch):
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    result = runner.invoke(app, ["--show-completion", "bash"], prog_name="neuronet")
    assert result.exit_code == EXIT_OK
    assert "_NEURONET_COMPLETE=complete_bash" in result.output
    assert "complete -o default -F _neuronet_completion neuronet" in result.output


def test_install_completion_writes_the_script_for_the_shell(tmp_path):
    result = run(
        "--install-completion",
        "bash",
        env={"HOME": str(tmp_path), "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"},
    )
    assert result.returncode == EXIT_OK, result.stderr
    script = (tmp_path / ".bash_completions" / "neuronet.sh").read_text()
    assert "_NEURONET_COMPLETE=complete_bash" in script
    assert ".bash_completions/neuronet.sh" in (tmp_path / ".bashrc").read_text()


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("neuronet ex", {"explain", "experiment"}),
        ("neuronet plot d", {"decision-boundary"}),
        ("neuronet explain sig", {"sigmoid"}),
        ("neuronet experiment dy", {"dying_relu"}),
        ("neuronet diagnose m.safetensors --data sp", {"spiral"}),
    ],
)
def test_bash_completion_of_commands_and_names(words, expected):
    result = run(
        env={
            "_NEURONET_COMPLETE": "complete_bash",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split()) - 1),
        }
    )
    assert result.returncode == EXIT_OK, result.stderr
    completions = set(result.stdout.split())
    if words == "neuronet ex":
        # Other commands starting with "ex" (export) may join: top-level commands only.
        top = {command[0] for command in COMMANDS if command[0].startswith("ex")}
        assert expected <= completions <= top
    else:
        assert completions == expected


def test_the_package_docstring_lists_the_commands_exit_codes_and_json():
    doc = neuronet.cli.__doc__
    for command in ("explain", "plot", "diagnose", "experiment", "datasets", "activations"):
        assert f"``neuronet {command}" in doc
    for code in ("0\n    Success", "1\n    Failure", "2\n    Usage error"):
        assert code in doc
    assert "--json" in doc and "one JSON object on" in doc


def test_starting_the_command_line_imports_nothing_heavy():
    code = (
        "import sys, neuronet.cli; "
        "print(sorted(m for m in ('matplotlib', 'pandas', 'pyarrow', 'neuronet.experiments', "
        "'neuronet.plot', 'neuronet.diagnostics') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout == "[]\n"


@pytest.mark.parametrize(
    ("args", "received"),
    [
        (["train", "--epochs", "0"], "got '0'."),
        (["train", "--epochs=-3"], "got '-3'."),
        (["train", "--lr", "abc"], "got 'abc'."),
    ],
)
def test_typers_own_checks_say_the_value_received(args, received, capsys):
    with pytest.raises(SystemExit) as caught:
        neuronet.cli.main(args)
    assert caught.value.code == neuronet.cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.rstrip().endswith(received), err
