"""``neuronet plot KIND ...``: draw a figure with :mod:`neuronet.plot` and save it to a file.

One subcommand per figure that makes sense from a shell: ``activations`` (f and f′),
``network`` (a saved model's diagram), ``history`` (the training curves that ``neuronet
train`` stores in the model file), ``decision-boundary`` and ``neuron-heatmaps`` (a saved
2-input model over a built-in data set). Each is one call of the library function of the same
name followed by :func:`save_figure`.

The output file is checked before any work (its type, its folder, and that it does not exist
unless ``--force``) and written atomically: the figure goes to a temporary file in the same
folder, which then replaces the destination, so a failed or interrupted run never leaves half
a file. matplotlib is imported only when a figure is drawn, with the Agg backend (no window,
no display needed).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ._errors import ModelPath, bad_value, fail, model_errors, usage_errors
from ._output import JSON_HELP, print_json
from .datasets import complete_dataset
from .explain import complete_activation

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from numpy.typing import NDArray

    from ..network import MLP

__all__ = [
    "FORMATS",
    "check_output",
    "load_data",
    "load_model",
    "plot_app",
    "require_matplotlib",
    "save_figure",
]

#: The file types a figure can be saved as, by suffix.
FORMATS = (".png", ".svg", ".pdf")

plot_app = typer.Typer(
    name="plot",
    help="Draw a figure and save it to a file: PNG, SVG or PDF (needs matplotlib).",
    epilog="Example: neuronet plot activations relu tanh -o activations.png",
    no_args_is_help=True,
)

_Json = Annotated[bool, typer.Option("--json", help=JSON_HELP)]
_Force = Annotated[
    bool, typer.Option("--force", "-f", help="Overwrite the output file if it exists.")
]


def _output_option(default: str) -> Any:
    return typer.Option(
        "--output",
        "-o",
        help=f"File to write, {', '.join(FORMATS)} (default {default} in the current folder).",
        show_default=False,
    )


# --- shared by the plot commands (and `neuronet diagnose`, `neuronet experiment`) --------------


def check_output(path: Path, *, force: bool, option: str = "--output") -> Path:
    """Refuse, naming `option`, a file a figure could not be saved to, before any work.

    Raises
    ------
    typer.BadParameter
        If the suffix is not one of :data:`FORMATS`, `path` is a folder, its folder does not
        exist or cannot be written, or it exists and `force` is False.

    Examples
    --------
    >>> check_output(Path("figure.png"), force=True)
    PosixPath('figure.png')
    """
    if path.is_dir():
        raise bad_value(option, f"{str(path)!r} is a folder; give a file name such as 'plot.png'.")
    if path.suffix.lower() not in FORMATS:
        raise bad_value(
            option,
            f"{str(path)!r} must end in one of {', '.join(FORMATS)} (the file type), "
            f"got {path.suffix or 'no suffix'!r}.",
        )
    folder = path.parent
    if not folder.is_dir():
        raise bad_value(option, f"folder {str(folder)!r} does not exist; create it first.")
    if path.exists() and not force:
        raise bad_value(option, f"{str(path)!r} already exists; pass --force to overwrite it.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise bad_value(option, f"cannot write to folder {str(folder)!r} (permission denied).")
    return path


def require_matplotlib() -> None:
    """Select matplotlib's Agg backend, or fail (exit code 1) saying how to install it."""
    try:
        import matplotlib
    except ImportError:
        fail("plots need matplotlib: pip install 'neuronet[plot]'")
    # No window and no display: the figure only goes to a file.
    matplotlib.use("Agg")


def save_figure(figure: Figure, path: Path, *, dpi: float | None = None) -> None:
    """Write `figure` to `path` atomically (a temporary file in the same folder, then a rename).

    A failure (a full disk, a folder removed since :func:`check_output`) exits with code 1
    and leaves any existing file as it was.
    """
    from ..io import atomic_file

    try:
        with atomic_file(path, what="figure", example="plot.png") as handle:
            figure.savefig(handle, format=path.suffix.lower().lstrip("."), dpi=dpi)
    except OSError as err:
        fail(err.strerror or str(err))  # the file, the reason and what to do


