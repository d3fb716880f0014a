"""``neuronet datasets``: the built-in data sets, their task, inputs, classes and purpose."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ._output import JSON_HELP, print_json

__all__ = ["complete_dataset", "datasets", "describe"]


def complete_dataset(incomplete: str) -> list[str]:
    """Shell completion: the built-in data sets whose name starts with `incomplete`."""
    from .. import datasets as data

    return [name for name in data.names() if name.startswith(incomplete)]


def describe() -> list[dict[str, Any]]:
    """One dict per built-in data set: name, task, inputs, classes, description.

    The inputs and classes are those of the data set drawn with its default arguments
    (``spiral`` and ``blobs`` take ``n_classes``, ``blobs`` ``n_features``); ``classes`` is
    None for regression. The description is the first line of the generator's docstring.

    Examples
    --------
    >>> [row for row in describe() if row["name"] == "moons"]  # doctest: +NORMALIZE_WHITESPACE
    [{'name': 'moons', 'task': 'classification', 'inputs': 2, 'classes': 2,
      'description': "Two interleaving half-moons, as in scikit-learn's make_moons."}]
    """
    import numpy as np

    from .. import datasets as data
    from .experiment import first_line

    rows = []
    for name in data.names():
        X, y = data.load(name, seed=0)
        regression = data.is_regression(name)
        rows.append(
            {
                "name": name,
                "task": "regression" if regression else "classification",
                "inputs": int(X.shape[1]),
                "classes": None if regression else len(np.unique(y)),
                "description": first_line(getattr(data, name)),
            }
        )
    return rows


def datasets(
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """List the built-in data sets: task, number of inputs and classes, what each is for."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rows = describe()
    if json_output:
        print_json({"datasets": rows})
        return
    table = Table(title="Built-in data sets (--data NAME)", title_justify="left")
    table.add_column("name", no_wrap=True, style="bold")
    table.add_column("task", no_wrap=True)
    table.add_column("inputs", justify="right", no_wrap=True)
    table.add_column("classes", justify="right", no_wrap=True)
    table.add_column("description", overflow="fold")
    for row in rows:
        classes = "-" if row["classes"] is None else str(row["classes"])
        table.add_row(
            row["name"], row["task"], str(row["inputs"]), classes, Text(row["description"])
        )
    Console().print(table)
