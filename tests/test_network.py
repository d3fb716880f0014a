import warnings

import numpy as np
import pytest

from neuronet import MLP, activations, losses
from numerics import central_differences

# --- the whole-network gradient check, on the flat parameter vector -------------------------


def assert_gradient_matches(net, X, y, l2=0.0):
    _, analytic = net.loss_and_gradient(X, y, l2=l2)
    numeric = central_differences(lambda: net.compute_loss(X, y, l2=l2), net.parameters)
    scale = np.maximum(np.abs(analytic), np.abs(numeric))
    # Relative error per entry, with an absolute floor for entries that are ~0.
    error = np.abs(analytic - numeric) / np.maximum(scale, 1e-4)
    assert error.max() < 1e-5, f"max relative error {error.max():.2e} at {error.argmax()}"


def make_targets(loss_name, rng, n, k):
    if loss_name == "categorical_cross_entropy":
        return rng.integers(0, k, n)
    if loss_name == "binary_cross_entropy":
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.normal(size=(n, k))


@pytest.mark.parametrize("activation", activations.names())
@pytest.mark.parametrize(
    ("output", "loss"),
    [
        ("identity", "mse"),
        ("sigmoid", "binary_cross_entropy"),
        ("softmax", "categorical_cross_entropy"),
    ],
)
def test_gradient_every_activation_every_canonical_pair(activation, output, loss, rng):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # softmax as a hidden layer warns
        net = MLP(
            [3, 5, 4, 3], activation=activation, output=output, loss=loss, dtype="float64", seed=1
        )
    if activation == "prelu":
        # Move the slopes off their initial value so their gradient is checked in general.
        net.layers[0].activation_parameters[...] = -0.3
    X = rng.normal(size=(7, 3))
    assert_gradient_matches(net, X, make_targets(loss, rng, 7, 3))


@pytest.mark.parametrize(
    ("sizes", "activation", "output", "loss"),
    [
        ([2, 1], "relu", "identity", "mse"),  # no hidden layer: linear regression
        ([4, 6, 1], "tanh", "sigmoid", "binary_cross_entropy"),
        ([3, 8, 8, 8, 2], ["elu", "gelu", "mish"], "softmax", "categorical_cross_entropy"),
        ([3, 4, 2], "softsign", "identity", "huber"),
        ([3, 4, 2], "silu", "identity", "mae"),
        ([3, 4, 2], "sigmoid", "tanh", "mse"),
        ([3, 4, 3], "tanh", "softmax", "mse"),  # mismatched pairs use the chain rule
        ([3, 4, 3], "tanh", "sigmoid", "categorical_cross_entropy"),
        ([3, 4, 2], "leaky_relu", "sigmoid", "mse"),
    ],
)
def test_gradient_several_architectures_and_pairs(sizes, activation, output, loss, rng):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", losses.PairingWarning)
        net = MLP(sizes, activation=activation, output=output, loss=loss, dtype="float64", seed=2)
    X = rng.normal(size=(6, sizes[0]))
    y = make_targets(net.loss.name, rng, 6, sizes[-1])
    assert_gradient_matches(net, X, y)


def test_gradient_with_per_neuron_prelu_and_l2(rng):
    net = MLP(
        [3, 5, 4, 2],
        activation=activations.get("prelu", per_neuron=True),
        output="softmax",
        dtype="float64",
        seed=3,
    )
    net.parameters[~net.weight_mask] = rng.normal(size=(~net.weight_mask).sum())
    X = rng.normal(size=(8, 3))
    assert_gradient_matches(net, X, rng.integers(0, 2, 8), l2=0.1)


def test_gradient_with_one_hot_targets(rng):
    net = MLP([3, 4, 3], activation="tanh", output="softmax", dtype="float64", seed=0)
    X = rng.normal(size=(5, 3))
    assert_gradient_matches(net, X, np.eye(3)[rng.integers(0, 3, 5)])


