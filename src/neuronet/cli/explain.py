"""``neuronet explain NAME...``: an activation's card, or several compared side by side.

One name prints :func:`neuronet.explain`'s card (formula and derivative, range, properties,
kinks, the recommended initialiser, the loss it pairs with as an output, the known issues and
their remedies); several print :func:`neuronet.compare`'s table. ``--json`` prints the card's
or the comparison's ``to_dict()``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ._errors import usage_errors
from ._output import JSON_HELP, print_json

__all__ = ["complete_activation", "explain"]


def complete_activation(incomplete: str) -> list[str]:
    """Shell completion: the activation names and aliases that start with `incomplete`."""
    from .. import activations

    return [
        name
        for name in sorted([*activations.names(), *activations.aliases()])
        if name.startswith(incomplete)
    ]


def explain(
    names: Annotated[
        list[str],
        typer.Argument(
            metavar="NAME...",
            help="Activation names or aliases (see 'neuronet activations'); two or more are "
            "compared side by side.",
            show_default=False,
            autocompletion=complete_activation,
        ),
    ],
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Explain an activation: formula, derivative, range, properties, issues and remedies."""
    from rich.console import Console

    from .. import compare
    from .. import explain as card_of

    # Cards are built from the registry, so an unknown name is reported with a did-you-mean.
    with usage_errors("NAME..."):
        shown = card_of(names[0]) if len(names) == 1 else compare(names)
    if json_output:
        print_json(shown.to_dict())
        return
    Console().print(shown)