def load_model(path: Path) -> MLP:
    """The network in the model file `path`, or one line and exit code 1."""
    from .. import load

    with model_errors(path):
        return load(path)


def load_data(
    name: str, *, samples: int | None, noise: float | None, seed: int
) -> tuple[NDArray[Any], NDArray[Any]]:
    """A built-in data set, its options checked as usage errors (``--data``, ``--samples``)."""
    from .. import datasets

    kwargs: dict[str, Any] = {"seed": seed}
    if samples is not None:
        kwargs["n_samples"] = samples
    if noise is not None:
        kwargs["noise"] = noise
    with usage_errors("--data", n_samples="--samples", noise="--noise", seed="--seed"):
        return datasets.load(name, **kwargs)


def _saved(path: Path, json_output: bool) -> None:
    if json_output:
        print_json({"path": str(path)})
    else:
        typer.echo(f"Saved {path}")


def _drawn(
    draw: Any,
    what: str,
    model: Path,
    *args: Any,
    options: dict[str, str] | None = None,
    **kwargs: Any,
) -> Figure:
    """``draw(*args, **kwargs)``: a network or data the figure cannot show is exit code 1.

    An error that names one of `options` (library argument -> command-line option) is that
    option's usage error instead.
    """
    try:
        figure: Figure = draw(*args, **kwargs)
    except ValueError as err:
        for argument, option in (options or {}).items():
            if f"`{argument}`" in str(err):
                raise bad_value(option, str(err)) from None
        fail(f"cannot draw {what} of {str(model)!r}: {err}")
    return figure


_DataName = Annotated[
    str,
    typer.Option(
        "--data",
        help="Built-in data set (see 'neuronet datasets'), with the inputs the model was "
        "trained on.",
        show_default=False,
        autocompletion=complete_dataset,
    ),
]
_Samples = Annotated[
    int | None,
    typer.Option(help="Number of points to draw (default: the data set's own).", min=1),
]
_Noise = Annotated[
    float | None, typer.Option(help="Noise in the data (default: the data set's own).", min=0.0)
]
_Seed = Annotated[int, typer.Option(min=0, help="Seed for the data.")]


# --- the commands -----------------------------------------------------------------------------


@plot_app.command(
    "activations",
    epilog="Example: neuronet plot activations relu gelu --no-derivative -o act.svg",
)
def activations(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="NAME...",
            help="Activation names or aliases; default every activation (one panel each "
            "when more than four).",
            show_default=False,
            autocompletion=complete_activation,
        ),
    ] = None,
    derivative: Annotated[
        bool, typer.Option("--derivative/--no-derivative", help="Also draw f′(z), dashed.")
    ] = True,
    output: Annotated[Path, _output_option("activations.png")] = Path("activations.png"),
    force: _Force = False,
    json_output: _Json = False,
) -> None:
    """Plot activation functions f(z) and their derivatives f′(z)."""
    from .. import activations as acts

    chosen = names or acts.names()
    with usage_errors("NAME..."):
        functions = [acts.get(name) for name in chosen]
    check_output(output, force=force)
    require_matplotlib()
    from .. import plot

    save_figure(plot.activations(functions, derivative=derivative), output)
    _saved(output, json_output)


@plot_app.command(
    "network", epilog="Example: neuronet plot network model.safetensors -o network.png"
)
def network(
    model: ModelPath,
    output: Annotated[Path, _output_option("network.png")] = Path("network.png"),
    force: _Force = False,
    json_output: _Json = False,
) -> None:
    """Draw a saved model: neurons by layer, weights as edges coloured by sign."""
    check_output(output, force=force)
    require_matplotlib()
    from .. import plot

    net = load_model(model)
    save_figure(_drawn(plot.network, "the network", model, net), output)
    _saved(output, json_output)


