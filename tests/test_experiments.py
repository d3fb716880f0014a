"""neuronet.experiments: each published claim holds at the experiment's small, seeded defaults.

Every experiment runs once per module (fixtures below) and its result serves both the claim's
test and the figure's; the tolerances leave room around the measured numbers, which are quoted
in the experiments' docstrings.
"""

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import require
from neuronet import experiments

# --- one run of each experiment, shared by its tests ---------------------------------------------


@pytest.fixture(scope="module")
def linear() -> experiments.LinearVsNonlinear:
    return experiments.linear_vs_nonlinear()


@pytest.fixture(scope="module")
def saturation() -> experiments.Saturation:
    return experiments.glorot_bengio_saturation()


@pytest.fixture(scope="module")
def he() -> experiments.HeInitVariance:
    return experiments.he_init_variance()


@pytest.fixture(scope="module")
def dying() -> experiments.DyingReLU:
    return experiments.dying_relu()


@pytest.fixture(scope="module")
def selu() -> experiments.SELUSelfNormalising:
    return experiments.selu_self_normalising()


@pytest.fixture(scope="module")
def vanishing() -> experiments.VanishingGradients:
    return experiments.vanishing_gradients()


@pytest.fixture(scope="module")
def prelu() -> experiments.PReLUSlopes:
    return experiments.prelu_slopes()


@pytest.fixture(scope="module")
def pairing() -> experiments.OutputLossPairing:
    return experiments.output_loss_pairing()


@pytest.fixture(scope="module")
def batch_norm() -> experiments.BatchNormRescue:
    return experiments.batch_norm_rescue()


# --- the claims ----------------------------------------------------------------------------------


def test_a_linear_network_stays_at_chance_on_circles(linear: experiments.LinearVsNonlinear):
    accuracy = linear.test_accuracy
    assert set(accuracy) == {"identity", "relu", "tanh"}
    assert accuracy["identity"] <= 0.65
    assert accuracy["relu"] >= 0.95
    assert accuracy["tanh"] >= 0.95
    region = linear.regions["relu"]
    assert region.shape == (linear.grid_y.size, linear.grid_x.size)
    assert set(np.unique(region)) == {0, 1}


def test_linear_vs_nonlinear_silences_only_its_own_warning():
    # The test run turns warnings into errors: the identity network's "linear however deep"
    # warning is expected inside the experiment and must not escape it.
    result = experiments.linear_vs_nonlinear(("identity",), hidden=(4,), n_samples=40, epochs=1)
    assert list(result.test_accuracy) == ["identity"]


def test_sigmoid_top_layer_saturates_tanh_does_not(saturation: experiments.Saturation):
    sigmoid = saturation.mean_activation["sigmoid"]
    epochs, depth = sigmoid.shape
    assert (epochs, depth) == (21, 4)
    # Untrained, every sigmoid layer sits near 0.5 and none is saturated.
    np.testing.assert_allclose(sigmoid[0], 0.5, atol=0.02)
    assert saturation.saturated_fraction["sigmoid"][0].max() == 0.0
    # Training drives the top layer towards 0 (within a few epochs it has halved) ...
    assert sigmoid[5, -1] < 0.25 and sigmoid[-1, -1] < 0.1
    assert saturation.saturated_fraction["sigmoid"][-1, -1] > 0.9
    # ... while the layers below stay away from 0, and the network learns nothing.
    assert sigmoid[-1, :-1].min() > 0.4
    assert saturation.accuracy["sigmoid"][-1] < 0.3
    # The tanh network with Glorot's initialisation stays centred, mostly unsaturated, learns.
    assert np.abs(saturation.mean_activation["tanh"]).max() < 0.1
    assert saturation.saturated_fraction["tanh"].max() < 0.5
    assert saturation.accuracy["tanh"][-1] > 0.9


def test_he_keeps_the_variance_lecun_halves_it(he: experiments.HeInitVariance):
    assert he.variance["he_normal"].shape == (20,)
    assert he.factor_per_layer["he_normal"] == pytest.approx(1.0, abs=0.1)
    assert he.factor_per_layer["lecun_normal"] == pytest.approx(0.5, abs=0.05)
    # Every He layer within a factor of 2.5 of the first; std √(1/n) ends below 1e-5 of it.
    he_var = he.variance["he_normal"]
    assert np.all(he_var / he_var[0] < 2.5) and np.all(he_var / he_var[0] > 0.4)
    lecun = he.variance["lecun_normal"]
    assert lecun[-1] / lecun[0] < 1e-5
    assert np.all(np.diff(lecun) < 0)


def test_narrow_relu_networks_are_born_dead_leaky_ones_are_not(dying: experiments.DyingReLU):
    relu = dying.dead_fraction["relu"]
    assert relu.shape == (2, 4)
    assert np.all(np.diff(relu, axis=1) >= 0)  # deeper: dead at least as often
    assert relu[0, 0] > 0.75  # width 2, 10 layers
    assert relu[:, -1].min() > 0.95  # 50 layers: nearly always dead
    assert np.all(relu[0] >= relu[1])  # narrower dies sooner
    assert dying.dead_fraction["leaky_relu"].max() == 0.0


