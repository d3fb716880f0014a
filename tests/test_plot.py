"""Tests of neuronet.plot: each figure's artists, the errors, ``ax=`` and the lazy import."""

import subprocess
import sys

import numpy as np
import pytest

from conftest import require

matplotlib = require("matplotlib")
matplotlib.use("Agg")

from matplotlib.axes import Axes  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.contour import ContourSet  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Circle  # noqa: E402

import neuronet  # noqa: E402
from neuronet import MLP, History, activations, datasets, plot  # noqa: E402


def curves(ax: Axes) -> list[str]:
    """The gids of an activation plot's curves, leaving out the axis lines."""
    return [line.get_gid() for line in ax.get_lines() if line.get_gid() != "axis"]


def layer_history(epochs: int = 4) -> History:
    """A History as a Monitor would leave it, for a network of two dense layers."""
    h = History()
    for e in range(epochs):
        h.record(
            {
                "loss": 1.0 / (e + 1),
                "layer1/dead": 0.1 * e,
                "layer2/dead": 0.0,
                "layer1/grad_norm": 10.0**-e,
                "layer2/grad_norm": 0.5,
                "layer1/z_mean": 0.1,
                "layer1/prelu_slope": 0.25 - 0.01 * e,
            }
        )
    return h


@pytest.fixture(scope="module")
def spiral_net():
    """A small softmax network trained briefly on a spiral labelled by class names."""
    X, y = datasets.spiral(90, n_classes=3, seed=0)
    names = np.array(["a", "b", "c"])[y]
    net = MLP([2, 6, 3], activation="tanh", output="softmax", seed=0)
    history = net.fit(X, names, epochs=5, batch_size=16, validation_split=0.2, verbose=0)
    return net, X, names, history


@pytest.fixture
def new_ax():
    return Figure().subplots()


# --- the module itself --------------------------------------------------------------------


def test_import_does_not_load_matplotlib():
    code = "import neuronet.plot, sys; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    "call",
    [
        lambda: plot.activations("relu"),
        lambda: plot.history(layer_history()),
        lambda: plot.network(MLP([2, 3, 1], seed=0)),
        lambda: plot.prelu_slopes(layer_history()),
    ],
)
def test_without_matplotlib_says_how_to_install(monkeypatch, call):
    # A None entry in sys.modules makes `import matplotlib` raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install 'neuronet\[plot\]'"):
        call()


def test_palette_is_okabe_ito():
    assert list(plot.OKABE_ITO.values()) == [
        "#000000",
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
    ]


# --- activations --------------------------------------------------------------------------


def test_activations_draws_f_and_derivative_per_activation():
    fig = plot.activations(["relu", activations.get("elu", alpha=0.5), "tanh"])
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert curves(ax) == ["f:relu", "df:relu", "f:elu", "df:elu", "f:tanh", "df:tanh"]
    f_lines = [line for line in ax.get_lines() if (line.get_gid() or "").startswith("f:")]
    df_lines = [line for line in ax.get_lines() if (line.get_gid() or "").startswith("df:")]
    for f, df in zip(f_lines, df_lines, strict=True):
        assert f.get_color() == df.get_color()
        assert (f.get_linestyle(), df.get_linestyle()) == ("-", "--")
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["relu", "elu(alpha=0.5)", "tanh", "f(z)", "f′(z)"]


def test_activations_values_match_the_activation():
    ax = plot.activations("sigmoid", z=(-2.0, 3.0)).axes[0]
    f = next(line for line in ax.get_lines() if line.get_gid() == "f:sigmoid")
    z, a = f.get_data()
    assert (z[0], z[-1]) == (-2.0, 3.0)
    np.testing.assert_allclose(a, 1.0 / (1.0 + np.exp(-z)))


def test_activations_relu_derivative_jumps_at_the_kink():
    ax = plot.activations("relu").axes[0]
    df = next(line for line in ax.get_lines() if line.get_gid() == "df:relu")
    _, d = df.get_data()
    assert np.isnan(d).sum() == 1  # a break instead of a vertical segment
    assert set(d[~np.isnan(d)]) == {0.0, 1.0}


