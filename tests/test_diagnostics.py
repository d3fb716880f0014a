"""Tests of neuronet.diagnostics: each diagnostic on a network built to show it.

References are computed here by hand with NumPy (z = XW + b, a = f(z), the derivative in closed
form) wherever the measure allows; the gradient norms are checked against the slices of the flat
gradient that ``loss_and_gradient`` returns.
"""

import json
import math
import sys
import warnings
from io import StringIO

import numpy as np
import pytest

from conftest import require
from neuronet import MLP, History
from neuronet.diagnostics import (
    SATURATION_DERIVATIVE,
    SATURATION_SHARE,
    THRESHOLDS,
    DiagnosticWarning,
    LayerDiagnosis,
    Monitor,
    diagnose,
)


def _binary(rng: np.random.Generator, n: int = 300, d: int = 4) -> tuple[np.ndarray, np.ndarray]:
    X = rng.normal(size=(n, d))
    return X, (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)


def _dead_net() -> MLP:
    """relu 4 → 8 → 8 → 1 whose second layer is pushed below 0 for every input: 100 % dead."""
    net = MLP([4, 8, 8, 1], activation="relu", output="sigmoid", seed=0)
    net.dense_layers[1].bias[:] = -100.0
    return net


# --- dead units ---------------------------------------------------------------------------------


def test_dead_fraction_and_statistics_match_a_hand_computation(rng):
    X = rng.normal(size=(50, 3))
    net = MLP([3, 4, 2], activation="relu", output="softmax", dtype="float64", seed=0)
    layer = net.dense_layers[0]
    layer.bias[[0, 2]] = -100.0  # units 0 and 2 dead; 1 and 3 alive (X is standard normal)
    z = X @ layer.weights + layer.bias
    a = np.maximum(z, 0.0)
    expected_dead = np.mean(np.all(a == 0.0, axis=0))

    d = diagnose(net, X).layers[0]

    assert expected_dead == 0.5
    assert d.dead == expected_dead
    assert (d.layer, d.width, d.activation) == (1, 4, "relu")
    np.testing.assert_allclose([d.z_mean, d.z_std], [z.mean(), z.std()], rtol=1e-12)
    np.testing.assert_allclose([d.a_mean, d.a_std], [a.mean(), a.std()], rtol=1e-12)
    assert d.saturated is None  # relu's flat side counts as dead, not saturated
    assert d.grad_norm is None  # no y


def test_a_dead_layer_is_reported_by_number_with_a_remedy(rng):
    X, y = _binary(rng)
    d = diagnose(_dead_net(), X, y)
    assert [layer.dead for layer in d.layers[:2]] == [0.0, 1.0]
    dead = [text for text in d.warnings if "dead" in text]
    assert len(dead) == 1
    assert dead[0].startswith("layer 2: 100 % of relu units are dead")
    assert "leaky_relu" in dead[0] and "prelu" in dead[0]
    assert not d.ok


def test_which_activations_can_die_or_saturate(rng):
    X = rng.normal(size=(40, 3))
    acts = ["tanh", "leaky_relu", "elu"]
    net = MLP([3, 5, 5, 5, 2], activation=acts, output="softmax", seed=0)
    tanh, leaky, elu, softmax = diagnose(net, X).layers
    assert tanh.dead is None and tanh.saturated is not None
    assert leaky.dead is None and leaky.saturated is None  # slope 0.01 > 0: cannot die
    assert elu.dead is None and elu.saturated is not None
    assert softmax.dead is None and softmax.saturated is None  # not element-wise

    from neuronet.activations import LeakyReLU

    flat = MLP([3, 5, 1], activation=LeakyReLU(negative_slope=0.0), seed=0)
    flat.dense_layers[0].bias[:] = -100.0
    assert diagnose(flat, X).layers[0].dead == 1.0


# --- saturation ---------------------------------------------------------------------------------


