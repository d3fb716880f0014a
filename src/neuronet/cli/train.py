"""``neuronet train``: train an MLP on a table or a built-in data set, report it and save it.

``neuronet train data.csv --target species`` reads a CSV, TSV, Parquet or JSON Lines file,
holds out a fraction of the rows, learns the preprocessing on the others
(:class:`neuronet.cli.tabular.Preprocessor`: numeric columns standardised, categorical ones
one-hot encoded, a regression target scaled), trains with :meth:`MLP.fit` (the one training
loop), reports the held-out metrics in the target's own units and saves the network with its
preprocessing and a record of the run in one model file (sections ``"preprocessing"`` and
``"training"``; see :mod:`neuronet.io`). ``neuronet train`` alone trains on the built-in spiral.

Every option is checked before training starts, so a typo or a destination that cannot be
written costs nothing; a run that diverges is reported as a failure and, unless asked, saves
nothing. The model file is written atomically, so a failed run never leaves half of one.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import sys
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
from numpy.typing import NDArray

from .. import (
    MLP,
    DivergenceWarning,
    __version__,
    activations,
    checkpoints,
    datasets,
    io,
    losses,
    optimizers,
)
from ..checkpoints import check_path, existing_paths, started_lr
from ._errors import EXIT_INTERRUPTED, bad_value, fail, usage_errors
from ._output import JSON_HELP, print_json

if TYPE_CHECKING:
    from ..training import History
    from .tabular import Preprocessor

__all__ = [
    "check_destination",
    "classification_metrics",
    "parse_activations",
    "parse_hidden",
    "regression_metrics",
    "split_rows",
    "train",
]

TASKS = ("classification", "regression")
IMPUTE = ("mean", "median", "most_frequent")
#: Defaults of the options that only apply to a built-in data set.
DEFAULT_SAMPLES, DEFAULT_NOISE, DEFAULT_DATA = 600, 0.2, "spiral"
DEFAULT_VALIDATION = 0.25


def _hidden_activation_names() -> list[str]:
    # softmax couples its neurons: the library accepts it in a hidden layer with a warning,
    # but from the command line it is a mistake, so it is neither offered nor accepted.
    return [name for name in activations.names() if activations.get(name).elementwise]


def _one_of(names: list[str] | tuple[str, ...]) -> str:
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


def parse_activations(text: str, n_hidden: int) -> list[activations.Activation]:
    """One hidden activation per hidden layer from ``"relu"`` (for all) or ``"relu,tanh"``.

    Raises
    ------
    typer.BadParameter
        Naming ``--activation``: an unknown name (with a did-you-mean), an activation meant
        for the output layer, or a count that is neither 1 nor ``n_hidden``.

    Examples
    --------
    >>> [act.name for act in parse_activations("relu, tanh", 2)]
    ['relu', 'tanh']
    >>> [act.name for act in parse_activations("elu", 3)]
    ['elu', 'elu', 'elu']
    """
    names = [part for part in re.split(r"\s*,\s*|\s+", text.strip()) if part]
    if not names:
        raise bad_value("--activation", f"give a name such as 'relu', got {text!r}.")
    acts = []
    for name in names:
        with usage_errors("--activation"):
            act = activations.get(name)
        if not act.elementwise:
            raise bad_value(
                "--activation",
                f"{name!r} is meant for the output layer; for hidden layers choose "
                f"{_one_of(_hidden_activation_names())}.",
            )
        acts.append(act)
    if len(acts) == 1:
        return acts * n_hidden
    if len(acts) != n_hidden:
        raise bad_value(
            "--activation",
            f"{len(acts)} activations ({text!r}) for {n_hidden} hidden layer(s) in --hidden; "
            f"give one per hidden layer, or one for all.",
        )
    return acts


def check_destination(out: Path, *, force: bool, option: str = "--out") -> None:
    """Refuse, naming ``option``, a path the model could not be saved to, before training.

    Raises
    ------
    typer.BadParameter
        If ``out`` is a folder, its folder does not exist or cannot be written, or it exists
        and ``force`` is False.
    """
    folder = out.parent
    if out.is_dir():
        raise bad_value(
            option,
            f"{str(out)!r} is a folder; give a file name such as "
            f"{str(out / 'model.safetensors')!r}.",
        )
    if not folder.is_dir():
        raise bad_value(option, f"folder {str(folder)!r} does not exist; create it first.")
    if out.exists() and not force:
        raise bad_value(option, f"{str(out)!r} already exists; pass --force to overwrite it.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise bad_value(option, f"cannot write to folder {str(folder)!r} (permission denied).")


def split_rows(
    n_rows: int, labels: NDArray[Any] | None, *, validation: float, seed: int
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Row numbers (0-based, sorted) of the training and held-out parts of a table.

    The split is :func:`neuronet.datasets.train_test_split` of the row numbers, stratified
    by ``labels`` (any hashable values, one per row) for a classification target, so every
    class keeps its share of the held-out rows. Sorting keeps each part in file order.

    Examples
    --------
    >>> train, held_out = split_rows(8, np.array(list("aaaabbbb")), validation=0.25, seed=0)
    >>> len(train), len(held_out), sorted("aaaabbbb"[i] for i in held_out)
    (6, 2, ['a', 'b'])
    """
    rows = np.arange(n_rows)
    if labels is None:
        codes = rows
    else:
        _, codes = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True)
    train, held_out, _, _ = datasets.train_test_split(
        rows, codes, test_size=validation, seed=seed, stratify=labels is not None
    )
    return np.sort(train), np.sort(held_out)


