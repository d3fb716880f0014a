"""``neuronet experiment [NAME]``: the experiments that reproduce published results.

With no NAME, the list of :mod:`neuronet.experiments` with the claim each one tests. With a
NAME, one call of that experiment (its small, seeded defaults: about a second), its numbers
in a table and, with ``--plots DIR``, its figure (``result.figure()``) saved as
``DIR/NAME.png``. ``--json`` prints every number the result holds.
"""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ._errors import bad_value
from ._output import JSON_HELP, print_json

__all__ = ["complete_experiment", "describe", "experiment", "first_line", "names", "summarise"]

# Arrays with more entries than this are shown by their ends, not whole.
_SHOWN_WHOLE = 8


def _functions() -> dict[str, Callable[..., Any]]:
    from .. import experiments

    return {
        name: getattr(experiments, name)
        for name in sorted(experiments.__all__)
        if name[0].islower() and callable(getattr(experiments, name))
    }


def names() -> list[str]:
    """The experiments' names, as :mod:`neuronet.experiments` spells its functions.

    Examples
    --------
    >>> "dying_relu" in names()
    True
    """
    return list(_functions())


def complete_experiment(incomplete: str) -> list[str]:
    """Shell completion: the experiments whose name starts with `incomplete`."""
    return [name for name in names() if name.startswith(incomplete)]


def first_line(function: Callable[..., Any]) -> str:
    r"""The first line of `function`'s docstring in plain text, without reStructuredText.

    Examples
    --------
    >>> def f():
    ...     pass
    >>> f.__doc__ = r"Std :math:`\sqrt{1/n}`, as ``make_blobs`` and :func:`~numpy.std` do."
    >>> first_line(f)
    'Std √(1/n), as make_blobs and numpy.std do.'
    """
    doc = inspect.getdoc(function)
    if not doc:
        return ""
    text = re.sub(r":[a-z]+:`~?([^`]*)`", r"\1", doc.splitlines()[0])
    text = re.sub(r"\\sqrt\{([^}]*)\}", r"√(\1)", text)
    return text.replace("``", "")


def describe(name: str) -> str:
    """The claim experiment `name` tests: the first line of its docstring, in plain text.

    Examples
    --------
    >>> describe("he_init_variance")
    "He initialisation keeps a deep ReLU network's variance; std √(1/n) halves it."
    """
    return first_line(_functions()[name])


def _lookup(name: str) -> str:
    known = names()
    key = name.strip().lower().replace("-", "_")
    if key in known:
        return key
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise bad_value(
        "NAME",
        f"unknown experiment {name!r}.{hint} Valid names: {', '.join(known)}.",
    )


def _number(value: Any) -> str:
    return f"{float(value):.4g}"


def _array_text(values: Any) -> str:
    import numpy as np

    arr = np.asarray(values)
    if arr.ndim == 0:
        return _number(arr)
    if arr.ndim == 1:
        if arr.size <= _SHOWN_WHOLE:
            return "[" + ", ".join(map(_number, arr)) + "]"
        return f"{_number(arr[0])} → {_number(arr[-1])} ({arr.size} values, first → last)"
    if arr.ndim == 2 and arr.size <= _SHOWN_WHOLE * 2:
        return "[" + ", ".join(_array_text(row) for row in arr) + "]"
    if arr.ndim == 2 and arr.shape[1] <= _SHOWN_WHOLE:
        return (
            f"{_array_text(arr[0])} → {_array_text(arr[-1])} ({arr.shape[0]} rows, first → last)"
        )
    return f"array of shape {arr.shape}"


def _value_text(value: Any) -> str | None:
    """How a table shows one value; None for what a table cannot show (a network)."""
    import numpy as np

    from ..network import MLP

    if isinstance(value, MLP):
        return None
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, int | float | np.number):
        return _number(value)
    if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
        return ", ".join(_array_text(item) for item in value)
    if isinstance(value, tuple | list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, np.ndarray):
        return _array_text(value)
    return str(value)


