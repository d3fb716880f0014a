"""The ``neuronet`` command line.

``neuronet train`` with no arguments trains a network on the built-in spiral data, shows a
progress bar, prints the held-out accuracy and saves the model file. ``neuronet activations``
lists every activation function with its properties; ``neuronet info MODEL`` describes a saved
model; ``neuronet --version`` prints the version.

Each command is a thin wrapper over the library, in its own module: :mod:`.train`,
:mod:`.activations`, :mod:`.info`; :mod:`._errors` holds the shared error reporting.

Exit codes
----------
0
    Success.
1
    Failure while running: training diverged (see ``--save-diverged``), or a model file
    could not be read or written. One line on stderr says what and what to do.
2
    Usage error: an unknown name, a value out of range, a destination that cannot be
    written, found before any training. One message names the option and the valid values.

A traceback means a bug in neuronet; please report it.
"""

from __future__ import annotations

from typing import Annotated

import typer

from .. import __version__
from ._errors import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from .activations import activations
from .info import info
from .train import train

__all__ = ["EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "app", "main"]

app = typer.Typer(
    help="neuronet: multilayer perceptrons you can see inside.",
    no_args_is_help=True,
    add_completion=False,
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


app.command()(train)
app.command()(activations)
app.command()(info)


def main(args: list[str] | None = None) -> None:
    """Run the command line (the ``neuronet`` script).

    A usage error is printed as one line on stderr, ``neuronet train: error: ...``, with exit
    code 2: click's own form is a usage line, a hint and a framed message, which a script or a
    log reads badly.
    """
    from typer.exceptions import TyperException

    try:
        code = app(args=args, standalone_mode=False)
    except typer.Abort:
        typer.echo("neuronet: aborted.", err=True)
        raise SystemExit(EXIT_FAILURE) from None
    except TyperException as err:  # click's exceptions, as typer ships them
        exit_code = getattr(err, "exit_code", EXIT_FAILURE)
        message = " ".join(str(getattr(err, "format_message", err.__str__)()).split())
        ctx = getattr(err, "ctx", None)
        where = ctx.command_path if ctx is not None else "neuronet"
        typer.echo(f"{where}: error: {message}", err=True)
        raise SystemExit(exit_code) from None
    raise SystemExit(code if isinstance(code, int) else EXIT_OK)
