r"""Figures of activations, training runs and networks (matplotlib, an optional extra).

Every function returns a :class:`matplotlib.figure.Figure` built directly (never through
pyplot's global state, so nothing leaks from one call into the next and no window opens),
takes an optional ``ax=`` to draw into axes you already have (it then returns their figure)
and never calls ``plt.show()``. matplotlib is imported inside the functions, on first use:
``import neuronet.plot`` costs nothing and works without it (``pip install 'neuronet[plot]'``).

Colours come from the Okabe–Ito palette, which stays distinguishable with every common
form of colour blindness. One convention holds throughout: blue is positive and vermillion
negative (weights in :func:`network`, values in :func:`neuron_heatmaps`).

==========================  =========================================================
:func:`activations`         f (solid) and f′ (dashed) of one activation or several
:func:`history`             training and validation curves of a :class:`~neuronet.History`
:func:`decision_boundary`   a 2-input classifier's class regions, with the points
:func:`neuron_heatmaps`     every neuron's output over a 2-D input space
:func:`network`             the network diagram, edges coloured by weight sign
:func:`diagnostics`         a ``Monitor``'s per-layer diagnostics over the epochs
:func:`prelu_slopes`        the learned PReLU slopes over the epochs
==========================  =========================================================

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from neuronet import plot
>>> fig = plot.activations(["relu", "tanh"])  # then fig.savefig("activations.png")
>>> [line.get_label() for line in fig.axes[0].get_lines() if line.get_gid() != "axis"]
['relu', '_relu′', 'tanh', '_tanh′']
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import activations as _activations
from . import losses as _losses
from .network import MLP
from .training import History

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap
    from matplotlib.figure import Figure

__all__ = [
    "OKABE_ITO",
    "activations",
    "decision_boundary",
    "diagnostics",
    "history",
    "network",
    "neuron_heatmaps",
    "prelu_slopes",
]

#: The Okabe–Ito palette (Okabe & Ito, 2008, "Color Universal Design"): eight colours that
#: people with any common colour-vision deficiency can tell apart.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}

# The order lines and classes take their colours in: the strongest contrasts first, yellow
# (faint on white) and black (the colour of text and reference lines) last.
_CYCLE = tuple(
    OKABE_ITO[name]
    for name in (
        "blue",
        "orange",
        "bluish green",
        "reddish purple",
        "vermillion",
        "sky blue",
        "yellow",
        "black",
    )
)
_POSITIVE, _NEGATIVE = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
_GREY = "#999999"

#: The diagnostics :func:`diagnostics` draws when ``metrics`` is not given (those recorded).
DEFAULT_DIAGNOSTICS = ("dead", "saturated", "grad_norm")

_DIAGNOSTIC_TITLES = {
    "dead": "Dead neurons",
    "saturated": "Saturated neurons",
    "grad_norm": "Gradient norm",
    "z_mean": "Mean of z",
    "z_std": "Standard deviation of z",
    "a_mean": "Mean activation a",
    "a_std": "Standard deviation of a",
    "prelu_slope": "PReLU slope",
}
_METRIC_TITLES = {"loss": "Loss", "accuracy": "Accuracy", "lr": "Learning rate"}
_LAYER_KEY = re.compile(r"^layer(\d+)/(.+)$")

# At most this many activations share one axes; more get a panel each.
_MAX_OVERLAID = 4

# A diagram shows at most this many neurons per layer; a wider layer shows its first and
# last few around an ellipsis.
_MAX_SHOWN = 16


# --------------------------------------------------------------------------------------
# matplotlib, imported on first use
# --------------------------------------------------------------------------------------


def _mpl() -> SimpleNamespace:
    """The few matplotlib names this module uses, or an ImportError saying how to get them."""
    try:
        # The package itself first: `from matplotlib.axes import ...` alone succeeds when that
        # submodule is still cached, and the missing package would fail later, less clearly.
        import matplotlib  # noqa: F401
        from matplotlib.axes import Axes
        from matplotlib.collections import LineCollection
        from matplotlib.colors import LinearSegmentedColormap, to_rgb
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.patches import Circle
    except ImportError as err:
        raise ImportError(
            "neuronet.plot draws with matplotlib, an optional dependency that is not "
            "installed: pip install 'neuronet[plot]'"
        ) from err
    return SimpleNamespace(
        Axes=Axes,
        Circle=Circle,
        Figure=Figure,
        Line2D=Line2D,
        LineCollection=LineCollection,
        LinearSegmentedColormap=LinearSegmentedColormap,
        to_rgb=to_rgb,
    )


def _new_figure(width: float, height: float) -> Figure:
    figure: Figure = _mpl().Figure(figsize=(width, height), layout="constrained")
    return figure


def _root_figure(ax: Axes) -> Figure:
    """The figure `ax` lives in (the top one when `ax` is in a subfigure)."""
    figure = ax.figure
    while not isinstance(figure, _mpl().Figure):
        figure = figure.figure
    return figure


def _axes(
    ax: object, n: int, what: Sequence[str], panel: tuple[float, float], ncols: int = 3
) -> list[Axes]:
    """`n` axes to draw panels `what` into: new ones on a new figure, or the ones in `ax`.

    `ax` may be one Axes (for one panel) or a sequence of them, one per panel.
    """
    mpl = _mpl()
    if ax is None:
        ncols = min(n, ncols)
        nrows = math.ceil(n / ncols)
        figure = _new_figure(panel[0] * ncols, panel[1] * nrows)
        grid = figure.subplots(nrows, ncols, squeeze=False).ravel().tolist()
        for extra in grid[n:]:
            extra.remove()
        return grid[:n]
    axes = [ax] if isinstance(ax, mpl.Axes) else _as_list(ax)
    if len(axes) != n or not all(isinstance(a, mpl.Axes) for a in axes):
        needed = "one Axes" if n == 1 else f"a sequence of {n} Axes"
        raise ValueError(
            f"`ax` must be {needed}, one per panel ({', '.join(what)}); got {ax!r}. "
            f"Leave ax=None for a new figure, or choose one panel with metrics=[...]."
        )
    return axes


def _as_list(value: object) -> list[Any]:
    if isinstance(value, np.ndarray):
        return list(value.ravel())
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return list(value)
    return [value]


def _epoch_axis(panel: Axes) -> None:
    """Label the x-axis "epoch", with whole-number ticks only, and add a light grid."""
    from matplotlib.ticker import MaxNLocator

    panel.xaxis.set_major_locator(MaxNLocator(integer=True))
    panel.set_xlabel("epoch")
    panel.grid(True, alpha=0.3)


def _check_ax(ax: object) -> Axes | None:
    if ax is not None and not isinstance(ax, _mpl().Axes):
        raise TypeError(f"`ax` must be a matplotlib Axes or None, got {type(ax).__name__}.")
    return ax


# --------------------------------------------------------------------------------------
# 1. Activation functions
# --------------------------------------------------------------------------------------


def activations(
    acts: str | _activations.Activation | Sequence[str | _activations.Activation],
    *,
    derivative: bool = True,
    z: tuple[float, float] = (-5.0, 5.0),
    ax: Axes | None = None,
) -> Figure:
    r"""Plot activation functions :math:`f(z)` (solid) and their derivatives :math:`f'(z)`.

    Up to four activations share one axes, each in its own colour, its derivative dashed
    in the same colour; more (with no `ax`) get one small panel each, so the curves stay
    legible. The derivative line breaks at the activation's kinks rather than drawing a
    vertical jump.

    Parameters
    ----------
    acts : str, Activation or sequence of them
        Names (``"relu"``) or objects (``activations.get("elu", alpha=0.5)``), as
        :func:`neuronet.activations.get` takes them. PReLU is drawn with its initial slope.
    derivative : bool, default=True
        Also draw :math:`f'` (dashed).
    z : (float, float), default=(-5.0, 5.0)
        Range of pre-activations on the x-axis.
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Notes
    -----
    Softmax is not element-wise: each output depends on the whole row. It is drawn as its
    first output for the two scores :math:`(z, 0)`, :math:`\operatorname{softmax}(z, 0)_0`
    (which is :math:`\sigma(z)`), and the derivative of that output along :math:`z`; the
    legend says so.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = activations(["sigmoid", "tanh"])
    >>> len(fig.axes[0].get_lines())  # f and f' of each, and the two axis lines
    6
    """
    _mpl()
    ax = _check_ax(ax)
    items = _as_activations(acts)
    low, high = _check_range(z)
    zz = np.linspace(low, high, 401)
    if ax is None and len(items) > _MAX_OVERLAID:
        # More curves than this on one axes become a tangle: one small panel each instead.
        labels = [_activation_label(act) for act in items]
        panels = _axes(None, len(items), labels, (3.0, 2.4), ncols=4)
        for panel, act in zip(panels, items, strict=True):
            # One curve per panel: its title names it, so one strong colour serves them all.
            name = _draw_activation(panel, act, _CYCLE[0], zz, derivative)
            panel.set_title(name, fontsize="medium")
            panel.set_xlim(low, high)
            panel.grid(True, alpha=0.3)
        panels[0].legend(*_style_legend(derivative), fontsize="small")
        figure = _root_figure(panels[0])
        figure.supxlabel("pre-activation z")
        figure.supylabel("f(z) and f′(z)" if derivative else "f(z)")
        return figure
    if ax is None:
        ax = _new_figure(6.4, 4.4).subplots()
    for i, act in enumerate(items):
        _draw_activation(ax, act, _CYCLE[i % len(_CYCLE)], zz, derivative)
    handles, labels = ax.get_legend_handles_labels()
    styles, descriptions = _style_legend(derivative)
    ax.legend(handles + styles, labels + descriptions, fontsize="small", framealpha=0.9)
    ax.set_xlim(low, high)
    ax.set_xlabel("pre-activation z")
    ax.set_ylabel("f(z) and f′(z)" if derivative else "f(z)")
    ax.set_title(f"Activation: {items[0].name}" if len(items) == 1 else "Activation functions")
    ax.grid(True, alpha=0.3)
    return _root_figure(ax)


def _draw_activation(
    ax: Axes, act: _activations.Activation, color: str, zz: NDArray[Any], derivative: bool
) -> str:
    """Draw f (solid, labelled) and f′ (dashed, same colour) of `act` over `zz`; its label."""
    if not any(line.get_gid() == "axis" for line in ax.get_lines()):  # once per axes
        ax.axhline(0.0, color=_GREY, linewidth=0.8, zorder=0, gid="axis")
        ax.axvline(0.0, color=_GREY, linewidth=0.8, zorder=0, gid="axis")
    name = _activation_label(act)
    if act.elementwise:
        a = act.forward(zz)
        d = act.derivative(zz, a) if derivative else None
    else:
        # Softmax over the two scores (z, 0): output 0 and its derivative along z, which
        # is the first entry of the vector-Jacobian product with g = (1, 0).
        scores = np.column_stack([zz, np.zeros_like(zz)])
        out = act.forward(scores)
        a = out[:, 0]
        grad = np.column_stack([np.ones_like(zz), np.zeros_like(zz)])
        d = act.backward(scores, out, grad)[:, 0] if derivative else None
        name = f"{name}(z, 0)₀"
    ax.plot(zz, a, color=color, linewidth=2.0, label=name, gid=f"f:{act.name}")
    if d is not None:
        zd, d = _break_at(zz, d, act.kinks)
        ax.plot(
            zd,
            d,
            color=color,
            linewidth=1.6,
            linestyle="--",
            label=f"_{name}′",
            gid=f"df:{act.name}",
        )
    return name


def _style_legend(derivative: bool) -> tuple[list[Any], list[str]]:
    """Legend entries that say which line style is f and which f′."""
    if not derivative:
        return [], []
    line = _mpl().Line2D
    return [
        line([], [], color="0.2", linewidth=2.0),
        line([], [], color="0.2", linewidth=1.6, linestyle="--"),
    ], ["f(z)", "f′(z)"]


def _as_activations(acts: object) -> list[_activations.Activation]:
    if isinstance(acts, str | _activations.Activation) or acts is None:
        acts = [acts]
    elif not isinstance(acts, Iterable):
        raise TypeError(
            "`acts` must be an activation name, an Activation or a sequence of them, "
            f"got {type(acts).__name__}."
        )
    items = []
    for act in acts:
        try:
            items.append(_activations.get(act))
        except TypeError as err:
            raise TypeError(f"`acts`: {err}") from None
    if not items:
        raise ValueError("`acts` is empty: pass at least one activation, e.g. 'relu'.")
    return items


def _activation_label(act: _activations.Activation) -> str:
    """The name, with the parameters that differ from the defaults: ``elu(alpha=0.5)``."""
    params = act.get_params()
    try:
        defaults = type(act)().get_params()
    except TypeError:
        defaults = {}
    changed = {key: value for key, value in params.items() if defaults.get(key) != value}
    if not changed:
        return act.name
    return f"{act.name}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"


def _check_range(z: object) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in z)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise ValueError(f"`z` must be a pair (low, high) of numbers, got {z!r}.") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"`z` must be (low, high) with finite low < high, got {z!r}.")
    return low, high


def _break_at(
    x: NDArray[Any], y: NDArray[Any], kinks: Iterable[float]
) -> tuple[NDArray[Any], NDArray[Any]]:
    """Insert NaN just after each kink, so a line through `y` jumps instead of sloping."""
    for kink in sorted(kinks, reverse=True):
        if x[0] < kink < x[-1]:
            i = int(np.searchsorted(x, kink, side="right"))
            x, y = np.insert(x, i, np.nan), np.insert(y, i, np.nan)
    return x, y


# --------------------------------------------------------------------------------------
# 2. Training curves
# --------------------------------------------------------------------------------------


def history(
    history: History | Mapping[str, Sequence[float]],
    *,
    metrics: str | Sequence[str] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure:
    """Plot training (solid) and validation (dashed) curves over the epochs.

    One panel per metric, so loss and accuracy get separate axes; ``val_<metric>`` is drawn
    in the metric's panel. Keys with a ``/`` (a ``Monitor``'s per-layer records) are left
    to :func:`diagnostics`. The learning rate, when drawn, uses a log scale. With
    validation data, a dotted line marks the best epoch.

    Parameters
    ----------
    history : History or dict of lists
        What :meth:`MLP.fit <neuronet.MLP.fit>` returns, or its ``.history`` dict.
    metrics : str or sequence of str, optional
        Which metrics, by their training name (``"loss"``, ``"accuracy"``, ``"lr"``).
        Default: every one recorded except ``"lr"``.
    ax : matplotlib Axes or sequence of Axes, optional
        One Axes per metric to draw into, instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from neuronet import History
    >>> h = History()
    >>> for loss, acc in [(0.9, 0.5), (0.5, 0.8), (0.3, 0.9)]:
    ...     h.record({"loss": loss, "accuracy": acc, "val_loss": loss + 0.1, "lr": 0.01})
    >>> [a.get_title() for a in history(h).axes]
    ['Loss', 'Accuracy']
    """
    _mpl()
    records = _records(history)
    names = []  # each metric once, by its training name, in the order first recorded
    for key in records:
        base = key.removeprefix("val_")
        if "/" not in key and base not in names:
            names.append(base)
    if metrics is None:
        chosen = [name for name in names if name != "lr"]
        if not chosen:
            raise ValueError(
                "`history` holds no training metrics to plot"
                + (f" (only {sorted(records)})" if records else " (it is empty)")
                + "; train with net.fit(...) first."
            )
    else:
        chosen = _check_names(metrics, names, "metrics", "recorded metrics")
    axes = _axes(ax, len(chosen), chosen, (4.8, 3.6))
    best = getattr(history, "best_epoch", None)
    for panel, name in zip(axes, chosen, strict=True):
        for key, label, style in ((name, "training", "-"), (f"val_{name}", "validation", "--")):
            if key in records:
                values = _numbers(records[key], key)
                color = _CYCLE[0] if style == "-" else _CYCLE[1]
                epochs = np.arange(1, values.size + 1)
                panel.plot(
                    epochs,
                    values,
                    linestyle=style,
                    color=color,
                    linewidth=1.8,
                    label=label,
                    marker="o" if values.size == 1 else None,
                )
        if best is not None and "val_loss" in records and name != "lr":
            panel.axvline(
                best + 1,
                color="0.3",
                linestyle=":",
                linewidth=1.2,
                label=f"best epoch ({best + 1})",
                gid="best_epoch",
            )
        if name == "lr":
            panel.set_yscale("log")
        panel.set_title(_METRIC_TITLES.get(name, name))
        panel.set_ylabel(name)
        _epoch_axis(panel)
        if len(panel.get_lines()) > 1:  # one line needs no legend: the title names it
            panel.legend(fontsize="small")
    return _root_figure(axes[0])


def _records(history: object) -> Mapping[str, Sequence[float]]:
    if isinstance(history, History):
        return history.history
    if isinstance(history, Mapping):
        return history
    raise TypeError(
        "`history` must be the History that fit returns (or its .history dict), "
        f"got {type(history).__name__}."
    )


def _numbers(values: object, key: str) -> NDArray[np.float64]:
    """One metric's record as floats, one per epoch (NaN allowed: a diverged epoch)."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.ndim != 1 or isinstance(values, str | bytes):
        raise TypeError(
            f"`history[{key!r}]` must be a list of numbers, one per epoch, got {values!r:.80}."
        )
    return arr


