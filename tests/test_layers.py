import numpy as np
import pytest

from neuronet import Dense, Neuron, activations


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
    layer.activation.slope[...] = [0.1, 0.2, 0.3]
    x = -np.ones((1, 2), dtype=np.float32)
    for j, neuron in enumerate(layer.neurons):
        np.testing.assert_allclose(neuron(x), layer(x)[:, j], rtol=1e-6)
    layer.neurons[2].activation.slope[...] = 0.9
    assert layer.activation.slope[2] == pytest.approx(0.9)


@pytest.mark.parametrize(("n_in", "n_out"), [(0, 3), (3, -1), (2.5, 3), (True, 3)])
def test_dense_rejects_bad_sizes(n_in, n_out):
    with pytest.raises(ValueError, match="must be a positive integer"):
        Dense(n_in, n_out)


def test_dropout_mask_keeps_the_expected_value(rng):
    from neuronet import Dropout

    mask = Dropout(0.25).mask((200, 500), rng, np.float32)
    assert mask.dtype == np.float32
    assert set(np.unique(mask)) == {0.0, np.float32(1 / 0.75)}
    assert mask.mean() == pytest.approx(1.0, abs=0.01)
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        Dropout(1.0)