def test_dropout_gradient_matches_finite_differences_with_the_same_masks(rng):
    net = MLP([3, 6, 5, 2], activation="tanh", output="softmax", dtype="float64", dropout=0.5)
    X, y = net.prepare(rng.normal(size=(6, 3)), rng.integers(0, 2, 6))

    def loss_with_fixed_masks():
        net.rng = np.random.default_rng(7)  # the same masks every time
        return net.train_step(X, y)[0]

    loss_with_fixed_masks()
    analytic = net.gradients.copy()
    numeric = central_differences(loss_with_fixed_masks, net.parameters)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)
    # Dropout really dropped something: the gradient differs from the one without it.
    plain = MLP([3, 6, 5, 2], activation="tanh", output="softmax", dtype="float64")
    plain.parameters[...] = net.parameters
    _, without = plain.loss_and_gradient(X, y)
    assert not np.allclose(without, analytic)


# --- a hand-worked SGD step -------------------------------------------------------------------


def test_one_sgd_step_by_hand():
    # A 2-2-1 network: ReLU hidden layer, identity output, loss ½(a − y)².
    net = MLP([2, 2, 1], activation="relu", output="identity", dtype="float64")
    hidden, out = net.layers
    hidden.weights[...] = [[0.1, 0.2], [0.3, -0.4]]
    hidden.bias[...] = [0.0, 0.1]
    out.weights[...] = [[0.5], [-0.6]]
    out.bias[...] = [0.2]
    x, y = np.array([[1.0, 2.0]]), np.array([1.0])
    # Forward: z1 = x·W1 + b1 = [1·0.1 + 2·0.3 + 0, 1·0.2 + 2·(−0.4) + 0.1] = [0.7, −0.5]
    #          a1 = relu(z1) = [0.7, 0]
    #          z2 = 0.7·0.5 + 0·(−0.6) + 0.2 = 0.55 = a2;  L = ½(0.55 − 1)² = 0.10125
    assert net.compute_loss(x, y) == pytest.approx(0.10125)
    # Backward: dL/dz2 = a2 − y = −0.45
    #   dW2 = a1ᵀ·dz2 = [0.7·(−0.45), 0] = [−0.315, 0];  db2 = −0.45
    #   dL/da1 = dz2·W2ᵀ = [−0.45·0.5, −0.45·(−0.6)] = [−0.225, 0.27]
    #   dL/dz1 = dL/da1 ⊙ relu'(z1) = [−0.225, 0]      (z1[1] < 0 blocks the gradient)
    #   dW1 = xᵀ·dz1 = [[1·(−0.225), 0], [2·(−0.225), 0]];  db1 = [−0.225, 0]
    # SGD with lr 0.1 subtracts 0.1 × each gradient:
    net.fit(x, y, epochs=1, batch_size=1, optimizer="sgd", lr=0.1, shuffle=False, verbose=0)
    np.testing.assert_allclose(hidden.weights, [[0.1225, 0.2], [0.345, -0.4]])
    np.testing.assert_allclose(hidden.bias, [0.0225, 0.1])
    np.testing.assert_allclose(out.weights, [[0.5315], [-0.6]])
    np.testing.assert_allclose(out.bias, [0.245])


# --- structure -------------------------------------------------------------------------------


def test_flat_buffer_backs_every_layer():
    net = MLP([4, 5, 3], activation="prelu", output="softmax", seed=0)
    assert net.parameters.flags.c_contiguous and net.parameters.ndim == 1
    # 4·5 + 5 + 1 slope, then 5·3 + 3.
    assert net.n_parameters == 4 * 5 + 5 + 1 + 5 * 3 + 3
    for layer in net.layers:
        assert np.shares_memory(layer.weights, net.parameters)
        assert np.shares_memory(layer.bias, net.parameters)
        assert np.shares_memory(layer.weight_grad, net.gradients)
    assert np.shares_memory(net.layers[0].activation_parameters, net.parameters)
    net.parameters[:] = 0.5
    assert (net.layers[1].weights == 0.5).all()
    assert net.layers[0].activation_parameters[0] == 0.5
    # The weight mask marks weights only: not biases, not the slope.
    assert net.weight_mask.sum() == 4 * 5 + 5 * 3


