r"""Small experiments that reproduce published claims about activations, initialisation and losses.

Each experiment is one function with small, seeded defaults (a second or less on a laptop
CPU). It returns a frozen result object that holds the numbers the claim is about, as arrays
and floats, and draws them with ``result.figure()`` (a :class:`matplotlib.figure.Figure`;
``pip install 'neuronet[plot]'``). The same seed gives the same numbers.

==================================  ===============================================================
experiment                          claim (reference)
==================================  ===============================================================
:func:`linear_vs_nonlinear`         without a non-linear activation depth adds nothing: a linear
                                    network stays at chance on concentric circles
:func:`glorot_bengio_saturation`    sigmoid layers with the "standard" initialisation drive the top
                                    hidden layer into saturation at 0; tanh with the normalised
                                    (Glorot) initialisation does not saturate (Glorot & Bengio
                                    2010)
:func:`he_init_variance`            with He initialisation the variance of a deep ReLU network's
                                    pre-activations stays constant; with std √(1/n) it halves at
                                    every layer (He et al. 2015)
:func:`dying_relu`                  narrow, deep ReLU networks are born dead (constant output) with
                                    a probability that rises to 1 with depth; leaky ReLU networks
                                    are not (Lu et al. 2019)
:func:`selu_self_normalising`       SELU with LeCun-normal weights keeps mean 0 and variance 1
                                    through many layers; ReLU and tanh drift (Klambauer et al.
                                    2017)
:func:`vanishing_gradients`         in a deep sigmoid network the gradient shrinks by orders of
                                    magnitude towards the input; with ReLU and He it does not
                                    (Hochreiter 1991; Bengio et al. 1994)
:func:`prelu_slopes`                PReLU's learned slopes move away from their initial 0.25 (He et
                                    al. 2015)
:func:`output_loss_pairing`         softmax with cross-entropy learns faster than softmax with
                                    squared error, whose gradient vanishes at confidently wrong
                                    outputs (Golik et al. 2013)
:func:`batch_norm_rescue`           batch normalisation lets a deep sigmoid network train where the
                                    plain one is stuck at chance (Ioffe & Szegedy 2015)
==================================  ===============================================================

References
----------
Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural networks",
AISTATS 2010. He, Zhang, Ren & Sun, "Delving Deep into Rectifiers: Surpassing Human-Level
Performance on ImageNet Classification", ICCV 2015, arXiv:1502.01852. Lu, Shin, Su &
Karniadakis, "Dying ReLU and Initialization: Theory and Numerical Examples", 2019,
arXiv:1903.06733. Klambauer, Unterthiner, Mayr & Hochreiter, "Self-Normalizing Neural
Networks", NeurIPS 2017, arXiv:1706.02515. Hochreiter, "Untersuchungen zu dynamischen
neuronalen Netzen", diploma thesis, TU München, 1991. Bengio, Simard & Frasconi, "Learning
long-term dependencies with gradient descent is difficult", IEEE Trans. Neural Networks, 1994.
Golik, Doetsch & Ney, "Cross-entropy vs. squared error training: a theoretical and experimental
comparison", Interspeech 2013. Ioffe & Szegedy, "Batch Normalization: Accelerating Deep Network
Training by Reducing Internal Covariate Shift", ICML 2015, arXiv:1502.03167.

Examples
--------
>>> from neuronet import experiments
>>> result = experiments.he_init_variance(depth=20, width=64, n_samples=200)
>>> round(result.factor_per_layer["lecun_normal"], 1)
0.5
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from . import activations as _activations
from . import datasets
from . import init as _init
from ._validation import check_bool, check_int, check_number, check_positive_int
from .losses import PairingWarning
from .network import MLP
from .plot import OKABE_ITO
from .training import Callback

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "BatchNormRescue",
    "DyingReLU",
    "HeInitVariance",
    "LinearVsNonlinear",
    "OutputLossPairing",
    "PReLUSlopes",
    "SELUSelfNormalising",
    "Saturation",
    "VanishingGradients",
    "batch_norm_rescue",
    "dying_relu",
    "glorot_bengio_saturation",
    "he_init_variance",
    "linear_vs_nonlinear",
    "output_loss_pairing",
    "prelu_slopes",
    "selu_self_normalising",
    "vanishing_gradients",
]

Array = NDArray[np.floating]

# Okabe & Ito's palette, defined once in neuronet.plot (which imports matplotlib only inside
# its functions, so importing the names costs nothing).
ORANGE, SKY_BLUE, GREEN, BLUE, VERMILLION, PURPLE, YELLOW, BLACK = (
    OKABE_ITO[name]
    for name in (
        "orange",
        "sky blue",
        "bluish green",
        "blue",
        "vermillion",
        "reddish purple",
        "yellow",
        "black",
    )
)
_CYCLE = (BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY_BLUE, YELLOW, BLACK)


# --- shared pieces ------------------------------------------------------------------------------


def _figure(ncols: int, *, width: float = 4.2, height: float = 3.5) -> tuple[Figure, list[Axes]]:
    """A new figure with ``ncols`` axes side by side; matplotlib is imported here, not before."""
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError(
            "Drawing an experiment needs matplotlib: pip install 'neuronet[plot]'."
        ) from err
    # A Figure made directly, not through pyplot: no global state, nothing opens a window.
    fig = Figure(figsize=(width * ncols, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)


def _integer_ticks(ax: Axes) -> None:
    """Whole numbers only on the x axis (layers, epochs): no "2.5th layer"."""
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _colour(i: int) -> str:
    return _CYCLE[i % len(_CYCLE)]


class _EveryEpoch(Callback):
    """Measures the network before the first epoch and after each one, into :attr:`rows`."""

    def __init__(self, measure: Callable[[MLP], Any]) -> None:
        self.measure = measure
        self.rows: list[Any] = []
        self.net: MLP | None = None

    def on_train_begin(self, net: MLP) -> None:
        self.net = net
        self.rows.append(self.measure(net))

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> bool | None:
        assert self.net is not None  # set by on_train_begin, which fit always calls first
        self.rows.append(self.measure(self.net))
        return None


def _check_sizes(value: object, name: str) -> tuple[int, ...]:
    """A non-empty sequence of positive integers (layer widths, depths), checked up front."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        raise TypeError(
            f"`{name}` must be a sequence of positive integers, got {value!r:.80} of type "
            f"{type(value).__name__}."
        )
    if len(value) == 0:
        raise ValueError(f"`{name}` must hold at least one positive integer, got {value!r}.")
    return tuple(check_positive_int(v, f"{name}[{i}]") for i, v in enumerate(value))