def classification_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    r"""Accuracy and macro-averaged F1 of predicted labels.

    .. math:: F_1 = \frac{2\,\mathrm{TP}}{2\,\mathrm{TP} + \mathrm{FP} + \mathrm{FN}}

    per class, averaged over the classes present in ``y_true`` or ``y_pred`` (scikit-learn's
    ``f1_score(average="macro")``; a class never predicted nor present scores 0).

    Examples
    --------
    >>> classification_metrics(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    {'accuracy': 0.75, 'macro_f1': 0.7333333333333334}
    """
    true = np.asarray(y_true, dtype=object).ravel()
    pred = np.asarray(y_pred, dtype=object).ravel()
    scores = []
    for label in set(true.tolist()) | set(pred.tolist()):
        tp = int(np.sum((true == label) & (pred == label)))
        wrong = int(np.sum(true == label)) + int(np.sum(pred == label)) - 2 * tp
        scores.append(2 * tp / (2 * tp + wrong) if tp + wrong else 0.0)
    return {"accuracy": float(np.mean(true == pred)), "macro_f1": float(np.mean(scores))}


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, float]:
    r"""Mean squared error, mean absolute error and :math:`R^2`, in the target's units.

    .. math:: R^2 = 1 - \frac{\sum_i (y_i - \hat y_i)^2}{\sum_i (y_i - \bar y)^2}

    :math:`R^2` is NaN when the held-out targets are all equal (it is undefined).

    Examples
    --------
    >>> regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0, 5.0])
    {'mse': 1.3333333333333333, 'mae': 0.6666666666666666, 'r2': -1.0}
    """
    true = np.asarray(y_true, dtype=np.float64).ravel()
    pred = np.asarray(y_pred, dtype=np.float64).ravel()
    # Targets of 1e200 have squared errors beyond float64: R² is a ratio, so it is computed
    # on values scaled by a power of two (exact); the MSE then overflows to inf, quietly.
    largest = float(np.max(np.abs(np.concatenate([true, pred])), initial=0.0))
    exponent = int(np.frexp(largest)[1]) if math.isfinite(largest) else 0
    true, pred = np.ldexp(true, -exponent), np.ldexp(pred, -exponent)
    residual = true - pred
    total = float(np.sum((true - true.mean()) ** 2))
    r2 = 1.0 - float(np.sum(residual**2)) / total if total > 0 else math.nan
    with np.errstate(over="ignore"):
        mse = float(np.ldexp(np.mean(residual**2), 2 * exponent))
        mae = float(np.ldexp(np.mean(np.abs(residual)), exponent))
    return {"mse": mse, "mae": mae, "r2": r2}


_METRIC_NAMES = {
    "accuracy": "accuracy",
    "macro_f1": "macro F1",
    "mse": "mean squared error",
    "mae": "mean absolute error",
    "r2": "R²",
}


@dataclass
class _Job:
    """The data of one run, ready to train on: what the rest of :func:`train` needs."""

    name: str  # the file's name or the built-in set's
    task: str
    X_train: NDArray[Any]
    y_train: NDArray[Any]
    X_held: NDArray[Any]
    truth: NDArray[Any]  # held-out targets in the user's own labels or units
    X_val: NDArray[Any]  # the held-out rows the network can be validated on,
    y_val: NDArray[Any]  # and their targets as the network takes them
    columns: list[str]
    target: str | None = None
    classes: list[Any] | None = None
    preprocessor: Preprocessor | None = None
    notes: list[str] = field(default_factory=list)