def test_huge_weights_saturate_a_sigmoid_layer(rng):
    X, y = _binary(rng)
    net = MLP([4, 6, 1], activation="sigmoid", output="sigmoid", dtype="float64", seed=0)
    layer = net.dense_layers[0]
    layer.weights[...] *= 100.0
    z = X @ layer.weights + layer.bias
    s = 1.0 / (1.0 + np.exp(-z))
    flat = np.abs(s * (1.0 - s)) < SATURATION_DERIVATIVE
    expected = np.mean(np.mean(flat, axis=0) > SATURATION_SHARE)

    d = diagnose(net, X, y)

    assert expected > 0.8
    assert d.layers[0].saturated == expected
    finding = [text for text in d.warnings if text.startswith("layer 1:")]
    assert len(finding) == 1 and "saturated" in finding[0]
    assert "norm='batch'" in finding[0] and "standardise" in finding[0]


def test_a_saturated_output_with_its_canonical_loss_is_not_a_finding(rng):
    # Sigmoid with binary cross-entropy: the fused gradient a - y never passes through f'.
    X, y = _binary(rng)
    net = MLP([4, 6, 1], activation="tanh", output="sigmoid", seed=0)
    net.dense_layers[1].weights[...] = 1e3
    d = diagnose(net, X, y)
    assert d.layers[1].saturated == 1.0
    assert not any(text.startswith("layer 2:") for text in d.warnings)


# --- gradient flow ------------------------------------------------------------------------------


def test_a_deep_sigmoid_network_reports_a_vanishing_gradient(rng):
    X = rng.normal(size=(400, 8))
    y = (X[:, 0] > 0).astype(int)
    net = MLP([8, 16, 16, 16, 16, 16, 16, 1], activation="sigmoid", output="sigmoid", seed=0)
    d = diagnose(net, X, y)

    _, flat = net.loss_and_gradient(X, y)
    first = np.linalg.norm(flat[: 8 * 16])
    last_start = net.n_parameters - (16 * 1 + 1)
    last = np.linalg.norm(flat[last_start : last_start + 16])
    assert d.layers[0].grad_norm == pytest.approx(first, rel=1e-6)
    assert d.layers[-1].grad_norm == pytest.approx(last, rel=1e-6)
    assert d.gradient_ratio == pytest.approx(first / last, rel=1e-6)
    assert d.gradient_ratio < THRESHOLDS["vanishing"]
    [finding] = [text for text in d.warnings if "vanishes" in text]
    assert finding.startswith("6 sigmoid hidden layers: the gradient at layer 1 is ")
    assert "of layer 7's" in finding and "relu" in finding and "norm='batch'" in finding


def test_thresholds_can_be_changed_or_turned_off(rng):
    X, y = _binary(rng)
    net = MLP([4, 8, 8, 1], activation="tanh", output="sigmoid", seed=0)
    exploding = diagnose(net, X, y, thresholds={"exploding": 1e-3})
    assert any(
        "explodes" in text and "lower the learning rate" in text for text in exploding.warnings
    )
    quiet = diagnose(_dead_net(), X, y, thresholds={"dead": None, "vanishing": None})
    assert quiet.ok
    with pytest.raises(ValueError, match="`thresholds` has an unknown key 'deadish'"):
        diagnose(net, X, thresholds={"deadish": 0.5})
    with pytest.raises(ValueError, match=r"`thresholds\['dead'\]`"):
        diagnose(net, X, thresholds={"dead": -1})


# --- inputs -------------------------------------------------------------------------------------


def test_a_wide_feature_asks_for_standardised_inputs(rng):
    X = rng.normal(size=(300, 4))
    X[:, 2] *= 500.0
    d = diagnose(MLP([4, 8, 1], activation="tanh", seed=0), X)
    finding = d.warnings[0]
    assert finding.startswith(f"feature X[:, 2] has standard deviation {X[:, 2].std():.3g}")
    assert "standardise the inputs" in finding


def test_an_offset_feature_asks_for_centred_inputs(rng):
    X = rng.normal(size=(300, 4))
    X[:, 1] += 1000.0
    d = diagnose(MLP([4, 8, 1], activation="tanh", seed=0), X)
    assert any(text.startswith("feature X[:, 1] is far from 0") for text in d.warnings)