def test_defaults_pair_output_and_loss():
    assert MLP([2, 1]).loss.name == "mse"
    assert MLP([2, 1]).output_activation.name == "identity"
    assert MLP([2, 3], output="softmax").loss.name == "categorical_cross_entropy"
    assert MLP([2, 1], output="sigmoid").loss.name == "binary_cross_entropy"
    assert MLP([2, 3], loss="cce").output_activation.name == "softmax"
    assert MLP([2, 1], loss="bce").output_activation.name == "sigmoid"


def test_activation_per_hidden_layer_and_any_depth():
    net = MLP([2, 3, 3, 3, 3, 1], activation=["relu", "tanh", "elu", "gelu"], seed=0)
    assert [a.name for a in net.hidden_activations] == ["relu", "tanh", "elu", "gelu"]
    assert net.forward(np.zeros((2, 2))).shape == (2, 1)
    with pytest.raises(ValueError, match="one per hidden layer"):
        MLP([2, 3, 3, 1], activation=["relu"])


def test_one_prelu_instance_in_every_layer_and_two_networks_learns_separate_slopes(rng):
    # Bug: the slope lived on the activation object, so a PReLU shared by two networks (or
    # used as hidden and output activation) trained in one buffer only.
    prelu = activations.get("prelu")
    a = MLP([2, 3, 3, 1], activation=prelu, output=prelu, loss="mse", seed=0, dtype="float64")
    b = MLP([2, 3, 1], activation=prelu, seed=1, dtype="float64")
    slopes = [layer.activation_parameters for layer in a.dense_layers]
    assert all(s.shape == (1,) for s in slopes)
    assert not any(np.shares_memory(s, t) for s in slopes for t in slopes if s is not t)
    X, y = rng.normal(size=(8, 2)), rng.normal(size=8)
    a.fit(X, y, epochs=5, batch_size=4, lr=0.05, verbose=0)
    assert all(abs(float(s[0]) - 0.25) > 1e-4 for s in slopes)  # each slope learned
    assert b.dense_layers[0].activation_parameters[0] == 0.25  # b untouched by a's training
    # The hidden and output slopes each get their own gradient term.
    a.dense_layers[0].activation_parameters[...] = -0.3
    a.dense_layers[2].activation_parameters[...] = 0.4
    assert_gradient_matches(a, X, y)


def test_softmax_hidden_layer_warns():
    with pytest.warns(UserWarning, match="meant for the output layer"):
        MLP([2, 3, 2], activation="softmax", output="softmax")


def test_mismatched_pair_warns_at_construction():
    with pytest.warns(losses.PairingWarning, match="categorical_cross_entropy"):
        MLP([2, 3], output="softmax", loss="mse")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dtype_is_preserved(dtype, rng):
    net = MLP([3, 4, 2], output="softmax", dtype=dtype, seed=0)
    assert net.parameters.dtype == dtype
    assert net.forward(rng.normal(size=(5, 3))).dtype == dtype
    _, grad = net.loss_and_gradient(rng.normal(size=(5, 3)), [0, 1, 1, 0, 1])
    assert grad.dtype == dtype


def test_float32_is_the_default():
    assert MLP([2, 1]).parameters.dtype == np.float32


def test_same_seed_same_weights_different_seed_different():
    a, b, c = MLP([3, 8, 2], seed=5), MLP([3, 8, 2], seed=5), MLP([3, 8, 2], seed=6)
    assert np.array_equal(a.parameters, b.parameters)
    assert not np.array_equal(a.parameters, c.parameters)


def test_auto_init_follows_the_activation():
    net = MLP([200, 300, 300, 1], activation=["relu", "selu"], seed=0)
    relu_layer, selu_layer, out_layer = net.layers
    assert relu_layer.init == "he_uniform" and selu_layer.init == "lecun_normal"
    assert out_layer.init == "glorot_uniform"
    assert relu_layer.weights.var() == pytest.approx(2 / 200, rel=0.05)
    assert selu_layer.weights.var() == pytest.approx(1 / 300, rel=0.05)
    assert relu_layer.bias.tolist() == [0.0] * 300


# --- prediction -------------------------------------------------------------------------------