def test_activations_softmax_is_drawn_along_two_scores():
    ax = plot.activations("softmax").axes[0]
    f = next(line for line in ax.get_lines() if line.get_gid() == "f:softmax")
    df = next(line for line in ax.get_lines() if line.get_gid() == "df:softmax")
    z, a = f.get_data()
    s = 1.0 / (1.0 + np.exp(-z))  # softmax(z, 0)_0 is the sigmoid of z
    np.testing.assert_allclose(a, s)
    np.testing.assert_allclose(df.get_data()[1], s * (1.0 - s))
    assert "softmax(z, 0)₀" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_activations_prelu_uses_its_initial_slope():
    ax = plot.activations(activations.get("prelu", init=0.1), derivative=False).axes[0]
    assert curves(ax) == ["f:prelu"]
    z, a = ax.get_lines()[-1].get_data()
    np.testing.assert_allclose(a[0], 0.1 * z[0])


def test_activations_many_get_a_panel_each():
    names = activations.names()
    fig = plot.activations(names)
    assert len(fig.axes) == len(names)
    for ax, name in zip(fig.axes, names, strict=True):
        assert curves(ax) == [f"f:{name}", f"df:{name}"]
        assert ax.get_title().startswith(name)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["f(z)", "f′(z)"]


def test_activations_draws_into_given_axes(new_ax):
    assert plot.activations("relu", ax=new_ax) is new_ax.figure
    assert curves(new_ax) == ["f:relu", "df:relu"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"acts": "relux"}, ValueError, "relu"),
        ({"acts": []}, ValueError, "`acts` is empty"),
        ({"acts": [3]}, TypeError, "`acts`"),
        ({"acts": "relu", "z": (1.0, -1.0)}, ValueError, "`z`"),
        ({"acts": "relu", "z": "wide"}, ValueError, "`z`"),
        ({"acts": "relu", "ax": "left"}, TypeError, "`ax`"),
    ],
)
def test_activations_bad_input(kwargs, error, match):
    with pytest.raises(error, match=match):
        plot.activations(**kwargs)


# --- history ------------------------------------------------------------------------------


def test_history_separates_loss_and_accuracy(spiral_net):
    *_, h = spiral_net
    fig = plot.history(h)
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Accuracy"]
    for ax in fig.axes:
        labels = [line.get_label() for line in ax.get_lines()]
        assert labels[:2] == ["training", "validation"]
        assert len(ax.get_lines()[0].get_xdata()) == 5
    assert "layer" not in " ".join(ax.get_title() for ax in fig.axes)


def test_history_chosen_metrics_and_axes(spiral_net):
    *_, h = spiral_net
    axes = Figure().subplots(1, 2)
    fig = plot.history(h, metrics=["loss", "lr"], ax=axes)
    assert fig is axes[0].figure
    assert axes[1].get_yscale() == "log"
    assert plot.history(h.history, metrics="accuracy").axes[0].get_title() == "Accuracy"


def test_history_skips_per_layer_keys():
    fig = plot.history(layer_history())
    assert [ax.get_title() for ax in fig.axes] == ["Loss"]
    assert len(fig.axes[0].get_lines()) == 1


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((History(),), {}, ValueError, "empty"),
        ((layer_history(),), {"metrics": "accuracy"}, ValueError, "'accuracy'.*'loss'"),
        ((layer_history(),), {"metrics": []}, ValueError, "`metrics`"),
        (([0.5, 0.4],), {}, TypeError, "`history`"),
        (({"loss": ["a", "b"]},), {}, TypeError, r"`history\['loss'\]` must be a list of numbers"),
        (({"loss": 0.5},), {}, TypeError, r"`history\['loss'\]` must be a list of numbers"),
        ((layer_history(),), {"ax": [None, None]}, ValueError, "`ax` must be one Axes"),
    ],
)
def test_history_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot.history(*args, **kwargs)


# --- decision boundary --------------------------------------------------------------------


