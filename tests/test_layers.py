import numpy as np
import pytest

from neuronet import Dense, Dropout, Layer, Neuron, activations


def test_neuron_computes_its_equation():
    neuron = Neuron([0.5, -0.25, 2.0], bias=0.1, activation="tanh")
    x = np.array([1.0, 2.0, -0.5])
    z = 0.5 * 1.0 - 0.25 * 2.0 + 2.0 * -0.5 + 0.1
    assert float(neuron.pre_activation(x)) == pytest.approx(z)
    assert float(neuron(x)) == pytest.approx(np.tanh(z))
    batch = np.stack([x, 2 * x])
    np.testing.assert_allclose(neuron.forward(batch), np.tanh(batch @ [0.5, -0.25, 2.0] + 0.1))


def test_neuron_rejects_bad_shapes():
    with pytest.raises(ValueError, match="`weights` must be a non-empty 1-D"):
        Neuron([[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"expected \(2,\) or \(n_samples, 2\)"):
        Neuron([1.0, 2.0]).forward([1.0, 2.0, 3.0])


def test_dense_shapes_and_equation(rng):
    layer = Dense(4, 3, "sigmoid", rng=rng)
    assert layer.weights.shape == (4, 3) and layer.bias.shape == (3,)
    assert layer.weights.dtype == np.float32
    X = rng.normal(size=(5, 4)).astype(np.float32)
    expected = 1 / (1 + np.exp(-(X @ layer.weights + layer.bias)))
    np.testing.assert_allclose(layer(X), expected, rtol=1e-6)
    with pytest.raises(ValueError, match=r"Dense\(n_in=4\) got input of shape \(5, 3\)"):
        layer.forward(X[:, :3])


def test_neuron_views_share_memory_with_the_layer(rng):
    layer = Dense(3, 2, "relu", rng=rng)
    neuron = layer.neurons[1]
    assert np.shares_memory(neuron.weights, layer.weights)
    neuron.weights = [1.0, 2.0, 3.0]
    neuron.bias = -0.5
    np.testing.assert_array_equal(layer.weights[:, 1], [1.0, 2.0, 3.0])
    assert layer.bias[1] == -0.5
    layer.weights[0, 1] = 9.0
    assert neuron.weights[0] == 9.0
    x = rng.normal(size=(4, 3)).astype(np.float32)
    np.testing.assert_allclose(neuron(x), layer(x)[:, 1], rtol=1e-6)


def test_per_neuron_prelu_neuron_sees_its_own_slope(rng):
    layer = Dense(2, 3, activations.get("prelu", per_neuron=True), rng=rng)
    layer.activation_parameters[...] = [0.1, 0.2, 0.3]
    x = -np.ones((1, 2), dtype=np.float32)
    for j, neuron in enumerate(layer.neurons):
        np.testing.assert_allclose(neuron(x), layer(x)[:, j], rtol=1e-6)
    layer.neurons[2].activation_parameters[...] = 0.9
    assert layer.activation_parameters[2] == pytest.approx(0.9)


@pytest.mark.parametrize(
    ("n_in", "n_out", "error"),
    [(0, 3, ValueError), (3, -1, ValueError), (2.5, 3, TypeError), (True, 3, TypeError)],
)
def test_dense_rejects_bad_sizes(n_in, n_out, error):
    # A number of the wrong type is a TypeError, a whole number out of range a ValueError.
    with pytest.raises(error, match="must be a positive integer"):
        Dense(n_in, n_out)


def test_neuron_with_integer_weights_computes_in_floating_point():
    # Integer weights once made the input int too: forward([0.5, 0.5]) gave 0, not 1.5.
    neuron = Neuron([1, 2], bias=0)
    assert float(neuron.forward([0.5, 0.5])) == 1.5
    assert neuron.weights.dtype == np.float64
    # A floating-point array is still used as it is (a view stays a view).
    w = np.array([1.0, 2.0], dtype=np.float32)
    assert Neuron(w).weights is w


def test_dropout_mask_keeps_the_expected_value(rng):
    mask = Dropout(0.25).mask((200, 500), rng, np.float32)
    assert mask.dtype == np.float32
    assert set(np.unique(mask)) == {0.0, np.float32(1 / 0.75)}
    assert mask.mean() == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize(
    ("rate", "error", "message"),
    [
        (1.0, ValueError, r"`rate` must be a number in \[0, 1\), got 1.0"),
        (-0.1, ValueError, r"\[0, 1\)"),
        (False, TypeError, "got False of type bool"),
        ("0.5", TypeError, "of type str"),
    ],
)
def test_dropout_rejects_bad_rates(rate, error, message):
    with pytest.raises(error, match=message):
        Dropout(rate)


def test_layers_share_one_interface(rng):
    # Dense and Dropout are both Layers: the network drives them through the same calls.
    dense, drop = Dense(3, 4, "tanh", rng=rng), Dropout(0.5, width=4)
    assert isinstance(dense, Layer) and isinstance(drop, Layer)
    x = rng.normal(size=(5, 3)).astype(np.float32)
    h = drop.propagate(dense.propagate(x, training=True, rng=rng), training=True, rng=rng)
    assert h.shape == (5, 4)
    grad = drop.backpropagate(np.ones_like(h))
    assert dense.backpropagate(grad).shape == (5, 3)
    assert drop.n_parameters == 0 and not drop.decay_mask().any()
    assert dense.decay_mask().sum() == 3 * 4


@pytest.mark.parametrize("per_neuron", [True, False])
def test_a_prelu_neuron_takes_one_sample_or_a_batch(per_neuron, rng):
    # The neuron is one column of its layer: a scalar for one sample, (n,) for a batch, each
    # from the layer's own numbers.
    layer = Dense(2, 3, activations.get("prelu", per_neuron=per_neuron), rng=rng)
    layer.activation_parameters[...] = [0.1, 0.2, 0.3] if per_neuron else [0.25]
    X = rng.standard_normal((5, 2)).astype(np.float32) * 3
    for j, neuron in enumerate(layer.neurons):
        np.testing.assert_allclose(neuron(X), layer(X)[:, j], rtol=1e-6)  # a product each way
        assert neuron(X).shape == (5,)
        assert neuron(X[0]).shape == ()
        np.testing.assert_allclose(neuron(X[0]), layer(X)[0, j], rtol=1e-6)
    alone = Neuron([0.5, -0.25], 0.1, activations.get("prelu", per_neuron=True))
    np.testing.assert_allclose(alone([[1.0, 2.0], [-1.0, 1.0]]), [0.1, -0.65 * 0.25])  # slope ¼


def test_softmax_is_not_a_neurons_activation():
    # Each softmax output depends on every z of its layer: one neuron alone would output 1.
    with pytest.raises(ValueError, match="softmax depends on every neuron of its layer"):
        Neuron([0.5, -0.25], 0.1, "softmax")
    with pytest.raises(TypeError, match="neurons of a softmax layer are not independent"):
        Dense(2, 3, "softmax").neurons  # noqa: B018
