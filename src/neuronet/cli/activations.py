"""``neuronet activations``: every activation function, its formula and its properties.

One block per activation rather than a table: a formula or a list of issues wraps onto the
next line at word boundaries, so nothing is cut off at 80 columns or when piped. ``--json``
prints the same facts, read from :func:`neuronet.explain`'s cards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from .. import activations as acts
from ._output import JSON_HELP, print_json

if TYPE_CHECKING:
    from rich.text import Text

__all__ = ["activations", "describe", "facts"]


def describe(name: str) -> Text:
    """The lines describing activation ``name``: formula, range and properties, issues.

    Examples
    --------
    >>> print(describe("tanh"))
    f(z) = tanh(z)
    range (-1, 1); zero-centred, monotonic, smooth
    issues: vanishing gradient
    """
    from rich.text import Text

    act = acts.get(name)
    low, high = act.output_range
    properties = ", ".join(
        word if flag else f"not {word}"
        for word, flag in (
            ("zero-centred", act.zero_centred),
            ("monotonic", act.monotonic),
            ("smooth", act.smooth),
        )
    )
    lines = [act.formula, f"range ({low:g}, {high:g}); {properties}"]
    if act.issues:
        lines.append("issues: " + ", ".join(issue.name for issue in act.issues))
    aliases = [alias for alias, canonical in acts.aliases().items() if canonical == name]
    if aliases:
        lines.append("also called: " + ", ".join(aliases))
    return Text("\n".join(lines))


def facts(name: str) -> dict[str, Any]:
    """What ``neuronet activations --json`` says about ``name``, from its card's ``to_dict()``.

    Examples
    --------
    >>> facts("tanh")["range"], facts("tanh")["issues"]
    ([-1.0, 1.0], ['vanishing gradient'])
    """
    from .. import explain

    card = explain(name).to_dict()
    keys = ("name", "aliases", "formula", "derivative_formula", "range", "properties")
    return {
        **{key: card[key] for key in keys},
        "issues": [issue["name"] for issue in card["issues"]],
        "recommended_init": card["recommended_init"],
    }


def activations(
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """List every activation function with its formula and properties."""
    if json_output:
        print_json({"activations": [facts(name) for name in acts.names()]})
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    # A grid wraps the second column at spaces; names never wrap.
    grid = Table.grid(padding=(0, 2, 1, 0))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(overflow="fold")
    for name in acts.names():
        grid.add_row(Text(name), describe(name))
    console = Console()
    console.print("Activation functions\n", style="bold")
    console.print(grid)