def test_predict_and_predict_proba(rng):
    X = rng.normal(size=(6, 2))
    softmax = MLP([2, 4, 3], output="softmax", seed=0)
    proba = softmax.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert np.array_equal(softmax.predict(X), proba.argmax(axis=1))

    binary = MLP([2, 4, 1], output="sigmoid", seed=0)
    p = binary.predict_proba(X)
    assert p.shape == (6, 2)
    np.testing.assert_allclose(p[:, 1], binary.forward(X)[:, 0])
    assert np.array_equal(binary.predict(X), (p[:, 1] >= 0.5).astype(int))

    regression = MLP([2, 4, 1], seed=0)
    assert regression.predict(X).shape == (6,)
    with pytest.raises(TypeError, match="predict_proba needs a classifier"):
        regression.predict_proba(X)


def test_softmax_output_with_a_regression_loss_predicts_values_not_labels(rng):
    # Bug: predict returned labels for softmax + MSE, and `classes=` failed printing "(None)".
    with pytest.warns(losses.PairingWarning):
        net = MLP([2, 4, 3], output="softmax", loss="mse", seed=0)
    X = rng.normal(size=(5, 2))
    assert not net.is_classifier and net.n_classes is None
    np.testing.assert_array_equal(net.predict(X), net.forward(X))
    with pytest.raises(TypeError, match="regression loss"):
        net.predict_proba(X)
    with (
        pytest.warns(losses.PairingWarning),
        pytest.raises(ValueError, match="'mse' is a regression loss") as error,
    ):
        MLP([2, 3], output="softmax", loss="mse", classes=["a", "b", "c"])
    assert "None" not in str(error.value)


def test_pairing_warning_points_at_the_callers_line():
    with pytest.warns(losses.PairingWarning) as record:
        MLP([2, 3], output="softmax", loss="mse")
    assert record[0].filename == __file__


def test_predict_returns_class_names():
    net = MLP([2, 3], output="softmax", seed=0, classes=["cat", "dog", "eel"])
    labels = net.predict(np.zeros((2, 2)))
    assert set(labels) <= {"cat", "dog", "eel"}
    with pytest.raises(ValueError, match="one label per class"):
        MLP([2, 3], output="softmax", classes=["a", "b"])


# --- seeing inside --------------------------------------------------------------------------


def test_trace_shows_each_neuron_equation():
    net = MLP([2, 2, 1], activation="relu", output="identity", dtype="float64")
    net.layers[0].weights[...] = [[0.1, 0.2], [0.3, -0.4]]
    net.layers[0].bias[...] = [0.0, 0.1]
    net.layers[1].weights[...] = [[0.5], [-0.6]]
    net.layers[1].bias[...] = [0.2]
    trace = net.trace([1.0, 2.0])
    np.testing.assert_allclose(trace.layers[0].z, [0.7, -0.5])
    np.testing.assert_allclose(trace.layers[0].a, [0.7, 0.0])
    np.testing.assert_allclose(trace.output, [0.55])
    text = str(trace)
    assert "neuron 1: z = 0.1·1 + 0.3·2 + 0 = 0.7;  a = relu(z) = 0.7" in text
    assert "neuron 2: z = 0.2·1 + (-0.4)·2 + 0.1 = -0.5" in text.replace("(-0.5)", "-0.5")
    assert "Layer 2: 2 → 1, activation identity" in text
    with pytest.raises(ValueError, match="one sample"):
        net.trace(np.zeros((3, 2)))


def test_trace_abbreviates_wide_inputs():
    net = MLP([10, 2], seed=0)
    assert "… (6 more)" in str(net.trace(np.ones(10)))


def test_summary_and_repr():
    net = MLP([3, 4, 2], activation="leaky_relu", output="softmax", seed=0)
    text = net.summary()
    assert "MLP 3 → 4 → 2" in text and "leaky_relu" in text and "26" in text
    assert repr(net) == (
        "MLP([3, 4, 2], activation=LeakyReLU(negative_slope=0.01), output=Softmax(), "
        "loss=CategoricalCrossEntropy())"
    )
    dropped = MLP([3, 4, 2], output="softmax", dropout=0.25)
    assert repr(dropped).endswith("dropout=0.25)")
    assert "dropout 0.25 (training only)" in dropped.summary()