@plot_app.command(
    "history",
    epilog="Example: neuronet plot history model.safetensors -o curves.png",
)
def history(
    model: ModelPath,
    output: Annotated[Path, _output_option("history.png")] = Path("history.png"),
    force: _Force = False,
    json_output: _Json = False,
) -> None:
    """Draw the training and validation curves stored in a model file by 'neuronet train'."""
    check_output(output, force=force)
    require_matplotlib()
    from .. import plot
    from ..io import read_metadata

    with model_errors(model):
        record = read_metadata(model).sections.get("training", {})
    curves = record.get("history")
    if not isinstance(curves, dict) or not curves:
        fail(
            f"{str(model)!r} holds no training history: 'neuronet train' stores it in the "
            f"models it saves (from Python, plot the History that fit returns with "
            f"neuronet.plot.history)."
        )
    # JSON has no NaN: an epoch whose loss was not finite was stored as null.
    series = {
        str(key): [float("nan") if v is None else float(v) for v in values]
        for key, values in curves.items()
        if isinstance(values, list)
    }
    save_figure(_drawn(plot.history, "the training curves", model, series), output)
    _saved(output, json_output)


@plot_app.command(
    "decision-boundary",
    epilog="Example: neuronet train --data moons, then neuronet plot decision-boundary "
    "model.safetensors --data moons -o boundary.png",
)
def decision_boundary(
    model: ModelPath,
    data: _DataName,
    samples: _Samples = None,
    noise: _Noise = None,
    seed: _Seed = 0,
    resolution: Annotated[
        int, typer.Option(min=2, max=2000, help="Grid points along each axis.")
    ] = 200,
    output: Annotated[Path, _output_option("decision-boundary.png")] = Path(
        "decision-boundary.png"
    ),
    force: _Force = False,
    json_output: _Json = False,
) -> None:
    """Draw a 2-input classifier's class regions, with the points of a built-in data set."""
    X, y = load_data(data, samples=samples, noise=noise, seed=seed)
    check_output(output, force=force)
    require_matplotlib()
    from .. import plot

    net = load_model(model)
    figure = _drawn(
        plot.decision_boundary, "the decision boundary", model, net, X, y, resolution=resolution
    )
    save_figure(figure, output)
    _saved(output, json_output)


@plot_app.command(
    "neuron-heatmaps",
    epilog="Example: neuronet plot neuron-heatmaps model.safetensors --data spiral --layer 1",
)
def neuron_heatmaps(
    model: ModelPath,
    data: Annotated[
        str | None,
        typer.Option(
            "--data",
            help="Built-in data set whose points set the area drawn (default: -3 to 3 on "
            "both inputs).",
            show_default=False,
            autocompletion=complete_dataset,
        ),
    ] = None,
    seed: _Seed = 0,
    layer: Annotated[
        int | None,
        typer.Option(help="One dense layer, from 1; -1 is the output layer (default: all)."),
    ] = None,
    resolution: Annotated[
        int, typer.Option(min=2, max=2000, help="Grid points along each axis of each image.")
    ] = 60,
    output: Annotated[Path, _output_option("neuron-heatmaps.png")] = Path("neuron-heatmaps.png"),
    force: _Force = False,
    json_output: _Json = False,
) -> None:
    """Draw every neuron's output over a 2-D input space, as TensorFlow Playground does."""
    X = None if data is None else load_data(data, samples=None, noise=None, seed=seed)[0]
    check_output(output, force=force)
    require_matplotlib()
    from .. import plot

    net = load_model(model)
    figure = _drawn(
        plot.neuron_heatmaps,
        "the neuron heatmaps",
        model,
        net,
        X,
        layer=layer,
        resolution=resolution,
        options={"layer": "--layer"},
    )
    save_figure(figure, output)
    _saved(output, json_output)