def summarise(result: Any) -> list[tuple[str, str, str]]:
    """(quantity, which, value) rows for every number an experiment's result holds.

    A field that maps names to values (``{"relu": ..., "tanh": ...}``) gives one row per
    name; an array is shown whole when short, else by its first and last entries (over the
    epochs or the layers, as the result's docstring says); the trained networks are left out.

    Examples
    --------
    >>> from neuronet import experiments
    >>> result = experiments.dying_relu(widths=(2,), depths=(10, 20), trials=20)
    >>> summarise(result)[:3]
    [('widths', '', '2'), ('depths', '', '10, 20'), ('trials', '', '20')]
    >>> summarise(result)[4]  # one row per width, one column per depth
    ('dead_fraction', 'leaky_relu', '[[0, 0]]')
    """
    rows = []
    for field in dataclasses.fields(result):
        value = getattr(result, field.name)
        items = value.items() if isinstance(value, dict) else [("", value)]
        for key, item in items:
            text = _value_text(item)
            if text is not None:
                rows.append((field.name, str(key), text))
    return rows


def _to_json(result: Any) -> dict[str, Any]:
    from ..network import MLP

    def plain(value: Any) -> Any:
        if isinstance(value, MLP):
            return repr(value)
        if isinstance(value, dict):
            return {str(key): plain(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        return value

    return {field.name: plain(getattr(result, field.name)) for field in dataclasses.fields(result)}


def experiment(
    name: Annotated[
        str | None,
        typer.Argument(
            metavar="NAME",
            help="The experiment to run ('-' or '_' alike); none lists them.",
            show_default=False,
            autocompletion=complete_experiment,
        ),
    ] = None,
    plots: Annotated[
        Path | None,
        typer.Option(
            help="Folder to save the experiment's figure in, as NAME.png (created if needed; "
            "needs matplotlib).",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Seed for the data and the networks.")] = 0,
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Overwrite the figure if it exists.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Run an experiment that reproduces a published result, or list them all."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    if name is None:
        listing = [{"name": known, "claim": describe(known)} for known in names()]
        if json_output:
            print_json({"experiments": listing})
            return
        table = Table(title="Experiments (neuronet experiment NAME)", title_justify="left")
        table.add_column("name", no_wrap=True, style="bold")
        table.add_column("claim it reproduces", overflow="fold")
        for row in listing:
            table.add_row(row["name"], Text(row["claim"]))
        console.print(table)
        return

    key = _lookup(name)
    figure_path = None
    if plots is not None:
        from .plot import check_output, require_matplotlib

        if plots.exists() and not plots.is_dir():
            raise bad_value("--plots", f"{str(plots)!r} is a file; give a folder.")
        require_matplotlib()
        try:
            plots.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise bad_value(
                "--plots", f"cannot create folder {str(plots)!r}: {err.strerror or err}."
            ) from None
        figure_path = check_output(plots / f"{key}.png", force=force, option="--plots")

    import warnings

    function = _functions()[key]
    with warnings.catch_warnings():
        # An experiment may show a pitfall on purpose (a bad pairing, a dead network); what it
        # warns is the point of the experiment, not a problem with this run.
        warnings.simplefilter("ignore")
        result = function(seed=seed)

    if figure_path is not None:
        from .plot import save_figure

        save_figure(result.figure(), figure_path)

    if json_output:
        print_json(
            {
                "name": key,
                "claim": describe(key),
                "result": _to_json(result),
                "figure": None if figure_path is None else str(figure_path),
            }
        )
        return
    table = Table(title=f"{key}: {describe(key)}", title_justify="left")
    table.add_column("quantity", no_wrap=True, style="bold")
    table.add_column("of", no_wrap=True)
    table.add_column("value", overflow="fold")
    for quantity, which, value in summarise(result):
        table.add_row(quantity, which, Text(value))
    console.print(table)
    if figure_path is not None:
        console.print(f"Saved the figure to {figure_path}", markup=False, highlight=False)
