"""``neuronet train``: train an MLP on a built-in data set, report it and save it.

Every option is checked before training starts, so a typo or a destination that cannot be
written costs nothing; a run that diverges is reported as a failure and, unless asked, saves
nothing.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from pathlib import Path
from typing import Annotated

import typer

from .. import MLP, DivergenceWarning, activations, datasets, optimizers
from ._errors import bad_value, fail, usage_errors

__all__ = ["check_destination", "parse_hidden", "train"]


def _hidden_activation_names() -> list[str]:
    # softmax couples its neurons: the library accepts it in a hidden layer with a warning,
    # but from the command line it is a mistake, so it is neither offered nor accepted.
    return [name for name in activations.names() if activations.get(name).elementwise]


def _one_of(names: list[str]) -> str:
    return "one of " + ", ".join(names)


def parse_hidden(text: str) -> list[int]:
    """Hidden layer widths from ``"64,64"``, ``"64 64"`` or ``"64, 64"``.

    Raises
    ------
    typer.BadParameter
        Naming ``--hidden``, unless ``text`` is a list of positive integers separated by
        commas and/or spaces.

    Examples
    --------
    >>> parse_hidden("64, 32 16")
    [64, 32, 16]
    """
    parts = re.split(r"\s*,\s*|\s+", text.strip())
    if not all(re.fullmatch(r"[0-9]+", part) and int(part) > 0 for part in parts):
        raise bad_value(
            "--hidden",
            f"expected positive integer widths separated by commas or spaces, such as "
            f"'64,64' or '64 64'; got {text!r}.",
        )
    return [int(part) for part in parts]


def check_destination(out: Path, *, force: bool) -> None:
    """Refuse, naming ``--out``, a path the model could not be saved to, before training.

    Raises
    ------
    typer.BadParameter
        If ``out`` is a folder, its folder does not exist or cannot be written, or it exists
        and ``force`` is False.
    """
    folder = out.parent
    if out.is_dir():
        raise bad_value(
            "--out",
            f"{str(out)!r} is a folder; give a file name such as "
            f"{str(out / 'model.safetensors')!r}.",
        )
    if not folder.is_dir():
        raise bad_value("--out", f"folder {str(folder)!r} does not exist; create it first.")
    if out.exists() and not force:
        raise bad_value("--out", f"{str(out)!r} already exists; pass --force to overwrite it.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise bad_value("--out", f"cannot write to folder {str(folder)!r} (permission denied).")


def train(
    data: Annotated[
        str,
        typer.Option(help=f"Built-in data set: {_one_of(datasets.names())}."),
    ] = "spiral",
    samples: Annotated[int, typer.Option(min=4, help="Number of samples to generate.")] = 600,
    noise: Annotated[
        float, typer.Option(min=0.0, help="Standard deviation of the noise in the data.")
    ] = 0.2,
    hidden: Annotated[
        str,
        typer.Option(help="Hidden layer widths, separated by commas or spaces: '64,64'."),
    ] = "64,64",
    activation: Annotated[
        str,
        typer.Option(help=f"Hidden layers' activation: {_one_of(_hidden_activation_names())}."),
    ] = "relu",
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the training set.")] = 200,
    batch_size: Annotated[int, typer.Option(min=1, help="Samples per gradient step.")] = 32,
    optimizer: Annotated[
        str,
        typer.Option(help=f"Optimizer: {_one_of(optimizers.names())}."),
    ] = "adam",
    lr: Annotated[
        float, typer.Option(help="Learning rate, a number > 0 (lbfgs ignores it).")
    ] = 0.01,
    test_size: Annotated[
        float, typer.Option(help="Fraction of the samples held out for testing, in (0, 1).")
    ] = 0.25,
    seed: Annotated[
        int, typer.Option(min=0, help="Seed for the data, the split and the initial weights.")
    ] = 0,
    out: Annotated[Path, typer.Option(help="File to save the trained model to.")] = Path(
        "model.safetensors"
    ),
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Overwrite --out if it already exists.")
    ] = False,
    save_diverged: Annotated[
        bool,
        typer.Option(
            "--save-diverged", help="Save the model even if training diverges (exit code 1)."
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train an MLP on a built-in data set, report held-out accuracy and save it."""
    from rich.console import Console

    # --- every check before any work ---------------------------------------------------------
    with usage_errors("--data"):
        regression = datasets.is_regression(data)
    with usage_errors("--activation"):
        hidden_act = activations.get(activation)
    if not hidden_act.elementwise:
        raise bad_value(
            "--activation",
            f"{activation!r} is meant for the output layer; for hidden layers choose "
            f"{_one_of(_hidden_activation_names())}.",
        )
    with usage_errors("--optimizer"):
        opt = optimizers.get(optimizer)
    if not (math.isfinite(lr) and lr > 0):
        raise bad_value("--lr", f"must be a finite number > 0 such as 0.01, got {lr!r}.")
    widths = parse_hidden(hidden)
    check_destination(out, force=force)

    with usage_errors("--data", n_samples="--samples", noise="--noise"):
        X, y = datasets.load(data, n_samples=samples, noise=noise, seed=seed)
    with usage_errors("--test-size"):
        X_train, X_test, y_train, y_test = datasets.train_test_split(
            X, y, test_size=test_size, seed=seed, stratify=not regression
        )
    n_outputs = 1 if regression else int(y.max()) + 1
    with usage_errors("--hidden"):
        net = MLP(
            [X.shape[1], *widths, n_outputs],
            hidden_act,
            "identity" if regression else "softmax",
            seed=seed,
        )

    # --- train --------------------------------------------------------------------------------
    console = Console()
    console.print(f"Training on [bold]{data}[/] ({len(X_train)} samples, {len(X_test)} held out)")
    console.print(net.summary(), highlight=False)
    with warnings.catch_warnings(record=True) as caught:
        # The divergence is reported below in one line, not as a warning's text.
        warnings.simplefilter("always", DivergenceWarning)
        history = net.fit(
            X_train,
            y_train,
            epochs=epochs,
            batch_size=batch_size,
            optimizer=opt,
            lr=lr,
            verbose=0 if quiet else 1,
        )
    for w in caught:
        if not issubclass(w.category, DivergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    if history.diverged:
        remedy = (
            "try --optimizer adam"
            if isinstance(opt, optimizers.LBFGS)
            else f"lower --lr (it was {lr:g})"
        )
        if save_diverged:
            _save(net, out)
            kept = f"The model was saved to {str(out)!r} all the same, as asked."
        else:
            kept = "No model was saved (--save-diverged keeps it)."
        fail(f"training failed: {history.stop_reason}; {remedy}. {kept}")

    if regression:
        mse = float(((net.predict(X_test) - y_test) ** 2).mean())
        console.print(f"Held-out mean squared error: [bold]{mse:.4f}[/]")
    else:
        accuracy = float((net.predict(X_test) == y_test).mean())
        console.print(f"Held-out accuracy: [bold]{accuracy:.1%}[/]")
    _save(net, out)
    console.print(f"Saved the model to {out}", markup=False, highlight=False)


def _save(net: MLP, out: Path) -> None:
    try:
        net.save(out)
    except OSError as err:
        # The destination was checked before training; this is a disk that filled up or a
        # folder removed since.
        fail(f"could not save the model to {str(out)!r}: {err.strerror or err}.")
