r"""``neuronet evaluate MODEL DATA``: how well a saved model predicts a labelled data file.

The file is read and scored chunk by chunk, like ``predict``; only counts and sums are kept,
so memory stays flat however large it is.

Classification
    Accuracy; precision, recall, F1 and support per class, in the user's own labels, with
    their unweighted (macro) means; and the confusion matrix (rows: the true class, columns:
    the predicted one). As scikit-learn's ``precision_recall_fscore_support``, the classes
    reported are those that occur in the file's labels or in the predictions, and a
    precision or recall whose denominator is 0 counts as 0.
Regression
    In the target's units: mean squared error, mean absolute error and
    :math:`R^2 = 1 - \sum_i (y_i - \hat y_i)^2 / \sum_i (y_i - \bar y)^2`; for a constant
    target :math:`R^2` is 1 for perfect predictions and 0 otherwise (scikit-learn's
    ``force_finite``).

The target column is the model's by default (stored in the model file by ``neuronet
train``); ``--target`` names another column holding the same labels or values.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer

from ._errors import ModelPath, bad_value, fail
from ._output import JSON_HELP, print_json
from .predict import load_model, network_outputs, note_ignored, plain_preprocessor

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..network import MLP
    from .tabular import Preprocessor

__all__ = ["ClassificationMetrics", "RegressionMetrics", "evaluate"]


class ClassificationMetrics:
    """A confusion matrix accumulated batch by batch, and the metrics it gives.

    Parameters
    ----------
    classes : list
        The model's class labels; :meth:`update` takes indices into it.

    Examples
    --------
    >>> m = ClassificationMetrics(["a", "b"])
    >>> m.update(np.array([0, 0, 1]), np.array([0, 1, 1]))
    >>> m.accuracy, m.matrix.tolist()
    (0.6666666666666666, [[1, 1], [0, 1]])
    """

    def __init__(self, classes: list[Any]) -> None:
        self.classes = list(classes)
        k = len(self.classes)
        self.matrix = np.zeros((k, k), dtype=np.int64)

    def update(self, true: NDArray[np.intp], predicted: NDArray[np.intp]) -> None:
        """Count each (true, predicted) pair of class indices."""
        k = len(self.classes)
        self.matrix += np.bincount(true * k + predicted, minlength=k * k).reshape(k, k)

    @property
    def rows(self) -> int:
        return int(self.matrix.sum())

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.matrix) / self.matrix.sum())

    def present(self) -> list[int]:
        """The classes in the labels or the predictions, as indices (scikit-learn's default)."""
        seen = (self.matrix.sum(axis=0) + self.matrix.sum(axis=1)) > 0
        return [int(i) for i in np.flatnonzero(seen)]

    def per_class(self) -> list[dict[str, Any]]:
        """Precision, recall, F1 and support of each present class."""
        out = []
        for i in self.present():
            hits = int(self.matrix[i, i])
            predicted = int(self.matrix[:, i].sum())
            support = int(self.matrix[i, :].sum())
            precision = hits / predicted if predicted else 0.0
            recall = hits / support if support else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            out.append(
                {
                    "label": self.classes[i],
                    "precision": precision,
                    "recall": recall,
                    "f1": f1,
                    "support": support,
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        per_class = self.per_class()
        present = self.present()
        return {
            "task": "classification",
            "rows": self.rows,
            "accuracy": self.accuracy,
            "per_class": per_class,
            "macro": {
                key: float(np.mean([entry[key] for entry in per_class]))
                for key in ("precision", "recall", "f1")
            },
            "confusion_matrix": {
                "labels": [self.classes[i] for i in present],
                "matrix": self.matrix[np.ix_(present, present)].tolist(),
            },
        }


class RegressionMetrics:
    r"""Sums over batches for MSE, MAE and :math:`R^2`, combined stably.

    The spread of the target is accumulated as each batch's mean and sum of squared
    deviations, merged with Chan et al.'s formula, so a large mean does not cancel digits
    as :math:`\sum y^2 - (\sum y)^2 / n` would. The sums are kept in units of ``scale`` (the
    power of two nearest it: exact), so that targets of 1e200, whose squares overflow, still
    give :math:`R^2`; an MSE beyond float64 is infinite.

    Examples
    --------
    >>> m = RegressionMetrics()
    >>> m.update(np.array([1.0, 2.0]), np.array([1.5, 2.0]))
    >>> m.update(np.array([3.0]), np.array([2.0]))
    >>> round(m.mse, 4), round(m.mae, 4), round(m.r2, 4)
    (0.4167, 0.5, 0.375)
    """

    def __init__(self, scale: float = 1.0) -> None:
        self._exponent = int(np.frexp(scale)[1]) if math.isfinite(scale) and scale > 0 else 0
        self.n = 0
        self.squared = 0.0
        self.absolute = 0.0
        self.mean = 0.0
        self.m2 = 0.0

    def update(self, y: NDArray[np.float64], predicted: NDArray[np.float64]) -> None:
        with np.errstate(over="ignore", invalid="ignore"):
            self._update(np.ldexp(y, -self._exponent), np.ldexp(predicted, -self._exponent))

    def _update(self, y: NDArray[np.float64], predicted: NDArray[np.float64]) -> None:
        error = y - predicted
        self.squared += float(np.dot(error, error))
        self.absolute += float(np.abs(error).sum())
        n_b = len(y)
        mean_b = float(y.mean())
        m2_b = float(((y - mean_b) ** 2).sum())
        total = self.n + n_b
        delta = mean_b - self.mean
        self.m2 += m2_b + delta * delta * self.n * n_b / total
        self.mean += delta * n_b / total
        self.n = total

    @property
    def mse(self) -> float:
        with np.errstate(over="ignore"):
            return float(np.ldexp(self.squared / self.n, 2 * self._exponent))

    @property
    def mae(self) -> float:
        with np.errstate(over="ignore"):
            return float(np.ldexp(self.absolute / self.n, self._exponent))

    @property
    def r2(self) -> float:
        if self.m2 == 0:
            return 1.0 if self.squared == 0 else 0.0
        return 1.0 - self.squared / self.m2

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": "regression",
            "rows": self.n,
            "mse": self.mse,
            "mae": self.mae,
            "r2": self.r2,
        }


def evaluate(
    model: ModelPath,
    data: Annotated[
        Path,
        typer.Argument(
            metavar="DATA",
            help="Labelled rows: a .csv, .tsv, .parquet or .jsonl file.",
            exists=True,
            dir_okay=False,
        ),
    ],
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            metavar="COL",
            help="The column of true labels or values; default: the model's target.",
        ),
    ] = None,
    chunk_rows: Annotated[
        int, typer.Option(min=1, help="Rows read and scored at a time (memory use).")
    ] = 65_536,
    json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Measure a saved model on a labelled data file.

    A classifier: accuracy, precision, recall and F1 per class, the confusion matrix.

    A regression: mean squared error, mean absolute error and R², in the target's units.

    Example: neuronet evaluate model.safetensors test.csv --target label
    """
    from . import tabular

    net, pre = load_model(model)
    if pre is None and target is None:
        raise bad_value(
            "--target",
            f"{str(model)!r} has no stored target column (it was not trained on a data file); "
            f"name the column of true values with --target COL.",
        )
    source = str(data)
    state: tuple[Preprocessor, str, ClassificationMetrics | RegressionMetrics] | None = None
    try:
        # Text labels and categories are read as text whatever a chunk holds ("007" too).
        text = pre.text_columns(target) if pre is not None else []
        for chunk in tabular.iter_tables(data, chunk_rows=chunk_rows, text_columns=text):
            if state is None:
                used, column = _first_chunk(net, pre, chunk, target, source)
                state = (
                    used,
                    column,
                    ClassificationMetrics(used.classes or [])
                    if used.task == "classification"
                    else RegressionMetrics(scale=used.target_std),
                )
            _update(net, *state, chunk, source)
    except tabular.DataError as err:
        fail(str(err))
    if state is None:  # iter_tables refuses a file without rows; this is for type checkers
        fail(f"{source}: no data rows.")
    used, column, metrics = state
    columns = [str(name) for name in chunk.columns]
    note_ignored([name for name in columns if name not in {*used.features, column}])
    result = {"model": model, "data": data, "target": column, **metrics.to_dict()}
    if json:
        print_json(result)
    else:
        _print(result)


def _first_chunk(
    net: MLP, pre: Preprocessor | None, chunk: Any, target: str | None, source: str
) -> tuple[Preprocessor, str]:
    """The preprocessing and the target column, checked on the first chunk."""
    from .tabular import DataError, suggest

    columns = [str(name) for name in chunk.columns]
    target = target or (pre.target if pre is not None else "")
    if target not in columns:
        raise DataError(
            f"{source}: no target column {target!r}.{suggest(target, columns)} "
            f"The columns are: {', '.join(columns[:20])}."
        )
    if pre is None:
        pre = plain_preprocessor(net, chunk, skip=[], source=source, target=target)
    return pre, target


def _update(
    net: MLP,
    pre: Preprocessor,
    target: str,
    metrics: ClassificationMetrics | RegressionMetrics,
    chunk: Any,
    source: str,
) -> None:
    first_row = int(chunk.index[0]) + 1
    X, outputs = network_outputs(net, pre, chunk, source=source)
    values = pre.target_values(chunk, source=source, first_row=first_row, column=target)
    if isinstance(metrics, ClassificationMetrics):
        if outputs.shape[1] == 1:  # one sigmoid unit for two classes, as MLP.predict decides
            predicted = (outputs[:, 0] >= 0.5).astype(np.intp)
        else:
            predicted = outputs.argmax(axis=1).astype(np.intp)
        metrics.update(values, predicted)
    else:
        predicted = pre.decode_target(outputs.astype(np.float64)[:, 0])
        pre.check_predictions(predicted, X, chunk, source=source, first_row=first_row)
        metrics.update(values, predicted)


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return "inf (beyond float64)" if math.isinf(value) else "nan"
    return f"{value:.4f}" if abs(value) < 1e6 else f"{value:.4g}"


def _print(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"{result['data']}: {result['rows']:,} rows, target {result['target']!r}",
        markup=False,
        highlight=False,
    )
    if result["task"] == "regression":
        table = Table("metric", "value", title="Regression (in the target's units)")
        table.add_row("mean squared error", _fmt(result["mse"]))
        table.add_row("mean absolute error", _fmt(result["mae"]))
        table.add_row("R²", _fmt(result["r2"]))
        console.print(table)
        return
    console.print(f"Accuracy: {result['accuracy']:.2%}", markup=False, highlight=False)
    table = Table("class", "precision", "recall", "F1", "support")
    for entry in result["per_class"]:
        table.add_row(
            str(entry["label"]),
            _fmt(entry["precision"]),
            _fmt(entry["recall"]),
            _fmt(entry["f1"]),
            f"{entry['support']:,}",
        )
    macro = result["macro"]
    table.add_section()
    table.add_row(
        "macro average", _fmt(macro["precision"]), _fmt(macro["recall"]), _fmt(macro["f1"]), ""
    )
    console.print(table)
    matrix = result["confusion_matrix"]
    labels = [str(label) for label in matrix["labels"]]
    console.print("Confusion matrix (rows: true, columns: predicted)", highlight=False)
    confusion = Table("true \\ predicted", *labels)
    for label, row in zip(labels, matrix["matrix"], strict=True):
        confusion.add_row(label, *(f"{count:,}" for count in row))
    console.print(confusion)
