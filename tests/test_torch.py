"""neuronet.torch: networks to PyTorch and back, checked against PyTorch's forward and autograd."""

import warnings

import numpy as np
import pytest

import neuronet
from conftest import require
from neuronet import MLP, activations, losses
from neuronet.activations import Tanh

torch = require("torch")
nn = torch.nn

from neuronet.torch import from_torch, to_torch  # noqa: E402

# Activations that warn when every hidden layer uses them, and why (MLP's own advice).
HIDDEN_WARNINGS = {"softmax": ".*meant for the output layer", "identity": ".*network is linear"}


def build(sizes, activation="tanh", output=None, *, rng, dtype="float64", **kwargs):
    """An MLP whose every parameter (weights, biases, slopes, norm state) is random."""
    name = activation if isinstance(activation, str) else activation.name
    with warnings.catch_warnings():
        if name in HIDDEN_WARNINGS:
            warnings.filterwarnings("ignore", HIDDEN_WARNINGS[name], UserWarning)
        net = MLP(sizes, activation, output, dtype=dtype, seed=0, **kwargs)
    for layer in net.dense_layers:
        for key, view in layer.tensors().items():
            if key == "norm.running_var":
                view[...] = rng.uniform(0.5, 2.0, view.shape)
            elif key == "activation":  # PReLU slopes, each its own
                view[...] = rng.uniform(0.05, 0.5, view.shape)
            else:
                view[...] = rng.normal(0.0, 0.7, view.shape)
    return net


def torch_forward(module, X):
    with torch.no_grad():
        return module(torch.from_numpy(X)).numpy()


def configs_equal(a, b):
    ca, cb = a.get_config(), b.get_config()
    ca.pop("init")  # PyTorch has no notion of neuronet's initialiser choice
    cb.pop("init")
    return ca == cb


def round_trip(net, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the hidden-layer advice, again
        return from_torch(to_torch(net), **kwargs)


# --- every activation, both ways -----------------------------------------------------------


def activation_cases():
    """Every registered activation (PReLU with shared and per-neuron slopes), and variants."""
    cases = []
    for name in activations.names():
        if name == "prelu":
            cases.append(pytest.param(activations.get("prelu", per_neuron=True), id="prelu-each"))
            cases.append(pytest.param(activations.get("prelu", init=0.1), id="prelu-shared"))
        else:
            cases.append(pytest.param(name, id=name))
    return [
        *cases,
        pytest.param(activations.get("leaky_relu", negative_slope=0.2), id="leaky_relu-0.2"),
        pytest.param(activations.get("elu", alpha=0.5), id="elu-0.5"),
        pytest.param(activations.get("gelu", approximate="tanh"), id="gelu-tanh"),
    ]


@pytest.mark.parametrize("activation", activation_cases())
def test_hidden_activation_round_trip(activation, rng):
    net = build([3, 5, 4, 2], activation, rng=rng)
    X = rng.normal(0.0, 3.0, (64, 3))
    module = to_torch(net)
    np.testing.assert_allclose(torch_forward(module, X), net.forward(X), rtol=1e-6, atol=1e-6)
    back = round_trip(net)
    assert back.dtype == np.float64
    assert np.array_equal(back.parameters, net.parameters)  # bit for bit
    assert configs_equal(back, net)
    assert np.array_equal(back.forward(X), net.forward(X))


@pytest.mark.parametrize("activation", activation_cases())
def test_output_activation_round_trip(activation, rng):
    net = build([3, 6, 4], "relu", activation, rng=rng)
    X = rng.normal(0.0, 3.0, (64, 3))
    np.testing.assert_allclose(
        torch_forward(to_torch(net), X), net.forward(X), rtol=1e-6, atol=1e-6
    )
    back = from_torch(to_torch(net))
    assert np.array_equal(back.parameters, net.parameters)
    assert configs_equal(back, net)


def test_every_registered_activation_is_covered():
    # A newly registered activation must be given a PyTorch module here too.
    net_names = {activations.get(p.values[0]).name for p in activation_cases()}
    assert net_names == set(activations.names())


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        (nn.ReLU(), "relu"),
        (nn.LeakyReLU(0.3), activations.get("leaky_relu", negative_slope=0.3)),
        (nn.ELU(alpha=0.7), activations.get("elu", alpha=0.7)),
        (nn.SELU(), "selu"),
        (nn.GELU(), "gelu"),
        (nn.GELU(approximate="tanh"), activations.get("gelu", approximate="tanh")),
        (nn.SiLU(), "silu"),
        (nn.Sigmoid(), "sigmoid"),
        (nn.Tanh(), "tanh"),
        (nn.Softplus(), "softplus"),
        (nn.Softplus(beta=1.0, threshold=30.0), "softplus"),
        (nn.Softsign(), "softsign"),
        (nn.Mish(), "mish"),
        (nn.Identity(), "identity"),
        (nn.PReLU(), activations.get("prelu")),
        (
            nn.PReLU(num_parameters=6, init=0.1),
            activations.get("prelu", init=0.1, per_neuron=True),
        ),
    ],
    ids=repr,
)
def test_torch_activation_modules(module, expected, rng):
    # Modules PyTorch built and initialised itself: neuronet reads them and computes the same.
    torch.manual_seed(0)
    hidden = module.double()
    if isinstance(hidden, nn.PReLU):
        with torch.no_grad():
            hidden.weight.uniform_(0.05, 0.5)
    seq = nn.Sequential(nn.Linear(3, 6), hidden, nn.Linear(6, 2)).double().eval()
    X = rng.normal(0.0, 3.0, (64, 3))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*network is linear", UserWarning)
        net = from_torch(seq)
    assert net.hidden_activations == [activations.get(expected)]
    np.testing.assert_allclose(net.forward(X), torch_forward(seq, X), rtol=1e-6, atol=1e-6)