def train(
    ctx: typer.Context,
    table: Annotated[
        Path | None,
        typer.Argument(
            metavar="DATA",
            help="A table to train on: .csv, .tsv, .parquet or .jsonl (needs neuronet\\[data]). "
            "Without it, a built-in data set (--data).",
            show_default=False,
        ),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            help="The column of DATA to predict (required with DATA).", show_default=False
        ),
    ] = None,
    task: Annotated[
        str | None,
        typer.Option(
            help=f"With DATA: {_one_of(TASKS)}; inferred from the target by default "
            "(text, booleans and few distinct integers are classes).",
            show_default=False,
        ),
    ] = None,
    impute: Annotated[
        str | None,
        typer.Option(
            help=f"With DATA, fill missing feature values: {_one_of(IMPUTE)} (learned on the "
            "training rows). Without it a missing value is an error.",
            show_default=False,
        ),
    ] = None,
    categorical: Annotated[
        str,
        typer.Option(
            help="With DATA, columns of numbers to one-hot encode as categories (codes, not "
            "amounts), separated by commas: 'zip,grade'. Text and booleans always are.",
            show_default=False,
        ),
    ] = "",
    data: Annotated[
        str | None,
        typer.Option(
            help=f"Built-in data set: {_one_of(datasets.names())}. Default {DEFAULT_DATA} "
            "when no DATA is given.",
            show_default=False,
        ),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            min=4,
            help=f"Number of samples to generate for --data (default {DEFAULT_SAMPLES}).",
            show_default=False,
        ),
    ] = None,
    noise: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            help=f"Standard deviation of the noise in --data (default {DEFAULT_NOISE}).",
            show_default=False,
        ),
    ] = None,
    hidden: Annotated[
        str,
        typer.Option(help="Hidden layer widths, separated by commas or spaces: '64,64'."),
    ] = "64,64",
    activation: Annotated[
        str,
        typer.Option(
            help=f"Hidden layers' activation: {_one_of(_hidden_activation_names())}. One for "
            "all, or one per hidden layer: 'relu,tanh'."
        ),
    ] = "relu",
    output: Annotated[
        str | None,
        typer.Option(
            help="Output layer's activation; by default softmax for classification (sigmoid "
            "with --loss binary_cross_entropy), identity for regression.",
            show_default=False,
        ),
    ] = None,
    loss: Annotated[
        str | None,
        typer.Option(
            help=f"Loss: {_one_of(losses.names())}; by default the one that suits the task "
            "and --output.",
            show_default=False,
        ),
    ] = None,
    epochs: Annotated[int, typer.Option(min=1, help="Passes over the training set.")] = 200,
    batch_size: Annotated[int, typer.Option(min=1, help="Samples per gradient step.")] = 32,
    optimizer: Annotated[
        str,
        typer.Option(help=f"Optimizer: {_one_of(optimizers.names())}."),
    ] = "adam",
    lr: Annotated[
        float, typer.Option(help="Learning rate, a number > 0 (lbfgs ignores it).")
    ] = 0.01,
    validation: Annotated[
        float | None,
        typer.Option(
            help="Fraction of the rows held out, in (0, 1): the final metrics are measured on "
            f"them, and --early-stopping watches their loss (default {DEFAULT_VALIDATION}).",
            show_default=False,
        ),
    ] = None,
    test_size: Annotated[
        float | None,
        typer.Option(
            hidden=True, help="The old name of --validation, still accepted.", show_default=False
        ),
    ] = None,
    early_stopping: Annotated[
        bool,
        typer.Option(
            "--early-stopping",
            help="Stop when the held-out loss has not improved for --patience epochs, and "
            "keep the best epoch's weights.",
        ),
    ] = False,
    patience: Annotated[
        int, typer.Option(min=1, help="Epochs without improvement before --early-stopping.")
    ] = 10,
    dropout: Annotated[
        float, typer.Option(help="Dropout rate after each hidden layer, in [0, 1).")
    ] = 0.0,
    l2: Annotated[float, typer.Option(help="L2 penalty on the weights, a number >= 0.")] = 0.0,
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
    plots: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Write training_curves.png (and decision_boundary.png for a classifier with "
            "2 inputs) into this folder; needs neuronet\\[plot].",
            show_default=False,
        ),
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="After every epoch, save the run's whole state (weights, optimizer, schedule, "
            "random generator, history) to FILE, atomically, to continue it with --resume.",
            show_default=False,
        ),
    ] = None,
    resume: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="Continue the run saved in FILE by --checkpoint, from the epoch after it; "
            "give the same data and options as the run that wrote it.",
            show_default=False,
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Train an MLP on a table (CSV, TSV, Parquet, JSON Lines) or a built-in data set, report
    the held-out metrics and save the model with its preprocessing.

    Examples:

    neuronet train iris.csv --target species --epochs 300 --out iris.safetensors

    neuronet train houses.parquet --target price --impute median --json

    neuronet train --data moons --activation tanh --plots figures/

    neuronet train big.csv --target y --checkpoint run.ckpt   (then, after Ctrl-C or a crash,
    the same command with --resume run.ckpt --force)

    Ctrl-C stops after the batch in progress, saves the model trained so far and exits with
    code 130.
    """
    from rich.console import Console

    # --- every check of the options before any work --------------------------------------------
    if table is not None:
        if data is not None:
            raise bad_value("--data", f"give a file (DATA) or --data, not both; got {table} too.")
        for option, given in (("--samples", samples is not None), ("--noise", noise is not None)):
            if given:
                raise bad_value(option, f"applies to --data, not to a file such as {table}.")
        if target is None:
            raise bad_value("--target", f"name the column of {table.name} to predict.")
    else:
        for option, value in (
            ("--target", target),
            ("--task", task),
            ("--impute", impute),
            ("--categorical", categorical or None),
        ):
            if value is not None:
                raise bad_value(
                    option,
                    "applies to a data file: neuronet train DATA --target COLUMN; "
                    f"got no DATA (built-in data set {data or DEFAULT_DATA}).",
                )
        with usage_errors("--data"):
            datasets.is_regression(data or DEFAULT_DATA)
    if task is not None and task not in TASKS:
        raise bad_value("--task", f"must be {_one_of(TASKS)}, got {task!r}.")
    if impute is not None and impute not in IMPUTE:
        raise bad_value("--impute", f"must be {_one_of(IMPUTE)}, got {impute!r}.")
    widths = parse_hidden(hidden)
    hidden_acts = parse_activations(activation, len(widths))
    if output is not None:
        with usage_errors("--output"):
            activations.get(output)
    if loss is not None:
        with usage_errors("--loss"):
            losses.get(loss)
    with usage_errors("--optimizer"):
        opt = optimizers.get(optimizer)
    if not (math.isfinite(lr) and lr > 0):
        raise bad_value("--lr", f"must be a finite number > 0 such as 0.01, got {lr!r}.")
    if validation is not None and test_size is not None:
        raise bad_value("--test-size", "is the old name of --validation; give only one of them.")
    held_option = "--test-size" if test_size is not None else "--validation"
    fraction = next((v for v in (validation, test_size) if v is not None), DEFAULT_VALIDATION)
    if not (0.0 < fraction < 1.0):
        raise bad_value(held_option, f"must be in (0, 1), got {fraction!r}.")
    if not (0.0 <= dropout < 1.0):
        raise bad_value("--dropout", f"must be in [0, 1), got {dropout!r}.")
    if dropout and isinstance(opt, optimizers.LBFGS):
        raise bad_value(
            "--dropout",
            "L-BFGS needs the same loss each time it evaluates the same weights, and dropout "
            "makes it random; use --optimizer adam, or no --dropout.",
        )
    if not (math.isfinite(l2) and l2 >= 0.0):
        raise bad_value("--l2", f"must be a finite number >= 0 such as 1e-4, got {l2!r}.")
    if plots is not None:
        _check_plots(plots)
    if table is not None:
        for option, path in (("--out", out), ("--checkpoint", checkpoint)):
            if path is not None and _same_file(path, table):
                raise bad_value(
                    option, f"{str(path)!r} is the data file DATA; give another file name."
                )
    check_destination(out, force=force)
    if resume is not None and not resume.is_file():
        raise bad_value("--resume", f"{str(resume)!r} is not a file; give a --checkpoint file.")
    if checkpoint is not None:
        if checkpoint.resolve() == out.resolve():
            raise bad_value("--checkpoint", "must be another file than --out.")
        # The file a run resumes from is the one it goes on writing: no --force needed.
        same = resume is not None and checkpoint.resolve() == resume.resolve()
        check_destination(checkpoint, force=force or same, option="--checkpoint")
        with usage_errors("--checkpoint"):  # a typo in a template, before reading any data
            check_path(checkpoint, _ALL_METRICS)

    # --- the data --------------------------------------------------------------------------------
    categories = [part for part in re.split(r"\s*,\s*", categorical.strip()) if part]
    if table is not None:
        job = _read_table(
            table, str(target), task, impute, categories, fraction, held_option, seed
        )
    else:
        job = _builtin(
            data or DEFAULT_DATA,
            DEFAULT_SAMPLES if samples is None else samples,
            DEFAULT_NOISE if noise is None else noise,
            fraction,
            held_option,
            seed,
        )
    net = _build(job, widths, hidden_acts, output, loss, dropout, seed)
    if checkpoint is not None:
        _check_checkpoint_files(checkpoint, net, job, optimizer, epochs, resume, force)
    lr_used = lr
    if resume is not None:
        with _resume_errors(resume):
            started = started_lr(resume)
        if started is not None:
            lr_used = started
            if started != lr and _given(ctx, "lr"):
                typer.echo(
                    f"Note: --lr {lr:g} is not used when resuming: the run goes on with the "
                    f"learning rate of the run in {str(resume)!r} ({started:g}), as it would "
                    f"have without the interruption.",
                    err=True,
                )

    # --- train -----------------------------------------------------------------------------------
    # With --json, stdout holds the JSON object alone: everything else goes to stderr.
    console = Console(stderr=json_output, highlight=False)
    for note in job.notes:
        typer.echo(f"Note: {note}", err=True)
    if not json_output:
        console.print(
            f"Training on [bold]{_escape(job.name)}[/] ({len(job.X_train)} samples, "
            f"{len(job.X_held)} held out)"
        )
        console.print(net.summary(), markup=False)
    callbacks = []
    saver: _Checkpoint | None = None
    if checkpoint is not None:
        saver = _Checkpoint(checkpoint, sections=_preprocessing_section(job))
        callbacks.append(saver)
    redirect = contextlib.redirect_stdout(sys.stderr) if json_output else contextlib.nullcontext()
    with warnings.catch_warnings(record=True) as caught, redirect, _resume_errors(resume):
        # The divergence is reported below in one line, not as a warning's text.
        warnings.simplefilter("always", DivergenceWarning)
        history = net.fit(
            job.X_train,
            job.y_train,
            epochs=epochs,
            batch_size=batch_size,
            optimizer=opt,
            # Resuming, the rate comes from the checkpoint (a note above says so).
            lr=None if resume is not None else lr,
            # Every held-out row may have a label unknown to training (a tiny table): then
            # there is nothing to validate on, and the metrics count them all as wrong.
            validation_data=(job.X_val, job.y_val) if len(job.X_val) else None,
            early_stopping=early_stopping,
            patience=patience,
            l2=l2,
            verbose=0 if quiet else 1,
            callbacks=callbacks,
            resume_from=resume,
        )
    for w in caught:
        if not issubclass(w.category, DivergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)

    options = {
        "hidden": widths,
        "activation": [act.name for act in hidden_acts],
        "output": net.output_activation.name,
        "loss": net.loss.name,
        "epochs": epochs,
        "batch_size": batch_size,
        "optimizer": optimizer,
        "lr": lr_used,
        "validation": fraction,
        "early_stopping": early_stopping,
        "patience": patience,
        "dropout": dropout,
        "l2": l2,
        "task": task,
        "impute": impute,
        "categorical": categories or None,
        "seed": seed,
        **(
            {}
            if table is not None
            else {
                "data": data or DEFAULT_DATA,
                "samples": DEFAULT_SAMPLES if samples is None else samples,
                "noise": DEFAULT_NOISE if noise is None else noise,
            }
        ),
    }
    if history.diverged:
        remedy = (
            "try --optimizer adam"
            if isinstance(opt, optimizers.LBFGS)
            else f"lower --lr (it was {lr:g})"
        )
        if save_diverged:
            _save(net, out, _sections(job, history, {}, options))
            kept = f"The model was saved to {str(out)!r} all the same, as asked."
        else:
            kept = "No model was saved (--save-diverged keeps it)."
        fail(f"training failed: {history.stop_reason}; {remedy}. {kept}")

    metrics = _held_out_metrics(net, job)
    written = _draw(plots, net, job, history) if plots is not None else []
    _save(net, out, _sections(job, history, metrics, options))
    if saver is not None and saver.error is not None:
        fail(
            f"{str(saver.error.strerror or saver.error).rstrip('.')}; training stopped after "
            f"epoch {history.epochs}, and the model trained so far was saved to {str(out)!r}."
        )

    if json_output:
        print_json(
            {
                "data": job.name,
                "target": job.target,
                "task": job.task,
                "rows": {"train": len(job.X_train), "held_out": len(job.X_held)},
                "columns": job.columns,
                "classes": job.classes,
                "architecture": net.get_config(),
                "parameters": int(net.parameters.size),
                "epochs": history.epochs,
                "best_epoch": None if history.best_epoch is None else history.best_epoch + 1,
                "stop_reason": history.stop_reason,
                "metrics": metrics,
                "model": str(out),
                "plots": [str(path) for path in written],
                "interrupted": history.interrupted,
            }
        )
        if history.interrupted:
            raise typer.Exit(EXIT_INTERRUPTED)
        return
    console.print(_metrics_table(metrics, len(job.X_held)))
    if history.stopped_early and history.best_epoch is not None:
        console.print(
            f"Stopped after {history.epochs} epochs ({history.stop_reason}); kept the weights "
            f"of epoch {history.best_epoch + 1}.",
            markup=False,
        )
    elif history.stop_reason != "completed all epochs":  # Ctrl-C, or L-BFGS converged
        console.print(
            f"Stopped after {history.epochs} epochs: {history.stop_reason}.", markup=False
        )
    for path in written:
        console.print(f"Wrote {path}", markup=False)
    console.print(f"Saved the model to {out}", markup=False)
    if history.interrupted:
        again = (
            f"; to go on, run the same command with --resume {checkpoint} --force"
            if checkpoint is not None
            else ""
        )
        typer.echo(f"Interrupted: the model trained so far is saved{again}.", err=True)
        raise typer.Exit(EXIT_INTERRUPTED)


# --- the data ---------------------------------------------------------------------------------


def _builtin(
    name: str, samples: int, noise: float, fraction: float, held_option: str, seed: int
) -> _Job:
    regression = datasets.is_regression(name)
    with usage_errors("--data", n_samples="--samples", noise="--noise"):
        X, y = datasets.load(name, n_samples=samples, noise=noise, seed=seed)
    with usage_errors(held_option):
        X_train, X_held, y_train, y_held = datasets.train_test_split(
            X, y, test_size=fraction, seed=seed, stratify=not regression
        )
    return _Job(
        name=name,
        task="regression" if regression else "classification",
        X_train=X_train,
        y_train=y_train,
        X_held=X_held,
        truth=y_held,
        X_val=X_held,
        y_val=y_held,
        columns=[f"x{i + 1}" for i in range(X.shape[1])],
    )


def _read_table(
    path: Path,
    target: str,
    task: str | None,
    impute: str | None,
    categorical: list[str],
    fraction: float,
    held_option: str,
    seed: int,
) -> _Job:
    from . import tabular

    source = path.name
    try:
        frame = tabular.read_table(path)
        # A first look at every row, before the split: a mistake in the data is reported
        # with its row number in the file (the parts below are numbered from their own first
        # row), and the task is inferred as the training rows' preprocessing will infer it,
        # so that a classification split keeps each class's share.
        whole = tabular.Preprocessor.fit(
            frame, target, task=task, impute=impute, source=source, categorical=categorical
        )
        labels = frame[target].to_numpy() if whole.task == "classification" else None
        with usage_errors(held_option, test_size=held_option):
            train_rows, held_rows = split_rows(len(frame), labels, validation=fraction, seed=seed)
        train_part, held_part = frame.iloc[train_rows], frame.iloc[held_rows]
        where = f"{source} (training rows)"
        pre = tabular.Preprocessor.fit(
            train_part, target, task=task, impute=impute, source=where, categorical=categorical
        )
        if pre.task != whole.task:  # the training rows alone look different: follow the file
            pre = tabular.Preprocessor.fit(
                train_part,
                target,
                task=whole.task,
                impute=impute,
                source=where,
                categorical=categorical,
            )
        X_train = pre.transform(train_part, source=where)
        y_train = pre.encode_target(train_part, source=where)
        X_held = pre.transform(held_part, source=f"{source} (held-out rows)")
        X_val, truth = X_held, held_part[target].to_numpy()
        try:
            y_val = pre.encode_target(held_part, source=source)
            if pre.task == "classification":
                truth = y_val  # the labels as the network predicts them (ints stay ints)
        except tabular.DataError:
            if pre.classes is None:
                raise
            # A label that only held-out rows have (a class too rare to reach the training
            # rows): it counts as a wrong answer in the metrics, but cannot be a validation
            # target, since the network has no output for it.
            known = np.isin(truth.astype(str), np.asarray(pre.classes, dtype=object).astype(str))
            X_val = X_held[known]
            y_val = pre.encode_target(held_part[known], source=source)
            truth = truth.astype(object)
            truth[known] = y_val
        if pre.task == "regression":
            truth = truth.astype(np.float64)
    except tabular.DataError as err:
        fail(str(err))
    notes = list(pre.notes)
    if len(X_val) < len(X_held):
        notes.append(
            f"{len(X_held) - len(X_val)} held-out row(s) have a label that no training row "
            f"has; they count as wrong answers."
        )
    return _Job(
        name=source,
        task=pre.task,
        X_train=X_train,
        y_train=y_train,
        X_held=X_held,
        truth=truth,
        X_val=X_val,
        y_val=y_val,
        columns=list(pre.features),
        target=target,
        classes=None if pre.classes is None else list(pre.classes),
        preprocessor=pre,
        notes=notes,
    )


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


# --- the network ------------------------------------------------------------------------------


def _build(
    job: _Job,
    widths: list[int],
    hidden_acts: list[activations.Activation],
    output: str | None,
    loss: str | None,
    dropout: float,
    seed: int,
) -> MLP:
    """The network for ``job``: its loss and output from the task unless chosen."""
    classification = job.task == "classification"
    loss_obj = None if loss is None else losses.get(loss)
    if loss_obj is not None and loss_obj.classification != classification:
        kind = "a classification" if loss_obj.classification else "a regression"
        raise bad_value(
            "--loss",
            f"{loss_obj.name} is {kind} loss, but the task is {job.task}"
            + (" (see --task)." if job.preprocessor is not None else f" ({job.name})."),
        )
    if loss_obj is None:
        if not classification:
            loss_obj = losses.get("mse")
        elif output is not None and activations.get(output).name == "sigmoid":
            loss_obj = losses.get("binary_cross_entropy")
        else:
            loss_obj = losses.get("categorical_cross_entropy")
    if classification:
        n_classes = len(job.classes) if job.classes is not None else int(job.y_train.max()) + 1
        binary = isinstance(loss_obj, losses.BinaryCrossEntropy)
        if binary and n_classes != 2:
            raise bad_value(
                "--loss" if loss is not None else "--output",
                f"binary cross-entropy (a sigmoid output) is for two classes; the target has "
                f"{n_classes}: use --output softmax.",
            )
        n_outputs = 1 if binary else n_classes
    else:
        n_outputs = 1
    with warnings.catch_warnings():
        # A mismatched output and loss is a mistake on the command line, not a warning.
        warnings.simplefilter("error", losses.PairingWarning)
        try:
            return MLP(
                [job.X_train.shape[1], *widths, n_outputs],
                hidden_acts,
                output,
                loss=loss_obj,
                dropout=dropout,
                seed=seed,
                classes=job.classes,
            )
        except losses.PairingWarning as err:
            raise bad_value("--output" if output is not None else "--loss", str(err)) from None
        except (TypeError, ValueError) as err:
            raise bad_value("--output" if output is not None else "--hidden", str(err)) from None


# --- after training ---------------------------------------------------------------------------


def _held_out_metrics(net: MLP, job: _Job) -> dict[str, float]:
    from .predict import quiet_numerics

    with quiet_numerics():  # rows far from the training ones may overflow: a wrong answer
        predicted = net.predict(job.X_held)
    if job.task == "classification":
        return classification_metrics(job.truth, predicted)
    if job.preprocessor is not None:
        predicted = job.preprocessor.decode_target(predicted)
    return regression_metrics(job.truth, predicted)


def _metrics_table(metrics: dict[str, float], n_rows: int) -> Any:
    from rich.table import Table

    table = Table()
    table.add_column("metric")
    table.add_column(f"held out ({n_rows} rows)", justify="right")
    for key, value in metrics.items():
        if math.isinf(value):
            text = "inf (beyond float64)"
        elif not math.isfinite(value):
            text = "undefined"
        elif key == "accuracy":
            text = f"{value:.1%}"
        elif key in ("macro_f1", "r2"):
            text = f"{value:.4f}"
        else:
            text = f"{value:.4g}"
        table.add_row(_METRIC_NAMES.get(key, key), text)
    return table


def _sections(
    job: _Job, history: History, metrics: dict[str, float], options: dict[str, Any]
) -> dict[str, io.Section]:
    from ._output import to_json

    record = {
        "data": job.name,
        "target": job.target,
        "task": job.task,
        "rows": {"train": len(job.X_train), "held_out": len(job.X_held)},
        "columns": job.columns,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "neuronet_version": __version__,
        "metrics": metrics,
        "epochs": history.epochs,
        "best_epoch": None if history.best_epoch is None else history.best_epoch + 1,
        "stop_reason": history.stop_reason,
        "options": options,
        # Every epoch's metrics, for `neuronet plot history MODEL`.
        "history": history.history,
    }
    sections = {"training": io.Section(to_json(record))}
    if job.preprocessor is not None:
        sections["preprocessing"] = job.preprocessor.to_section()
    return sections


def _preprocessing_section(job: _Job) -> dict[str, io.Section]:
    """What a checkpoint stores beside the training state: the preprocessing, if any."""
    if job.preprocessor is None:
        return {}
    return {"preprocessing": job.preprocessor.to_section()}


@contextlib.contextmanager
def _resume_errors(resume: Path | None) -> Iterator[None]:
    """A --resume file that cannot be read or does not fit this run: one line, exit 1."""
    if resume is None:
        yield
        return
    try:
        yield
    except io.ModelFileError as err:
        fail(str(err))
    except ValueError as err:
        if str(resume) not in str(err):
            raise
        fail(f"{err} (--resume)")


def _save(net: MLP, out: Path, sections: dict[str, io.Section], *, after: str = "") -> None:
    try:
        io.save(net, out, sections=sections)
    except OSError as err:
        # The destination was checked before training; this is a disk that filled up or a
        # folder removed since. io's message names the file, the reason and what to do.
        message = err.strerror or f"could not save the model to {str(out)!r}: {err}."
        fail(f"{after}{message}")


# --- checkpoints ------------------------------------------------------------------------------

#: Every metric a run's logs may hold: the fields a --checkpoint template may name.
_ALL_METRICS = ("loss", "accuracy", "val_loss", "val_accuracy", "lr")


def _run_metrics(net: MLP, job: _Job, optimizer: str) -> list[str]:
    """The metrics this run's logs will hold (as training.fit writes them)."""
    names = ["loss"]
    if net.is_classifier:
        names.append("accuracy")
    if len(job.X_val):
        names.append("val_loss")
        if net.is_classifier:
            names.append("val_accuracy")
    if optimizer != "lbfgs":
        names.append("lr")
    return names