# --- input checking --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (np.zeros(3), r"`X` must be 2-D.*got 1-D.*reshape\(1, -1\)"),
        (np.zeros((2, 4)), r"`X` has 4 features per sample but the network expects 3"),
        (np.array([[1.0, np.nan, 0.0]]), r"NaN or infinite values \(1 of 3 entries\)"),
        (np.array([["a", "b", "c"]]), "`X` must be numeric"),
        (np.zeros((0, 3)), "no samples"),
        (np.zeros((2, 3, 1)), "3-D"),
    ],
)
def test_bad_X_is_named(X, message):
    net = MLP([3, 2], output="softmax")
    with pytest.raises(ValueError, match=message):
        net.predict(X)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"sizes": [3]}, ValueError, "at least an input and an output"),
        ({"sizes": [3, 0, 1]}, ValueError, "positive integers"),
        ({"sizes": [3, 2.5, 1]}, TypeError, "positive integers"),
        ({"sizes": [3, 1], "dropout": 1.0}, ValueError, r"`dropout` must be a number in \[0, 1\)"),
        ({"sizes": [3, 1], "dropout": True}, TypeError, "`dropout`"),
        ({"sizes": 3}, TypeError, "list of layer widths"),
        ({"sizes": [3, 1], "dtype": "int32"}, ValueError, "`dtype`"),
        ({"sizes": [3, 1], "activation": "rleu"}, ValueError, "Did you mean 'relu'"),
        ({"sizes": [3, 1], "loss": "mse", "output": "bogus"}, ValueError, "Unknown activation"),
        ({"sizes": [3, 1], "init": "he"}, ValueError, "Unknown initialiser"),
    ],
)
def test_bad_constructor_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        MLP(**kwargs)


def test_y_must_match_X_in_length():
    net = MLP([2, 3], output="softmax")
    with pytest.raises(ValueError, match="same number of samples, got 3 and 2"):
        net.loss_and_gradient(np.zeros((3, 2)), [0, 1])


# --- the public training step ----------------------------------------------------------------


def test_train_step_and_evaluate_agree_and_take_prepared_arrays(rng):
    net = MLP([3, 5, 2], activation="tanh", output="softmax", seed=0)
    X, y = net.prepare(rng.normal(size=(10, 3)), rng.integers(0, 2, 10))
    loss, correct = net.train_step(X, y, l2=0.1)
    assert (loss, correct) == pytest.approx(net.evaluate(X, y, l2=0.1))
    assert correct == int((net.predict(X) == y).sum())
    with pytest.raises(ValueError, match=r"net.prepare\(X, y\)"):
        net.train_step(X.astype(np.float64), y)


def test_dropout_is_a_layer_of_the_network():
    net = MLP([2, 8, 8, 3], output="softmax", dropout=0.3, seed=0)
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert len(net.dense_layers) == 3 and net.get_config()["dropout"] == 0.3
    again = MLP.from_config(net.get_config())
    assert [type(layer).__name__ for layer in again.layers] == kinds


def test_import_neuronet_loads_only_what_every_session_needs():
    # Part of keeping `import neuronet` fast: these load on first use, not at import.
    import subprocess
    import sys

    code = (
        "import sys, neuronet; "
        "print(sorted(m for m in ('numpy.random', 'scipy', 'scipy.special', 'rich', 'json', "
        "'tempfile', 'difflib', 'neuronet.io', 'pandas') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_loss_and_gradient_leave_dropout_off_so_they_match_compute_loss(rng):
    net = MLP([3, 6, 2], activation="tanh", output="softmax", dtype="float64", dropout=0.5)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, 6)
    state = net.rng.bit_generator.state
    assert_gradient_matches(net, X, y)  # deterministic: no mask drawn
    assert net.rng.bit_generator.state == state


def test_layer_outputs_are_each_dense_layers_z_and_a(rng):
    net = MLP([3, 5, 4, 2], activation="tanh", output="softmax", dropout=0.3, seed=0)
    X = rng.normal(size=(7, 3)).astype(np.float32)
    outputs = net.layer_outputs(X)
    assert [a.shape for _, a in outputs] == [(7, 5), (7, 4), (7, 2)]
    np.testing.assert_allclose(outputs[0][1], np.tanh(outputs[0][0]))
    np.testing.assert_allclose(outputs[-1][1], net.forward(X), rtol=1e-6)