def test_softplus_agrees_above_the_threshold():
    # PyTorch switches to z above 20; neuronet's log(1 + e^z) differs by at most 2.1e-9 there.
    seq = nn.Sequential(nn.Linear(1, 1), nn.Softplus()).double()
    with torch.no_grad():
        seq[0].weight.fill_(1.0)
        seq[0].bias.zero_()
    X = np.linspace(-40.0, 60.0, 1001)[:, None]
    net = from_torch(seq)
    np.testing.assert_allclose(net.forward(X), torch_forward(seq, X), rtol=0, atol=2.1e-9)


# --- the output and the loss ---------------------------------------------------------------


def loss_cases():
    """Each loss with its canonical output (identity for those that have none)."""
    outputs = {name: losses.get(name).canonical_output or "identity" for name in losses.names()}
    return [pytest.param(name, out, id=f"{out}-{name}") for name, out in outputs.items()]


@pytest.mark.parametrize(("loss", "output"), loss_cases())
def test_every_output_loss_pair(loss, output, rng):
    n_out = 3 if output == "softmax" else 2
    classifier = losses.get(loss).classification
    classes = [f"c{i}" for i in range(n_out)] if classifier else None
    net = build([4, 5, n_out], "tanh", output, rng=rng, loss=loss, classes=classes)
    back = from_torch(to_torch(net), loss=loss, classes=classes)
    assert np.array_equal(back.parameters, net.parameters)
    assert configs_equal(back, net)
    # The same network from the module without its output activation, trained on logits.
    logits_module = to_torch(net, logits=True)
    assert isinstance(logits_module[-1], nn.Linear)
    back = from_torch(logits_module, logits=True, loss=loss, classes=classes)
    assert np.array_equal(back.parameters, net.parameters)
    assert configs_equal(back, net)


def test_output_activation_infers_the_loss(rng):
    for last, loss in [
        (nn.Softmax(dim=-1), "categorical_cross_entropy"),
        (nn.Softmax(dim=1), "categorical_cross_entropy"),
        (nn.Sigmoid(), "binary_cross_entropy"),
        (nn.Tanh(), "mse"),
        (None, "mse"),
    ]:
        layers = [nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)] + ([last] if last else [])
        net = from_torch(nn.Sequential(*layers))
        assert net.loss.name == loss
        assert net.output_activation.name == (type(last).__name__.lower() if last else "identity")


