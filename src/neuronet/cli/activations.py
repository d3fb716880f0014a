"""``neuronet activations``: every activation function, its formula and its properties.

One block per activation rather than a table: a formula or a list of issues wraps onto the
next line at word boundaries, so nothing is cut off at 80 columns or when piped.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .. import activations as acts

__all__ = ["activations", "describe"]


def describe(name: str) -> Text:
    """The lines describing activation ``name``: formula, range and properties, issues.

    Examples
    --------
    >>> print(describe("tanh"))
    f(z) = tanh(z)
    range (-1, 1); zero-centred, monotonic, smooth
    issues: vanishing gradient
    """
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


def activations() -> None:
    """List every activation function with its formula and properties."""
    # A grid wraps the second column at spaces; names never wrap.
    grid = Table.grid(padding=(0, 2, 1, 0))
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(overflow="fold")
    for name in acts.names():
        grid.add_row(Text(name), describe(name))
    console = Console()
    console.print("Activation functions\n", style="bold")
    console.print(grid)