def test_a_healthy_small_tanh_network_has_no_warnings(rng):
    X, y = _binary(rng)
    net = MLP([4, 8, 8, 1], activation="tanh", output="sigmoid", seed=0)
    net.fit(X, y, epochs=5, lr=0.01, verbose=0)
    d = diagnose(net, X, y)
    assert d.ok, d.warnings
    assert all(layer.saturated == 0.0 for layer in d.layers[:2])
    assert 1e-3 < d.gradient_ratio < 1e3


# --- PReLU --------------------------------------------------------------------------------------


def test_prelu_slopes_are_reported(rng):
    from neuronet.activations import PReLU

    X = rng.normal(size=(60, 3))
    net = MLP([3, 4, 4, 1], activation=PReLU(per_neuron=True), seed=0)
    net.dense_layers[0].activation_parameters[:] = [0.1, 0.2, 0.3, 0.4]
    layers = diagnose(net, X).layers
    np.testing.assert_allclose(layers[0].prelu_slopes, [0.1, 0.2, 0.3, 0.4], rtol=1e-6)
    assert layers[0].prelu_slope == pytest.approx(0.25)
    assert layers[1].prelu_slopes == pytest.approx((0.25,) * 4)
    assert layers[2].prelu_slopes is None and layers[2].prelu_slope is None
    assert layers[0].dead == 0.0  # slopes above 0: nothing is exactly 0


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("X", "y", "match"),
    [
        (np.zeros((5, 3)), None, "`X` has 3 features"),
        (np.zeros((5, 2, 1)), None, "`X` must be 2-D"),
        (np.array([[0.0, math.nan]]), None, "`X` contains NaN"),
        (np.zeros((5, 2)), np.zeros(4), "`X` and `y` must have the same number"),
        (np.zeros((2, 2)), np.array([0.0, math.nan]), "`y`"),
    ],
)
def test_bad_inputs_raise_a_value_error_naming_the_argument(X, y, match):
    net = MLP([2, 3, 1], activation="tanh", seed=0)
    with pytest.raises(ValueError, match=match):
        diagnose(net, X, y)


def test_bad_options_are_named(rng):
    net = MLP([2, 3, 1], activation="tanh", seed=0)
    with pytest.raises(ValueError, match="`max_samples`"):
        diagnose(net, np.zeros((3, 2)), max_samples=0)
    with pytest.raises(ValueError, match="`every`"):
        Monitor(np.zeros((3, 2)), every=0)
    for seed, error in (("a", TypeError), (-1, ValueError), (1.5, TypeError)):
        with pytest.raises(error, match="`seed` must be an integer >= 0"):
            diagnose(net, np.zeros((10, 2)), max_samples=5, seed=seed)
        with pytest.raises(error, match="`seed` must be an integer >= 0"):
            Monitor(np.zeros((3, 2)), seed=seed)
    with pytest.raises(TypeError, match=r"`net` must be a neuronet\.MLP, got NoneType"):
        diagnose(None, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="`X` has 5 features"):
        net.fit(
            rng.normal(size=(10, 2)),
            np.zeros(10),
            epochs=1,
            verbose=0,
            callbacks=[Monitor(np.zeros((3, 5)))],
        )


def test_subsampling_is_seeded_and_bounded(rng):
    X, y = _binary(rng, n=500)
    net = MLP([4, 8, 1], activation="relu", output="sigmoid", seed=0)
    a = diagnose(net, X, y, max_samples=100)
    b = diagnose(net, X, y, max_samples=100)
    assert a.n_samples == 100
    assert a == b
    assert diagnose(net, X, y, max_samples=100, seed=1) != a


# --- renderings ---------------------------------------------------------------------------------


def test_to_dict_is_strict_json(rng):
    X, y = _binary(rng)
    d = diagnose(_dead_net(), X, y)
    data = json.loads(json.dumps(d.to_dict(), allow_nan=False))
    assert [row["layer"] for row in data["layers"]] == [1, 2, 3]
    assert data["layers"][1]["dead"] == 1.0
    assert data["layers"][2]["dead"] is None  # sigmoid output
    assert data["warnings"] == d.warnings
    # Layer 2 is dead, so layers 1 and 3 both get no gradient: the ratio 0/0 is undefined.
    assert data["layers"][2]["grad_norm"] == 0.0
    assert data["gradient_ratio"] is None
    assert math.isnan(d.gradient_ratio)