def test_selu_self_normalises_relu_and_tanh_drift(selu: experiments.SELUSelfNormalising):
    assert selu.mean["selu"].shape == (30,)
    assert abs(selu.mean["selu"][-1]) < 0.1
    assert abs(selu.variance["selu"][-1] - 1.0) < 0.2
    assert np.all(np.abs(selu.variance["selu"] - 1.0) < 0.2)
    assert selu.variance["relu"][-1] < 1e-3
    assert selu.variance["tanh"][-1] < 0.1


def test_sigmoid_gradients_vanish_towards_the_input(vanishing: experiments.VanishingGradients):
    sigmoid, relu = vanishing.gradient_rms["sigmoid"], vanishing.gradient_rms["relu"]
    assert sigmoid.shape == relu.shape == (9,)
    assert np.all(np.diff(sigmoid) > 0)  # smaller at every step towards the input
    assert sigmoid[0] / sigmoid[-1] < 1e-3
    assert 0.1 < relu[0] / relu[-1] < 10
    assert relu.max() / relu.min() < 10


def test_prelu_slopes_move_away_from_their_start(prelu: experiments.PReLUSlopes):
    assert len(prelu.initial) == len(prelu.final) == 3
    for initial, final in zip(prelu.initial, prelu.final, strict=True):
        np.testing.assert_array_equal(initial, 0.25)
        assert np.all(np.abs(final - 0.25) > 0.1)
    assert prelu.history.shape == (101, 3)
    np.testing.assert_array_equal(prelu.history[0], 0.25)
    np.testing.assert_allclose(prelu.history[-1], [f.mean() for f in prelu.final])
    assert prelu.accuracy > 0.9


def test_prelu_slopes_per_neuron():
    result = experiments.prelu_slopes(hidden=(8, 8), per_neuron=True, n_samples=90, epochs=3)
    assert [s.shape for s in result.initial] == [(8,), (8,)]
    assert result.history.shape == (4, 2)


def test_softmax_learns_faster_with_cross_entropy(pairing: experiments.OutputLossPairing):
    ce, mse = pairing.accuracy["cross_entropy"], pairing.accuracy["mse"]
    assert ce.shape == mse.shape == (61,)
    assert ce[0] == mse[0]  # the same untrained network
    # Plain SGD at this rate makes single epochs jumpy: compare the last ten on average.
    assert ce[-10:].mean() > 0.7
    assert ce[-10:].mean() > mse[-10:].mean() + 0.15
    assert ce.mean() > mse.mean() + 0.05
    assert pairing.loss["mse"].shape == (60,)


def test_squared_error_gradient_vanishes_when_confidently_wrong(
    pairing: experiments.OutputLossPairing,
):
    ce, mse = pairing.logit_gradient["cross_entropy"], pairing.logit_gradient["mse"]
    # Closed forms for logits (m, 0, 0) and target class 1: cross-entropy's gradient is p - y,
    # which tends to (1, -1, 0), of norm √2.
    m = pairing.margins
    p = np.stack([np.exp(m), np.ones_like(m), np.ones_like(m)], axis=1)
    p /= p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(ce, np.linalg.norm(p - [0, 1, 0], axis=1), rtol=1e-6)
    # Squared error's goes through the softmax Jacobian diag(p) - ppᵀ, which vanishes.
    residual = p - [0, 1, 0]
    expected = p * (residual - (p * residual).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(mse, np.linalg.norm(expected, axis=1), rtol=1e-6)
    assert ce[-1] == pytest.approx(np.sqrt(2), rel=1e-3)
    assert mse[-1] < 1e-3 and np.all(np.diff(mse[2:]) < 0)


def test_batch_norm_rescues_a_deep_sigmoid_network(batch_norm: experiments.BatchNormRescue):
    assert batch_norm.accuracy["plain"].shape == (40,)
    assert batch_norm.test_accuracy["plain"] < 0.6
    assert batch_norm.test_accuracy["batch_norm"] > 0.85
    assert batch_norm.accuracy["batch_norm"][-5:].mean() > batch_norm.accuracy["plain"].max()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: experiments.he_init_variance(depth=0), ValueError, "`depth` must be a positive"),
        (lambda: experiments.he_init_variance(depth=2.5), TypeError, "`depth` must be a positive"),
        (lambda: experiments.he_init_variance(seed=-1), ValueError, "`seed`"),
        (
            lambda: experiments.glorot_bengio_saturation(depth=0, epochs=1),
            ValueError,
            "`depth` must be a positive",
        ),
        (lambda: experiments.glorot_bengio_saturation(lr=0), ValueError, "`lr`"),
        (lambda: experiments.dying_relu(trials=0), ValueError, "`trials` must be a positive"),
        (lambda: experiments.dying_relu(widths=()), ValueError, "`widths` must hold"),
        (lambda: experiments.dying_relu(depths=(10, 0)), ValueError, r"`depths\[1\]`"),
        (lambda: experiments.dying_relu(widths=2), TypeError, "`widths` must be a sequence"),
        (lambda: experiments.linear_vs_nonlinear([]), ValueError, "`activations` is empty"),
        (lambda: experiments.linear_vs_nonlinear("relu"), TypeError, "`activations` must be"),
        (lambda: experiments.linear_vs_nonlinear(resolution=1), ValueError, "`resolution`"),
        (lambda: experiments.prelu_slopes(hidden=[], epochs=1), ValueError, "`hidden` must hold"),
        (lambda: experiments.prelu_slopes(per_neuron=1), TypeError, "`per_neuron`"),
        (lambda: experiments.selu_self_normalising(width=0), ValueError, "`width`"),
        (lambda: experiments.vanishing_gradients(n_samples=0), ValueError, "`n_samples`"),
        (lambda: experiments.output_loss_pairing(margins=()), ValueError, "`margins` is empty"),
        (lambda: experiments.output_loss_pairing(epochs=0), ValueError, "`epochs`"),
        (lambda: experiments.batch_norm_rescue(depth=-1), ValueError, "`depth`"),
    ],
)
def test_bad_arguments_are_refused_up_front_by_name(
    call: Callable[[], Any], error: type[Exception], match: str
):
    with pytest.raises(error, match=match):
        call()