def test_decision_boundary_multiclass_with_class_names(spiral_net):
    net, X, names, _ = spiral_net
    fig = plot.decision_boundary(net, X, names, resolution=40)
    (ax,) = fig.axes
    (image,) = ax.images
    assert image.get_array().shape == (40, 40, 3)
    assert any(isinstance(c, ContourSet) for c in ax.collections)
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert [p.get_label() for p in points] == ["a", "b", "c"]
    assert [len(p.get_offsets()) for p in points] == [30, 30, 30]
    assert "accuracy" in ax.get_title()


def test_decision_boundary_binary_sigmoid_and_given_axes(new_ax):
    X, y = datasets.moons(60, seed=0)
    net = MLP([2, 4, 1], output="sigmoid", seed=0)
    assert plot.decision_boundary(net, X, y, resolution=20, ax=new_ax) is new_ax.figure
    assert len(new_ax.images) == 1
    points = [c for c in new_ax.collections if isinstance(c, PathCollection)]
    assert sum(len(p.get_offsets()) for p in points) == 60


def test_decision_boundary_regions_follow_predict():
    X, y = datasets.moons(50, seed=1)
    net = MLP([2, 5, 2], output="softmax", seed=1)
    ax = plot.decision_boundary(net, X, y, resolution=10).axes[0]
    x0, x1, y0, y1 = ax.images[0].get_extent()
    xs, ys = np.linspace(x0, x1, 10), np.linspace(y0, y1, 10)
    grid = np.column_stack([np.tile(xs, 10), np.repeat(ys, 10)])
    predicted = net.predict(grid).reshape(10, 10)
    image = ax.images[0].get_array()
    # Class 0 is tinted blue, class 1 orange: blue's blue channel beats its red one.
    is_blue = image[..., 2] > image[..., 0]
    np.testing.assert_array_equal(is_blue, predicted == 0)


@pytest.mark.parametrize(
    ("net", "X", "y", "match"),
    [
        (MLP([2, 3, 1], seed=0), np.zeros((4, 2)), np.zeros(4), "regressor.*neuron_heatmaps"),
        (MLP([3, 3, 1], seed=0), np.zeros((4, 3)), np.zeros(4), "regressor.*scatter"),
        (MLP([3, 3, 2], output="softmax", seed=0), np.zeros((4, 3)), [0, 1, 0, 1], "has 3"),
        (MLP([2, 3, 2], output="sigmoid", seed=0), np.zeros((4, 2)), [0, 1, 0, 1], "independ"),
        (MLP([2, 3, 2], output="softmax", seed=0), np.zeros((4, 3)), [0, 1, 0, 1], r"\(4, 3\)"),
        (MLP([2, 3, 2], output="softmax", seed=0), np.zeros((4, 2)), [0, 1, 0], "`y`"),
        (MLP([2, 3, 2], output="softmax", seed=0), np.zeros((4, 2)), [0, 1, 0, 7], "know"),
    ],
)
def test_decision_boundary_bad_input(net, X, y, match):
    with pytest.raises(ValueError, match=match):
        plot.decision_boundary(net, X, y)


def test_decision_boundary_refuses_a_diverged_network():
    # All-NaN probabilities would argmax to class 0: one region, and an accuracy in the title.
    X, y = datasets.moons(40, seed=0)
    net = MLP([2, 4, 1], activation="tanh", output="sigmoid", seed=0)
    net.dense_layers[0].weights[:] = np.nan
    with pytest.raises(ValueError, match=r"outputs are not finite \(NaN or inf\)"):
        plot.decision_boundary(net, X, y, resolution=10)


def test_decision_boundary_bad_arguments():
    net = MLP([2, 3, 2], output="softmax", seed=0)
    with pytest.raises(TypeError, match="`net`"):
        plot.decision_boundary("net", np.zeros((2, 2)), [0, 1])
    with pytest.raises(ValueError, match="`resolution`"):
        plot.decision_boundary(net, np.zeros((2, 2)), [0, 1], resolution=1)


# --- neuron heatmaps ----------------------------------------------------------------------


