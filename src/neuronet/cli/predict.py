"""``neuronet predict MODEL DATA``: score a data file with a saved model, chunk by chunk.

The model file carries its preprocessing (:class:`~neuronet.cli.tabular.Preprocessor`), so the
data file needs only the columns the model was trained on, by name, in any order; other
columns are ignored with a note. The file is read and scored in chunks of ``--chunk-rows``
rows, so memory stays flat however large it is (``benchmarks/predict_memory.py`` measures it),
and the predictions are written in the input's row order: the ``--keep`` columns first, then
``prediction`` in the user's own labels (a regression in the target's units), then with
``--proba`` one ``proba_<label>`` column per class.

A model without stored preprocessing (trained on a built-in data set, or saved from Python)
takes the data file's columns as they are, in file order, as its inputs: every column but
the ``--keep`` ones must be numeric, and there must be exactly as many as the model has
inputs.

Output
------
``-o FILE``
    Written atomically in the format of its suffix (``.csv``, ``.tsv``, ``.parquet``, ``.pq``,
    ``.jsonl``, ``.ndjson``): a failure half-way leaves no file, and an existing file is only
    replaced with ``--force``. A line on stdout says how many rows were written; with
    ``--json``, a summary object instead (model, data, output, rows, columns, ignored).
no ``-o``
    CSV on stdout, chunk by chunk. With ``--json``, one JSON object with the same summary and
    the predictions as a list of records (``"predictions": [{...}, ...]``); it is built in
    memory, so for a large file write ``-o scores.jsonl`` instead.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer

from ._errors import EXIT_FAILURE, ModelPath, bad_value, fail, model_errors
from ._output import JSON_HELP, print_json

if TYPE_CHECKING:
    import pandas

    from ..network import MLP
    from .tabular import Preprocessor

__all__ = [
    "load_model",
    "network_outputs",
    "note_ignored",
    "plain_preprocessor",
    "predict",
    "predictions",
    "quiet_numerics",
]


def load_model(model: Path) -> tuple[MLP, Preprocessor | None]:
    """The network and its preprocessing, or one line on stderr and exit code 1."""
    from .tabular import DataError, read_model

    try:
        with model_errors(model):
            return read_model(model)
    except DataError as err:  # pandas missing
        fail(str(err))


def plain_preprocessor(
    net: MLP, frame: pandas.DataFrame, *, skip: list[str], source: str, target: str = ""
) -> Preprocessor:
    """For a model without stored preprocessing: the file's columns, as they are, as inputs.

    Raises
    ------
    DataError
        If the columns (less ``skip`` and ``target``) are not exactly ``net.n_inputs``.
    """
    from .tabular import DataError, Preprocessor

    columns = [str(c) for c in frame.columns if str(c) not in skip and str(c) != target]
    if len(columns) != net.n_inputs:
        listed = ", ".join(columns[:20]) + (" ..." if len(columns) > 20 else "")
        raise DataError(
            f"{source}: the model has no stored preprocessing (it was not trained on a data "
            f"file), so the file's columns are its inputs as they are: it needs "
            f"{net.n_inputs} numeric column(s), the file has {len(columns)} ({listed})"
            f"{' besides --keep and the target' if skip or target else ''}."
        )
    classes = net.classes
    if classes is None and net.is_classifier:
        classes = list(range(net.n_classes or 0))
    return Preprocessor.passthrough(columns, target=target, classes=classes)


@contextmanager
def quiet_numerics() -> Iterator[None]:
    """No RuntimeWarning from NumPy's overflows: the caller checks the results instead."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def network_outputs(net: MLP, pre: Preprocessor, frame: pandas.DataFrame, *, source: str) -> Any:
    """The network's inputs and outputs for one chunk; a row whose outputs overflow is an error.

    Raises
    ------
    DataError
        As :meth:`Preprocessor.transform`, and naming the first row whose outputs are not
        finite numbers (:meth:`Preprocessor.check_predictions`).
    """
    first_row = int(frame.index[0]) + 1
    X = pre.transform(frame, source=source, first_row=first_row)
    with quiet_numerics():
        outputs = net.forward(X)
    pre.check_predictions(outputs, X, frame, source=source, first_row=first_row)
    return X, outputs


def predictions(
    net: MLP, pre: Preprocessor, frame: pandas.DataFrame, *, proba: bool, source: str
) -> dict[str, Any]:
    """The prediction columns for one chunk: ``prediction`` (or ``prediction_<i>``), probas."""
    X, outputs = network_outputs(net, pre, frame, source=source)
    columns: dict[str, Any] = {}
    if pre.task == "classification":
        columns["prediction"] = net.head.decode(outputs)
    else:
        values = pre.decode_target(outputs.astype(np.float64))
        pre.check_predictions(values, X, frame, source=source, first_row=int(frame.index[0]) + 1)
        if values.shape[1] == 1:
            columns["prediction"] = values[:, 0]
        else:
            columns.update({f"prediction_{i}": values[:, i] for i in range(values.shape[1])})
    if proba:
        labels = pre.classes if pre.classes is not None else list(range(net.n_classes or 0))
        p = net.head.probabilities(outputs)
        columns.update({f"proba_{label}": p[:, i] for i, label in enumerate(labels)})
    return columns


