"""``neuronet export MODEL OUT.onnx``: a saved model as an ONNX file, for onnxruntime and others.

A thin wrapper over :func:`neuronet.onnx.export`: it reads the model file, writes the ONNX
file atomically and says what it wrote (``--json``: one object with the path, the opset and
the inputs' and outputs' names and shapes). A model trained by ``neuronet train`` on a table
is exported as the network alone: its inputs are the preprocessed columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import io
from ._errors import ModelPath, bad_value, fail, model_errors
from ._output import JSON_HELP, print_json
from .tabular import Preprocessor

__all__ = ["export"]


def _shape(dims: list[int | str]) -> str:
    return "(" + ", ".join(map(str, dims)) + ")"


def export(
    model: ModelPath,
    out: Annotated[
        Path,
        typer.Argument(metavar="OUT.onnx", help="The ONNX file to write.", show_default=False),
    ],
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Overwrite OUT.onnx if it already exists.")
    ] = False,
    labels: Annotated[
        bool,
        typer.Option(
            "--labels/--no-labels",
            help="For a classifier: output 'label' and 'probabilities' (as skl2onnx does) "
            "instead of the output layer's values.",
        ),
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Export a saved model to ONNX, to run it with onnxruntime or any ONNX runtime.

    Needs the onnx package (pip install onnx).

    Example: neuronet export model.safetensors model.onnx --labels
    """
    from .. import onnx as neuronet_onnx

    if out.is_dir():
        raise bad_value(
            "OUT.onnx", f"{str(out)!r} is a folder; give a file name such as model.onnx."
        )
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise bad_value("OUT.onnx", f"folder {str(folder)!r} does not exist.")
    if out.exists() and model.exists() and out.samefile(model):
        raise bad_value("OUT.onnx", f"{str(out)!r} is the model file MODEL; give another name.")
    if out.exists() and not force:
        raise bad_value("OUT.onnx", f"{str(out)!r} already exists; pass --force to overwrite it.")
    with model_errors(model):
        saved = io.read(model)
    net = saved.net
    section = saved.sections.get("preprocessing")
    try:
        written = neuronet_onnx.export(net, out, labels=labels)
    except ImportError as err:
        fail(str(err))
    except neuronet_onnx.ONNXConversionError as err:
        fail(f"cannot export {str(model)!r}: {err}")
    except ValueError as err:  # --labels on a network without probabilities
        raise bad_value("--labels", str(err)) from None
    except OSError as err:
        fail(f"cannot write {str(out)!r}: {err.strerror or err}.")
    note = _preprocessing_note(section)
    if json_output:
        print_json({**written.as_dict(), **({"note": note} if note else {})})
        return
    inputs = ", ".join(f"{name} {_shape(dims)}" for name, dims in written.inputs.items())
    outputs = ", ".join(f"{name} {_shape(dims)}" for name, dims in written.outputs.items())
    typer.echo(f"Wrote {written.path} (ONNX opset {written.opset}): {inputs} -> {outputs}")
    if note:
        typer.echo(f"Note: {note}")


def _preprocessing_note(section: io.Section | None) -> str:
    """What the ONNX graph's inputs are, for a model with stored preprocessing; else ""."""
    if section is None:
        return ""
    try:
        pre = Preprocessor.from_section(section)
    except ValueError:
        return ""
    numeric = sum(entry["kind"] == "numeric" for entry in pre.describe()["features"])
    parts = []
    if numeric:
        parts.append("numeric columns standardised with the stored means and stds")
    if numeric < len(pre.features):
        parts.append("one 0/1 input per category of each categorical column")
    return (
        f"the graph takes the {pre.n_inputs} preprocessed inputs ({'; '.join(parts)}), not "
        f"the data file's columns: apply the preprocessing stored in the model file "
        f"(neuronet info shows it) before running it."
    )