def _check_checkpoint_files(
    checkpoint: Path,
    net: MLP,
    job: _Job,
    optimizer: str,
    epochs: int,
    resume: Path | None,
    force: bool,
) -> None:
    """Before training: the template fits this run, and overwrites nothing without --force."""
    metrics = _run_metrics(net, job, optimizer)
    with usage_errors("--checkpoint"):
        check_path(checkpoint, metrics)
    if force or "{" not in str(checkpoint):
        return  # a plain name was checked with --out's rules
    first = 1
    if resume is not None:  # the files of the epochs before the resumed one are the run's own
        with _resume_errors(resume), contextlib.suppress(ValueError):
            first = checkpoints.read(resume)[1].epochs + 1
    found = existing_paths(checkpoint, range(first, epochs + 1), metrics)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise bad_value(
            "--checkpoint",
            f"{str(found[0])!r}{more} already exists and this run would overwrite it; pass "
            f"--force to overwrite, or choose another name.",
        )


class _Checkpoint(checkpoints.Checkpoint):
    """A Checkpoint whose write error stops training instead of losing it.

    The disk filling up mid-run should not cost the epochs trained: the error is kept in
    :attr:`error`, training stops after the epoch, and ``train`` saves the model to --out
    before reporting it.
    """

    error: OSError | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        try:
            return super().on_epoch_end(epoch, logs)
        except OSError as err:
            self.error = err
            self.stop_reason = f"could not write a checkpoint: {err.strerror or err}"
            return True


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