def _check_names(given: object, known: Sequence[str], arg: str, what: str) -> list[str]:
    names = [given] if isinstance(given, str) else _as_list(given)
    if not names or not all(isinstance(name, str) for name in names):
        raise ValueError(f"`{arg}` must be a name or a non-empty list of names, got {given!r}.")
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(
            f"`{arg}` names {', '.join(map(repr, unknown))}, which `history` does not hold; "
            f"{what}: {', '.join(map(repr, known)) or 'none'}."
        )
    return names


# --------------------------------------------------------------------------------------
# 3. Decision boundary
# --------------------------------------------------------------------------------------


def decision_boundary(
    net: MLP,
    X: ArrayLike,
    y: ArrayLike,
    *,
    resolution: int = 200,
    ax: Axes | None = None,
) -> Figure:
    """Plot a 2-input classifier's class regions, shaded by confidence, with the points.

    Each region takes its class's colour, stronger where the network is more confident
    (the largest of :meth:`~neuronet.MLP.predict_proba`, from chance to certain); a thin
    line marks the boundaries. The points are coloured by their true class, and the title
    gives the accuracy on them.

    Parameters
    ----------
    net : MLP
        A classifier with 2 inputs (``net.is_classifier`` and ``net.n_inputs == 2``), binary
        or multiclass.
    X : array-like of shape (n_samples, 2)
        The points; they also set the plotted area (their range plus a margin).
    y : array-like of shape (n_samples,)
        Their labels: class names (``net.classes``) or 0..k-1, or one-hot rows.
    resolution : int, default=200
        Grid points along each axis.
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        For a regressor, a network without exactly 2 inputs, independent (multi-label)
        outputs, outputs that are not finite (a diverged network), or `X` / `y` of the wrong
        shape or with unknown labels.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from neuronet import MLP, datasets
    >>> X, y = datasets.moons(100, seed=0)
    >>> net = MLP([2, 8, 2], output="softmax", seed=0)
    >>> fig = decision_boundary(net, X, y, resolution=50)
    >>> len(fig.axes[0].images), len(fig.axes[0].collections) >= 2
    (1, True)
    """
    mpl = _mpl()
    ax = _check_ax(ax)
    _check_net(net)
    if not net.is_classifier:
        raise ValueError(
            f"decision_boundary needs a classifier with 2 inputs; this network is a regressor "
            f"(loss {net.loss.name!r})"
            + (
                ": plot its predictions over the inputs with "
                "neuronet.plot.neuron_heatmaps(net, X, layer=-1)."
                if net.n_inputs == 2
                else ": plot its predictions against the targets instead, e.g. "
                "ax.scatter(y, net.predict(X))."
            )
        )
    if net.n_inputs != 2:
        raise ValueError(
            f"decision_boundary needs a classifier with 2 inputs; this network has "
            f"{net.n_inputs}. Draw its weights with neuronet.plot.network(net), or train on "
            f"two features (e.g. the first two principal components) to see a boundary."
        )
    if isinstance(net.loss, _losses.BinaryCrossEntropy) and net.n_outputs > 1:
        raise ValueError(
            f"decision_boundary draws one class per point, but this network has "
            f"{net.n_outputs} independent yes/no outputs; draw each output over the inputs "
            f"with neuronet.plot.neuron_heatmaps(net, X, layer=-1)."
        )
    points = _check_points(X)
    k = int(net.n_classes or 2)
    labels = list(net.classes) if net.classes is not None else list(range(k))
    truth = _class_indices(y, labels, points.shape[0])
    resolution = _check_resolution(resolution, "resolution")
    x0, x1, y0, y1 = _extent_of(points)
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    grid = np.column_stack([np.tile(xs, resolution), np.repeat(ys, resolution)])
    predicted, confidence = _predict_indices(net, grid, labels)
    predicted = predicted.reshape(resolution, resolution)
    confidence = confidence.reshape(resolution, resolution)

    colors = np.array([mpl.to_rgb(_CYCLE[i % len(_CYCLE)]) for i in range(k)])
    # Tint from faint at chance (1/k) to strong at certainty, blended onto white so the
    # image is opaque and the points on top stay readable.
    strength = np.clip((confidence - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0)
    alpha = (0.12 + 0.43 * strength)[..., None]
    image = (1.0 - alpha) + alpha * colors[predicted]

    if ax is None:
        ax = _new_figure(6.4, 5.2).subplots()
    ax.imshow(image, origin="lower", extent=(x0, x1, y0, y1), aspect="auto", zorder=0)
    for c in range(k):
        inside = (predicted == c).astype(float)
        if 0.0 < inside.mean() < 1.0:  # a boundary exists only where the class starts or ends
            ax.contour(xs, ys, inside, levels=[0.5], colors="0.25", linewidths=0.8, zorder=1)
    size = float(np.clip(3000.0 / math.sqrt(points.shape[0] + 1.0), 8.0, 40.0))
    for c in range(k):
        mine = truth == c
        ax.scatter(
            points[mine, 0],
            points[mine, 1],
            s=size,
            color=colors[c],
            edgecolors="white",
            linewidths=0.6,
            label=str(labels[c]),
            zorder=2,
        )
    predicted_points, _ = _predict_indices(net, points, labels)
    accuracy = float(np.mean(predicted_points == truth))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(f"Decision boundary (accuracy {accuracy:.1%} on these points)")
    ax.legend(title="class", fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return _root_figure(ax)


def _check_net(net: object) -> None:
    if not isinstance(net, MLP):
        raise TypeError(f"`net` must be a neuronet.MLP, got {type(net).__name__}.")


def _check_points(X: object, name: str = "X") -> NDArray[np.float64]:
    try:
        points = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"`{name}` must be an array of numbers of shape (n_samples, 2)."
        ) from None
    if points.ndim != 2 or points.shape[1] != 2 or points.shape[0] == 0:
        raise ValueError(
            f"`{name}` must have shape (n_samples, 2): one row per point, one column per "
            f"input; got shape {points.shape}."
        )
    if not np.isfinite(points).all():
        raise ValueError(f"`{name}` holds NaN or infinite values; drop or fill them first.")
    return points


def _check_resolution(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"`{name}` must be an int, got {type(value).__name__}.")
    if not 2 <= value <= 2000:
        raise ValueError(f"`{name}` must be between 2 and 2000 grid points, got {value}.")
    return int(value)


def _extent_of(points: NDArray[np.float64]) -> tuple[float, float, float, float]:
    """The points' bounding box plus a 10% margin (at least 0.5 when they are all on a line)."""
    low, high = points.min(axis=0), points.max(axis=0)
    margin = np.maximum(0.1 * (high - low), 0.5 * (high == low))
    (x0, y0), (x1, y1) = low - margin, high + margin
    return float(x0), float(x1), float(y0), float(y1)


def _class_indices(y: object, labels: list[Any], n: int) -> NDArray[np.intp]:
    """Each label's position in `labels` (one-hot rows are read by their largest entry)."""
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == len(labels) and arr.shape[1] > 1:
        arr = arr.argmax(axis=1)
        labels = list(range(len(labels)))
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(
            f"`y` must hold one label per row of `X` ({n}), got shape {np.asarray(y).shape}."
        )
    position = {label: i for i, label in enumerate(labels)}
    try:
        indices = [position.get(label, -1) for label in arr.tolist()]
    except TypeError:  # an unhashable label
        indices = [-1]
    if min(indices, default=0) < 0:
        unknown = sorted({str(label) for label in arr.tolist() if label not in position})[:5]
        raise ValueError(
            f"`y` holds labels the network does not know ({', '.join(unknown)}); its classes "
            f"are {labels}. Pass the labels the network was trained on."
        )
    return np.asarray(indices, dtype=np.intp)


def _predict_indices(
    net: MLP, X: NDArray[np.float64], labels: list[Any]
) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """Predicted class index and the confidence in it (1 when there are no probabilities)."""
    try:
        proba = np.asarray(net.predict_proba(X), dtype=float)
    except TypeError:  # a classifier whose outputs are not probabilities
        predicted = _class_indices(net.predict(X), labels, X.shape[0])
        return predicted, np.ones(X.shape[0])
    if not np.isfinite(proba).all():
        # argmax would read NaN as class 0: one uniform region, with an accuracy in the title.
        raise ValueError(
            "the network's outputs are not finite (NaN or inf) over the plotted area, so it "
            "has no decision boundary to draw: its weights have diverged. "
            "neuronet.diagnose(net, X, y) shows which layers; retrain with a lower learning "
            "rate, and standardise the inputs."
        )
    return proba.argmax(axis=1), proba.max(axis=1)


# --------------------------------------------------------------------------------------
# 4. Neuron heatmaps
# --------------------------------------------------------------------------------------


def neuron_heatmaps(
    net: MLP,
    X: ArrayLike | None = None,
    *,
    layer: int | None = None,
    extent: tuple[float, float, float, float] | None = None,
    resolution: int = 60,
) -> Figure:
    """Plot each neuron's output over a 2-D input space, as TensorFlow Playground does.

    One small image per neuron of every dense layer (or of one layer), one block of images
    per layer with its own colour scale: blue for positive outputs, vermillion for negative
    ones, white for 0. A bounded activation uses its full range (tanh: -1 to 1, sigmoid: 0
    to 1), so the colours mean the same in every neuron of the layer.

    Parameters
    ----------
    net : MLP
        A network with 2 inputs, classifier or regressor.
    X : array-like of shape (n_samples, 2), optional
        Only sets the plotted area (the points' range plus a margin) when `extent` is not
        given.
    layer : int, optional
        One dense layer, numbered from 1 like a ``Monitor``'s ``"layer1/..."`` keys; -1 is
        the output layer. Default: every dense layer.
    extent : (x_min, x_max, y_min, y_max), optional
        The input area. Default: from `X`, else ``(-3, 3, -3, 3)``, which suits standardised
        inputs.
    resolution : int, default=60
        Grid points along each axis of each image.

    Returns
    -------
    matplotlib.figure.Figure
        One subfigure per layer; its title names the layer and its activation.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from neuronet import MLP
    >>> net = MLP([2, 4, 3], output="softmax", seed=0)
    >>> fig = neuron_heatmaps(net, resolution=20)
    >>> sum(len(a.images) for a in fig.axes)  # 4 hidden neurons and 3 outputs
    7
    """
    mpl = _mpl()
    _check_net(net)
    if net.n_inputs != 2:
        raise ValueError(
            f"neuron_heatmaps draws each neuron over a 2-D input space, so it needs a network "
            f"with 2 inputs; this one has {net.n_inputs}. Draw its weights with "
            f"neuronet.plot.network(net) instead."
        )
    resolution = _check_resolution(resolution, "resolution")
    if extent is not None:
        x0, x1, y0, y1 = _check_extent(extent)
    elif X is not None:
        x0, x1, y0, y1 = _extent_of(_check_points(X))
    else:
        x0, x1, y0, y1 = -3.0, 3.0, -3.0, 3.0
    numbers = _layer_numbers(layer, len(net.dense_layers))
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    grid = np.column_stack([np.tile(xs, resolution), np.repeat(ys, resolution)])
    outputs = net.layer_outputs(grid)

    widths = [net.dense_layers[i - 1].n_out for i in numbers]
    ncols = min(8, max(widths))
    rows = [math.ceil(width / ncols) for width in widths]
    tile = 1.15
    figure = _new_figure(tile * ncols + 1.3, sum(rows) * tile + 0.55 * len(rows) + 0.4)
    figure.suptitle(
        f"Neuron outputs a = f(z) over x₁ ∈ [{x0:.3g}, {x1:.3g}], x₂ ∈ [{y0:.3g}, {y1:.3g}]",
        fontsize="medium",
    )
    subfigures = figure.subfigures(len(numbers), 1, height_ratios=rows, squeeze=False).ravel()
    for sub, number, n_rows in zip(subfigures, numbers, rows, strict=True):
        dense = net.dense_layers[number - 1]
        _, a = outputs[number - 1]
        a = np.asarray(a, dtype=float)
        cmap, vmin, vmax = _colour_scale(dense.activation, a, mpl)
        kind = "output" if number == len(net.dense_layers) else "hidden"
        names = [str(j + 1) for j in range(dense.n_out)]
        if kind == "output" and net.classes is not None and len(net.classes) == dense.n_out:
            names = [str(label)[:12] for label in net.classes]
        sub.suptitle(
            f"layer {number} ({kind}): {dense.activation.name}, {dense.n_out} neurons",
            fontsize="small",
        )
        tiles = sub.subplots(n_rows, ncols, squeeze=False).ravel()
        image = None
        for j, panel in enumerate(tiles):
            panel.set_xticks([])
            panel.set_yticks([])
            if j >= dense.n_out:
                panel.set_axis_off()
                continue
            image = panel.imshow(
                a[:, j].reshape(resolution, resolution),
                origin="lower",
                cmap=cmap,
                vmin=vmin,
                vmax=vmax,
                extent=(x0, x1, y0, y1),
                interpolation="bilinear",
            )
            panel.set_title(names[j], fontsize="x-small", pad=2)
        if image is not None:
            sub.colorbar(image, ax=list(tiles), shrink=0.9, aspect=12 * n_rows, pad=0.02)
    return figure


def _check_extent(extent: object) -> tuple[float, float, float, float]:
    try:
        x0, x1, y0, y1 = (float(v) for v in extent)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise ValueError(
            f"`extent` must be four numbers (x_min, x_max, y_min, y_max), got {extent!r}."
        ) from None
    if not all(map(math.isfinite, (x0, x1, y0, y1))) or not (x0 < x1 and y0 < y1):
        raise ValueError(
            f"`extent` must be finite with x_min < x_max and y_min < y_max, got {extent!r}."
        )
    return x0, x1, y0, y1


def _layer_numbers(layer: object, n_dense: int) -> list[int]:
    """Dense layer numbers (from 1) to draw: all of them, or the one `layer` names."""
    if layer is None:
        return list(range(1, n_dense + 1))
    if isinstance(layer, bool) or not isinstance(layer, int | np.integer):
        raise TypeError(f"`layer` must be an int or None, got {type(layer).__name__}.")
    if 1 <= layer <= n_dense:
        return [int(layer)]
    if -n_dense <= layer <= -1:
        return [n_dense + 1 + int(layer)]
    raise ValueError(
        f"`layer` must be a dense layer number from 1 to {n_dense} (or -1 for the output "
        f"layer), got {layer}."
    )


def _colour_scale(
    act: _activations.Activation, a: NDArray[Any], mpl: SimpleNamespace
) -> tuple[Colormap, float, float]:
    """Colour map and limits: white at 0, blue above, vermillion below."""
    low, high = act.output_range
    if math.isfinite(low) and math.isfinite(high) and low >= 0.0:
        vmin, vmax = low, high  # sigmoid, softmax: 0 to 1
    elif math.isfinite(low) and math.isfinite(high):
        vmin, vmax = -max(-low, high), max(-low, high)  # tanh, softsign: symmetric
    elif low >= 0.0 or float(a.min()) >= 0.0:
        vmin, vmax = 0.0, float(a.max())  # relu, softplus
    else:
        vmax = float(np.abs(a).max())
        vmin = -vmax
    if vmax <= vmin:  # every output 0 (a dead layer): any non-empty range will do
        vmax = vmin + 1.0
    colours = [OKABE_ITO["vermillion"], "#ffffff", OKABE_ITO["blue"]]
    if vmin >= 0.0:
        colours = colours[1:]
    return mpl.LinearSegmentedColormap.from_list("okabe_ito", colours), vmin, vmax


# --------------------------------------------------------------------------------------
# 5. The network diagram
# --------------------------------------------------------------------------------------


def network(net: MLP, *, ax: Axes | None = None) -> Figure:
    """Draw the network: neurons as circles by layer, weights as coloured edges.

    An edge is blue for a positive weight and vermillion for a negative one, wider and more
    opaque the larger its magnitude (relative to the largest weight in the network). A
    layer wider than 16 neurons shows its first 8 and last 7 around a ⋮ marker, with the
    edges of the neurons shown.

    Parameters
    ----------
    net : MLP
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from neuronet import MLP
    >>> fig = network(MLP([2, 4, 3], output="softmax", seed=0))
    >>> len(fig.axes[0].patches)  # one circle per neuron
    9
    """
    mpl = _mpl()
    ax = _check_ax(ax)
    _check_net(net)
    sizes = [net.n_inputs] + [dense.n_out for dense in net.dense_layers]
    shown = [_shown_neurons(width) for width in sizes]
    slots = max(len(s) for s in shown)
    # Layers sit further apart the taller they are, so the edges between them stay legible.
    spacing, radius = max(2.6, 0.36 * slots), 0.3
    # Where each shown neuron of each layer sits, by its index in the layer.
    position: list[dict[int, tuple[float, float]]] = []
    for k, neurons in enumerate(shown):
        top = (len(neurons) - 1) / 2.0
        position.append(
            {j: (k * spacing, top - s) for s, j in enumerate(neurons) if j is not None}
        )

    # The classes' names go right of the output neurons, where they fit.
    names = []
    if net.classes is not None and net.n_outputs == len(net.classes):
        names = [
            str(label) if len(str(label)) <= 12 else str(label)[:11] + "…" for label in net.classes
        ]
    left = -1.0
    right = (len(sizes) - 1) * spacing + max(
        1.3, radius + 0.4 + 0.17 * max(map(len, names), default=0)
    )
    if ax is None:
        # Sized to the drawing (axes with equal aspect): 0.4 inch per neuron, plus room for
        # the title, the legend and the layer labels.
        width = 0.4 * (right - left)
        ax = _new_figure(max(4.5, width + 0.4), 0.4 * (slots + 2.0) + 1.6).subplots()
    weights = [np.asarray(dense.weights, dtype=float) for dense in net.dense_layers]
    largest = max((float(np.abs(w).max()) for w in weights), default=0.0) or 1.0
    segments, colours, widths = [], [], []
    for k, w in enumerate(weights):
        for i, start in position[k].items():
            for j, end in position[k + 1].items():
                magnitude = abs(w[i, j]) / largest
                segments.append([start, end])
                rgb = mpl.to_rgb(_POSITIVE if w[i, j] >= 0 else _NEGATIVE)
                colours.append((*rgb, 0.15 + 0.75 * magnitude))
                widths.append(0.3 + 2.7 * magnitude)
    ax.add_collection(
        mpl.LineCollection(segments, colors=colours, linewidths=widths, zorder=1, gid="edges")
    )
    fills = ["#dddddd"] + ["white"] * (len(sizes) - 2) + [OKABE_ITO["sky blue"]]
    for k, neurons in enumerate(shown):
        x = k * spacing
        for s, neuron in enumerate(neurons):
            y = (len(neurons) - 1) / 2.0 - s
            if neuron is None:
                ax.text(x, y, "⋮", ha="center", va="center", fontsize=16, gid="ellipsis")
                continue
            ax.add_patch(
                mpl.Circle(
                    (x, y), radius, facecolor=fills[k], edgecolor="0.2", linewidth=1.0, zorder=2
                )
            )
    # The inputs' names on the left, the classes' on the right.
    for j, (x, y) in position[0].items():
        ax.text(x - radius - 0.15, y, f"x{j + 1}", ha="right", va="center", fontsize="small")
    for j, (x, y) in position[-1].items() if names else ():
        ax.text(x + radius + 0.15, y, names[j], ha="left", va="center", fontsize="small")
    bottom = -(slots - 1) / 2.0 - 0.6
    for k, width in enumerate(sizes):
        if k == 0:
            title = "input"
        elif k == len(sizes) - 1:
            title = f"output\n{net.dense_layers[-1].activation.name}"
        else:
            title = f"hidden {k}\n{net.dense_layers[k - 1].activation.name}"
        count = f"{width}" if width <= _MAX_SHOWN else f"{width} ({_MAX_SHOWN - 1} shown)"
        ax.text(k * spacing, bottom, f"{title}\n{count}", ha="center", va="top", fontsize="small")
    line = mpl.Line2D
    ax.legend(
        [
            line([], [], color=_POSITIVE, linewidth=2.5),
            line([], [], color=_NEGATIVE, linewidth=2.5),
        ],
        ["weight > 0", "weight < 0"],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=2,
        fontsize="small",
        frameon=False,
    )
    half = (slots - 1) / 2.0
    ax.set_xlim(left, right)
    ax.set_ylim(bottom - 1.5, half + 0.6)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(f"Network {'-'.join(map(str, sizes))}")
    return _root_figure(ax)


def _shown_neurons(width: int) -> list[int | None]:
    """The neurons a diagram shows of a layer: all, or the first and last few around None."""
    if width <= _MAX_SHOWN:
        return list(range(width))
    head = _MAX_SHOWN // 2
    tail = _MAX_SHOWN - head - 1
    return [*range(head), None, *range(width - tail, width)]


# --------------------------------------------------------------------------------------
# 6. and 7. A Monitor's per-layer diagnostics
# --------------------------------------------------------------------------------------


def diagnostics(
    history: History | Mapping[str, Sequence[float]],
    *,
    metrics: str | Sequence[str] | None = None,
    ax: Axes | Sequence[Axes] | None = None,
) -> Figure:
    """Plot a ``Monitor``'s per-layer diagnostics over the epochs: one panel per metric.

    A ``neuronet.Monitor`` callback records, every epoch, values under keys
    ``"layer{i}/{metric}"`` (``i`` the dense layer, from 1). Each panel draws one line per
    layer; the gradient norm uses a log scale.

    Parameters
    ----------
    history : History or dict of lists
        What ``fit(..., callbacks=[neuronet.Monitor(X)])`` returns.
    metrics : str or sequence of str, optional
        Which diagnostics: ``"dead"``, ``"saturated"``, ``"grad_norm"``, ``"z_mean"``,
        ``"z_std"``, ``"a_mean"``, ``"a_std"``, ``"prelu_slope"``. Default: those of
        ``("dead", "saturated", "grad_norm")`` that were recorded.
    ax : matplotlib Axes or sequence of Axes, optional
        One Axes per metric to draw into, instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        When `history` holds no per-layer records (train with a ``Monitor``), or a metric
        asked for was not recorded.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from neuronet import History
    >>> h = History()
    >>> for epoch in range(3):
    ...     h.record({"loss": 1.0 / (epoch + 1), "layer1/dead": 0.1 * epoch,
    ...               "layer1/grad_norm": 10.0 ** -epoch, "layer2/grad_norm": 0.5})
    >>> [a.get_title() for a in diagnostics(h).axes]
    ['Dead neurons', 'Gradient norm (log scale)']
    """
    _mpl()
    found = _per_layer(history)
    if metrics is None:
        chosen = [name for name in DEFAULT_DIAGNOSTICS if name in found]
        if not chosen:
            raise ValueError(
                f"`history` records none of the default diagnostics "
                f"({', '.join(DEFAULT_DIAGNOSTICS)}); it has {', '.join(found)}: pass "
                f"metrics=[...] to choose from them."
            )
    else:
        chosen = _check_names(metrics, list(found), "metrics", "per-layer diagnostics recorded")
    axes = _axes(ax, len(chosen), chosen, (4.6, 3.4))
    layers = sorted({layer for name in chosen for layer in found[name]})
    for panel, name in zip(axes, chosen, strict=True):
        _draw_layers(panel, found[name], name)
    line = _mpl().Line2D
    axes[0].legend(
        [line([], [], color=_layer_colour(i), linewidth=1.8) for i in layers],
        [f"layer {i}" for i in layers],
        fontsize="small",
    )
    return _root_figure(axes[0])


def prelu_slopes(
    history: History | Mapping[str, Sequence[float]], *, ax: Axes | None = None
) -> Figure:
    """Plot the learned PReLU slopes over the epochs, one line per layer.

    The slopes come from a ``Monitor``'s ``"layer{i}/prelu_slope"`` records. A slope of 0
    makes the layer a ReLU (marked by a dotted line), 1 makes it linear.

    Parameters
    ----------
    history : History or dict of lists
        What ``fit(..., callbacks=[neuronet.Monitor(X)])`` returns for a PReLU network.
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from neuronet import History
    >>> h = History()
    >>> for slope in (0.25, 0.2, 0.18):
    ...     h.record({"layer1/prelu_slope": slope, "layer2/prelu_slope": slope + 0.05})
    >>> len(prelu_slopes(h).axes[0].get_lines())  # two layers and the line at 0
    3
    """
    _mpl()
    ax = _check_ax(ax)
    found = _per_layer(history, wanted="prelu_slope")
    if "prelu_slope" not in found:
        raise ValueError(
            "`history` holds no PReLU slopes ('layer{i}/prelu_slope'): build the network with "
            "activation='prelu' and pass callbacks=[neuronet.Monitor(X)] to fit."
        )
    if ax is None:
        ax = _new_figure(5.6, 3.8).subplots()
    ax.axhline(0.0, color="0.3", linestyle=":", linewidth=1.0, label="0: a ReLU", gid="relu")
    _draw_layers(ax, found["prelu_slope"], "prelu_slope")
    ax.legend(fontsize="small")
    return _root_figure(ax)


def _per_layer(history: object, wanted: str | None = None) -> dict[str, dict[int, list[float]]]:
    """``{metric: {layer: values}}`` from the ``"layer{i}/{metric}"`` keys of `history`."""
    found: dict[str, dict[int, list[float]]] = {}
    for key, values in _records(history).items():
        match = _LAYER_KEY.match(key)
        if match:
            found.setdefault(match[2], {})[int(match[1])] = _numbers(values, key).tolist()
    if not found and wanted is None:
        raise ValueError(
            "`history` holds no per-layer diagnostics (keys like 'layer1/dead'): pass "
            "callbacks=[neuronet.Monitor(X)] to fit to record them every epoch."
        )
    return found


def _layer_colour(layer: int) -> str:
    return _CYCLE[(layer - 1) % len(_CYCLE)]


def _draw_layers(panel: Axes, series: dict[int, list[float]], name: str) -> None:
    for layer, values in sorted(series.items()):
        y = np.asarray(values, dtype=float)
        # A Monitor with every=k leaves NaN in the epochs it skipped: join the measured ones.
        measured = np.isfinite(y)
        epochs = np.arange(1, y.size + 1)[measured]
        panel.plot(
            epochs,
            y[measured],
            color=_layer_colour(layer),
            linewidth=1.8,
            label=f"layer {layer}",
            marker="o" if epochs.size == 1 else None,
        )
    title = _DIAGNOSTIC_TITLES.get(name, name)
    if name == "grad_norm":
        panel.set_yscale("log")
        title += " (log scale)"
    panel.set_title(title)
    panel.set_ylabel(name)
    _epoch_axis(panel)