def _check_seed(seed: object) -> int:
    return check_int(seed, "seed", minimum=0)


def _accuracy(net: MLP, X: Array, labels: NDArray[Any]) -> float:
    """Share of samples whose largest output is the label's (works for any output/loss pair)."""
    return float(np.mean(net.forward(X).argmax(axis=1) == labels))


def _standardise(X: Array) -> Array:
    return (X - X.mean(axis=0)) / X.std(axis=0)


def _standard_init(net: MLP, rng: np.random.Generator) -> None:
    r"""Glorot & Bengio's "standard" initialisation: :math:`W \sim U[-1/\sqrt n, 1/\sqrt n]`.

    ``n`` is the layer's fan-in; biases stay zero. No initialiser in :mod:`neuronet.init` draws
    this (its variance :math:`1/(3n)` is a third of LeCun's), so the weights are written here.
    """
    for layer in net.dense_layers:
        limit = 1.0 / math.sqrt(layer.n_in)
        layer.weights[...] = rng.uniform(-limit, limit, size=layer.weights.shape)
        layer.bias[...] = 0.0


def _saturated_fraction(a: Array, activation: _activations.Activation) -> float:
    """Share of ``a`` within 5 % of the activation's output range from either end."""
    low, high = activation.output_range
    margin = 0.05 * (high - low)
    return float(np.mean((a < low + margin) | (a > high - margin)))


# --- 1. a linear network, however deep --------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LinearVsNonlinear:
    """What :func:`linear_vs_nonlinear` measured.

    Attributes
    ----------
    test_accuracy : dict of str to float
        Held-out accuracy per hidden activation.
    grid_x, grid_y : ndarray of shape (resolution,)
        The axes of the grid the decision regions are drawn on.
    regions : dict of str to ndarray of shape (resolution, resolution)
        Predicted class at each grid point (row ``i``, column ``j`` is ``(grid_x[j], grid_y[i])``).
    X_test, y_test : ndarray
        The held-out points.
    networks : dict of str to MLP
        The trained networks.
    """

    test_accuracy: dict[str, float]
    grid_x: Array
    grid_y: Array
    regions: dict[str, NDArray[Any]]
    X_test: Array
    y_test: NDArray[Any]
    networks: dict[str, MLP]

    def figure(self) -> Figure:
        """Each network's decision regions side by side, with the held-out points."""
        fig, axes = _figure(len(self.regions), width=3.6, height=3.6)
        for ax, (name, region) in zip(axes, self.regions.items(), strict=True):
            ax.contourf(
                self.grid_x,
                self.grid_y,
                region,
                levels=[-0.5, 0.5, 1.5],
                colors=[SKY_BLUE, ORANGE],
                alpha=0.35,
            )
            for label, colour in ((0, BLUE), (1, VERMILLION)):
                points = self.X_test[self.y_test == label]
                ax.scatter(
                    points[:, 0], points[:, 1], s=12, c=colour, edgecolors="none", label=label
                )
            ax.set_title(f"{name}: held-out accuracy {self.test_accuracy[name]:.2f}")
            ax.set_aspect("equal")
            ax.set_xlabel("$x_1$")
        axes[0].set_ylabel("$x_2$")
        axes[0].legend(title="class", loc="upper right", fontsize="small")
        fig.suptitle("Concentric circles: a linear network stays at chance however deep")
        return fig


def linear_vs_nonlinear(
    activations: Sequence[str] = ("identity", "relu", "tanh"),
    *,
    hidden: Sequence[int] = (16, 16),
    n_samples: int = 400,
    epochs: int = 60,
    resolution: int = 120,
    seed: int = 0,
) -> LinearVsNonlinear:
    r"""Concentric circles: identity hidden layers stay at chance, relu or tanh separate them.

    Claim: a composition of linear maps is linear, so an MLP whose hidden layers all use the
    identity draws a straight decision boundary however many layers it has, and on
    :func:`~neuronet.datasets.circles` (one class inside the other) it can do no better than
    chance (about 0.5); one non-linear activation bends the boundary around the inner circle
    and the same network separates the classes (held-out accuracy near 1).

    Building the all-identity network warns (``UserWarning``, "linear however deep"): here
    that is the point, so the warning is silenced.

    Parameters
    ----------
    activations : sequence of str, default=("identity", "relu", "tanh")
        One network per hidden activation.
    hidden : sequence of int, default=(16, 16)
        Hidden layer widths; the networks are ``[2, *hidden, 2]`` with a softmax output.
    n_samples : int, default=400
        Points of ``circles(noise=0.1)``, a quarter held out.
    epochs : int, default=60
        Adam, learning rate 0.02, batches of 32.
    resolution : int, default=120
        Grid points per axis for the decision regions.
    seed : int, default=0
        Seeds the data, the split and every network.

    References
    ----------
    Minsky & Papert, "Perceptrons", 1969, on what a linear threshold unit cannot compute;
    Goodfellow, Bengio & Courville, "Deep Learning", 2016, §6.1 (XOR) on why depth needs a
    non-linearity.
    """
    if isinstance(activations, str) or not isinstance(activations, Sequence):
        raise TypeError(
            f"`activations` must be a sequence of activation names, e.g. ('identity', 'relu'), "
            f"got {activations!r:.80}."
        )
    if not activations:
        raise ValueError("`activations` is empty: give at least one, e.g. ('identity', 'relu').")
    hidden = _check_sizes(hidden, "hidden")
    n_samples = check_positive_int(n_samples, "n_samples")
    epochs = check_positive_int(epochs, "epochs")
    resolution = check_int(resolution, "resolution", minimum=2)
    seed = _check_seed(seed)
    X, y = datasets.circles(n_samples, noise=0.1, seed=seed)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, seed=seed)
    low, high = X.min(axis=0) - 0.3, X.max(axis=0) + 0.3
    grid_x = np.linspace(low[0], high[0], resolution)
    grid_y = np.linspace(low[1], high[1], resolution)
    xx, yy = np.meshgrid(grid_x, grid_y)
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    accuracy, regions, networks = {}, {}, {}
    for name in activations:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Every hidden layer uses the identity", UserWarning)
            net = MLP([2, *hidden, 2], name, output="softmax", seed=seed)
        net.fit(X_train, y_train, epochs=epochs, batch_size=32, lr=0.02, verbose=0)
        accuracy[name] = float(np.mean(net.predict(X_test) == y_test))
        regions[name] = net.predict(grid).reshape(xx.shape)
        networks[name] = net
    return LinearVsNonlinear(accuracy, grid_x, grid_y, regions, X_test, y_test, networks)