@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_copied_network_trains_its_own_layers(how, rng):
    import copy
    import pickle

    net = MLP([3, 5, 2], activation="prelu", output="softmax", norm="batch", seed=0)
    twin = pickle.loads(pickle.dumps(net)) if how == "pickle" else copy.deepcopy(net)
    for layer in twin.dense_layers:
        assert np.shares_memory(layer.weights, twin.parameters)
        assert np.shares_memory(layer.weight_grad, twin.gradients)
    assert not np.shares_memory(twin.parameters, net.parameters)
    X, y = rng.normal(size=(20, 3)), rng.integers(0, 2, 20)
    twin.fit(X, y, epochs=2, verbose=0)
    assert not np.array_equal(twin.parameters, net.parameters)
    np.testing.assert_array_equal(twin.forward(X), MLP.forward(twin, X))
    # What the layers compute is what the flat buffer holds.
    fresh = MLP.from_config(twin.get_config())
    fresh.parameters[...] = twin.parameters
    for a, b in zip(fresh.dense_layers, twin.dense_layers, strict=True):
        if b.norm is not None:
            a.norm.running_mean[...] = b.norm.running_mean
            a.norm.running_var[...] = b.norm.running_var
    np.testing.assert_allclose(fresh.forward(X), twin.forward(X), rtol=1e-6)


@pytest.mark.parametrize("activation", [np.tanh, lambda z: z])
def test_a_function_as_activation_is_refused_by_name(activation):
    with pytest.raises(TypeError, match=r"`activation` must be an activation's name \(one of"):
        MLP([2, 4, 1], activation=activation)


@pytest.mark.parametrize("seed", ["1", -1, 1.5, True])
def test_a_bad_seed_is_refused_by_name(seed):
    with pytest.raises(ValueError, match=r"`seed` must be a non-negative integer or None"):
        MLP([2, 4, 1], seed=seed)


def test_evaluate_refuses_targets_that_are_not_prepared():
    # evaluate and train_step take y as prepare() gives it; anything else would broadcast
    # into a wrong loss (an (n,) target against (n, 1) outputs gives an (n, n) residual).
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3)).astype(np.float32)
    regressor = MLP([3, 4, 1], loss="mae", seed=0)
    for y in (X[:, 0], X[:, :1].astype(np.float64), np.zeros((40, 2), np.float32)):
        with pytest.raises(ValueError, match=r"y float32 rows of shape \(n_samples, 1\)"):
            regressor.evaluate(X, y)
        with pytest.raises(ValueError, match=r"compute_loss\(X, y\) takes them as they are"):
            regressor.train_step(X, y)
    assert regressor.evaluate(*regressor.prepare(X, X[:, 0]))[0] == pytest.approx(
        regressor.compute_loss(X, X[:, 0])
    )
    classifier = MLP([3, 4, 2], output="softmax", seed=0)
    for labels in (np.array(["a"] * 40), np.zeros(40, np.int32)):
        with pytest.raises(ValueError, match="int64 labels of shape"):
            classifier.evaluate(X, labels)
    for wrong in (-1, 2):
        with pytest.raises(ValueError, match=rf"labels 0\.\.1, got labels from {wrong} to"):
            classifier.evaluate(X, np.full(40, wrong))


def test_trace_says_what_softmax_and_a_learned_slope_are_made_of():
    net = MLP([2, 3, 3], activation="prelu", output="softmax", seed=0)
    net.dense_layers[0].activation_parameters[...] = -0.5
    text = str(net.trace(np.array([1.0, -2.0])))
    assert "a = prelu(z; slope (-0.5)) = " in text
    assert "a = exp(z) / Σ exp(z of this layer's 3 neurons) = " in text
    trace = net.trace(np.array([1.0, -2.0]))
    z = trace.layers[1].z
    np.testing.assert_allclose(trace.output, np.exp(z) / np.exp(z).sum(), rtol=1e-6)
