"""``neuronet diagnose MODEL --data NAME``: look inside a saved model on a built-in data set.

One call of :func:`neuronet.diagnose` with the data set's targets: per dense layer the share
of dead (ReLU family) or saturated units, the mean and spread of z and a, the weight-gradient
norm, and the findings in plain words with their remedies. ``--json`` prints
:meth:`~neuronet.diagnostics.Diagnosis.to_dict`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ._errors import ModelPath, fail
from ._output import JSON_HELP, print_json
from .datasets import complete_dataset
from .plot import load_data, load_model

__all__ = ["diagnose"]


def diagnose(
    model: ModelPath,
    data: Annotated[
        str,
        typer.Option(
            "--data",
            help="Built-in data set (see 'neuronet datasets') with the inputs and targets the "
            "model was trained on.",
            show_default=False,
            autocompletion=complete_dataset,
        ),
    ],
    samples: Annotated[
        int | None,
        typer.Option(help="Number of samples to measure on (default: the data set's own).", min=1),
    ] = None,
    noise: Annotated[
        float | None,
        typer.Option(help="Noise in the data (default: the data set's own).", min=0.0),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Seed for the data.")] = 0,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Diagnose a saved model: dead and saturated units, gradient flow, input scale."""
    from rich.console import Console

    from .. import diagnose as diagnose_net

    X, y = load_data(data, samples=samples, noise=noise, seed=seed)
    net = load_model(model)
    try:
        diagnosis = diagnose_net(net, X, y)
    except ValueError as err:
        fail(f"cannot diagnose {str(model)!r} on --data {data}: {err}")
    if json_output:
        print_json(diagnosis.to_dict())
        return
    Console().print(diagnosis)
