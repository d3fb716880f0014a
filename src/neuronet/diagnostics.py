r"""Diagnostics of your own network: dead and saturated units, gradient flow, input scale.

:func:`diagnose` looks inside a network on a sample of data and returns a :class:`Diagnosis`:
one :class:`LayerDiagnosis` per dense layer, and a list of findings in plain words, each with a
remedy that neuronet offers. The :class:`Monitor` callback records the same measures every
epoch while :func:`~neuronet.training.fit` trains, so you can watch a layer die or saturate.

What is measured, layer by layer (``z`` is the activation's input, after the normalisation when
the layer has one, and ``a = f(z)`` its output):

- **dead** units: for the ReLU family (``relu``, and ``leaky_relu`` or ``prelu`` where the
  negative slope is 0), the fraction of units whose output is exactly 0 on *every* sample. No
  gradient reaches their weights, so they never recover. ``None`` for other activations, and
  for ``leaky_relu`` with a slope above 0, which cannot die.
- **saturated** units: for the other element-wise activations (sigmoid, tanh, softsign, ELU…),
  the fraction of units with :math:`|f'(z)| <` :data:`SATURATION_DERIVATIVE` on more than
  :data:`SATURATION_SHARE` of the samples: almost no gradient flows back through them. The
  flat side of a ReLU is reported as *dead*, not saturated, so ``saturated`` is ``None`` for the
  ReLU family, and for softmax, whose units are not element-wise.
- the mean and standard deviation of ``z`` and of ``a`` over the layer's units and samples;
- the learned PReLU slopes, for a ``prelu`` layer;
- with targets ``y``: the norm of each layer's weight gradient, and the ratio of the first
  layer's to the last layer's. Far below 1 the gradient vanishes on its way back; far above,
  it explodes.

The thresholds are module constants (:data:`THRESHOLDS` gathers the four a finding is raised
at); both :func:`diagnose` and :class:`Monitor` take ``thresholds=`` to change them.

A diagnosis renders four ways, like :func:`neuronet.explain`'s cards: through rich
(``rich.print(diagnosis)``), as HTML in Jupyter, as plain text (``print(diagnosis)``), and as a
JSON-able dict (:meth:`Diagnosis.to_dict`) or a pandas DataFrame (:meth:`Diagnosis.to_frame`).
Neither rich nor pandas is imported until it is used.

Examples
--------
>>> import numpy as np
>>> from neuronet import MLP
>>> from neuronet.diagnostics import diagnose
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(300, 4))
>>> y = (X[:, 0] > 0).astype(int)
>>> net = MLP([4, 8, 8, 1], activation="relu", output="sigmoid", seed=0)
>>> net.dense_layers[1].bias[:] = -100.0   # push every unit of layer 2 below 0
>>> d = diagnose(net, X, y)
>>> [layer.dead for layer in d.layers[:2]]
[0.0, 1.0]
>>> print(d.warnings[0])  # doctest: +ELLIPSIS
layer 2: 100 % of relu units are dead (output exactly 0 on all 300 samples) — try ...
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._arrays import as_array
from ._validation import check_int, check_positive_int, check_X
from ._warnings import warn_user
from .layers import Dense
from .network import MLP
from .training import Callback, History

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console, ConsoleOptions, RenderResult

__all__ = [
    "DEAD_THRESHOLD",
    "EXPLODING_RATIO",
    "INPUT_OFFSET_RATIO",
    "INPUT_STD_LIMIT",
    "SATURATED_THRESHOLD",
    "SATURATION_DERIVATIVE",
    "SATURATION_SHARE",
    "THRESHOLDS",
    "VANISHING_RATIO",
    "Diagnosis",
    "DiagnosticWarning",
    "LayerDiagnosis",
    "Monitor",
    "diagnose",
]

Array = NDArray[np.floating]

#: A unit is saturated on a sample where :math:`|f'(z)|` is below this: less than 1 % of the
#: gradient passes through it.
SATURATION_DERIVATIVE = 0.01
#: ... and saturated, full stop, when that holds on more than this share of the samples.
SATURATION_SHARE = 0.5
#: A layer with more than this fraction of dead units is reported. A quarter of a layer that can
#: never learn again is capacity lost; a healthy He-initialised layer has almost none.
DEAD_THRESHOLD = 0.25
#: A layer with more than this fraction of saturated units is reported. Higher than for dead
#: units: a trained tanh or sigmoid network saturates partly by design, its units turning into
#: near-binary features (a 2-16-16-3 tanh network at 99 % on the spiral data has 56 % of its
#: second layer saturated). A layer saturated almost throughout learns next to nothing.
SATURATED_THRESHOLD = 0.75
#: First-layer over last-layer weight-gradient norm below this: the gradient vanishes. Layer
#: widths alone change the norms by a factor of ten or so; a thousand is a real problem.
VANISHING_RATIO = 1e-3
#: ... above this: the gradient explodes on its way back.
EXPLODING_RATIO = 1e3
#: An input feature with a standard deviation above this is badly scaled: with weights
#: initialised for unit-variance inputs, it drives the first layer's ``z`` far from 0.
INPUT_STD_LIMIT = 10.0
#: An input feature whose mean is more than this many standard deviations from 0 (and more than
#: 1 in absolute value) is badly centred: its variation is small beside its offset.
INPUT_OFFSET_RATIO = 10.0

#: What :func:`diagnose` and :class:`Monitor` raise a finding at, by name; pass
#: ``thresholds={"dead": 0.5}`` to change one, or ``None`` as the value to turn it off.
THRESHOLDS: Mapping[str, float] = MappingProxyType(
    {
        "dead": DEAD_THRESHOLD,
        "saturated": SATURATED_THRESHOLD,
        "vanishing": VANISHING_RATIO,
        "exploding": EXPLODING_RATIO,
    }
)

#: The activations that die rather than saturate: their flat side has f'(z) = 0 exactly.
RELU_FAMILY = ("relu", "leaky_relu", "prelu")

#: The per-layer measures, in order: the names of the :class:`Monitor`'s history keys
#: (``"layer{i}/{metric}"``), of :meth:`Diagnosis.to_frame`'s columns and of
#: :class:`LayerDiagnosis`'s fields (``prelu_slope`` is the mean of ``prelu_slopes``).
METRICS = ("dead", "saturated", "grad_norm", "z_mean", "z_std", "a_mean", "a_std", "prelu_slope")


class DiagnosticWarning(UserWarning):
    """A :class:`Monitor` saw a layer cross a threshold while training (once per finding)."""


# --- what is measured ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerDiagnosis:
    """What :func:`diagnose` measured in one dense layer.

    Attributes
    ----------
    layer : int
        The dense layer's number, from 1 (the output layer is the last).
    width : int
        Its number of units.
    activation : str
        The activation's registry name.
    dead : float or None
        Fraction of units whose output is exactly 0 on every sample; None where the activation
        cannot die (anything outside the ReLU family, or a leaky ReLU with a slope above 0).
    saturated : float or None
        Fraction of units with :math:`|f'(z)| <` :data:`SATURATION_DERIVATIVE` on more than
        :data:`SATURATION_SHARE` of the samples; None for the ReLU family (see ``dead``) and
        for activations that are not element-wise (softmax).
    z_mean, z_std, a_mean, a_std : float
        Over all units and samples; ``z`` is the activation's input (after the normalisation
        when the layer has one).
    grad_norm : float or None
        The Frobenius norm of the loss's gradient with respect to the layer's weights; None
        without targets.
    prelu_slopes : tuple of float or None
        The learned negative slopes of a ``prelu`` layer (one, or one per unit).
    norm : str or None
        ``"batch"`` or ``"layer"`` when the layer normalises ``z``.
    dead_units, saturated_units : tuple of int or None
        Which units (numbered from 0) are dead or saturated, by the rules of ``dead`` and
        ``saturated``; None where those are None. The playground marks them on their nodes.
    """

    layer: int
    width: int
    activation: str
    dead: float | None
    saturated: float | None
    z_mean: float
    z_std: float
    a_mean: float
    a_std: float
    grad_norm: float | None = None
    prelu_slopes: tuple[float, ...] | None = None
    norm: str | None = None
    dead_units: tuple[int, ...] | None = None
    saturated_units: tuple[int, ...] | None = None

    @property
    def prelu_slope(self) -> float | None:
        """The mean of :attr:`prelu_slopes`, or None for other activations."""
        if not self.prelu_slopes:
            return None
        return float(np.mean(self.prelu_slopes))

    def metrics(self) -> dict[str, float]:
        """The measures that apply to this layer, by the names in ``METRICS``."""
        values = {name: getattr(self, name) for name in METRICS}
        return {name: float(value) for name, value in values.items() if value is not None}


def _measure(
    net: MLP, X: Array, y: NDArray[Any] | None
) -> tuple[list[LayerDiagnosis], float | None]:
    """Each dense layer's measures on prepared ``X`` (and ``y``); the gradient ratio.

    ``X`` and ``y`` are already checked (by ``check_X`` or ``net.prepare``). With ``y`` this calls
    ``net.train_step`` deterministically, which overwrites ``net.gradients`` and nothing else.
    (Not ``loss_and_gradient``: that prepares ``y`` again, and labels already mapped through a
    network's ``classes`` are not among them.)
    """
    grad_norms: list[float | None] = [None] * len(net.dense_layers)
    ratio = None
    if y is not None:
        net.train_step(X, y, deterministic=True)
        norms = [float(np.linalg.norm(layer.weight_grad)) for layer in net.dense_layers]
        grad_norms = list(norms)
        ratio = _ratio(norms[0], norms[-1])
    outputs = net.layer_outputs(X)
    layers = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for i, (layer, (z, a), grad_norm) in enumerate(
            zip(net.dense_layers, outputs, grad_norms, strict=True), start=1
        ):
            if layer.norm is not None:
                # The activation sees the normalised z: that is what decides its slope.
                z = layer.norm.propagate(z)
            layers.append(_measure_layer(i, layer, z, a, grad_norm))
    return layers, ratio


def _measure_layer(
    index: int, layer: Dense, z: Array, a: Array, grad_norm: float | None
) -> LayerDiagnosis:
    act = layer.activation
    slopes = None
    if act.name == "prelu":
        slopes = tuple(float(s) for s in layer.activation_parameters)
    dead = dead_units = None
    if act.name in RELU_FAMILY and (act.name != "leaky_relu" or act.negative_slope == 0):
        # Exactly 0 on every sample: with a slope of 0 below the kink, no gradient reaches the
        # unit's weights from any of these samples. (A PReLU unit dies only if its slope is 0.)
        is_dead = np.all(a == 0, axis=0)
        dead, dead_units = float(np.mean(is_dead)), _units(is_dead)
    saturated = saturated_units = None
    if act.elementwise and act.name not in RELU_FAMILY:
        flat = np.abs(act.derivative(z, a)) < SATURATION_DERIVATIVE
        is_saturated = np.mean(flat, axis=0) > SATURATION_SHARE
        saturated, saturated_units = float(np.mean(is_saturated)), _units(is_saturated)
    return LayerDiagnosis(
        layer=index,
        width=layer.n_out,
        activation=act.name,
        dead=dead,
        saturated=saturated,
        z_mean=float(np.mean(z, dtype=np.float64)),
        z_std=float(np.std(z, dtype=np.float64)),
        a_mean=float(np.mean(a, dtype=np.float64)),
        a_std=float(np.std(a, dtype=np.float64)),
        grad_norm=grad_norm,
        prelu_slopes=slopes,
        norm=None if layer.norm is None else layer.norm.kind,
        dead_units=dead_units,
        saturated_units=saturated_units,
    )


def _units(flags: NDArray[np.bool_]) -> tuple[int, ...]:
    return tuple(int(j) for j in np.flatnonzero(flags))


def _ratio(first: float, last: float) -> float:
    if last == 0:
        return math.nan if first == 0 else math.inf
    return first / last


# --- findings in plain words ------------------------------------------------------------------


def _check_thresholds(thresholds: Mapping[str, float | None] | None) -> dict[str, float | None]:
    merged: dict[str, float | None] = dict(THRESHOLDS)
    if thresholds is None:
        return merged
    if not isinstance(thresholds, Mapping):
        raise TypeError(
            f"`thresholds` must be a dict such as {{'dead': 0.5}}, got {thresholds!r}."
        )
    for key, value in thresholds.items():
        if key not in THRESHOLDS:
            raise ValueError(
                f"`thresholds` has an unknown key {key!r}; the keys are "
                f"{', '.join(map(repr, THRESHOLDS))}."
            )
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0
        ):
            raise ValueError(
                f"`thresholds[{key!r}]` must be a number >= 0 or None (off), got {value!r}."
            )
        merged[key] = None if value is None else float(value)
    return merged


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.0f} %"


def _sci(value: float) -> str:
    """``1e-05`` as ``1e-5``: short, for a sentence."""
    if not math.isfinite(value) or value == 0:
        return f"{value:g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def _dead_finding(d: LayerDiagnosis, n_samples: int) -> str:
    if d.activation == "leaky_relu":
        remedy = "give it a negative_slope above 0 (e.g. 0.01), or use activation='prelu'"
    elif d.activation == "prelu":
        remedy = "their slope has reached 0: lower the learning rate, or use leaky_relu"
    else:
        remedy = "try activation='leaky_relu' or 'prelu', or a lower learning rate"
    return (
        f"layer {d.layer}: {_percent(d.dead or 0.0)} of {d.activation} units are dead (output "
        f"exactly 0 on all {n_samples} samples) — {remedy}; MLP(norm='batch') also helps"
    )


def _saturated_finding(d: LayerDiagnosis, net: MLP) -> str:
    act = net.dense_layers[d.layer - 1].activation
    remedy = (
        f"standardise the inputs and keep init='auto' ({act.recommended_init} for "
        f"{d.activation}), lower the learning rate, add MLP(norm='batch'), or use "
        f"activation='relu' with He initialisation"
    )
    if d.layer == len(net.dense_layers):
        remedy += (
            f", or pair the {d.activation} output with its canonical loss, whose gradient "
            f"does not pass through f′"
        )
    return (
        f"layer {d.layer}: {_percent(d.saturated or 0.0)} of {d.activation} units are saturated "
        f"(|f′(z)| < {SATURATION_DERIVATIVE:g} on most samples, so almost no gradient flows "
        f"through them) — {remedy}"
    )


def _flow_finding(net: MLP, ratio: float, vanishing: bool) -> str:
    last = len(net.dense_layers)
    hidden = [act.name for act in net.hidden_activations]
    same = hidden and all(name == hidden[0] for name in hidden)
    what = f"{len(hidden)} {hidden[0] if same else ''} hidden layer{'s' * (len(hidden) != 1)}"
    what = what.replace("  ", " ")
    if vanishing:
        return (
            f"{what}: the gradient at layer 1 is {_sci(ratio)} of layer {last}'s (it vanishes "
            f"on its way back) — use activation='relu' with He initialisation (what init='auto' "
            f"picks for it), or MLP(norm='batch')"
        )
    return (
        f"{what}: the gradient at layer 1 is {_sci(ratio)} times layer {last}'s (it explodes "
        f"on its way back) — lower the learning rate, keep init='auto' (He, Glorot or LeCun "
        f"scaling), add l2= to fit, standardise the inputs, or use MLP(norm='batch')"
    )


def _layer_findings(
    net: MLP,
    layers: Sequence[LayerDiagnosis],
    ratio: float | None,
    n_samples: int,
    thresholds: Mapping[str, float | None],
) -> list[tuple[str, str]]:
    """``(key, message)`` per finding; the key names the finding for warning once."""
    found = []
    last = len(layers)
    dead_at, saturated_at = thresholds["dead"], thresholds["saturated"]
    for d in layers:
        if not all(math.isfinite(v) for v in (d.z_mean, d.z_std, d.a_mean, d.a_std)):
            found.append(
                (
                    f"layer{d.layer}/non_finite",
                    f"layer {d.layer} outputs NaN or infinite values: the weights have diverged "
                    f"— retrain with a lower learning rate, and standardise the inputs",
                )
            )
            continue
        if d.dead is not None and dead_at is not None and d.dead > dead_at:
            found.append((f"layer{d.layer}/dead", _dead_finding(d, n_samples)))
        # The canonical loss cancels the output layer's f′: saturation there costs nothing.
        fused_output = d.layer == last and net.head.fused
        if (
            d.saturated is not None
            and saturated_at is not None
            and d.saturated > saturated_at
            and not fused_output
        ):
            found.append((f"layer{d.layer}/saturated", _saturated_finding(d, net)))
    if ratio is not None and math.isfinite(ratio) and last > 1:
        vanishing_at, exploding_at = thresholds["vanishing"], thresholds["exploding"]
        if vanishing_at is not None and ratio < vanishing_at:
            found.append(("vanishing", _flow_finding(net, ratio, vanishing=True)))
        elif exploding_at is not None and ratio > exploding_at:
            found.append(("exploding", _flow_finding(net, ratio, vanishing=False)))
    return found


def _list_features(columns: Sequence[int], limit: int = 5) -> str:
    shown = [f"X[:, {j}]" for j in columns[:limit]]
    if len(columns) > limit:
        return f"{', '.join(shown)} and {len(columns) - limit} more"
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} and {shown[-1]}"


def _input_findings(X: Array) -> list[str]:
    """Badly scaled or badly centred input features, worst first."""
    std = X.std(axis=0, dtype=np.float64)
    mean = X.mean(axis=0, dtype=np.float64)
    found = []
    wide = np.flatnonzero(std > INPUT_STD_LIMIT)
    standardise = (
        "standardise the inputs: subtract each feature's mean and divide by its standard "
        "deviation (scikit-learn's StandardScaler does it)"
    )
    if wide.size:
        wide = wide[np.argsort(-std[wide], kind="stable")]
        word = "feature" if wide.size == 1 else "features"
        spread = f"{std[wide[0]]:.3g}" if wide.size == 1 else f"up to {std[wide[0]]:.3g}"
        found.append(
            f"{word} {_list_features(list(wide))} {'has' if wide.size == 1 else 'have'} standard "
            f"deviation {spread} (above {INPUT_STD_LIMIT:g}): {standardise}"
        )
    offset = np.flatnonzero(
        (np.abs(mean) > INPUT_OFFSET_RATIO * std) & (np.abs(mean) > 1) & (std <= INPUT_STD_LIMIT)
    )
    if offset.size:
        offset = offset[np.argsort(-np.abs(mean[offset]), kind="stable")]
        j = offset[0]
        word = "feature" if offset.size == 1 else "features"
        found.append(
            f"{word} {_list_features(list(offset))} "
            f"{'is' if offset.size == 1 else 'are'} far from 0 relative to "
            f"{'its' if offset.size == 1 else 'their'} spread (X[:, {j}] has mean "
            f"{mean[j]:.3g} and standard deviation {std[j]:.3g}): {standardise}"
        )
    return found


# --- diagnose ---------------------------------------------------------------------------------


def _check_net(net: object) -> None:
    if not isinstance(net, MLP):
        raise TypeError(f"`net` must be a neuronet.MLP, got {type(net).__name__}.")


def _sample(n: int, max_samples: int, seed: int) -> NDArray[np.intp] | None:
    """Sorted row indices of a seeded subsample, or None when every row is kept."""
    if n <= max_samples:
        return None
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=max_samples, replace=False))


def diagnose(
    net: MLP,
    X: ArrayLike,
    y: ArrayLike | None = None,
    *,
    max_samples: int = 2000,
    thresholds: Mapping[str, float | None] | None = None,
    seed: int = 0,
) -> Diagnosis:
    r"""Look inside ``net`` on data ``X``: dead and saturated units, gradient flow, input scale.

    Parameters
    ----------
    net : MLP
        Trained or not: an untrained network's diagnosis checks its initialisation and the
        data it is about to see.
    X : array_like of shape (n_samples, n_inputs)
    y : array_like, optional
        Targets, as for ``fit``. With them the weight-gradient norm of every layer is measured
        too (dropout off, through :meth:`MLP.loss_and_gradient`, which overwrites
        ``net.gradients`` and changes nothing else).
    max_samples : int, default=2000
        Rows beyond this are subsampled (seeded), to keep the pass quick on big data.
    thresholds : dict, optional
        Overrides of :data:`THRESHOLDS`: ``"dead"``, ``"saturated"`` (fractions of a layer),
        ``"vanishing"``, ``"exploding"`` (first-over-last gradient-norm ratio); ``None`` turns
        a finding off.
    seed : int, default=0
        Seeds the subsample.

    Returns
    -------
    Diagnosis
        One :class:`LayerDiagnosis` per dense layer, and ``warnings``: the findings, each with
        a remedy. A dead-unit count needs enough samples: a unit silent on a handful of rows
        may simply not have met the right one yet.

    Raises
    ------
    ValueError
        When ``X`` or ``y`` does not fit the network (the message names which), holds NaN or
        infinite values, ``max_samples`` is not a positive integer or ``seed`` is negative.
    TypeError
        When ``net`` is not an :class:`~neuronet.MLP`, or ``seed`` or ``max_samples`` is not
        an integer.

    Notes
    -----
    The input checks flag features with a standard deviation above :data:`INPUT_STD_LIMIT`,
    and features whose mean is more than :data:`INPUT_OFFSET_RATIO` standard deviations (and
    more than 1) away from 0.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronet import MLP
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> X[:, 2] *= 500                   # one feature on a much larger scale
    >>> d = diagnose(MLP([3, 8, 1], activation="tanh", seed=0), X)
    >>> print(d.warnings[0])  # doctest: +ELLIPSIS
    feature X[:, 2] has standard deviation ...: standardise the inputs: ...
    >>> d.layers[0].saturated > 0.25    # the large feature saturates the tanh units
    True
    """
    _check_net(net)
    max_samples = check_positive_int(max_samples, "max_samples")
    seed = check_int(seed, "seed", minimum=0)
    limits = _check_thresholds(thresholds)
    if y is None:
        X_arr = check_X(as_array(X, "X"), net.n_inputs, net.dtype)
        y_arr = None
    else:
        X_arr, y_arr = net.prepare(X, y)
    rows = _sample(len(X_arr), max_samples, seed)
    if rows is not None:
        X_arr = X_arr[rows]
        y_arr = None if y_arr is None else y_arr[rows]
    layers, ratio = _measure(net, X_arr, y_arr)
    findings = _input_findings(X_arr)
    findings += [text for _, text in _layer_findings(net, layers, ratio, len(X_arr), limits)]
    return Diagnosis(
        layers=layers,
        warnings=findings,
        n_samples=len(X_arr),
        gradient_ratio=ratio,
        sizes=list(net.sizes),
    )


# --- the result and its renderings ------------------------------------------------------------


_COLUMNS = (  # (heading, LayerDiagnosis attribute, format)
    ("layer", "layer", "d"),
    ("width", "width", "d"),
    ("activation", "activation", "s"),
    ("dead", "dead", "%"),
    ("saturated", "saturated", "%"),
    ("z mean", "z_mean", "g"),
    ("z std", "z_std", "g"),
    ("a mean", "a_mean", "g"),
    ("a std", "a_std", "g"),
    ("grad norm", "grad_norm", "g"),
    ("prelu slope", "prelu_slopes", "slopes"),
)


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return "—"
    if kind in ("d", "s"):
        return str(value)
    if kind == "%":
        return _percent(value)
    if kind == "slopes":
        low, high = min(value), max(value)
        return f"{low:.3g}" if low == high else f"{low:.3g} to {high:.3g}"
    return f"{value:.3g}"


@dataclass(frozen=True)
class Diagnosis:
    """What :func:`diagnose` returns: per-layer measures and the findings in plain words.

    Attributes
    ----------
    layers : list of LayerDiagnosis
        One per dense layer, the output layer last.
    warnings : list of str
        The findings, each with what to do about it; empty when all looks well.
    n_samples : int
        Rows the measures were taken on (after subsampling).
    gradient_ratio : float or None
        First layer's weight-gradient norm over the last layer's; None without ``y``.
    sizes : list of int
        The network's layer widths, input first.
    """

    layers: list[LayerDiagnosis]
    warnings: list[str] = field(default_factory=list)
    n_samples: int = 0
    gradient_ratio: float | None = None
    sizes: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when there are no findings."""
        return not self.warnings

    def _columns(self) -> list[tuple[str, str, str]]:
        # Leave out what no layer has: gradients without y, slopes without a PReLU layer.
        return [
            col
            for col in _COLUMNS
            if col[1] not in ("grad_norm", "prelu_slopes")
            or any(getattr(d, col[1]) is not None for d in self.layers)
        ]

    def _rows(self) -> list[list[str]]:
        return [
            [_cell(getattr(d, attr), kind) for _, attr, kind in self._columns()]
            for d in self.layers
        ]

    def _title(self) -> str:
        arrows = " → ".join(map(str, self.sizes))
        return f"Diagnosis of MLP {arrows} on {self.n_samples} samples"

    def _ratio_line(self) -> str | None:
        if self.gradient_ratio is None:
            return None
        return f"gradient norm, layer 1 / layer {len(self.layers)}: {_sci(self.gradient_ratio)}"

    def __str__(self) -> str:
        headings = [heading for heading, _, _ in self._columns()]
        rows = self._rows()
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headings)]
        left = {i for i, (_, _, kind) in enumerate(self._columns()) if kind == "s"}

        def line(cells: Sequence[str]) -> str:
            parts = [
                c.ljust(w) if i in left else c.rjust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ]
            return "  ".join(parts).rstrip()

        out = [self._title(), line(headings), *(line(r) for r in rows)]
        ratio = self._ratio_line()
        if ratio:
            out.append(ratio)
        if self.warnings:
            out.append("warnings:")
            out += [f"  - {text}" for text in self.warnings]
        else:
            out.append("no warnings")
        return "\n".join(out)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.table import Table
        from rich.text import Text

        table = Table(title=self._title(), title_justify="left")
        for heading, _, kind in self._columns():
            table.add_column(heading, justify="left" if kind == "s" else "right", no_wrap=True)
        for row in self._rows():
            table.add_row(*row)
        yield table
        ratio = self._ratio_line()
        if ratio:
            yield Text(ratio)
        if self.warnings:
            for text in self.warnings:
                yield Text(f"⚠ {text}", style="yellow")
        else:
            yield Text("no warnings", style="green")

    def _repr_html_(self) -> str:
        """A table of the layers and a list of the findings, for Jupyter."""
        head = "".join(f"<th>{html.escape(h)}</th>" for h, _, _ in self._columns())
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
            for row in self._rows()
        )
        ratio = self._ratio_line()
        extra = f"<p>{html.escape(ratio)}</p>" if ratio else ""
        if self.warnings:
            items = "".join(f"<li>{html.escape(text)}</li>" for text in self.warnings)
            extra += f"<p><b>Warnings</b></p><ul>{items}</ul>"
        else:
            extra += "<p>No warnings.</p>"
        return (
            f"<div><b>{html.escape(self._title())}</b><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{body}</tbody></table>{extra}</div>"
        )

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain JSON types; NaN and infinities become None (strict JSON)."""
        return {
            "sizes": list(self.sizes),
            "n_samples": self.n_samples,
            "gradient_ratio": _json_float(self.gradient_ratio),
            "layers": [
                {
                    "layer": d.layer,
                    "width": d.width,
                    "activation": d.activation,
                    "norm": d.norm,
                    **{name: _json_float(getattr(d, name)) for name in METRICS},
                    "prelu_slopes": None
                    if d.prelu_slopes is None
                    else [_json_float(s) for s in d.prelu_slopes],
                    "dead_units": None if d.dead_units is None else list(d.dead_units),
                    "saturated_units": None
                    if d.saturated_units is None
                    else list(d.saturated_units),
                }
                for d in self.layers
            ],
            "warnings": list(self.warnings),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per dense layer, indexed by layer number; needs pandas."""
        try:
            import pandas as pd
        except ImportError as err:
            raise ImportError(
                "Diagnosis.to_frame() needs pandas: pip install pandas (or use to_dict())."
            ) from err
        rows = [
            {"width": d.width, "activation": d.activation, "norm": d.norm}
            | {name: getattr(d, name) for name in METRICS}
            for d in self.layers
        ]
        return pd.DataFrame(rows, index=pd.Index([d.layer for d in self.layers], name="layer"))