def predict(
    model: ModelPath,
    data: Annotated[
        Path,
        typer.Argument(
            metavar="DATA",
            help="The rows to score: a .csv, .tsv, .parquet or .jsonl file.",
            exists=True,
            dir_okay=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the predictions to this file (.csv, .tsv, .parquet, .jsonl); "
            "default: CSV on stdout.",
        ),
    ] = None,
    proba: Annotated[
        bool, typer.Option("--proba", help="Add a proba_<label> column per class.")
    ] = False,
    keep: Annotated[
        list[str] | None,
        typer.Option(
            "--keep",
            metavar="COL",
            help="Copy this column (an id) into the output, first; repeat for several.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Overwrite --output if it exists.")
    ] = False,
    chunk_rows: Annotated[
        int, typer.Option(min=1, help="Rows read and scored at a time (memory use).")
    ] = 65_536,
    json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Predict for every row of a data file with a saved model, in the file's row order.

    The model's stored preprocessing is applied; labels come back as in the training file.

    Rows in messages are counted from 1 at the first data row (the header not counted).

    Example: neuronet predict model.safetensors new.csv -o scored.csv --keep id
    """
    from . import tabular

    keep = list(dict.fromkeys(keep or []))
    # --- every check before any work ---------------------------------------------------------
    if output is not None:
        try:
            tabular.file_format(output)
            tabular.check_destination(output, force=force)
        except (tabular.DataError, OSError) as err:
            raise bad_value("--output", str(err).replace(f"{output}: ", "", 1)) from None
    net, pre = load_model(model)
    if proba and not net.is_classifier:
        raise bad_value("--proba", "the model is a regression: it has no class probabilities.")
    clash = [name for name in keep if name == "prediction" or name.startswith("proba_")]
    if clash:
        raise bad_value("--keep", f"{clash[0]!r} is also the name of an output column.")

    source = str(data)
    summary: dict[str, Any] = {"model": model, "data": data, "output": output}
    records: list[dict[str, Any]] = []
    writer: tabular.TableWriter | None = None
    rows = 0
    used: Preprocessor | None = None  # the stored preprocessing, or the file's own columns
    try:
        text = pre.text_columns() if pre is not None else []
        for chunk in tabular.iter_tables(data, chunk_rows=chunk_rows, text_columns=text):
            if used is None:
                used, summary["ignored"] = _first_chunk(net, pre, chunk, keep, source)
                if output is not None:
                    writer = tabular.TableWriter(output, force=force)
            frame = chunk[keep].reset_index(drop=True) if keep else None
            scored = _as_frame(frame, predictions(net, used, chunk, proba=proba, source=source))
            if writer is not None:
                writer.write(scored)
            elif json:
                records.extend(scored.to_dict(orient="records"))
            else:
                sys.stdout.write(scored.to_csv(index=False, header=rows == 0))
            rows += len(scored)
            summary["columns"] = [str(name) for name in scored.columns]
        if writer is not None:
            writer.commit()
    except tabular.DataError as err:
        if writer is not None:
            writer.discard()
        fail(str(err))
    except BrokenPipeError:
        # `neuronet predict ... | head`: the reader has gone; stop quietly, as `cat` does.
        if writer is not None:
            writer.discard()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(EXIT_FAILURE) from None
    except OSError as err:  # the output cannot be written: a full disk, a read-only folder
        if writer is not None:
            writer.discard()
        fail(err.strerror or str(err))  # io.atomic_file's: the file, the reason, what to do
    except BaseException:
        if writer is not None:
            writer.discard()
        raise
    summary["rows"] = rows
    note_ignored(summary["ignored"])
    if json:
        if output is None:
            summary["predictions"] = records
        print_json(summary)
    elif output is not None:
        typer.echo(f"Wrote {rows:,} predictions to {output}")


def _first_chunk(
    net: MLP, pre: Preprocessor | None, chunk: pandas.DataFrame, keep: list[str], source: str
) -> tuple[Preprocessor, list[str]]:
    """Check the columns once: --keep present, the model's present; note the ignored ones."""
    from .tabular import suggest

    columns = [str(name) for name in chunk.columns]
    for name in keep:
        if name not in columns:
            raise bad_value("--keep", f"{source} has no column {name!r}.{suggest(name, columns)}")
    if pre is None:
        pre = plain_preprocessor(net, chunk, skip=keep, source=source)
    used = {*pre.features, *keep}
    return pre, [name for name in columns if name not in used]


def note_ignored(columns: list[str]) -> None:
    """The note on stderr about columns the model does not use, after a successful run.

    Not before: a run that then fails says one line, the error.
    """
    if columns:
        typer.echo(
            f"Note: ignored column(s) the model does not use: {', '.join(columns)}", err=True
        )


def _as_frame(kept: pandas.DataFrame | None, columns: dict[str, Any]) -> pandas.DataFrame:
    import pandas as pd

    scored = pd.DataFrame(columns)
    if kept is None:
        return scored
    return pd.concat([kept, scored], axis=1)
