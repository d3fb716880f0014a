"""The ``neuronet`` command line.

``neuronet train`` with no arguments trains a network on the built-in spiral data, shows a
progress bar, prints the held-out accuracy and saves the model file. ``neuronet activations``
lists every activation function with its properties; ``neuronet info FILE`` describes a saved
model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="neuronet: multilayer perceptrons you can see inside.",
    no_args_is_help=True,
    add_completion=False,
)


def _parse_hidden(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise typer.BadParameter(f"expected widths such as '64,64', got {text!r}.") from None
    if any(s < 1 for s in sizes):
        raise typer.BadParameter(f"hidden widths must be positive, got {text!r}.")
    return sizes


@app.command()
def train(
    data: Annotated[str, typer.Option(help="Built-in data set (see neuronet.datasets).")] = (
        "spiral"
    ),
    samples: Annotated[int, typer.Option(min=4, help="Samples to generate.")] = 600,
    noise: Annotated[float, typer.Option(min=0.0, help="Noise level of the data.")] = 0.2,
    hidden: Annotated[str, typer.Option(help="Hidden layer widths, comma-separated.")] = "64,64",
    activation: Annotated[str, typer.Option(help="Hidden activation.")] = "relu",
    epochs: Annotated[int, typer.Option(min=1)] = 200,
    batch_size: Annotated[int, typer.Option(min=1)] = 32,
    optimizer: Annotated[str, typer.Option()] = "adam",
    lr: Annotated[float, typer.Option(help="Learning rate.")] = 0.01,
    test_size: Annotated[float, typer.Option(help="Held-out fraction.")] = 0.25,
    seed: Annotated[int, typer.Option()] = 0,
    out: Annotated[Path, typer.Option(help="Where to save the model.")] = Path(
        "model.safetensors"
    ),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train an MLP on a built-in data set, report held-out accuracy and save it."""
    from rich.console import Console

    from . import MLP, datasets

    console = Console()
    widths = _parse_hidden(hidden)
    try:
        X, y = datasets.load(data, n_samples=samples, noise=noise, seed=seed)
    except (TypeError, ValueError) as err:
        raise typer.BadParameter(str(err), param_hint="--data") from None
    regression = datasets.is_regression(data)
    X_train, X_test, y_train, y_test = datasets.train_test_split(
        X, y, test_size=test_size, seed=seed, stratify=not regression
    )
    if regression:
        net = MLP([X.shape[1], *widths, 1], activation, "identity", seed=seed)
    else:
        n_classes = int(y.max()) + 1
        net = MLP([X.shape[1], *widths, n_classes], activation, "softmax", seed=seed)
    console.print(f"Training on [bold]{data}[/] ({len(X_train)} samples, {len(X_test)} held out)")
    console.print(net.summary(), highlight=False)
    history = net.fit(
        X_train,
        y_train,
        epochs=epochs,
        batch_size=batch_size,
        optimizer=optimizer,
        lr=lr,
        verbose=0 if quiet else 1,
    )
    if history.diverged:
        console.print(f"[red]{history.stop_reason}[/]")
    if regression:
        mse = float(((net.predict(X_test) - y_test) ** 2).mean())
        console.print(f"Held-out mean squared error: [bold]{mse:.4f}[/]")
    else:
        accuracy = float((net.predict(X_test) == y_test).mean())
        console.print(f"Held-out accuracy: [bold]{accuracy:.1%}[/]")
    net.save(out)
    console.print(f"Saved the model to {out}")


@app.command()
def activations() -> None:
    """List every activation function with its formula and properties."""
    from rich.console import Console
    from rich.table import Table

    from . import activations as acts

    table = Table(title="Activation functions")
    for column in ("name", "f(z)", "range", "zero-centred", "monotonic", "smooth", "issues"):
        table.add_column(column)
    for name in acts.names():
        act = acts.get(name)
        low, high = act.output_range
        table.add_row(
            name,
            act.formula,
            f"({low:g}, {high:g})",
            "yes" if act.zero_centred else "no",
            "yes" if act.monotonic else "no",
            "yes" if act.smooth else "no",
            ", ".join(issue.name for issue in act.issues),
        )
    Console().print(table)


@app.command()
def info(path: Path) -> None:
    """Describe a saved model file."""
    from . import load

    try:
        net = load(path)
    except (OSError, ValueError) as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(1) from None
    typer.echo(net.summary())


def main() -> None:
    app()