def test_rich_rendering_has_the_layer_rows_and_the_warnings(rng):
    from rich.console import Console

    X, y = _binary(rng)
    d = diagnose(_dead_net(), X, y)
    out = StringIO()
    Console(file=out, width=100, color_system=None).print(d)
    text = out.getvalue()
    rows = [line for line in text.splitlines() if "relu" in line or "sigmoid" in line]
    assert len(rows) >= 3
    assert "100 %" in text and "layer 2" in text and "dead" in text


def test_html_and_text_renderings(rng):
    X, y = _binary(rng)
    d = diagnose(_dead_net(), X, y)
    page = d._repr_html_()
    assert "<table>" in page and page.count("<tr>") == 1 + len(d.layers)
    assert "<li>layer 2: 100 %" in page
    text = str(d)
    assert text.splitlines()[0] == "Diagnosis of MLP 4 → 8 → 8 → 1 on 300 samples"
    assert "  - layer 2: 100 % of relu units are dead" in text
    assert "no warnings" in str(diagnose(MLP([4, 3, 1], activation="tanh", seed=0), X))


def test_to_frame_has_one_row_per_layer(rng):
    require("pandas")
    X, y = _binary(rng)
    frame = diagnose(_dead_net(), X, y).to_frame()
    assert list(frame.index) == [1, 2, 3]
    assert frame.loc[2, "dead"] == 1.0
    assert {"activation", "grad_norm", "z_std", "prelu_slope"} <= set(frame.columns)


def test_to_frame_without_pandas_says_what_to_install(rng, monkeypatch):
    d = diagnose(MLP([4, 3, 1], activation="tanh", seed=0), rng.normal(size=(5, 4)))
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        d.to_frame()


# --- the Monitor --------------------------------------------------------------------------------


def test_monitor_records_every_metric_once_per_epoch(rng):
    from neuronet.activations import PReLU

    X, y = _binary(rng)
    net = MLP([4, 6, 6, 1], activation=["relu", PReLU()], output="sigmoid", seed=0)
    history = net.fit(X, y, epochs=5, verbose=0, callbacks=[Monitor(X, y)])
    keys = {key for key in history.history if "/" in key}
    expected = {
        *(f"layer1/{m}" for m in ("dead", "grad_norm", "z_mean", "z_std", "a_mean", "a_std")),
        *(f"layer2/{m}" for m in ("dead", "grad_norm", "z_mean", "z_std", "a_mean", "a_std")),
        "layer2/prelu_slope",
        *(f"layer3/{m}" for m in ("saturated", "grad_norm", "z_mean", "z_std", "a_mean", "a_std")),
    }
    assert keys == expected
    for key in keys:
        assert len(history[key]) == len(history["loss"]) == 5
        assert all(math.isfinite(v) for v in history[key])
    # The last record is the trained network's: the same as diagnosing it on the same sample.
    last = diagnose(net, X, y, max_samples=256)
    assert history["layer2/z_std"][-1] == last.layers[1].z_std
    assert history["layer3/grad_norm"][-1] == last.layers[2].grad_norm


def test_monitor_every_n_epochs_leaves_nan_between(rng):
    X, y = _binary(rng)
    net = MLP([4, 6, 1], activation="tanh", output="sigmoid", seed=0)
    monitor = Monitor(X, every=3)
    history = net.fit(X, y, epochs=7, verbose=0, callbacks=[monitor])
    measured = [not math.isnan(v) for v in history["layer1/z_std"]]
    assert measured == [True, False, False, True, False, False, True]
    assert "layer1/grad_norm" not in history  # no y given to the Monitor


