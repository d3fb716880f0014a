"""Batch and layer normalisation: against PyTorch, by finite differences, in a network."""

import numpy as np
import pytest

from conftest import require
from neuronet import MLP, BatchNorm, Dense, LayerNorm, datasets, load
from numerics import central_differences


@pytest.fixture
def torch():
    return require("torch")


def run_torch(module, x, grad):
    """PyTorch's output and input gradient for x, with upstream gradient `grad`."""
    import torch

    xt = torch.tensor(x, requires_grad=True)
    y = module(xt)
    y.backward(torch.tensor(grad))
    return y.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("kind", ["batch", "layer"])
def test_forward_and_backward_match_pytorch(kind, torch, rng):
    width = 5
    x, grad = rng.normal(size=(8, width)) * 3 + 1, rng.normal(size=(8, width))
    ours = (BatchNorm if kind == "batch" else LayerNorm)(width, dtype="float64")
    ours.scale[...] = rng.uniform(0.5, 2.0, width)
    ours.shift[...] = rng.normal(size=width)
    module = (torch.nn.BatchNorm1d if kind == "batch" else torch.nn.LayerNorm)(width).double()
    with torch.no_grad():
        module.weight.copy_(torch.tensor(ours.scale))
        module.bias.copy_(torch.tensor(ours.shift))
    module.train()
    expected_y, expected_dx = run_torch(module, x, grad)
    y = ours.propagate(x, training=True, rng=np.random.default_rng(0))
    dx = ours.backpropagate(grad.copy())
    np.testing.assert_allclose(y, expected_y, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.scale_grad, module.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.shift_grad, module.bias.grad.numpy(), rtol=1e-10)
    if kind == "batch":
        # Running statistics updated as PyTorch's (momentum 0.1, unbiased variance).
        np.testing.assert_allclose(ours.running_mean, module.running_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(ours.running_var, module.running_var.numpy(), rtol=1e-12)
        module.eval()
        with torch.no_grad():
            expected = module(torch.tensor(x)).numpy()
        np.testing.assert_allclose(ours.forward(x), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ["batch", "layer"])
@pytest.mark.parametrize(("output", "loss"), [("softmax", "cce"), ("identity", "mse")])
def test_whole_network_gradient_matches_finite_differences(kind, output, loss, rng):
    net = MLP(
        [3, 6, 5, 3],
        activation="tanh",
        output=output,
        loss=loss,
        norm=kind,
        dtype="float64",
        seed=0,
    )
    for layer in net.dense_layers[:-1]:  # move scale and shift off 1 and 0
        layer.norm.scale[...] = rng.uniform(0.5, 1.5, layer.n_out)
        layer.norm.shift[...] = rng.normal(scale=0.3, size=layer.n_out)
    X = rng.normal(size=(7, 3))
    y = rng.integers(0, 3, 7) if output == "softmax" else rng.normal(size=(7, 3))
    Xp, yp = net.prepare(X, y)

    def training_loss():
        return net.train_step(Xp, yp, deterministic=True)[0]

    training_loss()
    analytic = net.gradients.copy()
    numeric = central_differences(training_loss, net.parameters)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_deterministic_passes_leave_the_running_statistics_alone(rng):
    net = MLP([3, 4, 2], output="softmax", norm="batch", seed=0)
    X, y = rng.normal(size=(10, 3)), rng.integers(0, 2, 10)
    norm = net.dense_layers[0].norm
    net.loss_and_gradient(X, y)
    assert (norm.running_mean == 0).all() and (norm.running_var == 1).all()
    net.train_step(*net.prepare(X, y))
    assert not (norm.running_mean == 0).all()


def test_batch_norm_trains_saves_and_predicts_with_running_statistics(tmp_path):
    X, y = datasets.spiral(300, n_classes=3, noise=0.1, seed=0)
    net = MLP([2, 32, 32, 3], output="softmax", norm="batch", seed=0)
    net.fit(X, y, epochs=40, lr=0.01, verbose=0)
    assert float((net.predict(X) == y).mean()) > 0.9
    # Prediction is per sample: one sample alone gets the same answer as in a batch.
    np.testing.assert_allclose(net.predict_proba(X[:1]), net.predict_proba(X)[:1], rtol=1e-5)
    net.save(tmp_path / "bn.safetensors")
    again = load(tmp_path / "bn.safetensors")
    assert again.norm == "batch"
    for a, b in zip(again.dense_layers, net.dense_layers, strict=True):
        if b.norm is not None:
            np.testing.assert_array_equal(a.norm.running_var, b.norm.running_var)
    np.testing.assert_array_equal(again.predict_proba(X), net.predict_proba(X))


def test_batch_norm_rescues_a_deep_sigmoid_network():
    # Six sigmoid hidden layers stay at chance for 30 epochs; normalised, they learn.
    X, y = datasets.circles(300, noise=0.1, seed=1)
    accuracy = {}
    for norm in (None, "batch"):
        net = MLP([2, *[32] * 6, 2], activation="sigmoid", output="softmax", norm=norm, seed=0)
        net.fit(X, y, epochs=30, lr=0.05, optimizer="momentum", verbose=0)
        accuracy[norm] = float((net.predict(X) == y).mean())
    assert accuracy[None] <= 0.55 and accuracy["batch"] >= 0.9


def test_layout_summary_and_errors():
    net = MLP([2, 4, 3], output="softmax", norm="layer", seed=0)
    layer = net.dense_layers[0]
    # 2·4 weights + 4 biases + 4 scales + 4 shifts, then the output layer.
    assert layer.n_parameters == 2 * 4 + 4 + 4 + 4
    assert np.shares_memory(layer.norm.scale, net.parameters)
    assert not net.weight_mask[8 + 4 : 8 + 12].any()  # no weight decay on scale and shift
    assert "layer norm before the activation" in net.summary()
    assert repr(net).endswith("norm='layer')")
    with pytest.raises(ValueError, match="`norm` must be 'batch', 'layer' or None"):
        MLP([2, 4, 3], output="softmax", norm="group")
    with pytest.raises(TypeError, match="not independent"):
        Dense(2, 3, norm="batch").neurons  # noqa: B018
    with pytest.raises(ValueError, match=r"`momentum` must be a number in \(0, 1\]"):
        BatchNorm(3, momentum=0.0)


def test_a_last_batch_of_one_sample_does_not_break_batch_norm():
    X, y = datasets.moons(33, seed=0)  # batches of 32 and 1
    net = MLP([2, 8, 2], output="softmax", norm="batch", seed=0)
    history = net.fit(X, y, epochs=3, batch_size=32, verbose=0)
    assert np.isfinite(history["loss"]).all()
    assert np.isfinite(net.dense_layers[0].norm.running_var).all()