def test_results_are_deterministic():
    small: list[Callable[[], Any]] = [
        lambda: experiments.dying_relu((2,), (5,), trials=20).dead_fraction["relu"],
        lambda: experiments.prelu_slopes(hidden=(8,), n_samples=60, epochs=3).history,
        lambda: experiments.he_init_variance(5, width=16, n_samples=20).variance["he_normal"],
    ]
    for run in small:
        np.testing.assert_array_equal(run(), run())


def test_results_are_frozen(he: experiments.HeInitVariance):
    with pytest.raises(AttributeError):
        he.variance = {}  # type: ignore[misc]


# --- the figures ---------------------------------------------------------------------------------

FIXTURES = [
    "linear",
    "saturation",
    "he",
    "dying",
    "selu",
    "vanishing",
    "prelu",
    "pairing",
    "batch_norm",
]


@pytest.mark.parametrize("name", FIXTURES)
def test_figure_renders(name: str, request: pytest.FixtureRequest, tmp_path: Path):
    matplotlib = require("matplotlib")
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    result = request.getfixturevalue(name)
    fig = result.figure()
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_ylabel()
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_title()
        assert ax.lines or ax.collections
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=60)
    assert path.stat().st_size > 5000


def test_figure_artists(
    linear: experiments.LinearVsNonlinear,
    saturation: experiments.Saturation,
    dying: experiments.DyingReLU,
    selu: experiments.SELUSelfNormalising,
    pairing: experiments.OutputLossPairing,
):
    require("matplotlib").use("Agg")
    from matplotlib.collections import PathCollection
    from matplotlib.contour import ContourSet

    fig = linear.figure()
    assert len(fig.axes) == 3
    for ax, name in zip(fig.axes, ("identity", "relu", "tanh"), strict=True):
        assert ax.get_title().startswith(f"{name}: held-out accuracy")
        assert any(isinstance(c, ContourSet) for c in ax.collections)
        assert sum(isinstance(c, PathCollection) for c in ax.collections) == 2  # the classes

    fig = saturation.figure()
    assert len(fig.axes) == 3
    labelled = [line for line in fig.axes[0].lines if not str(line.get_label()).startswith("_")]
    assert len(labelled) == 4  # one mean per hidden layer (the error bars' caps are unlabelled)
    assert [line.get_label() for line in fig.axes[2].lines] == ["sigmoid", "tanh"]

    (ax,) = dying.figure().axes
    assert len(ax.lines) == 4  # (relu, leaky) × (width 2, width 3)
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), dying.depths)

    fig = selu.figure()
    assert [len(ax.lines) for ax in fig.axes] == [4, 4]  # three activations and a reference
    assert fig.axes[1].get_yscale() == "log"

    fig = pairing.figure()
    assert fig.axes[1].get_yscale() == "log"
    np.testing.assert_array_equal(fig.axes[1].lines[1].get_ydata(), pairing.logit_gradient["mse"])


def test_figure_without_matplotlib_says_what_to_install(
    he: experiments.HeInitVariance, monkeypatch: pytest.MonkeyPatch
):
    for module in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install 'neuronet\[plot\]'"):
        he.figure()


def test_import_does_not_load_matplotlib():
    code = (
        "import sys, neuronet.experiments; "
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