# --- 2. saturation of the top hidden layer (Glorot & Bengio 2010) ------------------------------


@dataclass(frozen=True, eq=False)
class Saturation:
    """What :func:`glorot_bengio_saturation` measured, per network ("sigmoid" and "tanh").

    Row 0 of every array is the untrained network, row ``e`` the network after epoch ``e``;
    column ``l`` is hidden layer ``l + 1``. All measured on the same probe examples.

    Attributes
    ----------
    mean_activation, std_activation : dict of str to ndarray of shape (epochs + 1, depth)
        Mean and standard deviation of each hidden layer's activations.
    saturated_fraction : dict of str to ndarray of shape (epochs + 1, depth)
        Share of activations within 5 % of either end of the activation's output range
        (sigmoid: below 0.05 or above 0.95; tanh: beyond ±0.9).
    accuracy : dict of str to ndarray of shape (epochs + 1,)
        Accuracy on the probe examples.
    """

    mean_activation: dict[str, Array]
    std_activation: dict[str, Array]
    saturated_fraction: dict[str, Array]
    accuracy: dict[str, Array]

    def figure(self) -> Figure:
        """Mean activation per layer for each network, and the top layer's saturated share."""
        fig, axes = _figure(3, width=4.0)
        titles = {
            "sigmoid": "sigmoid, standard init U[−1/√n, 1/√n]",
            "tanh": "tanh, normalised (Glorot) init",
        }
        for ax, (name, means) in zip(axes[:2], self.mean_activation.items(), strict=True):
            epochs = np.arange(len(means))
            spread = self.std_activation[name]
            # Error bars at a few epochs, nudged apart per layer, as in the paper's figure 2:
            # shaded bands for four layers would cover one another.
            marks = epochs[:: max(1, len(epochs) // 5)]
            for layer in range(means.shape[1]):
                colour = _colour(layer)
                ax.plot(epochs, means[:, layer], color=colour, label=f"layer {layer + 1}")
                ax.errorbar(
                    marks + 0.15 * (layer - means.shape[1] / 2),
                    means[marks, layer],
                    yerr=spread[marks, layer],
                    fmt="none",
                    ecolor=colour,
                    capsize=2,
                    linewidth=1,
                )
            low, high = _activations.get(name).output_range if name in titles else (0, 1)
            ax.set_ylim(low - 0.02, high + 0.02)
            ax.set_title(titles.get(name, name))
            ax.set_xlabel("epoch")
            ax.set_ylabel("mean activation (bars: ± std)")
        axes[0].legend(fontsize="small")
        ax = axes[2]
        for i, (name, saturated) in enumerate(self.saturated_fraction.items()):
            ax.plot(np.arange(len(saturated)), saturated[:, -1], color=_colour(i), label=name)
        ax.set_ylim(-0.02, 1.02)
        ax.set_title("top hidden layer")
        ax.set_xlabel("epoch")
        ax.set_ylabel("share of saturated activations")
        ax.legend(fontsize="small")
        fig.suptitle("Glorot & Bengio (2010): the top sigmoid layer saturates at 0")
        return fig


def _layer_statistics(
    net: MLP, probe: Array, labels: NDArray[Any]
) -> tuple[list[float], list[float], list[float], float]:
    """Each hidden layer's mean, std and saturated share on ``probe``; the accuracy there."""
    outputs = net.layer_outputs(probe)
    hidden = [a for _, a in outputs[:-1]]
    act = net.hidden_activations[0]
    return (
        [float(a.mean()) for a in hidden],
        [float(a.std()) for a in hidden],
        [_saturated_fraction(a, act) for a in hidden],
        float(np.mean(outputs[-1][1].argmax(axis=1) == labels)),
    )


def glorot_bengio_saturation(
    *,
    depth: int = 4,
    width: int = 64,
    n_samples: int = 1000,
    epochs: int = 20,
    lr: float = 0.3,
    n_probe: int = 300,
    seed: int = 0,
) -> Saturation:
    r"""Sigmoid layers with the standard initialisation saturate the top hidden layer at 0.

    Claim (Glorot & Bengio 2010, section 3.1 and figure 2): in a deep network of sigmoid
    layers initialised with the then-standard :math:`W \sim U[-1/\sqrt n, 1/\sqrt n]`, the
    top hidden layer's activations are quickly pushed towards 0, where the sigmoid saturates
    and its gradient vanishes, while the lower layers stay near 0.5; learning stalls. The
    paper explains it by the softmax layer first learning from its biases, which is easier
    if the top layer's outputs, not yet useful, are driven to zero. A tanh network with the
    normalised initialisation (Glorot uniform, :math:`\mathrm{Var}\,W = 2/(n_\text{in} +
    n_\text{out})`) keeps its activations away from ±1 and learns.

    Both networks train with plain SGD on batches of 10, as in the paper; the activations are
    recorded on the same ``n_probe`` examples (300, as in the paper) before training and after
    every epoch, through a :class:`~neuronet.Callback`.

    Parameters
    ----------
    depth : int, default=4
        Hidden layers (the paper uses 4 or 5 of 1000 units).
    width : int, default=64
    n_samples : int, default=1000
        Points of ``blobs(n_classes=10, n_features=20, noise=5.0)``, standardised: ten
        overlapping Gaussian clusters.
    epochs : int, default=20
    lr : float, default=0.3
        SGD learning rate for both networks.
    n_probe : int, default=300
    seed : int, default=0

    Returns
    -------
    Saturation
        With the defaults the sigmoid network's top layer falls from a mean of 0.5 to about
        0.04, nearly every activation saturated, and its accuracy stays at chance (0.1); the
        tanh network's mean stays near 0, under 40 % of its top layer saturated, and it
        learns the data.

    References
    ----------
    Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural
    networks", AISTATS 2010.
    """
    depth = check_positive_int(depth, "depth")
    width = check_positive_int(width, "width")
    n_samples = check_positive_int(n_samples, "n_samples")
    epochs = check_positive_int(epochs, "epochs")
    lr = check_number(lr, "lr", "> 0")
    n_probe = check_positive_int(n_probe, "n_probe")
    seed = _check_seed(seed)
    X, y = datasets.blobs(n_samples, n_classes=10, n_features=20, noise=5.0, seed=seed)
    X = _standardise(X)
    probe, probe_labels = X[:n_probe], y[:n_probe]
    sizes = [X.shape[1], *[width] * depth, 10]
    means: dict[str, Array] = {}
    stds: dict[str, Array] = {}
    saturated: dict[str, Array] = {}
    accuracy: dict[str, Array] = {}
    for name in ("sigmoid", "tanh"):
        net = MLP(sizes, name, output="softmax", init="glorot_uniform", seed=seed)
        if name == "sigmoid":
            _standard_init(net, np.random.default_rng(seed))
        recorder = _EveryEpoch(lambda net: _layer_statistics(net, probe, probe_labels))
        net.fit(
            X,
            y,
            epochs=epochs,
            batch_size=10,
            optimizer="sgd",
            lr=lr,
            callbacks=[recorder],
            verbose=0,
        )
        rows = recorder.rows
        means[name] = np.array([row[0] for row in rows])
        stds[name] = np.array([row[1] for row in rows])
        saturated[name] = np.array([row[2] for row in rows])
        accuracy[name] = np.array([row[3] for row in rows])
    return Saturation(means, stds, saturated, accuracy)


# --- 3. variance through a deep ReLU network (He et al. 2015) ----------------------------------


@dataclass(frozen=True, eq=False)
class HeInitVariance:
    r"""What :func:`he_init_variance` measured, per initialiser ("he_normal", "lecun_normal").

    Attributes
    ----------
    variance : dict of str to ndarray of shape (depth,)
        Variance of each hidden layer's pre-activations :math:`z`.
    factor_per_layer : dict of str to float
        The geometric-mean change of that variance from one layer to the next: 1 keeps the
        signal's size, 0.5 halves it at every layer.
    """

    variance: dict[str, Array]
    factor_per_layer: dict[str, float]

    def figure(self) -> Figure:
        """Variance of the pre-activations against depth, on a log scale."""
        fig, (ax,) = _figure(1, width=5.5, height=3.8)
        labels = {"he_normal": "He: std √(2/n)", "lecun_normal": "std √(1/n)"}
        for i, (name, variance) in enumerate(self.variance.items()):
            layers = np.arange(1, len(variance) + 1)
            factor = self.factor_per_layer[name]
            ax.semilogy(
                layers,
                variance,
                "o-",
                color=_colour(i),
                markersize=3,
                label=f"{labels.get(name, name)}: ×{factor:.2f} per layer",
            )
        ax.set_xlabel("hidden layer")
        _integer_ticks(ax)
        ax.set_ylabel("variance of z")
        ax.set_title("He et al. (2015): a deep ReLU network, N(0, 1) inputs")
        ax.legend(fontsize="small")
        return fig


def he_init_variance(
    depth: int = 20, *, width: int = 256, n_samples: int = 500, seed: int = 0
) -> HeInitVariance:
    r"""He initialisation keeps a deep ReLU network's variance; std :math:`\sqrt{1/n}` halves it.

    Claim (He et al. 2015, section 2.2, eq. 10): for ReLU layers with zero-mean weights,
    :math:`\mathrm{Var}[z_L] = \mathrm{Var}[z_1] \prod_{l=2}^{L} \tfrac12 n_l
    \mathrm{Var}[w_l]`, since ReLU keeps half of a symmetric input's second moment. Weights
    with :math:`\mathrm{Var}\,w = 2/n` (He) make every factor 1, so the variance stays
    constant through any depth; :math:`\mathrm{Var}\,w = 1/n` (``lecun_normal``) makes every
    factor :math:`\tfrac12`, so after 20 layers the signal is :math:`2^{-19} \approx 2 \cdot
    10^{-6}` of its size.

    Measured with :meth:`~neuronet.MLP.layer_outputs` on standard normal inputs, in float64,
    biases zero.

    Parameters
    ----------
    depth : int, default=20
        ReLU hidden layers (the paper's deep models have 22 and 30).
    width : int, default=256
        Units per hidden layer (and input features).
    n_samples : int, default=500
    seed : int, default=0

    Returns
    -------
    HeInitVariance
        With the defaults the factor per layer is about 1.0 for He and 0.5 for
        :math:`\sqrt{1/n}`.

    References
    ----------
    He, Zhang, Ren & Sun, "Delving Deep into Rectifiers", ICCV 2015, arXiv:1502.01852.
    """
    depth = check_positive_int(depth, "depth")
    width = check_positive_int(width, "width")
    n_samples = check_positive_int(n_samples, "n_samples")
    seed = _check_seed(seed)
    X = np.random.default_rng(seed).standard_normal((n_samples, width))
    variance: dict[str, Array] = {}
    factor: dict[str, float] = {}
    for name in ("he_normal", "lecun_normal"):
        net = MLP([width, *[width] * depth, 1], "relu", init=name, dtype="float64", seed=seed)
        hidden = net.layer_outputs(X)[:-1]
        variance[name] = np.array([float(z.var()) for z, _ in hidden])
        ratio = variance[name][-1] / variance[name][0]
        factor[name] = float(ratio ** (1.0 / (depth - 1))) if depth > 1 else 1.0
    return HeInitVariance(variance, factor)


# --- 4. dying ReLU networks (Lu et al. 2019) ---------------------------------------------------


@dataclass(frozen=True, eq=False)
class DyingReLU:
    """What :func:`dying_relu` measured.

    Attributes
    ----------
    widths, depths : tuple of int
    trials : int
    dead_fraction : dict of str to ndarray of shape (len(widths), len(depths))
        Per activation ("relu", "leaky_relu"): the share of the ``trials`` freshly initialised
        networks whose output is the same at every input.
    """

    widths: tuple[int, ...]
    depths: tuple[int, ...]
    trials: int
    dead_fraction: dict[str, Array]

    def figure(self) -> Figure:
        """Share of networks born dead against depth, one line per width and activation."""
        fig, (ax,) = _figure(1, width=5.5, height=3.8)
        styles = {"relu": ("o-", "ReLU"), "leaky_relu": ("s--", "leaky ReLU")}
        for name, dead in self.dead_fraction.items():
            style, label = styles.get(name, ("o-", name))
            for i, width in enumerate(self.widths):
                ax.plot(
                    self.depths,
                    dead[i],
                    style,
                    color=_colour(i),
                    markersize=4,
                    label=f"{label}, width {width}",
                )
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("hidden layers")
        ax.set_ylabel("share born dead (constant output)")
        ax.set_title(f"Lu et al. (2019): {self.trials} He-initialised networks per point")
        ax.legend(fontsize="small")
        return fig


def dying_relu(
    widths: Sequence[int] = (2, 3),
    depths: Sequence[int] = (10, 20, 30, 50),
    *,
    trials: int = 200,
    n_inputs: int = 1,
    seed: int = 0,
) -> DyingReLU:
    r"""Narrow deep ReLU networks are born dead, more often the deeper; leaky ReLU ones never.

    Claim (Lu et al. 2019, theorem 4 and figure 4): with weights and biases drawn from
    symmetric distributions, the probability that a ReLU network of fixed width is *born
    dead*, its output constant over the whole input domain because some layer's neurons are
    all off for every input, tends to 1 as the depth grows; the narrower, the sooner. A leaky
    ReLU never outputs exactly zero, so its network's output always varies with the input.

    Each trial redraws every weight from He normal, :math:`N(0, 2/((1 + s^2)\,n))` with
    ``s`` the leaky slope, with zero biases (symmetric, as the theorem assumes); a network
    counts as dead when its outputs at 256 random points of :math:`[-1, 1]^d` differ by no
    more than a relative :math:`10^{-9}` from one another (a dead ReLU network's are exactly
    equal: zero biases make them all 0).

    Parameters
    ----------
    widths : sequence of int, default=(2, 3)
    depths : sequence of int, default=(10, 20, 30, 50)
        Hidden layers.
    trials : int, default=200
        Networks drawn per width and depth.
    n_inputs : int, default=1
        Input dimension :math:`d` (the paper's figures use 1).
    seed : int, default=0

    Returns
    -------
    DyingReLU
        With the defaults: ReLU width 2 dies in about 90 % of draws at 10 layers and always
        from 20; width 3 in about 63 % at 10, rising to 100 % at 50; leaky ReLU in none.

    References
    ----------
    Lu, Shin, Su & Karniadakis, "Dying ReLU and Initialization: Theory and Numerical
    Examples", Communications in Computational Physics 28 (2020), arXiv:1903.06733.
    """
    widths, depths = _check_sizes(widths, "widths"), _check_sizes(depths, "depths")
    trials = check_positive_int(trials, "trials")
    n_inputs = check_positive_int(n_inputs, "n_inputs")
    rng = np.random.default_rng(_check_seed(seed))
    inputs = rng.uniform(-1.0, 1.0, size=(256, n_inputs))
    dead: dict[str, Array] = {}
    for name in ("relu", "leaky_relu"):
        act = _activations.get(name)
        dead[name] = np.zeros((len(widths), len(depths)))
        for i, width in enumerate(widths):
            for j, depth in enumerate(depths):
                net = MLP([n_inputs, *[width] * depth, 1], act, dtype="float64", seed=seed)
                count = 0
                for _ in range(trials):
                    for layer in net.dense_layers:
                        layer.weights[...] = _init.initialise(
                            "he_normal",
                            layer.n_in,
                            layer.n_out,
                            rng=rng,
                            negative_slope=act.negative_slope,
                            dtype=np.float64,
                        )
                    out = net.forward(inputs)
                    # Relative: a deep leaky network's output can be tiny, yet it still varies.
                    count += bool(np.ptp(out) <= 1e-9 * float(np.abs(out).max()))
                dead[name][i, j] = count / trials
    return DyingReLU(widths, depths, trials, dead)


# --- 5. self-normalising networks (Klambauer et al. 2017) --------------------------------------


@dataclass(frozen=True, eq=False)
class SELUSelfNormalising:
    """What :func:`selu_self_normalising` measured, per activation ("selu", "relu", "tanh").

    Attributes
    ----------
    mean, variance : dict of str to ndarray of shape (depth,)
        Mean and variance of each hidden layer's activations (over samples and neurons).
    """

    mean: dict[str, Array]
    variance: dict[str, Array]

    def figure(self) -> Figure:
        """Mean and variance of the activations against depth, one line per activation."""
        fig, (ax_mean, ax_var) = _figure(2)
        for i, name in enumerate(self.mean):
            layers = np.arange(1, len(self.mean[name]) + 1)
            ax_mean.plot(layers, self.mean[name], "o-", color=_colour(i), markersize=3, label=name)
            ax_var.semilogy(layers, self.variance[name], "o-", color=_colour(i), markersize=3)
        ax_mean.axhline(0.0, color=BLACK, linewidth=0.8, linestyle=":")
        ax_var.axhline(1.0, color=BLACK, linewidth=0.8, linestyle=":")
        ax_mean.set_ylabel("mean of a")
        ax_mean.set_title("mean (self-normalising: 0)")
        ax_var.set_ylabel("variance of a")
        ax_var.set_title("variance (self-normalising: 1)")
        for ax in (ax_mean, ax_var):
            ax.set_xlabel("hidden layer")
            _integer_ticks(ax)
        ax_mean.legend(fontsize="small")
        fig.suptitle("Klambauer et al. (2017): LeCun-normal weights, N(0, 1) inputs")
        return fig


def selu_self_normalising(
    depth: int = 30, *, width: int = 256, n_samples: int = 1000, seed: int = 0
) -> SELUSelfNormalising:
    r"""SELU keeps activations at mean 0, variance 1 through many layers; ReLU and tanh drift.

    Claim (Klambauer et al. 2017, theorem 1): with weights of mean 0 and variance
    :math:`1/n` (LeCun normal), the map from one SELU layer's (mean, variance) to the next's
    has a stable, attracting fixed point at (0, 1), so standardised inputs stay standardised
    through any depth. With the same weights ReLU halves the second moment at every layer and
    tanh shrinks the variance towards 0.

    Measured with :meth:`~neuronet.MLP.layer_outputs` on standard normal inputs, in float64.

    Parameters
    ----------
    depth : int, default=30
        Hidden layers.
    width : int, default=256
        Units per hidden layer (and input features); the fixed point needs wide layers.
    n_samples : int, default=1000
    seed : int, default=0

    Returns
    -------
    SELUSelfNormalising
        With the defaults SELU's last layer has mean within 0.05 of 0 and variance within
        0.1 of 1; ReLU's variance is about :math:`10^{-9}` and tanh's about 0.01.

    References
    ----------
    Klambauer, Unterthiner, Mayr & Hochreiter, "Self-Normalizing Neural Networks",
    NeurIPS 2017, arXiv:1706.02515.
    """
    depth = check_positive_int(depth, "depth")
    width = check_positive_int(width, "width")
    n_samples = check_positive_int(n_samples, "n_samples")
    seed = _check_seed(seed)
    X = np.random.default_rng(seed).standard_normal((n_samples, width))
    mean: dict[str, Array] = {}
    variance: dict[str, Array] = {}
    for name in ("selu", "relu", "tanh"):
        net = MLP(
            [width, *[width] * depth, 1], name, init="lecun_normal", dtype="float64", seed=seed
        )
        hidden = [a for _, a in net.layer_outputs(X)[:-1]]
        mean[name] = np.array([float(a.mean()) for a in hidden])
        variance[name] = np.array([float(a.var()) for a in hidden])
    return SELUSelfNormalising(mean, variance)


# --- 6. vanishing gradients ------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class VanishingGradients:
    """What :func:`vanishing_gradients` measured, per network ("sigmoid", "relu").

    Attributes
    ----------
    gradient_rms : dict of str to ndarray of shape (depth + 1,)
        Root-mean-square of each dense layer's weight gradient, first hidden layer to output
        layer: per weight, so that layers of different sizes compare.
    """

    gradient_rms: dict[str, Array]

    def figure(self) -> Figure:
        """Gradient size per layer, on a log scale."""
        fig, (ax,) = _figure(1, width=5.5, height=3.8)
        labels = {"sigmoid": "sigmoid, Glorot init", "relu": "ReLU, He init"}
        for i, (name, rms) in enumerate(self.gradient_rms.items()):
            layers = np.arange(1, len(rms) + 1)
            ax.semilogy(
                layers, rms, "o-", color=_colour(i), markersize=4, label=labels.get(name, name)
            )
        ax.set_xlabel("layer (last = output)")
        ax.set_ylabel("RMS of ∂L/∂W")
        ax.set_title("Gradient size per layer before training")
        ax.legend(fontsize="small")
        return fig


def vanishing_gradients(
    depth: int = 8, *, width: int = 32, n_samples: int = 256, seed: int = 0
) -> VanishingGradients:
    r"""In a deep sigmoid network the gradient vanishes towards the input; with ReLU it does not.

    Claim: backpropagation multiplies the gradient, layer by layer, by :math:`f'(z)` and
    :math:`W^\top`. The sigmoid's derivative is at most :math:`\tfrac14`, so with weights
    that keep the forward signal's size (Glorot) each layer shrinks the gradient about
    fourfold, and the first layers of a deep network hardly learn. ReLU's derivative is 1
    where the unit is on, and He initialisation compensates for the half that is off, so the
    gradient keeps its size.

    The gradient is one :meth:`~neuronet.MLP.loss_and_gradient` of the untrained network on
    a batch of ``spiral(n_samples, n_classes=3)`` (softmax output, cross-entropy), in float64;
    each layer's ``weight_grad`` is summarised by its root-mean-square.

    Parameters
    ----------
    depth : int, default=8
        Hidden layers.
    width : int, default=32
    n_samples : int, default=256
    seed : int, default=0

    Returns
    -------
    VanishingGradients
        With the defaults the sigmoid network's first-layer gradient is about :math:`10^{-6}`
        of its output layer's; the ReLU network's stay within a factor of ten.

    References
    ----------
    Hochreiter, diploma thesis, TU München, 1991; Bengio, Simard & Frasconi, IEEE Trans.
    Neural Networks 5(2), 1994; Glorot & Bengio, AISTATS 2010, section 4.2.
    """
    depth = check_positive_int(depth, "depth")
    width = check_positive_int(width, "width")
    n_samples = check_positive_int(n_samples, "n_samples")
    seed = _check_seed(seed)
    X, y = datasets.spiral(n_samples, n_classes=3, seed=seed)
    rms: dict[str, Array] = {}
    for name, init in (("sigmoid", "glorot_uniform"), ("relu", "he_normal")):
        net = MLP(
            [2, *[width] * depth, 3], name, output="softmax", init=init, dtype="float64", seed=seed
        )
        net.loss_and_gradient(X, y)
        rms[name] = np.array(
            [float(np.sqrt(np.mean(layer.weight_grad**2))) for layer in net.dense_layers]
        )
    return VanishingGradients(rms)


# --- 7. learned PReLU slopes (He et al. 2015) --------------------------------------------------


@dataclass(frozen=True, eq=False)
class PReLUSlopes:
    """What :func:`prelu_slopes` measured.

    Attributes
    ----------
    initial, final : list of ndarray
        Each hidden layer's slope(s) before and after training (one per layer, or one per
        neuron with ``per_neuron=True``).
    history : ndarray of shape (epochs + 1, n_hidden)
        Each hidden layer's mean slope before training and after every epoch.
    accuracy : float
        Training accuracy at the end.
    """

    initial: list[Array]
    final: list[Array]
    history: Array
    accuracy: float

    def figure(self) -> Figure:
        """Each layer's slope during training, and the final slopes against the initial 0.25."""
        fig, (ax_path, ax_final) = _figure(2)
        epochs = np.arange(len(self.history))
        for layer in range(self.history.shape[1]):
            ax_path.plot(
                epochs, self.history[:, layer], color=_colour(layer), label=f"layer {layer + 1}"
            )
        for layer, slopes in enumerate(self.final):
            ax_final.scatter(
                np.full(slopes.size, layer + 1),
                slopes,
                color=_colour(layer),
                s=14,
                alpha=0.7 if slopes.size > 1 else 1.0,
            )
        for ax in (ax_path, ax_final):
            ax.axhline(float(self.initial[0].flat[0]), color=BLACK, linewidth=0.8, linestyle=":")
            ax.set_ylabel("negative slope a")
        ax_path.set_xlabel("epoch")
        ax_path.set_title("mean slope per layer (dotted: initial)")
        ax_path.legend(fontsize="small")
        ax_final.set_xlabel("hidden layer")
        ax_final.set_xticks(range(1, len(self.final) + 1))
        ax_final.set_title(f"learned slopes (accuracy {self.accuracy:.2f})")
        fig.suptitle("He et al. (2015): PReLU learns its negative slopes")
        return fig


def prelu_slopes(
    *,
    hidden: Sequence[int] = (32, 32, 32),
    per_neuron: bool = False,
    n_samples: int = 600,
    epochs: int = 100,
    seed: int = 0,
) -> PReLUSlopes:
    r"""A PReLU network learns negative slopes that move away from their initial 0.25.

    Claim (He et al. 2015, section 2.1 and table 1): the slope :math:`a` of
    :math:`f(z) = \max(0, z) + a \min(0, z)` is learned with the weights, from an initial
    0.25, and ends far from it, differently in each layer (the paper's first layers learn
    0.6–0.7, deeper ones smaller values), so a fixed slope is not what the data wants.

    Trains ``MLP([2, *hidden, 3], "prelu")`` on ``spiral(n_samples, n_classes=3)`` with Adam
    (learning rate 0.01, batches of 32), recording each layer's mean slope after every epoch.

    Parameters
    ----------
    hidden : sequence of int, default=(32, 32, 32)
    per_neuron : bool, default=False
        One slope per neuron (the paper's channel-wise variant) instead of one per layer
        (channel-shared).
    n_samples : int, default=600
    epochs : int, default=100
    seed : int, default=0

    Returns
    -------
    PReLUSlopes
        With the defaults the three layers' slopes end near −0.05, 0.0 and −0.26; on this
        small problem they fall rather than rise, but none stays at 0.25.

    References
    ----------
    He, Zhang, Ren & Sun, "Delving Deep into Rectifiers", ICCV 2015, arXiv:1502.01852.
    """
    hidden = _check_sizes(hidden, "hidden")
    per_neuron = check_bool(per_neuron, "per_neuron")
    n_samples = check_positive_int(n_samples, "n_samples")
    epochs = check_positive_int(epochs, "epochs")
    seed = _check_seed(seed)
    X, y = datasets.spiral(n_samples, n_classes=3, seed=seed)
    act = _activations.get("prelu", per_neuron=per_neuron)
    net = MLP([2, *hidden, 3], act, output="softmax", seed=seed)
    hidden_layers = net.dense_layers[:-1]
    initial = [layer.activation_parameters.copy() for layer in hidden_layers]
    recorder = _EveryEpoch(
        lambda net: [float(layer.activation_parameters.mean()) for layer in hidden_layers]
    )
    trained = net.fit(X, y, epochs=epochs, batch_size=32, lr=0.01, callbacks=[recorder], verbose=0)
    final = [layer.activation_parameters.copy() for layer in hidden_layers]
    return PReLUSlopes(initial, final, np.array(recorder.rows), float(trained["accuracy"][-1]))


# --- 8. softmax with cross-entropy or with squared error ----------------------------------------


@dataclass(frozen=True, eq=False)
class OutputLossPairing:
    """What :func:`output_loss_pairing` measured, per loss ("cross_entropy", "mse").

    Attributes
    ----------
    accuracy : dict of str to ndarray of shape (epochs + 1,)
        Training accuracy before training and after every epoch.
    loss : dict of str to ndarray of shape (epochs,)
        Each run's own training loss per epoch (the two scales differ).
    margins : ndarray
        Logit margins :math:`m` by which the network prefers a wrong class.
    logit_gradient : dict of str to ndarray of shape (len(margins),)
        Euclidean norm of :math:`\\partial L / \\partial z` for one sample at each margin.
    """

    accuracy: dict[str, Array]
    loss: dict[str, Array]
    margins: Array
    logit_gradient: dict[str, Array]

    def figure(self) -> Figure:
        """Accuracy during training, and the logit gradient at confidently wrong outputs."""
        fig, (ax_acc, ax_grad) = _figure(2)
        labels = {"cross_entropy": "softmax + cross-entropy", "mse": "softmax + squared error"}
        for i, (name, accuracy) in enumerate(self.accuracy.items()):
            label = labels.get(name, name)
            ax_acc.plot(np.arange(len(accuracy)), accuracy, color=_colour(i), label=label)
            ax_grad.semilogy(
                self.margins, self.logit_gradient[name], "o-", color=_colour(i), markersize=4
            )
        ax_acc.set_xlabel("epoch")
        ax_acc.set_ylabel("training accuracy")
        ax_acc.set_title("same network, same SGD")
        ax_acc.legend(fontsize="small")
        ax_grad.set_xlabel("margin m of the wrong class's logit")
        ax_grad.set_ylabel("‖∂L/∂z‖ for one sample")
        ax_grad.set_title("gradient at a confidently wrong output")
        fig.suptitle("Golik et al. (2013): softmax belongs with cross-entropy")
        return fig


def output_loss_pairing(
    *,
    hidden: Sequence[int] = (32, 32),
    n_samples: int = 600,
    epochs: int = 60,
    lr: float = 0.5,
    margins: Sequence[float] = tuple(range(11)),
    seed: int = 0,
) -> OutputLossPairing:
    r"""Softmax with cross-entropy learns faster than with squared error, which stalls when wrong.

    Claim (Golik et al. 2013; Nielsen, "Neural Networks and Deep Learning", ch. 3): with a
    softmax output, cross-entropy's gradient with respect to the logits is :math:`p - y`,
    of size about 1 whenever the network is wrong, however confidently. Squared error's is
    that residual multiplied by the softmax's Jacobian :math:`\mathrm{diag}(p) - pp^\top`,
    which vanishes as :math:`p` approaches a one-hot vector: a confidently wrong network
    gets almost no signal, and training is slower.

    Two measurements:

    * **Learning speed.** The same ``MLP([2, *hidden, 3], "tanh", output="softmax")`` trained
      on ``spiral(n_samples, n_classes=3)`` with plain SGD (learning rate ``lr``, batches of
      32) with each loss; training accuracy after every epoch. Squared error takes one-hot
      targets. Building the squared-error network warns
      (:class:`~neuronet.losses.PairingWarning`): that mismatch is the point, so the
      warning is silenced.
    * **The gradient at a confidently wrong output**, computed by the network itself: the
      output layer's weights are set to 0 and its bias to :math:`(m, 0, 0)`, so every sample's
      logits are :math:`(m, 0, 0)` whatever the hidden layers do, and the target is class 1.
      After :meth:`~neuronet.MLP.loss_and_gradient` on 8 samples (float64), the output
      bias's gradient is the mean over samples of :math:`\partial L / \partial z`, which
      here is one sample's gradient; its norm is recorded for each margin :math:`m`.

    Parameters
    ----------
    hidden : sequence of int, default=(32, 32)
    n_samples : int, default=600
    epochs : int, default=60
    lr : float, default=0.5
        SGD learning rate for both runs.
    margins : sequence of float, default=(0, 1, ..., 10)
    seed : int, default=0

    Returns
    -------
    OutputLossPairing
        With the defaults cross-entropy averages about 0.8 training accuracy over the last
        ten epochs, squared error about 0.5; at margin 10 cross-entropy's logit gradient is
        about 1.4 (:math:`\sqrt2`), squared error's about :math:`2 \cdot 10^{-4}`.

    References
    ----------
    Golik, Doetsch & Ney, "Cross-entropy vs. squared error training: a theoretical and
    experimental comparison", Interspeech 2013. Nielsen, "Neural Networks and Deep
    Learning", 2015, chapter 3.
    """
    hidden = _check_sizes(hidden, "hidden")
    n_samples = check_positive_int(n_samples, "n_samples")
    epochs = check_positive_int(epochs, "epochs")
    lr = check_number(lr, "lr", "> 0")
    if isinstance(margins, str) or not isinstance(margins, Sequence | np.ndarray):
        raise TypeError(f"`margins` must be a sequence of numbers, got {margins!r:.80}.")
    if len(margins) == 0:
        raise ValueError("`margins` is empty: give at least one, e.g. (0, 5, 10).")
    checked = [check_number(m, f"margins[{i}]") for i, m in enumerate(margins)]
    seed = _check_seed(seed)
    X, y = datasets.spiral(n_samples, n_classes=3, seed=seed)
    one_hot = np.eye(3, dtype=X.dtype)[y]
    losses = {"cross_entropy": "categorical_cross_entropy", "mse": "mse"}
    accuracy: dict[str, Array] = {}
    loss_curves: dict[str, Array] = {}
    margin_array = np.asarray(checked, dtype=np.float64)
    gradient: dict[str, Array] = {}
    for key, loss in losses.items():
        targets = y if key == "cross_entropy" else one_hot
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PairingWarning)
            net = MLP([2, *hidden, 3], "tanh", output="softmax", loss=loss, seed=seed)
            probe = MLP(
                [2, *hidden, 3], "tanh", output="softmax", loss=loss, dtype="float64", seed=seed
            )
        recorder = _EveryEpoch(lambda net: _accuracy(net, X, y))
        trained = net.fit(
            X,
            targets,
            epochs=epochs,
            batch_size=32,
            optimizer="sgd",
            lr=lr,
            callbacks=[recorder],
            verbose=0,
        )
        accuracy[key] = np.array(recorder.rows)
        loss_curves[key] = np.array(trained["loss"])

        wrong = np.ones(8, dtype=np.int64)  # every sample's target is class 1
        wrong_targets = wrong if key == "cross_entropy" else np.eye(3)[wrong]
        norms = []
        out = probe.output_layer
        out.weights[...] = 0.0
        for m in margin_array:
            out.bias[...] = (m, 0.0, 0.0)
            probe.loss_and_gradient(X[:8], wrong_targets)
            norms.append(float(np.linalg.norm(out.bias_grad)))
        gradient[key] = np.array(norms)
    return OutputLossPairing(accuracy, loss_curves, margin_array, gradient)


# --- 9. batch normalisation rescues a deep sigmoid network ------------------------------------


@dataclass(frozen=True, eq=False)
class BatchNormRescue:
    """What :func:`batch_norm_rescue` measured, per network ("plain", "batch_norm").

    Attributes
    ----------
    accuracy : dict of str to ndarray of shape (epochs,)
        Training accuracy per epoch (as ``fit`` reports it).
    test_accuracy : dict of str to float
        Held-out accuracy after training (batch norm with its running statistics).
    """

    accuracy: dict[str, Array]
    test_accuracy: dict[str, float]

    def figure(self) -> Figure:
        """Training accuracy per epoch, with and without batch normalisation."""
        fig, (ax,) = _figure(1, width=5.5, height=3.8)
        labels = {"plain": "plain", "batch_norm": "batch norm before each sigmoid"}
        for i, (name, accuracy) in enumerate(self.accuracy.items()):
            ax.plot(
                np.arange(1, len(accuracy) + 1),
                accuracy,
                color=_colour(i),
                label=f"{labels.get(name, name)} (held out {self.test_accuracy[name]:.2f})",
            )
        ax.set_ylim(0.0, 1.02)
        ax.set_xlabel("epoch")
        ax.set_ylabel("training accuracy")
        ax.set_title("Ioffe & Szegedy (2015): a deep sigmoid network")
        ax.legend(fontsize="small")
        return fig


def batch_norm_rescue(
    depth: int = 10,
    *,
    width: int = 32,
    n_samples: int = 600,
    epochs: int = 40,
    lr: float = 0.1,
    seed: int = 0,
) -> BatchNormRescue:
    r"""Batch normalisation lets a deep sigmoid network learn where the plain one is stuck.

    Claim (Ioffe & Szegedy 2015, sections 3.3 and 4.2): normalising each layer's
    pre-activations over the batch keeps them in the sigmoid's non-saturated range whatever
    the earlier layers do, so a deep network of saturating units trains; without it, the
    gradient vanishes before reaching the early layers (see :func:`vanishing_gradients`) and
    the network stays near chance.

    Two ``MLP([2, *[width] * depth, 2], "sigmoid", output="softmax")`` (Glorot init), one
    with ``norm="batch"``, trained on three quarters of ``moons(n_samples, noise=0.15)``
    with plain SGD (learning rate ``lr``, batches of 32).

    Parameters
    ----------
    depth : int, default=10
        Hidden layers.
    width : int, default=32
    n_samples : int, default=600
    epochs : int, default=40
    lr : float, default=0.1
    seed : int, default=0

    Returns
    -------
    BatchNormRescue
        With the defaults the plain network stays at chance (0.5) and the normalised one
        reaches about 0.97 on held-out data.

    References
    ----------
    Ioffe & Szegedy, "Batch Normalization: Accelerating Deep Network Training by Reducing
    Internal Covariate Shift", ICML 2015, arXiv:1502.03167.
    """
    depth = check_positive_int(depth, "depth")
    width = check_positive_int(width, "width")
    n_samples = check_positive_int(n_samples, "n_samples")
    epochs = check_positive_int(epochs, "epochs")
    lr = check_number(lr, "lr", "> 0")
    seed = _check_seed(seed)
    X, y = datasets.moons(n_samples, noise=0.15, seed=seed)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, seed=seed)
    accuracy: dict[str, Array] = {}
    test_accuracy: dict[str, float] = {}
    for key, norm in (("plain", None), ("batch_norm", "batch")):
        net = MLP([2, *[width] * depth, 2], "sigmoid", output="softmax", norm=norm, seed=seed)
        trained = net.fit(
            X_train, y_train, epochs=epochs, batch_size=32, optimizer="sgd", lr=lr, verbose=0
        )
        accuracy[key] = np.array(trained["accuracy"])
        test_accuracy[key] = float(np.mean(net.predict(X_test) == y_test))
    return BatchNormRescue(accuracy, test_accuracy)