def test_loss_can_be_overridden():
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    net = from_torch(seq, loss="huber")
    assert net.loss == losses.get("huber") and net.output_activation.name == "identity"
    # A mismatched pair warns exactly as MLP(...) does.
    with pytest.warns(losses.PairingWarning):
        from_torch(nn.Sequential(nn.Linear(3, 2), nn.Sigmoid()), loss="mse")


def test_losses_and_gradients_match_pytorch(rng):
    # A network PyTorch built, with batch norm (batch statistics while training) and one PReLU
    # slope per neuron: neuronet's loss and every gradient equal autograd's through
    # nn.CrossEntropyLoss on the logits.
    torch.manual_seed(1)
    seq = nn.Sequential(
        nn.Linear(4, 6),
        nn.BatchNorm1d(6),
        nn.PReLU(6),
        nn.Linear(6, 5),
        nn.BatchNorm1d(5),
        nn.Tanh(),
        nn.Linear(5, 3),
    ).double()
    X = rng.normal(size=(32, 4))
    y = rng.integers(0, 3, 32)
    net = from_torch(seq, logits=True, loss="categorical_cross_entropy")
    seq.train()
    loss = nn.CrossEntropyLoss()(seq(torch.from_numpy(X)), torch.from_numpy(y))
    loss.backward()
    ours, _ = net.loss_and_gradient(X, y)
    assert ours == pytest.approx(loss.item(), rel=1e-12)
    for layer, linear in zip(net.dense_layers, (seq[0], seq[3], seq[6]), strict=True):
        np.testing.assert_allclose(layer.weight_grad, linear.weight.grad.numpy().T, atol=1e-12)
        np.testing.assert_allclose(layer.bias_grad, linear.bias.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(
        net.dense_layers[0].activation_gradients, seq[2].weight.grad.numpy(), atol=1e-12
    )
    np.testing.assert_allclose(
        net.dense_layers[0].norm.scale_grad, seq[1].weight.grad.numpy(), atol=1e-12
    )
    np.testing.assert_allclose(
        net.dense_layers[0].norm.shift_grad, seq[1].bias.grad.numpy(), atol=1e-12
    )


# --- dropout and normalisation -------------------------------------------------------------


@pytest.mark.parametrize("norm", [None, "batch", "layer"])
@pytest.mark.parametrize("dropout", [0.0, 0.3])
def test_dropout_and_norm_round_trip(norm, dropout, rng):
    net = build([3, 6, 5, 2], "relu", "softmax", rng=rng, norm=norm, dropout=dropout)
    module = to_torch(net)
    kinds = [type(m).__name__ for m in module]
    hidden = [*({"batch": ["BatchNorm1d"], "layer": ["LayerNorm"]}.get(norm or "", [])), "ReLU"]
    hidden += ["Dropout"] if dropout else []
    assert kinds == ["Linear", *hidden, "Linear", *hidden, "Linear", "Softmax"]
    assert not module.training  # evaluation mode: dropout off, running statistics
    X = rng.normal(size=(40, 3))
    np.testing.assert_allclose(torch_forward(module, X), net.forward(X), rtol=1e-6, atol=1e-6)
    back = from_torch(module)
    assert np.array_equal(back.parameters, net.parameters)
    assert configs_equal(back, net)
    for ours, theirs in zip(back.dense_layers, net.dense_layers, strict=True):
        for key, view in theirs.tensors().items():
            assert np.array_equal(ours.tensors()[key], view), key  # running statistics too


def test_batch_norm_trained_in_torch(rng):
    # Running statistics that PyTorch accumulated itself, in float32: ~1e-5 agreement.
    torch.manual_seed(2)
    seq = nn.Sequential(
        nn.Linear(4, 8), nn.BatchNorm1d(8), nn.GELU(), nn.Dropout(0.2), nn.Linear(8, 1)
    )
    X = rng.normal(2.0, 3.0, (256, 4)).astype(np.float32)
    seq.train()
    for start in range(0, 256, 32):
        seq(torch.from_numpy(X[start : start + 32]))
    seq.eval()
    net = from_torch(seq)
    assert net.dtype == np.float32 and net.norm == "batch" and net.dropout == pytest.approx(0.2)
    np.testing.assert_allclose(net.forward(X), torch_forward(seq, X), rtol=1e-5, atol=1e-5)


def test_float32_agrees_to_rounding(rng):
    net = build([5, 16, 16, 3], "silu", "softmax", rng=rng, dtype="float32")
    X = rng.normal(size=(100, 5)).astype(np.float32)
    module = to_torch(net)
    assert module[0].weight.dtype == torch.float32
    np.testing.assert_allclose(torch_forward(module, X), net.forward(X), rtol=1e-5, atol=1e-6)
    assert np.array_equal(from_torch(module).parameters, net.parameters)


def test_defaults_for_missing_parameters(rng):
    seq = nn.Sequential(
        nn.Linear(3, 4, bias=False),
        nn.LayerNorm(4, elementwise_affine=False),
        nn.Tanh(),
        nn.Linear(4, 2),
    ).double()
    net = from_torch(seq)
    assert np.array_equal(net.dense_layers[0].bias, np.zeros(4))
    assert np.array_equal(net.dense_layers[0].norm.scale, np.ones(4))
    X = rng.normal(size=(20, 3))
    np.testing.assert_allclose(net.forward(X), torch_forward(seq.eval(), X), atol=1e-12)


# --- training further ----------------------------------------------------------------------


def test_network_from_torch_trains_further():
    X, y = neuronet.datasets.circles(200, noise=0.05, seed=0)
    torch.manual_seed(3)
    seq = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    net = from_torch(seq, logits=True, loss="cross_entropy", classes=["in", "out"], seed=0)
    labels = np.array(["in", "out"])[y]
    before = net.compute_loss(X, labels)
    history = net.fit(X, labels, epochs=60, batch_size=20, lr=0.02, verbose=0)
    assert history.history["loss"][-1] < before
    assert float((net.predict(X) == labels).mean()) > 0.95
    # ... and back to PyTorch with what it learned.
    probabilities = torch_forward(to_torch(net), X.astype(np.float32))
    np.testing.assert_allclose(probabilities, net.predict_proba(X), rtol=1e-5, atol=1e-6)


# --- what cannot be converted --------------------------------------------------------------


def error(module, **kwargs):
    with pytest.raises((ValueError, TypeError)) as info:
        from_torch(module, **kwargs)
    return str(info.value)


class Custom(nn.Module):
    def forward(self, x):
        return x


def test_not_a_sequential():
    message = error(nn.Linear(3, 2))
    assert "torch.nn.Sequential" in message and "Linear" in message
    assert "nn.Softmax" in message  # lists what is supported
    assert "Custom" in error(Custom())
    with pytest.raises(TypeError, match="`module` must be"):
        from_torch("not a module")


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ([nn.Linear(3, 4), nn.ReLU6(), nn.Linear(4, 1)], r"`module`\[1\] is ReLU6"),
        ([nn.Linear(3, 4), nn.Hardtanh(), nn.Linear(4, 1)], r"`module`\[1\] is Hardtanh"),
        ([nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2), nn.LogSoftmax(dim=-1)], "logits=True"),
        ([nn.Flatten(), nn.Linear(3, 1)], r"`module`\[0\] is Flatten"),
        ([nn.ReLU(), nn.Linear(3, 1)], "before any nn.Linear"),
        ([nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 1)], r"after ReLU\(\)"),
        ([nn.Linear(3, 4), nn.Dropout(0.1), nn.ReLU(), nn.Linear(4, 1)], "in that order"),
        ([nn.Linear(3, 4), nn.ReLU(), nn.Tanh(), nn.Linear(4, 1)], r"`module`\[2\] is Tanh"),
        ([nn.Linear(3, 4), nn.Linear(5, 1)], "has 4 outputs"),
        ([nn.Linear(3, 2), nn.Dropout(0.1)], "never normalises or drops"),
        ([nn.Linear(3, 2), nn.BatchNorm1d(2)], "never normalises or drops"),
        (
            [
                nn.Linear(3, 4),
                nn.BatchNorm1d(4),
                nn.ReLU(),
                nn.Linear(4, 4),
                nn.ReLU(),
                nn.Linear(4, 1),
            ],
            "one normalisation to every hidden layer",
        ),
        (
            [
                nn.Linear(3, 4),
                nn.ReLU(),
                nn.Dropout(0.1),
                nn.Linear(4, 4),
                nn.ReLU(),
                nn.Dropout(0.2),
                nn.Linear(4, 1),
            ],
            "one dropout to every hidden layer",
        ),
        ([nn.Linear(3, 4), nn.Softplus(beta=2.0), nn.Linear(4, 1)], "beta=1 only"),
        ([nn.Linear(3, 4), nn.Softplus(threshold=5.0), nn.Linear(4, 1)], "threshold >= 20"),
        ([nn.Linear(3, 4), nn.LeakyReLU(1.5), nn.Linear(4, 1)], "negative_slope"),
        ([nn.Linear(3, 4), nn.ELU(alpha=-1.0), nn.Linear(4, 1)], "alpha"),
        ([nn.Linear(3, 4), nn.PReLU(3), nn.Linear(4, 1)], "one per neuron"),
        ([nn.Linear(3, 2), nn.Softmax(dim=0)], "dim=-1"),
        ([nn.Linear(3, 4), nn.BatchNorm1d(4, eps=1e-3), nn.Linear(4, 1)], "eps=1e-05"),
        ([nn.Linear(3, 4), nn.BatchNorm1d(4, momentum=0.01), nn.Linear(4, 1)], "momentum=0.1"),
        (
            [nn.Linear(3, 4), nn.BatchNorm1d(4, track_running_stats=False), nn.Linear(4, 1)],
            "running statistics",
        ),
        ([nn.Linear(3, 4), nn.LayerNorm(5), nn.Linear(4, 1)], "normalized_shape=\\(4,\\)"),
        ([nn.Linear(3, 4), nn.Dropout(1.0), nn.Linear(4, 1)], r"in \[0, 1\)"),
        ([], "no parameters"),
    ],
    ids=lambda v: "-".join(type(m).__name__ for m in v) if isinstance(v, list) else "",
)
def test_unsupported_modules_are_named(layers, expected):
    with pytest.raises(ValueError, match=expected):
        from_torch(nn.Sequential(*layers))