def test_monitor_warns_once_per_finding(rng):
    X, y = _binary(rng)
    net = _dead_net()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net.fit(X, y, epochs=4, verbose=0, callbacks=[Monitor(X, y)])
    messages = [str(w.message) for w in caught if issubclass(w.category, DiagnosticWarning)]
    dead = [m for m in messages if "layer 2" in m and "dead" in m]
    assert len(dead) == 1
    assert dead[0].startswith("epoch 1: layer 2: 100 % of relu units are dead")
    assert len(messages) == len(set(messages))
    assert all(w.filename == __file__ for w in caught)  # attributed to the user's line


@pytest.mark.parametrize("options", [{}, {"dropout": 0.2}, {"norm": "batch"}])
def test_training_with_a_monitor_gives_bit_identical_weights(rng, options):
    X, y = _binary(rng, n=200)
    nets = [
        MLP([4, 16, 8, 1], activation="relu", output="sigmoid", seed=3, **options)
        for _ in range(2)
    ]
    histories = [
        net.fit(X, y, epochs=3, batch_size=32, verbose=0, validation_split=0.2, callbacks=cbs)
        for net, cbs in zip(nets, ([], [Monitor(X, y, max_samples=50)]), strict=True)
    ]
    np.testing.assert_array_equal(nets[0].parameters, nets[1].parameters)
    assert histories[0]["loss"] == histories[1]["loss"]
    assert "layer1/grad_norm" in histories[1] and "layer1/grad_norm" not in histories[0]


def test_monitor_used_outside_fit(rng):
    X = rng.normal(size=(20, 4))
    net = MLP([4, 3, 1], activation="tanh", seed=0)
    monitor = Monitor(X)
    with pytest.raises(RuntimeError, match="on_train_begin"):
        monitor.on_epoch_end(0, {})
    monitor.on_train_begin(net)
    monitor.on_epoch_end(0, {})
    history = History()
    history.record({"loss": 1.0})
    history.record({"loss": 0.5})
    monitor.on_train_end(net, history)
    assert len(history["layer1/z_std"]) == 2 and math.isnan(history["layer1/z_std"][1])


def test_layer_metrics_use_the_history_names():
    d = LayerDiagnosis(1, 3, "prelu", 0.0, None, 0.1, 1.0, 0.2, 0.9, 0.5, (0.2, 0.4))
    assert d.metrics() == pytest.approx(
        {
            "dead": 0.0,
            "grad_norm": 0.5,
            "z_mean": 0.1,
            "z_std": 1.0,
            "a_mean": 0.2,
            "a_std": 0.9,
            "prelu_slope": 0.3,
        }
    )


def test_diagnose_a_classifier_with_named_classes(rng):
    # Labels mapped through `classes` once by prepare must not be mapped a second time.
    X = rng.normal(size=(60, 2)).astype(np.float32)
    y = np.where(X[:, 0] > 0, "yes", "no")
    named = MLP([2, 4, 2], activation="tanh", output="softmax", seed=0, classes=["no", "yes"])
    plain = MLP([2, 4, 2], activation="tanh", output="softmax", seed=0)
    report = diagnose(named, X, y)
    reference = diagnose(plain, X, (y == "yes").astype(np.int64))
    assert report.gradient_ratio == reference.gradient_ratio
    assert [layer.grad_norm for layer in report.layers] == [
        layer.grad_norm for layer in reference.layers
    ]


def test_the_dead_and_saturated_units_are_named(rng):
    X = rng.normal(size=(200, 3)).astype(np.float32)
    relu = MLP([3, 5, 2], activation="relu", output="softmax", seed=0)
    relu.dense_layers[0].bias[[1, 3]] = -100.0  # never above the kink on these inputs
    layer = diagnose(relu, X).layers[0]
    assert layer.dead_units == (1, 3) and layer.dead == 0.4 and layer.saturated_units is None
    sigmoid = MLP([3, 4, 2], activation="sigmoid", output="softmax", seed=0)
    sigmoid.dense_layers[0].bias[2] = 50.0  # f'(z) ~ e^-50 on every sample
    report = diagnose(sigmoid, X)
    assert report.layers[0].saturated_units == (2,) and report.layers[0].dead_units is None
    assert report.to_dict()["layers"][0]["saturated_units"] == [2]