def test_neuron_heatmaps_one_image_per_neuron():
    net = MLP([2, 4, 5, 3], output="softmax", seed=0)
    fig = plot.neuron_heatmaps(net, resolution=12)
    assert isinstance(fig, Figure)
    images = [image for ax in fig.axes for image in ax.images]
    assert len(images) == 4 + 5 + 3
    assert all(image.get_array().shape == (12, 12) for image in images)
    assert len(fig.subfigs) == 3
    assert "[-3, 3]" in fig.get_suptitle()


def test_neuron_heatmaps_match_layer_outputs():
    net = MLP([2, 3, 2], activation="tanh", output="softmax", seed=0)
    fig = plot.neuron_heatmaps(net, layer=1, extent=(-1, 1, -2, 2), resolution=5)
    images = [image for ax in fig.axes for image in ax.images]
    assert len(images) == 3
    xs, ys = np.linspace(-1, 1, 5), np.linspace(-2, 2, 5)
    _, a = net.layer_outputs(np.column_stack([np.tile(xs, 5), np.repeat(ys, 5)]))[0]
    np.testing.assert_allclose(images[2].get_array(), a[:, 2].reshape(5, 5))
    assert images[0].get_extent() == [-1.0, 1.0, -2.0, 2.0]
    assert images[0].get_clim() == (-1.0, 1.0)  # tanh's full range


def test_neuron_heatmaps_extent_from_X_and_output_layer():
    X, _ = datasets.moons(40, seed=0)
    net = MLP([2, 4, 2], output="softmax", seed=0, classes=["up", "down"])
    fig = plot.neuron_heatmaps(net, X, layer=-1, resolution=8)
    axes = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in axes] == ["up", "down"]
    x0, x1, y0, y1 = axes[0].images[0].get_extent()
    assert x0 < X[:, 0].min() and x1 > X[:, 0].max()
    assert y0 < X[:, 1].min() and y1 > X[:, 1].max()


@pytest.mark.parametrize(
    ("net", "kwargs", "error", "match"),
    [
        (MLP([3, 4, 1], seed=0), {}, ValueError, "2 inputs; this one has 3"),
        (MLP([2, 4, 1], seed=0), {"layer": 0}, ValueError, "`layer`.*from 1 to 2"),
        (MLP([2, 4, 1], seed=0), {"layer": 3}, ValueError, "`layer`"),
        (MLP([2, 4, 1], seed=0), {"layer": "1"}, TypeError, "`layer`"),
        (MLP([2, 4, 1], seed=0), {"extent": (1, 0, 0, 1)}, ValueError, "`extent`"),
        (MLP([2, 4, 1], seed=0), {"extent": (0, 1)}, ValueError, "`extent`"),
        (MLP([2, 4, 1], seed=0), {"X": np.zeros((3, 3))}, ValueError, "`X`"),
        (MLP([2, 4, 1], seed=0), {"resolution": 1.5}, TypeError, "`resolution`"),
    ],
)
def test_neuron_heatmaps_bad_input(net, kwargs, error, match):
    with pytest.raises(error, match=match):
        plot.neuron_heatmaps(net, **kwargs)


# --- network diagram ----------------------------------------------------------------------


