"""``neuronet info MODEL``: what a saved model file holds, and who wrote it when."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import MLP, load
from ..io import ModelFileError, ModelInfo, read_metadata
from ._errors import fail

__all__ = ["describe", "info"]


def describe(net: MLP, meta: ModelInfo) -> str:
    """The layer table of ``net`` followed by its classes, loss, dtype and provenance."""
    if net.classes is not None:
        classes = ", ".join(map(str, net.classes))
    elif net.is_classifier:
        classes = f"{net.n_classes} (labels 0 to {(net.n_classes or 1) - 1})"
    else:
        classes = "none (regression)"
    if meta.saved_at is None:
        saved = f"unknown (file format {meta.format_version} did not record it)"
    else:
        saved = meta.saved_at.isoformat()
    rows = [
        ("classes", classes),
        ("loss", net.loss.name),
        ("dtype", str(net.dtype)),
        ("saved", saved),
        ("neuronet", f"{meta.neuronet_version} (file format {meta.format_version})"),
    ]
    width = max(len(key) for key, _ in rows)
    return "\n".join([net.summary(), "", *(f"{key:<{width}}  {value}" for key, value in rows)])


def info(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="MODEL",
            help="A model file written by 'neuronet train' or MLP.save.",
            exists=True,
            dir_okay=False,
        ),
    ],
) -> None:
    """Describe a saved model: layers, classes, loss, dtype, and when and by what it was saved."""
    try:
        meta = read_metadata(path)
        net = load(path)
    except ModelFileError as err:
        fail(str(err))
    except OSError as err:
        fail(f"cannot read {str(path)!r}: {err.strerror or err}.")
    typer.echo(describe(net, meta))