def _json_float(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


# --- the Monitor callback -----------------------------------------------------------------------


class Monitor(Callback):
    r"""Record each layer's diagnostics every epoch while training; warn when one goes wrong.

    Pass it to ``fit``: ``history = net.fit(X, y, callbacks=[Monitor(X, y)])``. At the end of
    every ``every``-th epoch (the first one included) it measures, on a fixed sample of ``X``,
    what :func:`diagnose` measures, and at the end of training adds it to the history under
    ``"layer{i}/{metric}"`` (``i`` the dense layer, from 1; the metrics of ``METRICS`` that
    apply to the layer). Each list has one value per epoch, like ``history["loss"]``, with NaN
    for the epochs not measured. :func:`neuronet.plot.diagnostics` draws them.

    The first time a layer crosses a threshold, it warns (:class:`DiagnosticWarning`) with the
    remedy, once per layer and finding. The data checks of :func:`diagnose` are not repeated:
    the inputs do not change while training.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_inputs)
        Data to measure on: the training set, or a part of it.
    y : array_like, optional
        Its targets; with them the weight-gradient norms (``grad_norm``) are recorded too.
    every : int, default=1
        Measure every this many epochs.
    max_samples : int, default=256
        Size of the fixed, seeded sample of ``X`` measured every time.
    thresholds : dict, optional
        Overrides of :data:`THRESHOLDS`, as for :func:`diagnose`.
    seed : int, default=0
        Seeds the sample.

    Attributes
    ----------
    records : dict of str to list of float
        What was recorded so far, by history key; read it while training if you like.

    Notes
    -----
    Measuring the gradients calls :meth:`MLP.loss_and_gradient` between epochs. It overwrites
    ``net.gradients``, which the next training step recomputes from scratch, and draws nothing
    from the network's random generator, so training with a Monitor gives the same weights,
    bit for bit, as training without one. The cost is two forward passes and one backward pass
    over ``max_samples`` rows per measured epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from neuronet import MLP
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 2))
    >>> y = (X[:, 0] * X[:, 1] > 0).astype(int)
    >>> net = MLP([2, 8, 8, 1], activation="tanh", output="sigmoid", seed=0)
    >>> history = net.fit(X, y, epochs=4, verbose=0, callbacks=[Monitor(X, y, every=2)])
    >>> sorted(k.removeprefix("layer1/") for k in history.history if k.startswith("layer1/"))
    ['a_mean', 'a_std', 'grad_norm', 'saturated', 'z_mean', 'z_std']
    >>> [bool(np.isnan(v)) for v in history["layer1/z_std"]]
    [False, True, False, True]
    """

    def __init__(
        self,
        X: ArrayLike,
        y: ArrayLike | None = None,
        *,
        every: int = 1,
        max_samples: int = 256,
        thresholds: Mapping[str, float | None] | None = None,
        seed: int = 0,
    ) -> None:
        self.X, self.y = X, y
        self.every = check_positive_int(every, "every")
        self.max_samples = check_positive_int(max_samples, "max_samples")
        self.thresholds = _check_thresholds(thresholds)
        self.seed = check_int(seed, "seed", minimum=0)
        self.records: dict[str, list[float]] = {}
        self.net: MLP | None = None
        self._sample: tuple[Array, NDArray[Any] | None] | None = None
        self._warned: set[str] = set()
        self._calls = 0

    def on_train_begin(self, net: MLP) -> None:
        """Check and sample the data once, against this network; start fresh records."""
        if self.y is None:
            X_arr = check_X(as_array(self.X, "X"), net.n_inputs, net.dtype)
            y_arr = None
        else:
            X_arr, y_arr = net.prepare(self.X, self.y)
        rows = _sample(len(X_arr), self.max_samples, self.seed)
        if rows is not None:
            X_arr = X_arr[rows]
            y_arr = None if y_arr is None else y_arr[rows]
        self.net, self._sample = net, (X_arr, y_arr)
        self.records, self._warned, self._calls = {}, set(), 0

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        if self.net is None or self._sample is None:
            raise RuntimeError("Monitor.on_epoch_end() before on_train_begin(net): use it in fit.")
        # Count the calls, not `epoch`: one call per epoch the history records, so the lists
        # line up with history["loss"] whatever the loop numbers its epochs.
        call, self._calls = self._calls, self._calls + 1
        if call % self.every == 0:
            self._record(call, epoch)
        return None

    def _record(self, call: int, epoch: int) -> None:
        net = self.net
        assert net is not None and self._sample is not None
        X, y = self._sample
        layers, ratio = _measure(net, X, y)
        for d in layers:
            for name, value in d.metrics().items():
                values = self.records.setdefault(f"layer{d.layer}/{name}", [])
                values.extend([math.nan] * (call - len(values)))
                values.append(value)
        for key, text in _layer_findings(net, layers, ratio, len(X), self.thresholds):
            if key not in self._warned:
                self._warned.add(key)
                warn_user(f"epoch {epoch + 1}: {text}", DiagnosticWarning)

    def on_train_end(self, net: MLP, history: History) -> None:
        """Add the records to ``history``, each padded with NaN to one value per epoch."""
        n = history.epochs
        for key, values in self.records.items():
            history.history[key] = (values + [math.nan] * n)[:n]

    def __repr__(self) -> str:
        y = "" if self.y is None else ", y"
        return f"Monitor(X{y}, every={self.every}, max_samples={self.max_samples})"