def test_network_circles_and_edges():
    net = MLP([2, 4, 3], output="softmax", seed=0)
    fig = plot.network(net)
    (ax,) = fig.axes
    assert sum(isinstance(p, Circle) for p in ax.patches) == 2 + 4 + 3
    (edges,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(edges.get_segments()) == 2 * 4 + 4 * 3
    # Colours by sign: the first segment joins input 0 and hidden neuron 0.
    blue, vermillion = (
        matplotlib.colors.to_rgb(plot.OKABE_ITO[c]) for c in ("blue", "vermillion")
    )
    colour = tuple(edges.get_colors()[0][:3])
    assert colour == (blue if net.dense_layers[0].weights[0, 0] >= 0 else vermillion)
    widths = np.asarray(edges.get_linewidths())
    strongest = np.abs(np.concatenate([d.weights.ravel() for d in net.dense_layers])).argmax()
    assert widths[strongest] == widths.max()


def test_network_wide_layer_shows_sixteen_slots(new_ax):
    net = MLP([2, 50, 1], seed=0)
    assert plot.network(net, ax=new_ax) is new_ax.figure
    assert sum(isinstance(p, Circle) for p in new_ax.patches) == 2 + 15 + 1
    assert [t.get_text() for t in new_ax.texts if t.get_gid() == "ellipsis"] == ["⋮"]
    (edges,) = [c for c in new_ax.collections if isinstance(c, LineCollection)]
    assert len(edges.get_segments()) == 2 * 15 + 15 * 1
    assert any("50 (15 shown)" in t.get_text() for t in new_ax.texts)


def test_network_bad_input():
    with pytest.raises(TypeError, match="`net`"):
        plot.network([2, 3, 1])


# --- diagnostics and PReLU slopes ---------------------------------------------------------


def test_diagnostics_one_panel_per_metric_one_line_per_layer():
    fig = plot.diagnostics(layer_history())
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["Dead neurons", "Gradient norm (log scale)"]
    assert [len(ax.get_lines()) for ax in fig.axes] == [2, 2]
    assert fig.axes[1].get_yscale() == "log"
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["layer 1", "layer 2"]
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), [0.0, 0.1, 0.2, 0.3])


def test_diagnostics_chosen_metrics_into_given_axes(new_ax):
    fig = plot.diagnostics(layer_history(), metrics="z_mean", ax=new_ax)
    assert fig is new_ax.figure
    assert new_ax.get_title() == "Mean of z"


@pytest.mark.parametrize(
    ("history", "kwargs", "match"),
    [
        ({"loss": [1.0]}, {}, r"callbacks=\[neuronet.Monitor\(X\)\]"),
        ({"layer1/z_mean": [0.1]}, {}, "none of the default.*z_mean"),
        (layer_history(), {"metrics": ["dead", "saturated"]}, "'saturated'"),
        (layer_history(), {"metrics": ["dead", "grad_norm"], "ax": Figure().subplots()}, "`ax`"),
    ],
)
def test_diagnostics_bad_input(history, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot.diagnostics(history, **kwargs)


def test_prelu_slopes_lines_per_layer(new_ax):
    h = layer_history()
    h.record({"layer2/prelu_slope": 0.3})
    fig = plot.prelu_slopes(h)
    lines = [line for line in fig.axes[0].get_lines() if line.get_gid() != "relu"]
    assert [line.get_label() for line in lines] == ["layer 1", "layer 2"]
    np.testing.assert_allclose(lines[0].get_ydata(), [0.25, 0.24, 0.23, 0.22])
    assert plot.prelu_slopes(h, ax=new_ax) is new_ax.figure


def test_prelu_slopes_need_records():
    with pytest.raises(ValueError, match=r"activation='prelu'.*Monitor"):
        plot.prelu_slopes({"loss": [1.0], "layer1/dead": [0.0]})


# --- every kind of figure, saved ----------------------------------------------------------


def test_every_figure_saves_as_png(tmp_path, spiral_net):
    net, X, names, h = spiral_net
    figures = {
        "activations": plot.activations(activations.names()),
        "history": plot.history(h),
        "decision_boundary": plot.decision_boundary(net, X, names),
        "neuron_heatmaps": plot.neuron_heatmaps(net, X),
        "network": plot.network(MLP([2, 32, 16, 3], output="softmax", seed=0)),
        "diagnostics": plot.diagnostics(layer_history(8)),
        "prelu_slopes": plot.prelu_slopes(layer_history(8)),
    }
    for name, fig in figures.items():
        path = tmp_path / f"{name}.png"
        fig.savefig(path, dpi=60)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert neuronet.plot is plot


def test_diagnostics_join_the_epochs_a_sparse_monitor_measured():
    from neuronet import History

    h = History()
    for epoch in range(6):
        value = 0.1 * epoch if epoch % 3 == 0 else float("nan")
        h.record({"loss": 1.0, "layer1/dead": value})
    fig = plot.diagnostics(h, metrics=["dead"])
    (line,) = fig.axes[0].get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [1, 4])
    np.testing.assert_allclose(line.get_ydata(), [0.0, 0.3])