def test_unsupported_layer_lists_what_is_supported():
    message = error(nn.Sequential(nn.Linear(3, 4), nn.ReLU6(), nn.Linear(4, 1)))
    for name in ("nn.Linear", "nn.BatchNorm1d", "nn.PReLU", "nn.Dropout", "nn.Softmax(dim=-1)"):
        assert name in message


def test_dtype_must_be_one_float_type():
    assert "float16" in error(nn.Sequential(nn.Linear(3, 1)).half())
    mixed = nn.Sequential(nn.Linear(3, 2).double(), nn.Linear(2, 1))
    assert "must all be torch.float32 or all torch.float64" in error(mixed)


def test_logits_flag_is_checked():
    seq = nn.Sequential(nn.Linear(3, 2))
    assert "needs `loss`" in error(seq, logits=True)
    assert "ends with Softmax" in error(
        nn.Sequential(nn.Linear(3, 2), nn.Softmax(dim=-1)), logits=True, loss="cce"
    )
    with pytest.raises(TypeError, match="`logits` must be True or False"):
        from_torch(seq, logits="yes")


def test_to_torch_refuses_what_it_cannot_convert(rng):
    with pytest.raises(TypeError, match="`net` must be a neuronet MLP"):
        to_torch(nn.Sequential())

    class ScaledTanh(Tanh):  # a subclass computes something else under the same name
        def forward(self, z):
            return 2.0 * np.tanh(z)

    net = MLP([2, 3, 1], ScaledTanh(), seed=0)
    with pytest.raises(ValueError, match="no PyTorch module for the activation"):
        to_torch(net)
