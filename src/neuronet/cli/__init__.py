"""The ``neuronet`` command line.

``neuronet train`` with no arguments trains a network on the built-in spiral data, shows a
progress bar, prints the held-out accuracy and saves the model file. The other commands look
inside networks, activations and data:

================================  ==============================================================
``neuronet train [DATA]``         train an MLP on a table or a built-in data set and save it
                                  (:mod:`.train`)
``neuronet predict MODEL DATA``   predictions for every row of a data file (:mod:`.predict`)
``neuronet evaluate MODEL DATA``  a saved model measured on a labelled data file
                                  (:mod:`.evaluate`)
``neuronet info MODEL``           what a saved model file holds (:mod:`.info`)
``neuronet export MODEL OUT``     a saved model as an ONNX file (:mod:`.export`)
``neuronet activations``          every activation function and its properties
``neuronet explain NAME...``      an activation's card; several names are compared side by side
``neuronet plot KIND ...``        a figure saved to a file: ``activations``, ``network``,
                                  ``decision-boundary``, ``neuron-heatmaps`` (matplotlib)
``neuronet diagnose MODEL``       dead and saturated units, gradient flow, input scale
``neuronet experiment [NAME]``    the experiments that reproduce published results
``neuronet datasets``             the built-in data sets
``neuronet playground``           a browser page that trains networks and shows every neuron
                                  (:mod:`.playground`; needs ``neuronet[playground]``)
================================  ==============================================================

Each command is a thin wrapper over one library call, in its own module; ``neuronet CMD
--help`` shows its options and an example. :mod:`._errors` holds the shared error reporting
and :mod:`._output` the JSON output. ``neuronet --version`` prints the version;
``neuronet --install-completion`` installs shell completion (bash, zsh, fish, PowerShell) and
``neuronet --show-completion`` prints the script.

Machine-readable output
-----------------------
Every command that reports something takes ``--json``: it then prints one JSON object on
stdout and nothing else (no tables, no progress bar), so ``neuronet ... --json | jq`` always
parses. NaN and infinite numbers become ``null`` (an activation's infinite range end the string
``"inf"``). Errors stay one line on stderr with the exit codes below, ``--json`` or not.

Exit codes
----------
0
    Success.
1
    Failure while running, a data or model error: training diverged (see
    ``--save-diverged``), a model file could not be read or written, data that does not fit
    the model, a plot that needs matplotlib. One line on stderr says what and what to do.
2
    Usage error: an unknown command or name, a value out of range, a destination that exists
    or cannot be written, found before any work. One line names the option and the valid
    values.
130
    Interrupted by Ctrl-C: ``neuronet train`` stops after the batch in progress and saves the
    model trained so far (``--checkpoint FILE`` and ``--resume FILE`` continue the run).

A traceback means a bug in neuronet; please report it.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .. import __version__
from ._errors import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from .activations import activations
from .datasets import datasets
from .diagnose import diagnose
from .evaluate import evaluate
from .experiment import experiment
from .explain import explain
from .export import export
from .info import info
from .playground import playground
from .plot import plot_app
from .predict import predict
from .train import train

__all__ = ["EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "app", "main"]

#: The program name in usage lines, error messages and the completion variable
#: (``_NEURONET_COMPLETE``), however the command line was started (``python -m neuronet``).
PROG_NAME = "neuronet"

app = typer.Typer(
    help="neuronet: multilayer perceptrons you can see inside.",
    epilog="Example: neuronet train, then neuronet plot network model.safetensors",
    no_args_is_help=True,
    # typer's --install-completion and --show-completion (bash, zsh, fish, PowerShell).
    add_completion=True,
    # A user's mistake is reported in one line; a traceback is only ever a bug, and then a
    # plain one reads better than a 70-line panel.
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"neuronet {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
) -> None:
    """neuronet: multilayer perceptrons you can see inside."""


# Every command's --help ends with an example: an "Example:" paragraph, given here as the
# epilog or at the end of the command's docstring.
app.command()(train)
app.command(epilog="Example: neuronet activations --json")(activations)
app.command()(info)
app.command()(predict)
app.command()(evaluate)
app.command(
    epilog="Examples: neuronet explain gelu  (one card);  neuronet explain relu tanh sigmoid "
    "(compared side by side)"
)(explain)
app.add_typer(plot_app, name="plot")
app.command(
    epilog="Example: neuronet diagnose model.safetensors --data spiral  (after neuronet train)"
)(diagnose)
app.command(
    epilog="Examples: neuronet experiment  (the list);  neuronet experiment dying_relu "
    "--plots figures"
)(experiment)
app.command(epilog="Example: neuronet datasets --json")(datasets)
app.command()(export)
app.command()(playground)


def _value_received(err: Exception, args: list[str], message: str) -> str:
    """``", got '0'"`` for a bad option value whose message does not show it, else ``""``.

    typer's own checks (``min=1``, a number) say what was expected but not what was given;
    the value is found after the option's name on the command line.
    """
    param = getattr(err, "param", None)
    opts = [opt for opt in getattr(param, "opts", []) if opt.startswith("-")]
    if type(err).__name__ != "BadParameter" or not opts or "got " in message:
        return ""
    received = None  # the last occurrence: the one click keeps, and refused
    for i, arg in enumerate(args):
        if arg == "--":
            break
        for opt in opts:
            if arg == opt and i + 1 < len(args):
                received = args[i + 1]
            elif opt.startswith("--") and arg.startswith(opt + "="):
                received = arg[len(opt) + 1 :]
    return "" if received is None else f", got {received!r}."


def main(args: list[str] | None = None) -> None:
    """Run the command line (the ``neuronet`` script and ``python -m neuronet``).

    A usage error is printed as one line on stderr, ``neuronet train: error: ...``, with exit
    code 2: click's own form is a usage line, a hint and a framed message, which a script or a
    log reads badly.
    """
    from typer.exceptions import TyperException

    try:
        code = app(args=args, prog_name=PROG_NAME, standalone_mode=False)
    except typer.Abort:
        typer.echo("neuronet: aborted.", err=True)
        raise SystemExit(EXIT_FAILURE) from None
    except TyperException as err:  # click's exceptions, as typer ships them
        exit_code = getattr(err, "exit_code", EXIT_FAILURE)
        message = " ".join(str(getattr(err, "format_message", err.__str__)()).split())
        message += _value_received(err, sys.argv[1:] if args is None else args, message)
        ctx = getattr(err, "ctx", None)
        where = ctx.command_path if ctx is not None else PROG_NAME
        if type(err).__name__ == "NoArgsIsHelpError":
            # `neuronet` or `neuronet plot` alone: rich has printed the help already; without
            # rich the help is the message.
            help_text = err.format_message()
            if help_text.strip():
                typer.echo(help_text)
        elif message:
            typer.echo(f"{where}: error: {message}", err=True)
        raise SystemExit(exit_code) from None
    raise SystemExit(code if isinstance(code, int) else EXIT_OK)
