"""How the command line reports mistakes and failures: one line, the right exit code.

A usage error (a bad option value) is raised as :class:`typer.BadParameter`, which typer
prints as one message naming the option and exits with :data:`EXIT_USAGE`. A failure that is
not the user's typing (training diverged, a model file that cannot be read) prints one line
on stderr and exits with :data:`EXIT_FAILURE`. Neither shows a traceback: those are left for
bugs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer

__all__ = [
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "ModelPath",
    "bad_value",
    "fail",
    "model_errors",
    "usage_errors",
]

#: The command did what was asked.
EXIT_OK = 0
#: It ran but failed: training diverged, a model file could not be read or written.
EXIT_FAILURE = 1
#: A mistake on the command line, found before any work was done (click's convention).
EXIT_USAGE = 2
#: Stopped by Ctrl-C (128 + SIGINT, the shell's convention); what was done so far is kept.
EXIT_INTERRUPTED = 130


@contextmanager
def usage_errors(option: str, **by_argument: str) -> Iterator[None]:
    """Report the library's ``TypeError``/``ValueError`` as a bad value of ``option``.

    The library's messages name the argument in backticks (``"`test_size` must be ..."``);
    ``by_argument`` maps such a name to the option to blame instead of ``option``, for a call
    that several options feed.

    Wrap only calls whose arguments come from the command line: an error raised by a bug
    deeper down should keep its traceback.

    Parameters
    ----------
    option : str
        The option to name, e.g. ``"--activation"``.
    **by_argument : str
        Library argument name -> option, e.g. ``n_samples="--samples"``.

    Examples
    --------
    >>> try:
    ...     with usage_errors("--data", n_samples="--samples"):
    ...         raise ValueError("`n_samples` must be an integer >= 3, got 2.")
    ... except typer.BadParameter as err:
    ...     print(err.format_message())
    Invalid value for '--samples': `n_samples` must be an integer >= 3, got 2.
    """
    try:
        yield
    except (TypeError, ValueError) as err:
        message = str(err)
        blamed = next((opt for arg, opt in by_argument.items() if f"`{arg}`" in message), option)
        # A list makes click quote the name ('--lr'), as in its own messages.
        raise typer.BadParameter(message, param_hint=[blamed]) from None


def bad_value(option: str, message: str) -> typer.BadParameter:
    """A usage error about ``option``, to ``raise``; typer prints it as one message."""
    return typer.BadParameter(message, param_hint=[option])


def fail(message: str) -> NoReturn:
    """Print ``Error: message`` on stderr and exit with :data:`EXIT_FAILURE`."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(EXIT_FAILURE)


@contextmanager
def model_errors(path: Path) -> Iterator[None]:
    """A model file that cannot be read, or is not a valid neuronet model: one line, exit 1.

    Wrap the call that reads ``path`` (``neuronet.load``, ``io.read``, ``io.read_metadata``):
    its :class:`~neuronet.io.ModelFileError` already names the file and what is wrong.
    """
    from ..io import ModelFileError

    try:
        yield
    except ModelFileError as err:
        fail(str(err))
    except OSError as err:
        fail(f"cannot read {str(path)!r}: {err.strerror or err}.")


#: The MODEL argument of every command that reads a saved model.
ModelPath = Annotated[
    Path,
    typer.Argument(
        metavar="MODEL",
        help="A model file written by 'neuronet train' or MLP.save.",
        exists=True,
        dir_okay=False,
        show_default=False,
    ),
]