def _given(ctx: typer.Context | None, name: str) -> bool:
    """Whether option ``name`` was given on the command line (not its default)."""
    if ctx is None:  # called from Python: every argument counts as given
        return True
    source = ctx.get_parameter_source(name)
    return source is not None and source.name != "DEFAULT"


# --- plots ------------------------------------------------------------------------------------


def _check_plots(folder: Path) -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        fail("--plots draws with matplotlib, which is not installed: pip install 'neuronet[plot]'")
    if folder.exists() and not folder.is_dir():
        raise bad_value("--plots", f"{str(folder)!r} is a file; give a folder.")
    if not folder.exists() and not folder.parent.is_dir():
        raise bad_value(
            "--plots", f"folder {str(folder.parent)!r} does not exist; create it first."
        )


def _draw(folder: Path, net: MLP, job: _Job, history: History) -> list[Path]:
    """Training curves, and the decision boundary of a 2-input classifier, as PNG files."""
    from .. import plot
    from .plot import save_figure

    # Figures are made with matplotlib.figure.Figure, never pyplot, so no window or GUI
    # backend is involved: savefig renders PNGs with Agg.
    folder.mkdir(exist_ok=True)
    figures = [("training_curves.png", plot.history(history))]
    if net.is_classifier and net.n_inputs == 2:
        X = np.concatenate([job.X_train, job.X_val])
        y = np.concatenate([job.y_train, job.y_val])
        try:
            figure = plot.decision_boundary(net, X, y)
        except ValueError as err:  # outputs that are not finite: nothing to draw
            typer.echo(f"Note: no decision_boundary.png: {err}", err=True)
        else:
            if len(job.columns) == 2:
                scaled = " (standardised)" if job.preprocessor is not None else ""
                figure.axes[0].set_xlabel(job.columns[0] + scaled)
                figure.axes[0].set_ylabel(job.columns[1] + scaled)
            figures.append(("decision_boundary.png", figure))
    written = []
    for name, figure in figures:
        path = folder / name
        save_figure(figure, path, dpi=120)  # atomically: a failed write keeps the old file
        written.append(path)
    return written
